"""The syndicat mixte's systems answer a dossier through a signed HTTP call."""

import json

import pytest
from django.urls import reverse

from requests_relay.models import Status
from tests.requests_relay.conftest import post_signed

pytestmark = pytest.mark.django_db


def test_a_signed_acknowledgement_updates_the_dossier_and_its_requests(client, dossier):
    response = post_signed(client, {"dossier": dossier.reference, "action": "acknowledge"})
    assert response.status_code == 200
    assert response.json()["status"] == "applied"
    dossier.refresh_from_db()
    assert dossier.status == Status.ACKNOWLEDGED
    assert dossier.requests.get().status == Status.ACKNOWLEDGED


def test_a_replayed_call_is_acknowledged_but_not_applied_twice(client, dossier):
    payload = {"dossier": dossier.reference, "action": "answer", "message": "Vu."}
    assert post_signed(client, payload).json()["status"] == "applied"
    assert post_signed(client, payload).json()["status"] == "duplicate"
    assert dossier.requests.get().messages.filter(body="Vu.").count() == 1


def test_an_unsigned_call_is_refused_without_touching_anything(client, dossier):
    response = client.post(
        reverse("relay_inbound"),
        data=json.dumps({"dossier": dossier.reference, "action": "resolve"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    dossier.refresh_from_db()
    assert dossier.status == Status.RELAYED


def test_an_action_the_dossier_cannot_take_is_a_409_with_the_reason(client, dossier):
    response = post_signed(client, {"dossier": dossier.reference, "action": "teleport"})
    assert response.status_code == 409
    assert "Action inconnue" in response.json()["detail"][0]


def test_the_endpoint_answers_503_when_no_secret_is_configured(client, dossier, settings):
    settings.SYNDICAT_INBOUND_SECRET = ""
    response = post_signed(client, {"dossier": dossier.reference, "action": "resolve"})
    assert response.status_code == 503


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        # jsonb holds no NUL character: a payload the portal cannot keep.
        ({"action": "answer", "message": "Vu.\u0000"}, "invalid_payload"),
        ({"action": "answer", "message": "Vu.", "\u0000": 1}, "invalid_payload"),
        # nor a lone surrogate, which JSON's \\u escapes can write and UTF-8 cannot.
        ({"action": "answer", "message": "Vu.\ud800"}, "invalid_payload"),
        ({"action": "answer", "message": "Vu.", "\udfff": [1]}, "invalid_payload"),
        # NaN and Infinity, which Python's json reads, are not JSON: a malformed body.
        ({"action": "answer", "message": "Vu.", "score": float("nan")}, "malformed_body"),
        ({"action": "answer", "message": "Vu.", "score": [float("inf")]}, "malformed_body"),
    ],
    ids=[
        "nul-in-a-value",
        "nul-in-a-key",
        "surrogate-in-a-value",
        "surrogate-in-a-key",
        "nan",
        "infinity",
    ],
)
def test_a_signed_call_the_database_cannot_store_is_a_400_not_a_500(
    client, dossier, payload, error
):
    """Python's json reads NaN and \\u0000; PostgreSQL's jsonb refuses both: the call was a 500."""
    from requests_relay.models import InboundCall

    response = post_signed(client, {"dossier": dossier.reference, **payload})
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert not InboundCall.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.RELAYED
