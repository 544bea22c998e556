"""The satisfaction survey: a signed link per attendee, answered once; results per session
and per module."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from tests.factories import ContactFactory, ReferentFactory
from tests.trainings.followup_helpers import held_session, page_text, seat, session_on
from trainings.models import SurveyResponse
from trainings.survey import (
    module_results,
    modules_overview,
    session_results,
    survey_answer,
    survey_token,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 12)
ANSWER = {"overall": "5", "content": "4", "trainer": "5", "comment": "Très concret, merci."}


@pytest.fixture
def session(referent, agent_a, agent_b, agent_c):
    return held_session(
        referent, DAY, attendees=[agent_a.contact, agent_c.contact], absentees=[agent_b.contact]
    )


def enrolment_of(session, user):
    return session.enrolments.get(contact=user.contact)


def survey_url(enrolment):
    return reverse("trainings:survey", args=[survey_token(enrolment)])


@freeze_time("2026-03-13 12:00:00+01:00")
def test_an_attendee_answers_once_without_logging_in(client, session, agent_a):
    url = survey_url(enrolment_of(session, agent_a))
    form = client.get(url)
    assert form.status_code == 200
    assert "Bonjour Anne Aubry" in page_text(form)

    # Post, then redirect: reloading the thanks page sends nothing again.
    answered = client.post(url, ANSWER)
    assert answered.status_code == 302
    thanks = client.get(answered["Location"])
    assert "Merci pour votre avis" in page_text(thanks)
    response = SurveyResponse.objects.get()
    assert (response.overall, response.content, response.trainer) == (5, 4, 5)
    assert response.comment == "Très concret, merci."
    assert response.session == session

    # The link again, or the form sent twice: « déjà répondu », nothing more stored.
    assert "Vous avez déjà répondu" in page_text(client.get(url))
    again = client.post(url, {**ANSWER, "overall": "1"})
    assert "Vous avez déjà répondu" in page_text(again)
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().overall == 5


@freeze_time("2026-03-13 12:00:00+01:00")
def test_a_tampered_link_says_it_is_not_valid(client, session, agent_a, agent_c):
    token = survey_token(enrolment_of(session, agent_a))
    other = enrolment_of(session, agent_c).pk
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        # Another attendee's id under Anne's signature.
        signing.b64_encode(str(other).encode()).decode() + token[token.index(":") :],
        "n-importe-quoi",
    ]
    for bad in forged:
        response = client.get(reverse("trainings:survey", args=[bad]))
        assert response.status_code == 404
        assert "Ce lien n'est pas valide" in page_text(response)
        assert client.post(reverse("trainings:survey", args=[bad]), ANSWER).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_link_expires_after_the_survey_days(client, session, agent_a, settings):
    settings.TRAINING_SURVEY_DAYS = 30
    with freeze_time("2026-03-12 18:00:00+01:00"):
        url = survey_url(enrolment_of(session, agent_a))
    with freeze_time("2026-04-10 12:00:00+02:00"):
        assert client.get(url).status_code == 200
    with freeze_time("2026-04-12 12:00:00+02:00"):
        response = client.post(url, ANSWER)
    assert response.status_code == 410
    assert "Ce lien a expiré" in page_text(response)
    assert not SurveyResponse.objects.exists()


@freeze_time("2026-03-13 12:00:00+01:00")
def test_an_absent_person_or_a_session_not_held_has_no_survey(client, session, agent_b, referent):
    response = client.get(survey_url(enrolment_of(session, agent_b)))
    assert response.status_code == 404
    assert "réservé aux personnes présentes" in page_text(response)
    upcoming = session_on(referent, date(2026, 4, 2))
    enrolment = seat(upcoming, ContactFactory(epci=referent.epci), attended=True)
    assert client.get(survey_url(enrolment)).status_code == 404
    with pytest.raises(ValidationError):
        survey_answer(enrolment=enrolment, overall=5, content=5, trainer=5)


@freeze_time("2026-03-13 12:00:00+01:00")
def test_a_missing_score_is_explained_and_the_comment_kept(client, session, agent_a):
    url = survey_url(enrolment_of(session, agent_a))
    response = client.post(url, {"overall": "4", "content": "9", "comment": "Salle trop petite"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Votre avis n'est pas encore envoyé." in text
    assert "Choisissez une note de 1 à 5." in text
    assert "Salle trop petite" in response.content.decode()
    assert re.search(r'name="overall" value="4"[^>]*checked', response.content.decode())
    assert not SurveyResponse.objects.exists()


def test_the_database_refuses_a_score_outside_1_to_5(session, agent_a):
    with pytest.raises(ValidationError):
        survey_answer(enrolment=enrolment_of(session, agent_a), overall=6, content=3, trainer=3)
    assert not SurveyResponse.objects.exists()


# --- results ---------------------------------------------------------------------------------


def answer(session, contact, overall, content, trainer, comment=""):
    enrolment = session.enrolments.get(contact=contact)
    return survey_answer(
        enrolment=enrolment, overall=overall, content=content, trainer=trainer, comment=comment
    )


@pytest.fixture
def two_sessions(referent, commune):
    """Session 1: 4 present, 3 answers; session 2 (same module): 2 present, 1 answer."""
    people = [ContactFactory(epci=referent.epci, communes=[commune]) for _ in range(6)]
    first = held_session(referent, date(2026, 2, 5), attendees=people[:4])
    second = held_session(referent, date(2026, 3, 12), attendees=people[4:])
    answer(first, people[0], 5, 4, 5, "Clair et utile.")
    answer(first, people[1], 4, 4, 3)
    answer(first, people[2], 4, 3, 4, "Trop rapide sur la signature.")
    answer(second, people[4], 2, 3, 1, "Formateur en retard.")
    return first, second


def test_the_results_of_a_session_average_each_question_to_one_decimal(two_sessions):
    first, _second = two_sessions
    results = session_results(first)
    assert results.answers == 3
    assert results.attendees == 4
    assert results.rate == 75
    # 13/3 = 4.33 → 4.3; 11/3 = 3.67 → 3.7; 12/3 = 4.0
    assert (results.overall, results.content, results.trainer) == (
        Decimal("4.3"),
        Decimal("3.7"),
        Decimal("4.0"),
    )
    assert [c.comment for c in results.comments] == [
        "Trop rapide sur la signature.",
        "Clair et utile.",
    ]


def test_the_results_of_a_module_weigh_every_answer_and_list_each_session(two_sessions, referent):
    first, second = two_sessions
    results, sessions = module_results(referent.epci_id, first.module)
    assert (results.answers, results.attendees) == (4, 6)
    # overall (5+4+4+2)/4 = 3.75 → 3.8 (half up); content 14/4 = 3.5; trainer 13/4 = 3.25 → 3.3
    assert (results.overall, results.content, results.trainer) == (
        Decimal("3.8"),
        Decimal("3.5"),
        Decimal("3.3"),
    )
    assert [s.pk for s in sessions] == [second.pk, first.pk]  # latest first
    assert (sessions[0].results.answers, sessions[0].results.attendees) == (1, 2)
    assert sessions[0].results.overall == Decimal("2.0")
    assert sessions[1].results.overall == Decimal("4.3")
    [overview] = modules_overview(referent.epci_id)
    assert (overview.held_count, overview.answers, overview.overall_avg) == (
        2,
        4,
        Decimal("3.8"),
    )
    # Another EPCI sees nothing of these.
    other = ReferentFactory()
    assert modules_overview(other.epci_id) == []
    assert module_results(other.epci_id, first.module)[1] == []


def test_the_referent_reads_the_results_pages_another_epci_gets_404(
    client, two_sessions, referent, agent_a
):
    first, _second = two_sessions
    client.force_login(referent)
    page = page_text(client.get(reverse("trainings:survey_session", args=[first.pk])))
    assert "3 réponses sur 4 personnes présentes (75 %)" in page
    assert "4,3 / 5" in page
    assert "Trop rapide sur la signature." in page
    page = page_text(client.get(reverse("trainings:survey_module", args=[first.module.code])))
    assert "4 réponses sur 6 personnes présentes" in page
    assert "Formateur en retard." in page
    page = page_text(client.get(reverse("trainings:survey_overview")))
    assert "Télétransmettre les actes à la préfecture" in page

    client.force_login(ReferentFactory())
    assert client.get(reverse("trainings:survey_session", args=[first.pk])).status_code == 404
    assert (
        client.get(reverse("trainings:survey_module", args=[first.module.code])).status_code == 404
    )
    client.force_login(agent_a)
    assert client.get(reverse("trainings:survey_overview")).status_code == 403
