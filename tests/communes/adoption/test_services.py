"""adoption_set_status: who may change a commune's adoption, and what every change leaves."""

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from communes.adoption.models import Adoption, AdoptionEvent
from communes.adoption.services import adoption_set_status
from communes.models import TimelineEntry
from tests.factories import SyndicatFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Adoption.Status
Source = AdoptionEvent.Source


def test_a_first_change_creates_the_row_its_history_and_a_timeline_entry(
    referent, henon, parapheur
):
    with freeze_time("2026-03-02 10:00:00"):
        adoption = adoption_set_status(
            commune=henon,
            service=parapheur,
            status=Status.INTERESTED,
            by=referent,
            reason="Réunion d'information du 28 février",
        )

    adoption.refresh_from_db()
    assert adoption.status == Status.INTERESTED
    assert adoption.status_changed_at.isoformat() == "2026-03-02T10:00:00+00:00"
    (event,) = adoption.history.all()
    assert (event.from_status, event.to_status) == (Status.NOT_ADOPTED, Status.INTERESTED)
    assert event.changed_by == referent
    assert event.source == Source.REFERENT
    assert event.reason == "Réunion d'information du 28 février"
    (entry,) = TimelineEntry.objects.filter(commune=henon)
    assert entry.kind == "adoption"
    assert entry.title == (
        "Adhésion au service « Parapheur et signature électronique » : Non adhérente → Intéressée"
    )
    assert entry.detail == "Réunion d'information du 28 février"
    assert entry.actor == referent
    assert entry.subject == adoption


def test_each_change_appends_to_the_history_newest_first(referent, henon, parapheur):
    for status in (Status.INTERESTED, Status.CHARTER_SIGNED, Status.ACTIVE):
        adoption_set_status(commune=henon, service=parapheur, status=status, by=referent)

    adoption = Adoption.objects.get(commune=henon, service=parapheur)
    assert adoption.status == Status.ACTIVE
    assert [(e.from_status, e.to_status) for e in adoption.history.all()] == [
        (Status.CHARTER_SIGNED, Status.ACTIVE),
        (Status.INTERESTED, Status.CHARTER_SIGNED),
        (Status.NOT_ADOPTED, Status.INTERESTED),
    ]
    assert Adoption.objects.count() == 1
    assert TimelineEntry.objects.filter(commune=henon, kind="adoption").count() == 3


def test_setting_the_current_status_again_is_refused_and_records_nothing(
    referent, henon, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)

    with pytest.raises(ValidationError) as excinfo:
        adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)

    assert excinfo.value.message_dict["status"] == [
        "Hénon est déjà « Active » pour le service « Parapheur et signature électronique » : "
        "choisissez un autre état."
    ]
    assert AdoptionEvent.objects.count() == 1
    assert TimelineEntry.objects.filter(commune=henon).count() == 1


def test_not_adopted_without_a_row_is_a_no_op_too_and_leaves_no_row(referent, henon, parapheur):
    with pytest.raises(ValidationError, match="déjà « Non adhérente »"):
        adoption_set_status(
            commune=henon, service=parapheur, status=Status.NOT_ADOPTED, by=referent
        )

    assert not Adoption.objects.exists()


def test_an_unknown_status_is_refused(referent, henon, parapheur):
    with pytest.raises(ValidationError) as excinfo:
        adoption_set_status(commune=henon, service=parapheur, status="adopted", by=referent)

    assert "n'est pas un état d'adhésion" in excinfo.value.message_dict["status"][0]
    assert not Adoption.objects.exists()


def test_the_referent_of_another_epci_may_not_change_a_commune(other_referent, henon, parapheur):
    with pytest.raises(ValidationError, match="Seuls le référent de l'EPCI de Hénon"):
        adoption_set_status(
            commune=henon, service=parapheur, status=Status.ACTIVE, by=other_referent
        )

    assert not Adoption.objects.exists()
    assert not TimelineEntry.objects.exists()


def test_an_agent_of_the_commune_may_not_change_it(henon, parapheur):
    agent = agent_of(henon)

    with pytest.raises(ValidationError, match="Seuls le référent"):
        adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=agent)

    assert not Adoption.objects.exists()


def test_an_inactive_referent_may_not_change_anything(referent, henon, parapheur):
    referent.is_active = False
    referent.save()

    with pytest.raises(ValidationError, match="Seuls le référent"):
        adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)


def test_the_syndicat_mixte_changes_any_commune_recorded_as_the_syndicat(henon, parapheur):
    officer = SyndicatFactory()

    adoption = adoption_set_status(
        commune=henon, service=parapheur, status=Status.DEPLOYING, by=officer
    )

    event = adoption.history.get()
    assert event.source == Source.SYNDICAT
    assert event.changed_by == officer
    entry = TimelineEntry.objects.get(commune=henon)
    assert entry.detail == "Origine : Syndicat mixte"


def test_the_portal_itself_changes_a_status_for_a_drive_without_an_author(henon, parapheur):
    adoption = adoption_set_status(
        commune=henon,
        service=parapheur,
        status=Status.CHARTER_SIGNED,
        by=None,
        source=Source.DRIVE,
        reason="Délibération du 12 mars",
    )

    event = adoption.history.get()
    assert event.changed_by is None
    assert event.source == Source.DRIVE
    entry = TimelineEntry.objects.get(commune=henon)
    assert entry.actor is None
    assert entry.detail == "Origine : Démarche d'adhésion collective\nDélibération du 12 mars"


@pytest.mark.parametrize("source", [None, Source.REFERENT, Source.REQUEST])
def test_without_an_author_only_a_drive_or_the_syndicat_may_change_a_status(
    henon, parapheur, source
):
    with pytest.raises(ValidationError):
        adoption_set_status(
            commune=henon, service=parapheur, status=Status.ACTIVE, by=None, source=source
        )

    assert not Adoption.objects.exists()


def test_a_referent_cannot_pretend_to_be_the_syndicat(referent, henon, parapheur):
    with pytest.raises(ValidationError, match="Seuls le référent"):
        adoption_set_status(
            commune=henon,
            service=parapheur,
            status=Status.ACTIVE,
            by=referent,
            source=Source.SYNDICAT,
        )


def test_a_withdrawn_service_can_only_be_stopped(referent, henon, parapheur):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    parapheur.is_active = False
    parapheur.save()

    with pytest.raises(ValidationError, match="n'est plus proposé"):
        adoption_set_status(commune=henon, service=parapheur, status=Status.DEPLOYING, by=referent)
    adoption = adoption_set_status(
        commune=henon, service=parapheur, status=Status.STOPPED, by=referent
    )

    assert adoption.status == Status.STOPPED


def test_the_timeline_is_written_in_french_whatever_the_authors_language(
    referent, henon, parapheur
):
    from django.utils import translation

    with translation.override("en"):
        adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)

    assert TimelineEntry.objects.get(commune=henon).title.endswith("Non adhérente → Active")


def test_the_syndicat_mixte_still_records_a_status_on_a_withdrawn_service(henon, parapheur):
    parapheur.is_active = False
    parapheur.save()

    adoption = adoption_set_status(
        commune=henon,
        service=parapheur,
        status=Status.ACTIVE,
        by=None,
        source=Source.SYNDICAT,
    )

    assert adoption.status == Status.ACTIVE
