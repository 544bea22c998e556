"""The signed inbound call answers every body with a JSON answer and a stable error code: never
a server error, never the text of a Python exception, and the dossier's state after the change."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Dossier, InboundCall, Status
from requests_relay.services import signed_headers
from tests.requests_relay.conftest import post_signed
from tests.requests_relay.receiver import SECRET

pytestmark = pytest.mark.django_db


def post_raw(client, body: bytes, webhook_id="msg_raw_1", *, signed=True):
    headers = {}
    if signed:
        headers = signed_headers(
            webhook_id=webhook_id, body=body, secret=SECRET, when=timezone.now()
        )
        headers.pop("content-type")
    return client.post(
        reverse("relay_inbound"), data=body, content_type="application/json", headers=headers
    )


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_nothing_changed(dossier):
    dossier.refresh_from_db()
    assert dossier.status == Status.RELAYED
    assert dossier.requests.get().status == Status.RELAYED
    assert not InboundCall.objects.exists()


def test_the_answer_gives_the_dossier_state_after_the_change(client, dossier):
    response = post_signed(client, {"dossier": dossier.reference, "action": "acknowledge"})
    assert response.status_code == 200
    assert response.json() == {
        "status": "applied",
        "dossier": dossier.reference,
        "state": "acknowledged",
    }


def test_a_deeply_nested_signed_body_is_a_400_too_nested(client, dossier):
    body = f'{{"dossier": "{dossier.reference}", "action": "answer", "message": {nested(50_000)}}}'
    response = post_raw(client, body.encode())
    assert response.status_code == 400
    assert response.json() == {
        "error": "too_nested",
        "detail": "Le document JSON est trop imbriqué (32 niveaux au plus).",
    }
    assert_nothing_changed(dossier)


def test_a_signed_body_that_is_not_json_is_a_400_malformed_body_not_a_bad_signature(
    client, dossier
):
    for body in (b"dossier=DOS&action=resolve", b'{"dossier": ', b"\xff\xfe{}"):
        response = post_raw(client, body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "malformed_body", body
        assert "Expecting" not in response.content.decode()
    assert_nothing_changed(dossier)


@pytest.mark.parametrize(
    "change",
    [
        {"action": ["acknowledge"]},
        {"action": {"acknowledge": True}},
        {"action": 1},
        {"message": 12},
        {"message": ["Vu."]},
        {"dossier": ["DOS"]},
        {"dossier": 12},
    ],
)
def test_a_field_of_the_wrong_type_is_a_400_that_names_it(client, dossier, change):
    payload = {"dossier": dossier.reference, "action": "answer", "message": "Vu.", **change}
    emails = OutgoingEmail.objects.count()
    response = post_signed(client, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_payload"
    assert list(body["fields"]) == list(change)
    assert_nothing_changed(dossier)
    assert OutgoingEmail.objects.count() == emails  # no « 12 » mailed to the communes


def test_a_payload_that_is_not_an_object_is_a_400_invalid_payload(client, dossier):
    for payload in ([dossier.reference, "resolve"], "resolve", 12, None):
        response = post_signed(client, payload)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_payload"
    assert_nothing_changed(dossier)


def test_a_bad_signature_is_a_401_that_does_not_echo_the_exception(client, dossier):
    body = json.dumps({"dossier": dossier.reference, "action": "resolve"})
    headers = signed_headers(webhook_id="msg_x", body=body, secret=SECRET, when=timezone.now())
    headers.pop("content-type")
    for tampered in (
        {**headers, "webhook-signature": "v1,AAAA"},
        {**headers, "webhook-timestamp": "yesterday"},
        {"webhook-id": "msg_x"},
    ):
        response = client.post(
            reverse("relay_inbound"), data=body, content_type="application/json", headers=tampered
        )
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_signature",
            "detail": "Signature absente, non valide ou expirée.",
        }
    assert_nothing_changed(dossier)


def test_a_body_over_the_upload_limit_is_a_json_413(client, dossier, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = {"dossier": dossier.reference, "action": "answer", "message": "x" * 2000}
    response = post_signed(client, payload)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "too_large",
        "detail": "Le corps de la requête dépasse la taille autorisée.",
    }
    assert_nothing_changed(dossier)


def test_a_body_over_the_endpoint_limit_is_a_json_413(client, dossier):
    payload = {"dossier": dossier.reference, "action": "answer", "message": "x" * 300_000}
    response = post_signed(client, payload)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert Dossier.objects.get().status == Status.RELAYED
