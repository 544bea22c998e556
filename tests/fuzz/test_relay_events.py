"""The inbound relay endpoint (/api/relay/events/) fuzzed with bodies that carry a VALID
Standard Webhooks signature: past the signature, whatever the JSON says, the answer is a JSON
document with a 4xx or 200 (never a server error), and a call that is not applied writes
nothing (not even its InboundCall row)."""

import itertools
import json

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from requests_relay.services import ANSWER_ACTIONS, signed_headers
from tests.fuzz.kit import changed, snapshot
from tests.fuzz.world import build_world
from tests.requests_relay.receiver import SECRET

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/relay/events/"
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
# Any JSON document, a few levels deep, and sometimes far deeper than the parser accepts.
SHALLOW = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
DEEP = st.builds(
    lambda depth, leaf, as_list: json.loads(
        ("[" * depth + json.dumps(leaf) + "]" * depth)
        if as_list
        else ('{"a":' * depth + json.dumps(leaf) + "}" * depth)
    ),
    st.integers(20, 200),
    st.integers() | TEXT,
    st.booleans(),
)
JSON = SHALLOW | DEEP
ACTIONS = st.sampled_from([*ANSWER_ACTIONS, "teleport", ""]) | JSON
MESSAGES = JSON


@st.composite
def payloads(draw, references):
    """Mostly the shape the syndicat mixte sends, with any value in each key; sometimes any
    JSON at all."""
    if draw(st.integers(0, 5)) == 0:
        return draw(JSON)
    payload = draw(st.dictionaries(TEXT, JSON, max_size=3))
    for key, values in (
        ("dossier", st.sampled_from(references) | JSON),
        ("action", ACTIONS),
        ("message", MESSAGES),
    ):
        if draw(st.integers(0, 6)):
            payload[key] = draw(values)
    return payload


_ids = itertools.count()


def test_a_validly_signed_call_answers_json_and_writes_nothing_unless_applied(client, settings):
    settings.SYNDICAT_WEBHOOK_URL = ""
    settings.SYNDICAT_INBOUND_SECRET = SECRET
    world = build_world()
    references = [world.relayed.reference, world.draft_dossier.reference]
    url = reverse("relay_inbound")
    assert url == ENDPOINT

    @given(payload=payloads(references), ascii_only=st.booleans())
    def run(payload, ascii_only):
        body = json.dumps(payload, ensure_ascii=ascii_only)
        webhook_id = f"msg_fuzz_{next(_ids)}"
        headers = signed_headers(
            webhook_id=webhook_id, body=body, secret=SECRET, when=timezone.now()
        )
        with transaction.atomic():
            before = snapshot()
            response = client.post(
                url,
                data=body.encode(),
                content_type="application/json",
                headers={k: v for k, v in headers.items() if k != "content-type"},
            )
            assert response.status_code < 500
            assert response["Content-Type"] == "application/json"
            answer = response.json()
            after = snapshot()
            if answer.get("status") != "applied":
                assert changed(before, after) == [], f"answered {answer} but wrote"
            transaction.set_rollback(True)

    run()
