"""Suggestions: writing, confirming, setting aside and answering, through the services."""

import pytest
from django.core.exceptions import ValidationError

from communes.models import Contact, Service, Suggestion, TimelineEntry
from communes.suggestions.selectors import suggestions_to_answer, suggestions_visible_to
from communes.suggestions.services import (
    suggestion_answer,
    suggestion_confirm,
    suggestion_create,
    suggestion_dismiss,
)
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.suggestions.helpers import emails_to, proposed
from tests.factories import ContactFactory, ReferentFactory, UserFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Suggestion.Status


def write(referent, commune, **fields):
    defaults = {
        "title": "Adhérer à l'archivage électronique",
        "body": "Vous transmettez déjà vos actes : archivez-les aussi.",
        "service": Service.objects.get(code="archivage"),
    }
    return suggestion_create(by=referent, commune=commune, **{**defaults, **fields})


# --- the referent writes -------------------------------------------------------------------


def test_a_written_suggestion_is_sent_to_the_communes_agents_and_recorded(
    referent, henon, agent_henon, agent_brehand
):
    second_agent = agent_of(henon, email="mairie@henon.example.org", language="en")
    ContactFactory(epci=referent.epci, communes=[henon])  # no account: no e-mail

    suggestion = write(referent, henon)

    assert suggestion.status == Status.SENT
    assert suggestion.sent_at is not None
    assert suggestion.created_by == referent
    assert suggestion.rule == ""
    recipients = set(
        OutgoingEmail.objects.filter(kind="suggestions.sent").values_list("to", flat=True)
    )
    assert recipients == {agent_henon.email, second_agent.email}
    [email] = emails_to(agent_henon.email)
    assert email.subject == "Suggestion pour Hénon : Adhérer à l'archivage électronique"
    assert "Bonjour Anne Rault," in email.body_text
    assert "Vous transmettez déjà vos actes : archivez-les aussi." in email.body_text
    assert f"http://testserver/communes/suggestions/{suggestion.pk}/" in email.body_text
    [english] = emails_to(second_agent.email)
    assert english.language == "en"
    [entry] = TimelineEntry.objects.filter(commune=henon, kind="suggestion")
    assert entry.title == "Suggestion envoyée : Adhérer à l'archivage électronique"
    assert (entry.actor, entry.subject) == (referent, suggestion)


def test_an_inactive_agent_or_contact_gets_no_email(referent, henon, agent_henon):
    Contact.objects.filter(user=agent_henon).update(is_active=False)
    write(referent, henon)
    assert emails_to(agent_henon.email) == []


def test_only_the_referent_of_the_communes_epci_writes_to_it(referent, henon, agent_henon):
    for author in [agent_henon, ReferentFactory(), UserFactory(role="syndicat")]:
        with pytest.raises(ValidationError) as exc:
            write(author, henon)
        assert exc.value.code == "forbidden"
    assert not Suggestion.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_a_suggestion_without_a_title_is_refused_and_nothing_is_sent(referent, henon, agent_henon):
    with pytest.raises(ValidationError) as exc:
        write(referent, henon, title="   ")
    assert "title" in exc.value.error_dict
    assert not Suggestion.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert not TimelineEntry.objects.exists()


# --- the portal proposes, the referent confirms or sets aside -----------------------------


def test_confirming_a_proposed_suggestion_sends_it_like_a_written_one(referent, henon, agent_henon):
    suggestion = proposed(henon)
    assert suggestions_visible_to(agent_henon).count() == 0  # not sent: the commune can't see it
    assert emails_to(agent_henon.email) == []

    suggestion = suggestion_confirm(suggestion=suggestion, by=referent)

    assert suggestion.status == Status.SENT
    assert suggestion.sent_at is not None
    [email] = emails_to(agent_henon.email)
    assert email.kind == "suggestions.sent"
    assert "Archiver électroniquement vos actes" in email.subject
    assert TimelineEntry.objects.filter(commune=henon, kind="suggestion").count() == 1
    assert list(suggestions_visible_to(agent_henon)) == [suggestion]

    with pytest.raises(ValidationError) as exc:
        suggestion_confirm(suggestion=suggestion, by=referent)
    assert exc.value.code == "not_proposed"
    assert len(emails_to(agent_henon.email)) == 1  # a double click sends once


