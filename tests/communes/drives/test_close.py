"""Closing a drive: the committed communes become one dossier relayed to the syndicat mixte;
its confirmation moves their adoption of the service to « charte signée »."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from communes.adoption.models import Adoption, AdoptionEvent
from communes.adoption.services import adoption_set_status
from communes.drives.models import Commitment, Drive
from communes.drives.services import commitment_set, drive_close, drive_open
from communes.models import Service
from communes.timeline.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Category, Dossier, Request, Status
from requests_relay.services import dossier_apply_answer, request_relay
from tests.communes.drives.conftest import drive_of
from tests.factories import agent_of, request_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

Answer = Commitment.Status
SUMMARY = "Trois communes rurales adhèrent ensemble au parapheur pour 2027."


@pytest.fixture
def frozen():
    with freeze_time("2026-11-30 09:00:00+01:00"):
        yield


@pytest.fixture
def drive(referent, communes, contacts):
    return drive_open(drive=drive_of(referent, communes), by=referent)


def answer(drive, commune, status, by, **fields):
    return commitment_set(
        commitment=Commitment.objects.get(drive=drive, commune=commune),
        status=status,
        by=by,
        **fields,
    )


@pytest.fixture
def answered(drive, referent, henon, brehand, pledeliac):
    """Hénon and Bréhand committed; Plédéliac will deliberate later."""
    answer(drive, henon, Answer.COMMITTED, referent, deliberation_date=date(2026, 11, 24))
    answer(drive, brehand, Answer.COMMITTED, referent, comment="Sous réserve de la formation.")
    answer(drive, pledeliac, Answer.DELIBERATION, referent, deliberation_date=date(2027, 1, 12))
    return drive


def test_closing_relays_one_dossier_with_one_membership_request_per_committed_commune(
    answered, referent, henon, brehand
):
    dossier = drive_close(
        drive=answered, by=referent, summary=SUMMARY, arguments="Formation souhaitée en mars."
    )

    answered.refresh_from_db()
    assert answered.status == Drive.Status.CLOSED
    assert answered.closed_at is not None
    assert answered.dossier == dossier
    assert Dossier.objects.count() == 1
    assert dossier.status == Status.RELAYED
    assert dossier.relayed_at is not None
    assert (dossier.category, dossier.service, dossier.epci) == (
        Category.MEMBERSHIP,
        answered.service,
        referent.epci,
    )
    assert (dossier.title, dossier.summary, dossier.arguments) == (
        "Adhésion groupée au parapheur électronique",
        SUMMARY,
        "Formation souhaitée en mars.",
    )
    requests = {r.commune: r for r in dossier.requests.all()}
    assert set(requests) == {henon, brehand}  # not Plédéliac, still deliberating
    for request in requests.values():
        assert request.status == Status.RELAYED
        assert request.category == Category.MEMBERSHIP
        assert request.service == answered.service
        assert request.submitted_by == referent
        assert request.subject == "Adhésion groupée au parapheur électronique"
        assert request.reference.startswith("DEM-")
    assert "Délibération du conseil municipal : 24/11/2026." in requests[henon].description
    assert "Sous réserve de la formation." in requests[brehand].description
    # The syndicat mixte gets the dossier by e-mail; the referent is not told twice per commune.
    relayed = OutgoingEmail.objects.filter(kind="requests.dossier_relayed")
    assert relayed.count() == 1
    assert not OutgoingEmail.objects.filter(
        kind__in=["requests.acknowledgement", "requests.new_for_referent"]
    ).exists()


def test_closing_records_what_became_of_each_commune_on_its_timeline(
    answered, referent, henon, pledeliac
):
    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)

    last = TimelineEntry.objects.filter(commune=henon, kind="drive").first()
    assert last.title == (
        "Engagement dans la démarche « Adhésion groupée au parapheur électronique » transmis "
        f"au syndicat mixte ({dossier.reference})"
    )
    last = TimelineEntry.objects.filter(commune=pledeliac, kind="drive").first()
    assert last.title == (
        "Démarche « Adhésion groupée au parapheur électronique » close sans engagement de la "
        "commune (Délibération prévue)"
    )


def test_a_drive_without_any_committed_commune_is_not_closed(drive, referent, henon):
    answer(drive, henon, Answer.INTERESTED, referent)

    with pytest.raises(ValidationError, match="Aucune commune n'est engagée"):
        drive_close(drive=drive, by=referent, summary=SUMMARY)

    drive.refresh_from_db()
    assert drive.status == Drive.Status.OPEN
    assert not Dossier.objects.exists()
    assert not Request.objects.exists()


def test_a_closed_drive_is_frozen(answered, referent, henon, pledeliac):
    drive_close(drive=answered, by=referent, summary=SUMMARY)

    with pytest.raises(ValidationError, match="figées"):
        answer(answered, pledeliac, Answer.COMMITTED, referent)
    with pytest.raises(ValidationError, match="figées"):
        drive_close(drive=answered, by=referent, summary=SUMMARY)
    assert Dossier.objects.count() == 1


def test_a_drive_is_closed_with_a_summary(answered, referent):
    with pytest.raises(ValidationError) as error:
        drive_close(drive=answered, by=referent, summary="  ")
    assert error.value.message_dict == {
        "summary": ["Rédigez la synthèse transmise au syndicat mixte."]
    }


# --- the syndicat mixte's answer ------------------------------------------------------------


def adoption_status(commune, service):
    adoption = Adoption.objects.filter(commune=commune, service=service).first()
    return adoption.status if adoption else None


def test_the_syndicat_resolving_the_dossier_moves_committed_communes_to_charter_signed(
    answered, referent, henon, brehand, pledeliac
):
    service = answered.service
    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)

    dossier_apply_answer(dossier=dossier, action="resolve", message="Adhésions enregistrées.")

    assert adoption_status(henon, service) == Adoption.Status.CHARTER_SIGNED
    assert adoption_status(brehand, service) == Adoption.Status.CHARTER_SIGNED
    assert adoption_status(pledeliac, service) is None  # not part of the dossier
    event = AdoptionEvent.objects.get(adoption__commune=henon)
    assert event.source == AdoptionEvent.Source.SYNDICAT
    assert event.changed_by is None
    assert (event.from_status, event.to_status) == (
        Adoption.Status.NOT_ADOPTED,
        Adoption.Status.CHARTER_SIGNED,
    )
    assert dossier.reference in event.reason
    assert "Adhésion groupée au parapheur électronique" in event.reason


@pytest.mark.parametrize("action", ["acknowledge", "answer", "refuse"])
def test_other_answers_of_the_syndicat_leave_the_adoptions_alone(answered, referent, action):
    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)

    dossier_apply_answer(dossier=dossier, action=action, message="Nous revenons vers vous.")

    assert not Adoption.objects.exists()
    assert not AdoptionEvent.objects.exists()


def test_resolving_after_an_acknowledgement_still_confirms(answered, referent, henon):
    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)
    dossier_apply_answer(dossier=dossier, action="acknowledge")
    dossier_apply_answer(dossier=dossier, action="resolve")
    assert adoption_status(henon, answered.service) == Adoption.Status.CHARTER_SIGNED


def test_a_commune_already_using_the_service_is_not_moved_back(answered, referent, henon, brehand):
    adoption_set_status(
        commune=henon, service=answered.service, status=Adoption.Status.ACTIVE, by=referent
    )
    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)

    dossier_apply_answer(dossier=dossier, action="resolve")

    assert adoption_status(henon, answered.service) == Adoption.Status.ACTIVE
    assert adoption_status(brehand, answered.service) == Adoption.Status.CHARTER_SIGNED


def test_a_dossier_that_is_not_a_drives_is_answered_as_before(referent, henon):
    agent = agent_of(henon)
    service = Service.objects.get(code="actes")
    request = request_of(agent, category="membership", service=service)
    dossier = request_relay(request=request, by=referent, summary="Une commune seule.")

    dossier_apply_answer(dossier=dossier, action="resolve")

    assert not Adoption.objects.exists()


def test_the_committed_communes_are_told_the_syndicats_answer_and_the_others_are_not(
    answered, referent
):
    from referent_portal.outbox.models import OutgoingEmail

    dossier = drive_close(drive=answered, by=referent, summary=SUMMARY)
    dossier_apply_answer(dossier=dossier, action="resolve", message="Adhésions enregistrées.")
    told = OutgoingEmail.objects.filter(kind="drives.outcome_resolve")
    # Hénon's mayor and the secretary of Hénon and Bréhand; not Plédéliac's DGS
    assert sorted(told.values_list("to", flat=True)) == [
        "maire@henon.example.org",
        "secretariat@henon-brehand.example.org",
    ]
    secretary = told.get(to="secretariat@henon-brehand.example.org")
    assert "Adhésions enregistrées." in secretary.body_text
    assert "charte du service est signée pour vos communes" in secretary.body_text
