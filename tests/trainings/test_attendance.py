"""Attendance of a training session: marked on the day, confirmed once, attestations follow."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from communes.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import ReferentFactory
from tests.outbox.utils import sent_text
from tests.trainings.followup_helpers import page_text, seat, session_on
from trainings.attendance import attendance_confirm, attendance_mark
from trainings.models import Attestation, TrainingSession

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 12)  # a Thursday
MIDDAY = "2026-03-12 12:00:00+01:00"
Status = TrainingSession.Status


@pytest.fixture
def session(referent):
    return session_on(referent, DAY)


@pytest.fixture
def seats(session, agent_a, agent_b, agent_c):
    return [seat(session, user.contact) for user in (agent_a, agent_b, agent_c)]


def attestation_mails():
    return list(OutgoingEmail.objects.filter(kind="trainings.attestation").order_by("to"))


@freeze_time("2026-03-11 12:00:00+01:00")
def test_attendance_cannot_be_marked_before_the_day_of_the_session(session, seats, referent):
    with pytest.raises(ValidationError) as error:
        attendance_mark(enrolment=seats[0], attended=True, by=referent)
    assert error.value.code == "too_early"
    assert "12 mars 2026" in error.value.messages[0]
    seats[0].refresh_from_db()
    assert seats[0].attended is None


@freeze_time(MIDDAY)
def test_a_cancelled_session_has_no_attendance(session, seats, referent):
    TrainingSession.objects.filter(pk=session.pk).update(status=Status.CANCELLED)
    with pytest.raises(ValidationError) as error:
        attendance_mark(enrolment=seats[0], attended=True, by=referent)
    assert error.value.code == "cancelled"


@freeze_time(MIDDAY)
def test_only_the_referent_of_the_epci_marks_attendance(session, seats, agent_a):
    for intruder in (ReferentFactory(), agent_a):
        with pytest.raises(ValidationError):
            attendance_mark(enrolment=seats[0], attended=True, by=intruder)
    seats[0].refresh_from_db()
    assert seats[0].attended is None


@freeze_time(MIDDAY)
def test_confirming_with_someone_unmarked_is_refused_and_changes_nothing(session, seats, referent):
    attendance_mark(enrolment=seats[0], attended=True, by=referent)
    with pytest.raises(ValidationError) as error:
        attendance_confirm(session=session, by=referent)
    assert error.value.code == "unmarked"
    assert error.value.messages == [
        "2 personnes ne sont pas encore pointées : indiquez si elles étaient présentes ou absentes."
    ]
    session.refresh_from_db()
    assert session.status == Status.OPEN
    assert not Attestation.objects.exists()
    assert attestation_mails() == []


@freeze_time("2026-03-12 08:00:00+01:00")
def test_confirming_before_the_session_begins_is_refused(session, seats, referent):
    for enrolment in seats:
        attendance_mark(enrolment=enrolment, attended=True, by=referent)
    with pytest.raises(ValidationError) as error:
        attendance_confirm(session=session, by=referent)
    assert error.value.code == "not_started"


@freeze_time(MIDDAY)
def test_confirming_holds_the_session_and_sends_each_person_present_an_attestation(
    session, seats, referent, agent_a, agent_b, agent_c, commune, other_commune
):
    attendance_mark(enrolment=seats[0], attended=True, by=referent)
    attendance_mark(enrolment=seats[1], attended=False, by=referent)
    attendance_mark(enrolment=seats[2], attended=True, by=referent)

    assert attendance_confirm(session=session, by=referent) == 2

    session.refresh_from_db()
    assert session.status == Status.HELD
    numbers = sorted(Attestation.objects.values_list("number", flat=True))
    assert numbers == ["ATT-2026-00001", "ATT-2026-00002"]
    assert {a.enrolment_id for a in Attestation.objects.all()} == {seats[0].pk, seats[2].pk}
    mails = attestation_mails()
    assert [m.to for m in mails] == sorted([agent_a.contact.email, agent_c.contact.email])
    for mail in mails:
        assert mail.subject == (
            "Votre attestation de formation : Télétransmettre les actes à la préfecture"
        )
        assert "/formations/questionnaire/" not in mail.body_text  # made when sent
        assert "/formations/questionnaire/" in sent_text(mail)
        (attachment,) = mail.attachments.all()
        assert attachment.mimetype == "application/pdf"
        assert bytes(attachment.content).startswith(b"%PDF")
        assert attachment.filename.startswith("attestation-formation-ATT-2026-")
    # Each commune's timeline says how many of its agents were trained.
    titles = dict(
        TimelineEntry.objects.filter(kind="training").values_list("commune__name", "title")
    )
    assert titles == {
        "Hénon": "Formation « Télétransmettre les actes à la préfecture » du 12/03/2026 : "
        "1 agent formé sur 2 inscrits",
        "Plédéliac": "Formation « Télétransmettre les actes à la préfecture » du 12/03/2026 : "
        "1 agent formé sur 1 inscrit",
    }

    with pytest.raises(ValidationError) as error:
        attendance_confirm(session=session, by=referent)
    assert error.value.code == "already_held"
    assert len(attestation_mails()) == 2


@freeze_time(MIDDAY)
def test_a_mark_corrected_after_confirmation_sends_the_attestation_once(
    session, seats, referent, agent_b
):
    for enrolment, present in zip(seats, (True, False, True), strict=True):
        attendance_mark(enrolment=enrolment, attended=present, by=referent)
    attendance_confirm(session=session, by=referent)

    attendance_mark(enrolment=seats[1], attended=True, by=referent)
    assert [m.to for m in OutgoingEmail.objects.filter(to=agent_b.contact.email)] == [
        agent_b.contact.email
    ]
    number = Attestation.objects.get(enrolment=seats[1]).number

    # Marked absent again, then present: same number, no second e-mail.
    attendance_mark(enrolment=seats[1], attended=False, by=referent)
    attendance_mark(enrolment=seats[1], attended=True, by=referent)
    assert Attestation.objects.get(enrolment=seats[1]).number == number
    assert OutgoingEmail.objects.filter(kind="trainings.attestation").count() == 3


@freeze_time(MIDDAY)
def test_a_person_without_an_address_still_gets_an_attestation_to_download(
    session, referent, contact_without_account
):
    enrolment = seat(session, contact_without_account)
    contact_without_account.email = ""
    contact_without_account.save()
    attendance_mark(enrolment=enrolment, attended=True, by=referent)
    assert attendance_confirm(session=session, by=referent) == 1
    assert Attestation.objects.get().email_message is None
    assert attestation_mails() == []


# --- pages -----------------------------------------------------------------------------------


@freeze_time(MIDDAY)
def test_the_referent_marks_and_confirms_on_the_attendance_page(client, session, seats, referent):
    client.force_login(referent)
    url = reverse("trainings:attendance", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "3 à pointer" in page_text(page)

    for enrolment, choice in zip(seats, ("present", "absent", "present"), strict=True):
        response = client.post(
            reverse("trainings:attendance_mark", args=[session.pk, enrolment.pk]),
            {"attended": choice},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"#inscrit-{enrolment.pk}")

    confirm = reverse("trainings:attendance_confirm", args=[session.pk])
    assert "2 personnes présentes" in page_text(client.get(confirm))
    response = client.post(confirm, follow=True)
    assert "Présences confirmées : la session est tenue. 2 attestations partent" in (
        page_text(response)
    )
    session.refresh_from_db()
    assert session.status == Status.HELD


@freeze_time(MIDDAY)
def test_a_bad_choice_or_an_early_confirmation_says_why(client, session, seats, referent):
    client.force_login(referent)
    response = client.post(
        reverse("trainings:attendance_mark", args=[session.pk, seats[0].pk]),
        {"attended": "peut-être"},
        follow=True,
    )
    assert "Choisissez « Présent » ou « Absent »." in page_text(response)
    response = client.post(reverse("trainings:attendance_confirm", args=[session.pk]))
    assert response.status_code == 400
    assert "3 personnes ne sont pas encore pointées" in page_text(response)


@freeze_time(MIDDAY)
def test_attendance_pages_are_404_for_another_epci_and_403_for_an_agent(
    client, session, seats, agent_a
):
    client.force_login(ReferentFactory())
    for name, args in [
        ("trainings:attendance", [session.pk]),
        ("trainings:attendance_confirm", [session.pk]),
        ("trainings:attendance_mark", [session.pk, seats[0].pk]),
    ]:
        assert client.post(reverse(name, args=args), {"attended": "present"}).status_code == 404
    client.force_login(agent_a)
    assert client.get(reverse("trainings:attendance", args=[session.pk])).status_code == 403
    seats[0].refresh_from_db()
    assert seats[0].attended is None


@freeze_time(MIDDAY)
def test_the_waiting_list_is_not_on_the_attendance_page(client, session, referent, agent_a):
    enrolment = seat(session, agent_a.contact)
    enrolment.status = "waiting"
    enrolment.save()
    client.force_login(referent)
    assert (
        agent_a.contact.full_name
        not in client.get(reverse("trainings:attendance", args=[session.pk])).content.decode()
    )
    response = client.post(
        reverse("trainings:attendance_mark", args=[session.pk, enrolment.pk]),
        {"attended": "present"},
    )
    assert response.status_code == 404