def test_a_referent_of_another_epci_cannot_confirm(henon, agent_henon):
    suggestion = proposed(henon)
    with pytest.raises(ValidationError):
        suggestion_confirm(suggestion=suggestion, by=ReferentFactory())
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED
    assert emails_to(agent_henon.email) == []


def test_a_dismissed_suggestion_never_reaches_the_commune(referent, henon, agent_henon):
    suggestion = suggestion_dismiss(suggestion=proposed(henon), by=referent)

    assert suggestion.status == Status.DISMISSED
    assert not OutgoingEmail.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert suggestions_visible_to(agent_henon).count() == 0
    with pytest.raises(ValidationError):
        suggestion_confirm(suggestion=suggestion, by=referent)


def test_a_sent_suggestion_cannot_be_dismissed(referent, henon):
    suggestion = write(referent, henon)
    with pytest.raises(ValidationError):
        suggestion_dismiss(suggestion=suggestion, by=referent)


# --- the commune answers -------------------------------------------------------------------


def test_an_agent_answers_later_with_a_comment_and_the_referent_is_told(
    referent, henon, agent_henon
):
    other_referent = ReferentFactory(epci=referent.epci, email="adjoint@lamballe.example.org")
    ReferentFactory(email="ailleurs@example.org")  # another EPCI
    suggestion = write(referent, henon)

    suggestion = suggestion_answer(
        suggestion=suggestion,
        by=agent_henon,
        answer=Status.LATER,
        comment="  Après le renouvellement du conseil, en mars.  ",
    )

    assert suggestion.status == Status.LATER
    assert suggestion.answered_by == agent_henon
    assert suggestion.answered_at is not None
    assert suggestion.answer_comment == "Après le renouvellement du conseil, en mars."
    answered = OutgoingEmail.objects.filter(kind="suggestions.answered")
    assert set(answered.values_list("to", flat=True)) == {referent.email, other_referent.email}
    [email] = emails_to(referent.email)
    assert email.subject == "Hénon a répondu à votre suggestion : Plus tard"
    assert "Anne Rault (Hénon) a répondu à votre suggestion." in email.body_text
    assert "Après le renouvellement du conseil, en mars." in email.body_text
    entry = TimelineEntry.objects.filter(commune=henon, kind="suggestion").first()
    assert entry.title == (
        "Réponse à la suggestion « Adhérer à l'archivage électronique » : Plus tard"
    )
    assert entry.detail == "Après le renouvellement du conseil, en mars."
    assert entry.actor == agent_henon


def test_an_answer_later_can_become_a_yes_but_a_yes_is_final(referent, henon, agent_henon):
    suggestion = write(referent, henon)
    suggestion_answer(suggestion=suggestion, by=agent_henon, answer=Status.LATER)
    assert suggestions_to_answer(agent_henon) == [suggestion]

    suggestion_answer(suggestion=suggestion, by=agent_henon, answer=Status.ACCEPTED)
    assert suggestions_to_answer(agent_henon) == []

    with pytest.raises(ValidationError) as exc:
        suggestion_answer(suggestion=suggestion, by=agent_henon, answer=Status.DECLINED)
    assert exc.value.code == "already_answered"
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ACCEPTED


def test_an_agent_of_another_commune_cannot_answer(referent, henon, agent_brehand):
    suggestion = write(referent, henon)
    with pytest.raises(ValidationError) as exc:
        suggestion_answer(suggestion=suggestion, by=agent_brehand, answer=Status.ACCEPTED)
    assert exc.value.code == "forbidden"
    with pytest.raises(ValidationError):
        suggestion_answer(suggestion=suggestion, by=referent, answer=Status.ACCEPTED)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.SENT
    assert not OutgoingEmail.objects.filter(kind="suggestions.answered").exists()


def test_a_proposed_suggestion_cannot_be_answered(henon, agent_henon):
    suggestion = proposed(henon)
    with pytest.raises(ValidationError):
        suggestion_answer(suggestion=suggestion, by=agent_henon, answer=Status.ACCEPTED)


def test_an_answer_must_be_yes_no_or_later(referent, henon, agent_henon):
    suggestion = write(referent, henon)
    with pytest.raises(ValidationError) as exc:
        suggestion_answer(suggestion=suggestion, by=agent_henon, answer=Status.DISMISSED)
    assert "answer" in exc.value.error_dict
