"""Who writes in a request's thread, and under whose name the commune reads it.

The commune's agents and the referent of its EPCI write there; the syndicat mixte answers its
dossiers (admin site or signed API call) and its answer is signed as the syndicat mixte's —
never « Le référent vous a écrit ».
"""

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Message
from requests_relay.services import (
    dossier_apply_answer,
    request_ask_information,
    request_assign,
    request_message_add,
    request_resolve_locally,
)
from tests.requests_relay.scope_territory import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def counts():
    return Message.objects.count(), OutgoingEmail.objects.count()


@pytest.mark.parametrize("who", ["officer", "operator", "other_referent"])
def test_only_the_commune_and_its_referent_write_in_the_thread(request, scope_world, who):
    a, b = scope_world
    author = b.referent if who == "other_referent" else request.getfixturevalue(who)
    before = counts()
    for target in [a.open, a.relayed]:
        with pytest.raises(ValidationError) as error:
            request_message_add(request=target, author=author, body="Bonjour la commune.")
        assert "Seuls la commune et le référent de son EPCI" in " ".join(error.value.messages)
        with pytest.raises(ValidationError):
            request_ask_information(request=target, by=author, body="Une question ?")
        with pytest.raises(ValidationError):
            request_resolve_locally(request=target, by=author, body="Réglé.")
        with pytest.raises(ValidationError):
            request_assign(request=target, assignee=None, by=author)
    assert counts() == before


def test_an_agent_of_another_commune_cannot_write_in_the_thread(scope_world):
    a, b = scope_world
    before = counts()
    with pytest.raises(ValidationError):
        request_message_add(request=a.open, author=b.agent, body="Je ne suis pas de Lamballe.")
    assert counts() == before


def test_the_agent_reads_who_wrote_each_message(client, scope_world, officer, operator, settings):
    a, _ = scope_world
    dossier = a.relayed_dossier
    dossier_apply_answer(dossier=dossier, action="acknowledge", author=officer)
    dossier_apply_answer(
        dossier=dossier, action="answer", message="Réponse de l'agent du syndicat.", author=officer
    )
    dossier_apply_answer(
        dossier=dossier,
        action="answer",
        message="Réponse donnée par l'exploitant de la plateforme.",
        author=operator,
    )
    dossier_apply_answer(dossier=dossier, action="resolve", message="Réponse par l'API.")

    client.force_login(a.agent)
    page = squash(text_of(client.get(reverse("requests_relay:detail", args=[a.relayed.reference]))))
    articles = re.findall(r"<article.*?</article>", page)
    by_body = {}
    for article in articles:
        for body in [
            "Réponse du référent",
            "Réponse de l'agent du syndicat.",
            "Réponse donnée par l'exploitant de la plateforme.",
            "Réponse par l'API.",
        ]:
            if body in article:
                by_body[body] = article
    syndicat = f"Syndicat mixte ({settings.SYNDICAT_NAME})"
    assert "Référent e-administration" in by_body["Réponse du référent"]
    for body in [
        "Réponse de l'agent du syndicat.",
        "Réponse donnée par l'exploitant de la plateforme.",
        "Réponse par l'API.",
    ]:
        assert syndicat in by_body[body], body
        assert "Référent e-administration" not in by_body[body]
        assert "Agent communal" not in by_body[body]
    # The e-mails of the answers are the syndicat mixte's, not the referent's.
    mails = OutgoingEmail.objects.filter(to=a.agent.email, kind__startswith="requests.syndicat_")
    assert mails.count() == 4
    for mail in mails:
        assert "Le référent vous a écrit" not in mail.subject + mail.body_text
        assert f"{settings.SYNDICAT_NAME}, par l'intermédiaire du référent" in mail.body_text
