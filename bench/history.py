"""Years of history for an EPCI of the bench: requests, meetings and their invitations,
training sessions and enrolments, adoptions. Written in bulk, once (the rows are looked for
first), so that the dashboard and the meeting pages are measured on a lived-in EPCI."""

from datetime import timedelta

from django.utils import timezone

YEARS = 3


def build_history(epci, referent) -> dict:
    from communes.adoption.models import Adoption
    from communes.models import Contact, Service
    from meetings.models import Invitation, Meeting
    from requests_relay.models import Request, Status
    from trainings.models import Enrolment, TrainingModule, TrainingSession

    if Meeting.objects.filter(epci=epci).exists():
        return history_counts(epci)
    now = timezone.now()
    communes = list(epci.communes.order_by("insee_code"))
    contacts = list(Contact.objects.filter(epci=epci).prefetch_related("communes").order_by("pk"))
    statuses = list(Status)
    Request.objects.bulk_create(
        Request(
            reference=f"DEM-B{epci.pk}-{i:05d}",
            commune=communes[i % len(communes)],
            category="setup",
            subject=f"Demande {i}",
            description="…",
            status=statuses[i % len(statuses)],
            submitted_by=referent,
        )
        for i in range(12 * YEARS * 40)
    )
    Request.objects.filter(commune__epci=epci).update(created_at=now)  # then spread in time
    for i, pk in enumerate(
        Request.objects.filter(commune__epci=epci).order_by("pk").values_list("pk", flat=True)
    ):
        if i % 37 == 0:
            Request.objects.filter(pk=pk).update(created_at=now - timedelta(days=i % (365 * YEARS)))
    services = list(Service.objects.filter(is_active=True))
    Adoption.objects.bulk_create(
        Adoption(commune=c, service=s, status=["active", "deploying", "interested"][j % 3])
        for j, c in enumerate(communes)
        for s in services[: 1 + j % len(services)]
    )
    meetings = Meeting.objects.bulk_create(
        Meeting(
            epci=epci,
            title=f"Réunion d'information {i}",
            starts_at=now - timedelta(days=10 * i),
            ends_at=now - timedelta(days=10 * i) + timedelta(hours=2),
            place="Salle du conseil",
            status=Meeting.Status.HELD if i else Meeting.Status.SCHEDULED,
            created_by=referent,
        )
        for i in range(12 * YEARS * 3)
    )
    upcoming = Meeting.objects.create(
        epci=epci,
        title="Réunion à venir, 300 invités",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=2),
        place="Salle du conseil",
        status=Meeting.Status.SCHEDULED,
        created_by=referent,
    )
    invitations = []
    for meeting in [*meetings, upcoming]:
        for k, contact in enumerate(contacts[: 60 if meeting is not upcoming else 300]):
            invitations.append(
                Invitation(
                    meeting=meeting,
                    contact=contact,
                    commune=contact.communes.all()[0] if contact.communes.all() else None,
                    name=contact.full_name,
                    email=contact.email,
                    response=["accepted", "declined", "pending"][k % 3],
                    attended=(k % 3 == 0) if meeting.status == "held" else None,
                )
            )
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    module_list = list(TrainingModule.objects.all())
    sessions = TrainingSession.objects.bulk_create(
        TrainingSession(
            epci=epci,
            module=module_list[i % len(module_list)],
            starts_at=now - timedelta(days=20 * i - 30),
            ends_at=now - timedelta(days=20 * i - 30) + timedelta(hours=3),
            trainer_name="Formateur",
            capacity=12,
            seats_taken=12 if i > 1 else 0,
            registration_deadline=(now - timedelta(days=20 * i - 25)).date(),
            status="held" if i > 1 else "open",
            created_by=referent,
        )
        for i in range(18 * YEARS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            session=session,
            contact=contacts[(i * 12 + k) % len(contacts)],
            commune=contacts[(i * 12 + k) % len(contacts)].communes.all()[0],
            status="enrolled",
            queued_at=session.starts_at - timedelta(days=20),
            attended=(k % 4 != 0) if session.status == "held" else None,
        )
        for i, session in enumerate(sessions)
        if session.seats_taken
        for k in range(12)
    )
    return history_counts(epci)


def history_counts(epci) -> dict:
    from meetings.models import Invitation, Meeting
    from requests_relay.models import Request
    from trainings.models import Enrolment

    return {
        "requests": Request.objects.filter(commune__epci=epci).count(),
        "meetings": Meeting.objects.filter(epci=epci).count(),
        "invitations": Invitation.objects.filter(meeting__epci=epci).count(),
        "enrolments": Enrolment.objects.filter(session__epci=epci).count(),
    }
