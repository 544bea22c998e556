"""The rules that propose suggestions, each on data built for it, and their idempotence."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from communes.models import Adoption, Commune, Service, Suggestion, TimelineEntry
from communes.suggestions.rules import RULES, RULES_BY_CODE
from communes.suggestions.services import (
    suggestion_answer,
    suggestion_confirm,
    suggestion_create,
    suggestion_dismiss,
    suggestions_propose,
)
from communes.suggestions.tasks import propose_suggestions
from communes.timeline.services import timeline_record
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.suggestions.helpers import adopt, proposed, trained_on
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Suggestion.Status


def proposals(epci, code):
    return {
        (s.commune.name, s.service.code if s.service else None)
        for s in suggestions_propose(epci=epci)
        if s.rule == code
    }


def settle(*communes, days_ago=0):
    """Communes that arrived in the portal `days_ago` days ago."""
    Commune.objects.filter(pk__in=[c.pk for c in communes]).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )


# --- (a) archiving after acts --------------------------------------------------------------


def test_archiving_is_proposed_to_communes_active_on_acts_without_archiving(epci, referent):
    plain = CommuneFactory(epci=epci, name="Hénon")
    adopt(plain, "actes")
    stopped = CommuneFactory(epci=epci, name="Bréhand")
    adopt(stopped, "actes")
    adopt(stopped, "archivage", Adoption.Status.STOPPED)
    interested = CommuneFactory(epci=epci, name="Moncontour")
    adopt(interested, "actes")
    adopt(interested, "archivage", Adoption.Status.INTERESTED)
    for status in (
        Adoption.Status.CHARTER_SIGNED,
        Adoption.Status.DEPLOYING,
        Adoption.Status.ACTIVE,
    ):
        already = CommuneFactory(epci=epci, name=f"Déjà {status}")
        adopt(already, "actes")
        adopt(already, "archivage", status)
    deploying_acts = CommuneFactory(epci=epci, name="Trédaniel")
    adopt(deploying_acts, "actes", Adoption.Status.DEPLOYING)
    CommuneFactory(epci=epci, name="Sans adhésion")
    adopt(CommuneFactory(name="Autre EPCI"), "actes")

    assert proposals(epci, "archivage_apres_actes") == {
        ("Hénon", "archivage"),
        ("Bréhand", "archivage"),
        ("Moncontour", "archivage"),
    }
    suggestion = Suggestion.objects.get(commune=plain, rule="archivage_apres_actes")
    assert suggestion.status == Status.PROPOSED
    assert suggestion.title == "Archiver électroniquement vos actes"
    assert "Archivage électronique" in suggestion.body
    assert not OutgoingEmail.objects.exists()  # nothing leaves before the referent confirms
    assert not TimelineEntry.objects.exists()


def test_no_archiving_proposal_when_the_syndicat_no_longer_offers_it(epci, referent):
    adopt(CommuneFactory(epci=epci), "actes")
    Service.objects.filter(code="archivage").update(is_active=False)
    assert proposals(epci, "archivage_apres_actes") == set()


# --- (b) getting back in touch -------------------------------------------------------------


def test_getting_back_in_touch_is_proposed_after_a_long_silence(epci, referent, settings):
    settings.SUGGESTION_NO_CONTACT_DAYS = 365
    silent = CommuneFactory(epci=epci, name="Silencieuse")
    new = CommuneFactory(epci=epci, name="Nouvelle")
    recent_entry = CommuneFactory(epci=epci, name="Fil récent")
    old_entry = CommuneFactory(epci=epci, name="Fil ancien")
    active_contact = CommuneFactory(epci=epci, name="Contact actif")
    stale_contact = CommuneFactory(epci=epci, name="Contact ancien")
    settle(silent, recent_entry, old_entry, active_contact, stale_contact, days_ago=800)
    settle(new, days_ago=10)

    timeline_record(commune=recent_entry, kind="note", title="Appel de la secrétaire")
    timeline_record(commune=old_entry, kind="note", title="Réunion")
    now = timezone.now()
    TimelineEntry.objects.filter(commune=old_entry).update(at=now - timedelta(days=400))
    ContactFactory(epci=epci, communes=[active_contact], last_activity_at=now - timedelta(days=30))
    ContactFactory(epci=epci, communes=[stale_contact], last_activity_at=now - timedelta(days=366))
    ContactFactory(epci=epci, communes=[stale_contact])  # never any activity

    assert proposals(epci, "reprendre_contact") == {
        ("Silencieuse", None),
        ("Fil ancien", None),
        ("Contact ancien", None),
    }
    suggestion = Suggestion.objects.get(commune=silent)
    assert suggestion.service is None
    assert "plus de 365 jours" in suggestion.body


def test_the_silence_threshold_is_a_setting(epci, referent, settings):
    commune = CommuneFactory(epci=epci, name="Hénon")
    settle(commune, days_ago=40)
    settings.SUGGESTION_NO_CONTACT_DAYS = 60
    assert proposals(epci, "reprendre_contact") == set()
    settings.SUGGESTION_NO_CONTACT_DAYS = 30
    assert proposals(epci, "reprendre_contact") == {("Hénon", None)}


def test_sending_a_suggestion_is_itself_a_contact(epci, referent):
    commune = CommuneFactory(epci=epci)
    settle(commune, days_ago=800)
    suggestion_create(by=referent, commune=commune, title="Un point ?", body="Parlons-en.")
    assert proposals(epci, "reprendre_contact") == set()


# --- (c) training on an adopted service ----------------------------------------------------


def test_the_training_rule_proposes_to_communes_using_a_service_without_a_trained_agent(
    epci, referent
):
    # The rule reads the training coverage (tests/trainings/test_coverage.py tests it fully).
    rule = RULES_BY_CODE["formation_service_adopte"]
    assert rule.enabled is True
    untrained = CommuneFactory(epci=epci, name="Hénon")
    adopt(untrained, "parapheur")
    trained = CommuneFactory(epci=epci, name="Bréhand")
    adopt(trained, "parapheur")
    trained_on(trained, "parapheur")
    assert proposals(epci, "formation_service_adopte") == {("Hénon", "parapheur")}


def test_every_rule_has_a_code_a_title_and_a_description():
    assert [rule.code for rule in RULES] == [
        "archivage_apres_actes",
        "reprendre_contact",
        "formation_service_adopte",
    ]
    for rule in RULES:
        assert str(rule.title) and len(str(rule.description)) > 40
        assert rule.propose.__doc__


# --- idempotence ---------------------------------------------------------------------------


@pytest.fixture
def both_rules(epci, referent):
    """Hénon: active on acts, never archived, silent for 800 days: both rules apply (an
    agent trained on acts long ago keeps the training rule out of these tests)."""
    commune = CommuneFactory(epci=epci, name="Hénon")
    adopt(commune, "actes")
    trained_on(commune, "actes")
    settle(commune, days_ago=800)
    return commune


def test_proposing_twice_creates_nothing_new(epci, both_rules):
    first = suggestions_propose(epci=epci)
    assert {s.rule for s in first} == {"archivage_apres_actes", "reprendre_contact"}

    assert suggestions_propose(epci=epci) == []
    assert suggestions_propose() == []  # the nightly run over every EPCI
    assert Suggestion.objects.count() == 2


def test_a_sent_suggestion_is_still_pending_and_not_proposed_again(epci, referent, both_rules):
    for suggestion in suggestions_propose(epci=epci):
        suggestion_confirm(suggestion=suggestion, by=referent)
    assert suggestions_propose(epci=epci) == []


def test_a_dismissed_suggestion_comes_back_only_after_180_days(epci, referent, both_rules):
    [archiving] = [s for s in suggestions_propose(epci=epci) if s.service is not None]
    suggestion_dismiss(suggestion=archiving, by=referent)

    assert suggestions_propose(epci=epci) == []
    with freeze_time(timezone.now() + timedelta(days=179)):
        assert suggestions_propose(epci=epci) == []
    with freeze_time(timezone.now() + timedelta(days=181)):
        [again] = suggestions_propose(epci=epci)
    assert (again.rule, again.status) == ("archivage_apres_actes", Status.PROPOSED)


def test_an_answered_suggestion_is_not_proposed_again_for_180_days(epci, referent, both_rules):
    agent = agent_of(both_rules)
    [archiving] = [s for s in suggestions_propose(epci=epci) if s.service is not None]
    suggestion_confirm(suggestion=archiving, by=referent)
    suggestion_answer(suggestion=archiving, by=agent, answer=Status.DECLINED, comment="Non.")

    with freeze_time(timezone.now() + timedelta(days=100)):
        assert [s.rule for s in suggestions_propose(epci=epci)] == []
    with freeze_time(timezone.now() + timedelta(days=200)):
        assert [s.rule for s in suggestions_propose(epci=epci)] == ["archivage_apres_actes"]


def test_no_proposal_on_a_service_the_referent_already_wrote_about(epci, referent, both_rules):
    suggestion_create(
        by=referent,
        commune=both_rules,
        service=Service.objects.get(code="archivage"),
        title="L'archivage, enfin ?",
        body="Parlons-en à la prochaine réunion.",
    )
    assert proposals(epci, "archivage_apres_actes") == set()


def test_the_database_refuses_a_second_pending_suggestion_of_a_rule_even_without_service(
    epci, both_rules
):
    proposed(both_rules, rule="reprendre_contact", service=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        proposed(both_rules, rule="reprendre_contact", service=None)
    # Written by the referent (no rule), as many as they like.
    for _ in range(2):
        Suggestion.objects.create(commune=both_rules, title="Note", body="…", rule="")


def test_the_nightly_run_skips_epcis_without_a_referent(both_rules):
    lonely = EpciFactory(name="Sans référent")
    commune = CommuneFactory(epci=lonely)
    adopt(commune, "actes")
    trained_on(commune, "actes")
    settle(commune, days_ago=800)

    assert propose_suggestions() == 2  # Hénon's EPCI only
    assert not Suggestion.objects.filter(commune=commune).exists()
    assert propose_suggestions(lonely.pk) == 2  # asked for explicitly
