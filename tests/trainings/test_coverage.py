"""Training coverage: agents trained per commune × module, the communes to train, the CSV, the
number of queries, and the suggestion rule that reads it."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import Adoption, Service, Suggestion
from communes.suggestions.services import suggestions_propose
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory
from tests.trainings.followup_helpers import held_session, page_text, seat, session_on
from trainings.coverage import coverage_csv, training_coverage
from trainings.models import TrainingSession

pytestmark = pytest.mark.django_db


def adopt(commune, code, status=Adoption.Status.ACTIVE):
    return Adoption.objects.create(
        commune=commune, service=Service.objects.get(code=code), status=status
    )


def cell(coverage, commune, code):
    [row] = [row for row in coverage.rows if row.commune == commune]
    [found] = [c for c in row.cells if c.module.code == code]
    return found


@pytest.fixture
def territory(referent, commune, other_commune):
    """Hénon: Anne trained on acts twice (Feb, Mar), Bruno once (Feb), uses acts and signs with
    the parapheur (charter signed) but nobody trained on it. Plédéliac: Chloé absent from the
    acts session, uses acts → to train; its « hélios » is only « intéressée »."""
    anne, bruno, chloe = (
        ContactFactory(epci=referent.epci, communes=[c], first_name=n)
        for c, n in ((commune, "Anne"), (commune, "Bruno"), (other_commune, "Chloé"))
    )
    held_session(referent, date(2026, 2, 5), attendees=[anne, bruno], absentees=[chloe])
    held_session(referent, date(2026, 3, 12), attendees=[anne])
    adopt(commune, "actes")
    adopt(commune, "parapheur", Adoption.Status.CHARTER_SIGNED)
    adopt(other_commune, "actes", Adoption.Status.DEPLOYING)
    adopt(other_commune, "helios", Adoption.Status.INTERESTED)
    # Not counted: a session still to come, a cancelled one, another EPCI's.
    upcoming = session_on(referent, date(2026, 4, 2), code="m4-signature")
    seat(upcoming, chloe, attended=True)
    cancelled = session_on(
        referent, date(2026, 1, 8), code="m3-helios", status=TrainingSession.Status.CANCELLED
    )
    seat(cancelled, chloe, attended=True)
    elsewhere = CommuneFactory(name="Ailleurs")
    stranger = ContactFactory(epci=elsewhere.epci, communes=[elsewhere])
    held_session(ReferentFactory(epci=elsewhere.epci), date(2026, 2, 5), attendees=[stranger])
    return {"anne": anne, "chloe": chloe}


def test_the_matrix_counts_each_agent_once_with_the_last_session(
    territory, referent, commune, other_commune
):
    coverage = training_coverage(referent.epci)
    assert [m.code for m in coverage.modules] == [
        "m1-marches",
        "m2-actes",
        "m3-helios",
        "m4-signature",
    ]
    assert [row.commune.name for row in coverage.rows] == ["Hénon", "Plédéliac"]
    acts = cell(coverage, commune, "m2-actes")
    assert (acts.trained, acts.last_trained_on, acts.flagged) == (2, date(2026, 3, 12), False)
    for code in ("m3-helios", "m4-signature"):
        assert cell(coverage, other_commune, code).trained == 0
    assert coverage.totals[1] == {
        "module": coverage.modules[1],
        "trained": 2,
        "communes": 1,
        "flagged": 1,
    }


def test_communes_using_a_service_with_nobody_trained_are_flagged(
    territory, referent, commune, other_commune
):
    coverage = training_coverage(referent.epci)
    assert {(c.name, cell.module.code) for c, cell in coverage.flags} == {
        ("Hénon", "m4-signature"),  # charter signed for the parapheur
        ("Plédéliac", "m2-actes"),  # deploying acts; Chloé was absent
    }
    assert not cell(coverage, other_commune, "m3-helios").flagged  # only « intéressée »


def test_the_matrix_costs_the_same_queries_for_2_or_40_communes(
    referent, commune, django_assert_num_queries
):
    small = held_session(
        referent, date(2026, 2, 5), attendees=[ContactFactory(communes=[commune])], capacity=50
    )
    adopt(commune, "actes")
    with django_assert_num_queries(4):
        training_coverage(referent.epci)
    for index in range(40):
        other = CommuneFactory(epci=referent.epci, name=f"Commune {index:02d}")
        adopt(other, "actes")
        adopt(other, "marches", Adoption.Status.DEPLOYING)
        seat(small, ContactFactory(epci=referent.epci, communes=[other]), attended=True)
    with django_assert_num_queries(4):
        coverage = training_coverage(referent.epci)
    assert len(coverage.rows) == 41
    assert len(coverage.flags) == 40  # each uses « marchés » with nobody trained


def test_the_csv_has_a_row_per_commune_and_three_columns_per_module(territory, referent):
    content = coverage_csv(training_coverage(referent.epci))
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == [
        "Commune",
        "Code INSEE",
        "Répondre et publier sur la salle régionale des marchés : agents formés",
        "Répondre et publier sur la salle régionale des marchés : dernière session",
        "Répondre et publier sur la salle régionale des marchés : service adopté sans agent formé",
    ]
    henon, pledeliac = rows[1], rows[2]
    assert henon[0] == "Hénon" and henon[5:8] == ["2", "12/03/2026", ""]
    assert henon[-3:] == ["0", "", "oui"]  # the parapheur
    assert pledeliac[5:8] == ["0", "", "oui"]


def test_the_coverage_page_and_its_export_are_the_referents(client, territory, referent, agent_a):
    client.force_login(referent)
    text = page_text(client.get(reverse("trainings:coverage")))
    assert "Couverture des formations" in text
    assert "2 agents dernière : 12/03/2026" in text
    assert "À former" in text
    response = client.get(reverse("trainings:coverage_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "couverture-formations-lamballe-terre-et-mer-" in response["Content-Disposition"]
    assert "Ailleurs" not in response.content.decode("utf-8-sig")
    client.force_login(agent_a)
    assert client.get(reverse("trainings:coverage")).status_code == 403
    assert client.get(reverse("trainings:coverage_csv")).status_code == 403


def test_the_rule_proposes_a_training_once_per_commune_and_service(territory, referent):
    created = [s for s in suggestions_propose(epci=referent.epci, now=timezone.now())]
    training = sorted(
        (s.commune.name, s.service.code, s.title)
        for s in created
        if s.rule == "formation_service_adopte"
    )
    assert training == [
        ("Hénon", "parapheur", "Former vos agents à « Parapheur et signature électronique »"),
        (
            "Plédéliac",
            "actes",
            "Former vos agents à « Télétransmission des actes au contrôle de légalité »",
        ),
    ]
    body = Suggestion.objects.get(rule="formation_service_adopte", service__code="actes").body
    assert "« Télétransmettre les actes à la préfecture »" in body
    assert suggestions_propose(epci=referent.epci) == []  # idempotent
