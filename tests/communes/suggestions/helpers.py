"""Helpers of the suggestions tests."""

from communes.models import Adoption, Service, Suggestion
from referent_portal.outbox.models import OutgoingEmail


def adopt(commune, code, status=Adoption.Status.ACTIVE):
    return Adoption.objects.create(
        commune=commune, service=Service.objects.get(code=code), status=status
    )


def emails_to(address):
    return list(OutgoingEmail.objects.filter(to=address).order_by("pk"))


def proposed(commune, *, rule="archivage_apres_actes", service="archivage", **fields):
    """A suggestion the portal proposed, as a rule would have stored it."""
    return Suggestion.objects.create(
        commune=commune,
        service=Service.objects.get(code=service) if service else None,
        rule=rule,
        status=Suggestion.Status.PROPOSED,
        title=fields.pop("title", "Archiver électroniquement vos actes"),
        body=fields.pop("body", "Vos actes sont déjà numériques : archivez-les."),
        **fields,
    )


def trained_on(commune, service_code):
    """An agent of `commune` attended a held session of the module on `service_code`: the
    rule « formation_service_adopte » has nothing to propose to it for that service."""
    from datetime import timedelta

    from django.utils import timezone

    from communes.models import Contact
    from tests.factories import UserFactory
    from trainings.models import Enrolment, TrainingModule, TrainingSession

    start = timezone.now() - timedelta(days=30)
    session = TrainingSession.objects.create(
        epci=commune.epci,
        module=TrainingModule.objects.filter(service__code=service_code).first(),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        trainer_name="Formateur",
        capacity=5,
        seats_taken=1,
        registration_deadline=timezone.localdate(start),
        status=TrainingSession.Status.HELD,
        created_by=UserFactory(),  # not a referent: the EPCI's referents stay as they were
    )
    contact = Contact.objects.create(
        epci=commune.epci, first_name="Agent", last_name="Formé", function="agent"
    )
    contact.communes.add(commune)
    Enrolment.objects.create(
        session=session, contact=contact, commune=commune, queued_at=start, attended=True
    )
