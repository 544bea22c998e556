import json

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_relay.services import request_relay, signed_headers
from tests.factories import CommuneFactory, ReferentFactory, agent_of, request_of
from tests.requests_relay.receiver import SECRET, Receiver


@pytest.fixture
def receiver(settings):
    """The syndicat mixte's endpoint, configured as the portal's webhook target."""
    server = Receiver().start()
    settings.SYNDICAT_WEBHOOK_URL = server.url
    settings.SYNDICAT_WEBHOOK_SECRET = SECRET
    settings.SYNDICAT_INBOUND_SECRET = SECRET
    yield server
    server.stop()


@pytest.fixture
def dossier(settings):
    """A relayed dossier of one request; the inbound call's secret is set, no webhook."""
    settings.SYNDICAT_WEBHOOK_URL = ""
    settings.SYNDICAT_INBOUND_SECRET = SECRET
    commune = CommuneFactory()
    return request_relay(
        request=request_of(agent_of(commune)), by=ReferentFactory(epci=commune.epci), summary="s"
    )


def post_signed(client, payload, webhook_id="msg_api_1"):
    """The syndicat mixte's signed call, as its systems send it."""
    body = json.dumps(payload)
    headers = signed_headers(webhook_id=webhook_id, body=body, secret=SECRET, when=timezone.now())
    return client.post(
        reverse("relay_inbound"),
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "content-type"},
    )
