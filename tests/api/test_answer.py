"""The syndicat mixte answers a dossier through the API: the same effects as the admin site's
« Répondre aux communes » (every request follows, the communes and the referent are e-mailed),
and only the syndicat mixte may."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Status
from tests.api.conftest import auth, officer, token_for
from tests.factories import SyndicatFactory, request_of

pytestmark = pytest.mark.django_db

ANSWER = "Une session de formation aura lieu à Lamballe le 12 mai."


def answer_url(dossier):
    return reverse("api:dossier-answer", args=[dossier.reference])


def post(client, url, data, key):
    return client.post(url, data, content_type="application/json", headers=auth(key))


@pytest.fixture
def key(syndicat):
    return token_for(syndicat)


@pytest.fixture
def dossier_of_two(territory):
    """The first EPCI's dossier with a second commune's request in it."""
    a, _ = territory
    second = request_of(a.agent, commune=a.communes[0], subject="Second signataire")
    second.dossier = a.dossier
    second.status = Status.RELAYED
    second.save(update_fields=["dossier", "status"])
    return a.dossier


def test_an_answer_moves_the_dossier_and_every_request_and_emails_the_communes(
    client, territory, dossier_of_two, key, syndicat
):
    a, _ = territory
    before = set(OutgoingEmail.objects.values_list("pk", flat=True))

    response = post(
        client, answer_url(dossier_of_two), {"action": "answer", "message": ANSWER}, key
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "answered"
    assert body["answer"] == ANSWER
    assert [r["status"] for r in body["requests"]] == ["answered", "answered"]
    dossier_of_two.refresh_from_db()
    assert dossier_of_two.status == Status.ANSWERED
    for request in dossier_of_two.requests.all():
        assert request.status == Status.ANSWERED
        assert request.messages.filter(body=ANSWER, author=syndicat).exists()
    new = OutgoingEmail.objects.exclude(pk__in=before)
    assert sorted(new.values_list("kind", flat=True)) == [
        "requests.dossier_answer",
        "requests.syndicat_answer",
        "requests.syndicat_answer",
    ]
    assert set(new.values_list("to", flat=True)) == {a.agent.email, a.referent.email}
    assert all(ANSWER in email.body_text for email in new)


def test_acknowledge_then_resolve_and_a_closed_dossier_refuses_more_with_the_reason(
    client, territory, key
):
    a, _ = territory
    url = answer_url(a.dossier)
    assert post(client, url, {"action": "acknowledge"}, key).json()["status"] == "acknowledged"
    assert post(client, url, {"action": "resolve"}, key).json()["status"] == "resolved"

    response = post(client, url, {"action": "acknowledge"}, key)

    assert response.status_code == 400
    assert response.json() == {
        "error": "refused",
        "detail": f"Le dossier {a.dossier.reference} n'attend pas de réponse du syndicat mixte "
        "(état : Résolu).",
    }
    a.dossier.refresh_from_db()
    assert a.dossier.status == Status.RESOLVED


def test_an_answer_or_a_refusal_without_a_message_is_refused_and_nothing_changes(
    client, territory, key
):
    a, _ = territory
    emails = OutgoingEmail.objects.count()
    for action in ("answer", "refuse"):
        response = post(client, answer_url(a.dossier), {"action": action, "message": "  "}, key)
        assert response.status_code == 400
        assert response.json() == {
            "error": "refused",
            "detail": "Une réponse ou un refus s'accompagne d'un message.",
        }
    a.dossier.refresh_from_db()
    assert a.dossier.status == Status.RELAYED
    assert OutgoingEmail.objects.count() == emails


def test_an_unknown_action_is_a_400_on_the_action_field(client, territory, key):
    a, _ = territory
    response = post(client, answer_url(a.dossier), {"action": "teleport"}, key)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == ["action"]
    assert "teleport" in response.json()["fields"]["action"][0]


def test_an_unknown_dossier_is_a_404(client, territory, key):
    response = client.post(
        reverse("api:dossier-answer", args=["DOS-1999-0001"]),
        {"action": "resolve"},
        content_type="application/json",
        headers=auth(key),
    )
    assert response.status_code == 404


def test_referents_agents_and_officers_without_the_permission_get_403(client, territory):
    a, b = territory
    for user in (a.referent, a.agent, SyndicatFactory(username="lecteur")):
        for dossier in (a.dossier, b.dossier):
            response = post(client, answer_url(dossier), {"action": "resolve"}, token_for(user))
            assert response.status_code == 403
            assert response.json()["detail"] == "Seul le syndicat mixte répond aux dossiers."
            Token.objects.filter(user=user).delete()
    a.dossier.refresh_from_db()
    assert a.dossier.status == Status.RELAYED


def test_an_officer_logged_in_answers_with_the_csrf_token_and_not_without(client, territory):
    a, _ = territory
    client.force_login(officer(username="agent.syndicat"))
    client.handler.enforce_csrf_checks = True
    url = answer_url(a.dossier)

    refused = client.post(url, {"action": "acknowledge"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    client.get(reverse("api:docs"), {"script": ""})  # the docs' script sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        url,
        {"action": "acknowledge"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "acknowledged"
