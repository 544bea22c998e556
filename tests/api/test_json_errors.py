"""The API answers every bad body in JSON with a stable error code and a translated message:
400 for malformed, too nested or wrongly typed, 413 for too large; never a server error and
never the text of a Python exception. Nothing changes, nobody is e-mailed."""

import json

import pytest
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Status
from tests.api.conftest import auth, officer, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(syndicat):
    return token_for(syndicat)


@pytest.fixture
def syndicat():
    return officer(username="pole.promotion")


def post_raw(client, dossier, body, key, content_type="application/json"):
    return client.post(
        reverse("api:dossier-answer", args=[dossier.reference]),
        data=body,
        content_type=content_type,
        headers=auth(key),
    )


@pytest.fixture
def unchanged(territory):
    """After the test: the dossier and its requests did not move, no e-mail was queued."""
    a, _ = territory
    emails = OutgoingEmail.objects.count()
    yield a.dossier
    a.dossier.refresh_from_db()
    assert a.dossier.status == Status.RELAYED
    assert {r.status for r in a.dossier.requests.all()} == {Status.RELAYED}
    assert OutgoingEmail.objects.count() == emails


def test_a_deeply_nested_body_is_a_400_too_nested(client, unchanged, key):
    body = '{"action": "answer", "message": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = post_raw(client, unchanged, body, key)
    assert response.status_code == 400
    assert response.json() == {
        "error": "too_nested",
        "detail": "Le document JSON est trop imbriqué (32 niveaux au plus).",
    }


@pytest.mark.parametrize("body", ['{"action": ', "action=resolve", b"\xff\xfe{}", "NaN"])
def test_a_body_that_is_not_json_is_a_400_malformed_body_without_the_parser_s_words(
    client, unchanged, key, body
):
    response = post_raw(client, unchanged, body, key)
    assert response.status_code == 400
    assert response.json() == {
        "error": "malformed_body",
        "detail": "Le corps de la requête n'est pas un document JSON valide (UTF-8).",
    }


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"action": "answer", "message": 12}, "message"),
        ({"action": "answer", "message": ["Vu."]}, "message"),
        ({"action": "answer", "message": {"text": "Vu."}}, "message"),
        ({"action": "answer", "message": True}, "message"),
        ({"action": ["acknowledge"]}, "action"),
        ({"action": 1}, "action"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_400_invalid_that_names_it(
    client, unchanged, key, payload, field
):
    response = post_raw(client, unchanged, json.dumps(payload), key)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]


def test_a_body_that_is_not_an_object_is_a_400_invalid(client, unchanged, key):
    for payload in (["answer", "Vu."], "answer", 12, None):
        response = post_raw(client, unchanged, json.dumps(payload), key)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid"


def test_a_body_over_the_upload_limit_is_a_json_413(client, unchanged, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"action": "answer", "message": "x" * 2000})
    response = post_raw(client, unchanged, body, key)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "too_large",
        "detail": "Le corps de la requête dépasse la taille autorisée.",
    }


def test_another_content_type_is_a_json_415_with_its_code(client, unchanged, key):
    response = post_raw(
        client, unchanged, "action=resolve", key, "application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_every_refusal_carries_a_stable_code(client, territory, key):
    a, _ = territory
    url = reverse("api:dossier-answer", args=[a.dossier.reference])
    assert client.post(url, {}, content_type="application/json").json()["error"] == (
        "not_authenticated"
    )
    wrong = client.post(url, {}, content_type="application/json", headers=auth("x" * 40))
    assert wrong.json()["error"] == "authentication_failed"
    referent = client.post(
        url,
        {"action": "resolve"},
        content_type="application/json",
        headers=auth(token_for(a.referent)),
    )
    assert referent.status_code == 403
    assert referent.json()["error"] == "permission_denied"
    missing = client.get(reverse("api:dossier-detail", args=["DOS-1999-0001"]), headers=auth(key))
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    put = client.put(url, {}, content_type="application/json", headers=auth(key))
    assert put.status_code == 405
    assert put.json()["error"] == "method_not_allowed"


def test_a_missing_object_is_a_404_that_does_not_name_the_model(client, key):
    response = client.get("/api/v1/meetings/999999/", headers=auth(key))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Non trouvé."}
