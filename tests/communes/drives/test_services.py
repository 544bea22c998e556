"""Business rules of the drives, called through the services: create, open, answer, cancel."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from communes.drives.models import Commitment, Drive
from communes.drives.selectors import (
    commitments_awaiting_answer,
    commitments_visible_to,
    communes_without_recipient,
    drives_visible_to,
)
from communes.drives.services import commitment_set, drive_cancel, drive_create, drive_open
from communes.models import Service
from communes.timeline.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.drives.conftest import drive_of
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

Answer = Commitment.Status
TODAY = date(2026, 11, 30)


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30 09:00:00+01:00"):
        yield


def invitations():
    return OutgoingEmail.objects.filter(kind="drives.invitation").order_by("to")


def timeline_titles(commune):
    return list(
        TimelineEntry.objects.filter(commune=commune, kind="drive")
        .order_by("pk")
        .values_list("title", flat=True)
    )


# --- create ---------------------------------------------------------------------------------


def test_a_new_drive_is_a_draft_where_each_targeted_commune_is_invited(referent, communes):
    drive = drive_of(referent, communes, deadline=date(2026, 12, 18))

    assert drive.status == Drive.Status.DRAFT
    assert drive.epci == referent.epci
    assert drive.created_by == referent
    assert sorted(drive.commitments.values_list("commune__name", "status")) == [
        ("Bréhand", Answer.INVITED),
        ("Hénon", Answer.INVITED),
        ("Plédéliac", Answer.INVITED),
    ]
    assert not OutgoingEmail.objects.exists()  # a draft writes to nobody
    assert not TimelineEntry.objects.exists()


def test_a_drive_targets_only_the_communes_of_the_referents_epci(referent, henon):
    elsewhere = CommuneFactory(name="Quimper", insee_code="29232")

    with pytest.raises(ValidationError) as error:
        drive_of(referent, [henon, elsewhere])

    assert error.value.message_dict == {
        "communes": ["Une démarche s'adresse aux communes de votre EPCI."]
    }
    assert not Drive.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"communes": []}, "communes", "Choisissez au moins une commune."),
        (
            {"deadline": TODAY},
            "deadline",
            "La date limite de réponse doit être postérieure à aujourd'hui.",
        ),
        ({"title": ""}, "title", "Ce champ ne peut pas être vide."),
    ],
)
def test_a_drive_without_communes_a_future_deadline_or_a_title_is_refused(
    referent, henon, fields, field, message
):
    with pytest.raises(ValidationError) as error:
        drive_of(referent, fields.pop("communes", [henon]), **fields)
    assert error.value.message_dict[field] == [message]
    assert not Drive.objects.exists()


def test_a_withdrawn_service_cannot_be_the_subject_of_a_drive(referent, henon):
    service = Service.objects.get(code="archivage")
    service.is_active = False
    service.save()
    with pytest.raises(ValidationError, match="plus proposé"):
        drive_of(referent, [henon], service=service)


def test_only_a_referent_creates_a_drive(agent_henon, henon):
    with pytest.raises(ValidationError, match="Seul un référent"):
        drive_create(
            by=agent_henon,
            service=Service.objects.get(code="actes"),
            title="Télétransmission des actes",
            message="…",
            deadline=date(2026, 12, 18),
            communes=[henon],
        )


# --- open -----------------------------------------------------------------------------------


def test_opening_emails_each_decision_maker_once_in_their_language_naming_their_communes(
    referent, communes, contacts
):
    drive = drive_of(referent, communes, deadline=date(2026, 12, 18))

    drive_open(drive=drive, by=referent)

    drive.refresh_from_db()
    assert drive.status == Drive.Status.OPEN
    assert drive.opened_at is not None
    sent = {email.to: email for email in invitations()}
    assert sorted(sent) == [
        "dgs@pledeliac.example.org",
        "maire@henon.example.org",
        "secretariat@henon-brehand.example.org",
    ]  # not the buyer, the former mayor, nor the mayor without an address
    secretary = sent["secretariat@henon-brehand.example.org"]
    assert secretary.language == "fr"
    assert secretary.reply_to == "referent@lamballe-terre-mer.example.org"
    assert secretary.subject == (
        "Adhésion collective au service Parapheur et signature électronique : "
        "votre réponse avant le 18 décembre 2026"
    )
    assert f"http://testserver/communes/demarches/{drive.pk}/reponse/22076/" in secretary.body_text
    assert f"http://testserver/communes/demarches/{drive.pk}/reponse/22020/" in secretary.body_text
    assert "première année d'abonnement" in secretary.body_text
    assert "Claire Le Goff" in secretary.body_text
    maire = sent["maire@henon.example.org"]
    # the mayor has no account: no link to a page they cannot open, they reply instead
    assert "/reponse/" not in maire.body_text
    assert "répondez simplement à ce courriel" in maire.body_text
    assert sent["dgs@pledeliac.example.org"].language == "en"


def test_opening_records_the_invitation_on_each_communes_timeline(referent, communes):
    drive = drive_of(referent, communes)
    drive_open(drive=drive, by=referent)

    for commune in communes:
        entry = TimelineEntry.objects.get(commune=commune, kind="drive")
        assert entry.title == (
            "Invitée à la démarche « Adhésion groupée au parapheur électronique » "
            "(Parapheur et signature électronique)"
        )
        assert entry.actor == referent
        assert entry.subject == drive


def test_a_commune_without_any_decision_maker_address_is_pointed_out(
    referent, communes, contacts, pledeliac
):
    contacts["dgs_pledeliac"].delete()
    drive = drive_of(referent, communes)
    assert communes_without_recipient(drive) == [pledeliac]


def test_a_drive_is_opened_once(referent, communes, contacts):
    drive = drive_of(referent, communes)
    drive_open(drive=drive, by=referent)

    with pytest.raises(ValidationError, match="déjà lancée"):
        drive_open(drive=drive, by=referent)
    assert invitations().count() == 3


def test_a_drive_whose_deadline_has_passed_cannot_be_opened(referent, communes, contacts):
    drive = drive_of(referent, communes, deadline=date(2026, 12, 2))

    with freeze_time("2026-12-02 10:00:00+01:00"), pytest.raises(ValidationError, match="passée"):
        drive_open(drive=drive, by=referent)
    drive.refresh_from_db()
    assert drive.status == Drive.Status.DRAFT
    assert not invitations().exists()


def test_the_referent_of_another_epci_cannot_open_or_cancel_the_drive(referent, communes):
    drive = drive_of(referent, communes)
    other = ReferentFactory(epci=EpciFactory(name="Dinan Agglomération"))

    with pytest.raises(ValidationError, match="Seul un référent de l'EPCI"):
        drive_open(drive=drive, by=other)
    with pytest.raises(ValidationError, match="Seul un référent de l'EPCI"):
        drive_cancel(drive=drive, by=other)
    drive.refresh_from_db()
    assert drive.status == Drive.Status.DRAFT


# --- answers --------------------------------------------------------------------------------


@pytest.fixture
def open_drive(referent, communes):
    drive = drive_of(referent, communes)
    return drive_open(drive=drive, by=referent)


def commitment(drive, commune):
    return Commitment.objects.get(drive=drive, commune=commune)


def test_the_agent_of_a_commune_answers_for_it(open_drive, agent_henon, henon):
    answer = commitment_set(
        commitment=commitment(open_drive, henon),
        status=Answer.DELIBERATION,
        by=agent_henon,
        deliberation_date=date(2026, 12, 15),
        comment="Inscrit à l'ordre du jour du conseil de décembre.",
    )

    answer.refresh_from_db()
    assert answer.status == Answer.DELIBERATION
    assert answer.deliberation_date == date(2026, 12, 15)
    assert answer.comment == "Inscrit à l'ordre du jour du conseil de décembre."
    assert answer.changed_by == agent_henon
    assert timeline_titles(henon)[-1] == (
        "Démarche « Adhésion groupée au parapheur électronique » : Délibération prévue (15/12/2026)"
    )


def test_an_agent_cannot_answer_for_a_commune_they_do_not_serve(open_drive, agent_henon, brehand):
    with pytest.raises(ValidationError, match="ne pouvez pas répondre pour cette commune"):
        commitment_set(
            commitment=commitment(open_drive, brehand), status=Answer.COMMITTED, by=agent_henon
        )
    assert commitment(open_drive, brehand).status == Answer.INVITED
    # ... and never sees it.
    assert not commitments_visible_to(agent_henon).filter(commune=brehand).exists()


def test_the_referent_of_another_epci_cannot_answer(open_drive, henon):
    other = ReferentFactory(epci=EpciFactory(name="Dinan Agglomération"))
    with pytest.raises(ValidationError):
        commitment_set(commitment=commitment(open_drive, henon), status=Answer.COMMITTED, by=other)
    assert not drives_visible_to(other).exists()


def test_the_referent_records_an_answer_given_on_the_phone(open_drive, referent, brehand):
    commitment_set(
        commitment=commitment(open_drive, brehand),
        status=Answer.COMMITTED,
        by=referent,
        comment="Le maire a confirmé par téléphone.",
    )
    assert commitment(open_drive, brehand).status == Answer.COMMITTED


def test_a_planned_deliberation_needs_its_date(open_drive, referent, henon):
    with pytest.raises(ValidationError) as error:
        commitment_set(
            commitment=commitment(open_drive, henon), status=Answer.DELIBERATION, by=referent
        )
    assert error.value.message_dict == {
        "deliberation_date": ["Indiquez la date prévue de la délibération du conseil."]
    }


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([Answer.DELIBERATION], Answer.INTERESTED),  # no step back once a council is planned
        ([Answer.COMMITTED], Answer.INTERESTED),
        ([Answer.COMMITTED], Answer.DELIBERATION),
        ([Answer.INTERESTED], Answer.INVITED),  # nobody is invited again
        ([], Answer.INVITED),
        ([], "maybe"),
    ],
)
def test_answers_only_move_forward_or_to_a_refusal(open_drive, referent, henon, steps, refused):
    for status in steps:
        commitment_set(
            commitment=commitment(open_drive, henon),
            status=status,
            by=referent,
            deliberation_date=date(2026, 12, 15),
        )
    with pytest.raises(ValidationError) as error:
        commitment_set(
            commitment=commitment(open_drive, henon),
            status=refused,
            by=referent,
            deliberation_date=date(2026, 12, 15),
        )
    assert "status" in error.value.message_dict
    assert commitment(open_drive, henon).status == (steps[-1] if steps else Answer.INVITED)


def test_a_commune_may_withdraw_or_reconsider_until_the_close(open_drive, agent_henon, henon):
    path = [Answer.COMMITTED, Answer.DECLINED, Answer.INTERESTED, Answer.COMMITTED]
    for status in path:
        commitment_set(commitment=commitment(open_drive, henon), status=status, by=agent_henon)
    assert commitment(open_drive, henon).status == Answer.COMMITTED


def test_a_draft_cannot_be_answered(referent, agent_henon, henon):
    drive = drive_of(referent, [henon])
    with pytest.raises(ValidationError, match="pas encore lancée"):
        commitment_set(commitment=commitment(drive, henon), status=Answer.COMMITTED, by=referent)
    # The agent does not even see it.
    assert not drives_visible_to(agent_henon).exists()
    assert commitments_awaiting_answer(agent_henon) == []


def test_answers_are_frozen_once_the_drive_is_cancelled(open_drive, referent, agent_henon, henon):
    drive_cancel(drive=open_drive, by=referent)
    with pytest.raises(ValidationError, match="abandonnée"):
        commitment_set(
            commitment=commitment(open_drive, henon), status=Answer.COMMITTED, by=agent_henon
        )


def test_the_agent_space_lists_the_open_drives_silent_communes_first(
    referent, henon, brehand, open_drive
):
    agent = agent_of(henon, brehand)
    commitment_set(commitment=commitment(open_drive, henon), status=Answer.INTERESTED, by=agent)
    later = drive_open(
        drive=drive_of(referent, [henon], title="Archivage", deadline=date(2027, 1, 15)),
        by=referent,
    )
    drive_of(referent, [henon], title="Brouillon")  # a draft: not shown

    awaiting = commitments_awaiting_answer(agent)

    assert [(c.drive.title, c.commune.name, c.status) for c in awaiting] == [
        ("Adhésion groupée au parapheur électronique", "Bréhand", Answer.INVITED),
        ("Archivage", "Hénon", Answer.INVITED),
        ("Adhésion groupée au parapheur électronique", "Hénon", Answer.INTERESTED),
    ]
    assert later.status == Drive.Status.OPEN


# --- cancel ---------------------------------------------------------------------------------


def test_cancelling_an_open_drive_tells_the_invited_communes(referent, communes, contacts):
    drive = drive_open(drive=drive_of(referent, communes), by=referent)

    drive_cancel(drive=drive, by=referent, reason="Le syndicat mixte revoit son offre.")

    drive.refresh_from_db()
    assert drive.status == Drive.Status.CANCELLED
    cancellations = OutgoingEmail.objects.filter(kind="drives.cancellation")
    assert cancellations.count() == 3
    assert all("revoit son offre" in email.body_text for email in cancellations)
    assert all(
        timeline_titles(commune)[-1]
        == "Démarche « Adhésion groupée au parapheur électronique » abandonnée"
        for commune in communes
    )


def test_cancelling_a_draft_writes_to_nobody(referent, communes, contacts):
    drive = drive_cancel(drive=drive_of(referent, communes), by=referent)
    assert drive.status == Drive.Status.CANCELLED
    assert not OutgoingEmail.objects.exists()
    assert not TimelineEntry.objects.exists()
    with pytest.raises(ValidationError, match="abandonnée"):
        drive_open(drive=drive, by=referent)


def test_tomorrow_is_the_earliest_deadline(referent, henon):
    # The form's minimum date and the service agree: tomorrow is the earliest deadline.
    drive = drive_of(referent, [henon], deadline=TODAY + timedelta(days=1))
    assert drive.deadline == date(2026, 12, 1)
