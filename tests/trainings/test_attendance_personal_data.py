"""RGPD: a person's trainings in their export; anonymisation keeps the counts, scrubs the rest."""

from datetime import date

import pytest

from communes.contacts.services import contact_anonymise, contact_export_json
from tests.factories import request_of
from tests.trainings.factories import module
from tests.trainings.followup_helpers import held_session
from trainings.coverage import training_coverage
from trainings.demand import demands_from_request
from trainings.models import Attestation, SurveyResponse, TrainingDemand
from trainings.survey import session_results, survey_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(referent, agent_a, commune):
    contact = agent_a.contact
    session = held_session(referent, date(2026, 3, 12), attendees=[contact])
    enrolment = session.enrolments.get()
    Attestation.objects.create(
        enrolment=enrolment, number="ATT-2026-00007", issued_at=session.ends_at
    )
    survey_answer(
        enrolment=enrolment,
        overall=4,
        content=5,
        trainer=4,
        comment=f"Merci, je suis {contact.first_name} {contact.last_name} de la mairie.",
    )
    request = request_of(
        agent_a,
        commune,
        category="training",
        training_module=module("m3-helios"),
        subject="Hélios",
        description="Pour la comptable.",
    )
    demands_from_request(request=request, contacts=[contact], by=referent)
    return session, contact


def test_the_export_lists_enrolments_attestations_survey_answers_and_demands(history):
    _session, contact = history
    data = contact_export_json(contact=contact)
    [enrolment] = data["training_enrolments"]
    assert enrolment["module"] == "Télétransmettre les actes à la préfecture"
    assert enrolment["attended"] is True
    assert enrolment["status"] == "enrolled"
    assert enrolment["attestation"]["number"] == "ATT-2026-00007"
    assert enrolment["survey_answer"]["overall"] == 4
    assert "Anne Aubry" in enrolment["survey_answer"]["comment"]
    [demand] = data["training_demands"]
    assert (demand["module"], demand["status"]) == (
        "Dématérialiser la chaîne comptable (PES)",
        "waiting",
    )


def test_anonymisation_scrubs_the_comment_ends_the_waiting_and_keeps_the_counts(
    history, referent, commune
):
    session, contact = history
    contact_anonymise(contact=contact, by=referent)
    response = SurveyResponse.objects.get()
    assert "Anne" not in response.comment and "Aubry" not in response.comment
    assert f"Contact anonymisé n° {contact.pk}" in response.comment
    assert TrainingDemand.objects.get().status == "withdrawn"
    results = session_results(session)
    assert (results.answers, results.attendees, results.overall) == (1, 1, 4)
    coverage = training_coverage(commune.epci)
    assert [c.trained for c in coverage.rows[0].cells if c.module.code == "m2-actes"] == [1]
