"""The syndicat mixte sees what was relayed to it, everywhere, and writes nothing on the portal.

One rule (requests_relay/selectors.py) behind the portal's pages, the admin site and the API:
relayed dossiers and their requests, never a draft dossier, an unrelayed request, an internal
note or its file. The platform operator (a superuser) reads with the same rule.
"""

import html

import pytest
from django.urls import reverse

from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Attachment, Dossier, Message, Relay, Request, Status
from tests.requests_relay.scope_territory import *  # noqa: F403 (fixtures)
from tests.requests_relay.scope_territory import internal_note_text, public_message_text

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def detail_url(request):
    return reverse("requests_relay:detail", args=[request.reference])


def file_url(attachment):
    return reverse("requests_relay:attachment", args=[attachment.request.reference, attachment.pk])


def admin_file_url(attachment):
    return reverse(
        "admin:requests_relay_attachment_download", args=[attachment.request_id, attachment.pk]
    )


def written():
    """Everything a POST could have written: messages, files, e-mails, dossiers, relays."""
    return (
        Message.objects.count(),
        Attachment.objects.count(),
        OutgoingEmail.objects.count(),
        Dossier.objects.count(),
        Relay.objects.count(),
        sorted(Request.objects.values_list("reference", "status", "assigned_to", "dossier")),
    )


@pytest.fixture(params=["officer", "operator"])
def reader(request):
    """The syndicat mixte's officer, and the platform operator: the same rule for both."""
    return request.getfixturevalue(request.param)


# --- the portal ------------------------------------------------------------------------------


def test_no_unrelayed_request_of_either_epci_nor_its_files_exists_for_the_syndicat(
    client, scope_world, reader
):
    client.force_login(reader)
    for side in scope_world:
        for request in side.hidden_requests:
            response = client.get(detail_url(request))
            assert response.status_code == 404, request.subject
            assert request.subject not in text_of(response)
            submitted, internal = side.files(request)
            assert client.get(file_url(submitted)).status_code == 404
            assert client.get(file_url(internal)).status_code == 404


def test_the_syndicat_reads_a_relayed_request_without_internal_notes_and_cannot_write(
    client, scope_world, reader
):
    client.force_login(reader)
    for side in scope_world:
        request = side.relayed
        page = text_of(client.get(detail_url(request)))
        assert request.subject in page
        assert public_message_text(request) in page
        assert internal_note_text(request) not in page
        assert "Note interne" not in page
        submitted, internal = side.files(request)
        assert submitted.filename in page and internal.filename not in page
        # Read-only: no form to write, the answer is given in the admin site.
        assert reverse("requests_relay:message_add", args=[request.reference]) not in page
        assert "<textarea" not in page
        assert "Le syndicat mixte répond au dossier" in page
        assert reverse("admin:requests_relay_dossier_change", args=[request.dossier_id]) in page
        response = client.get(file_url(submitted))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
        assert client.get(file_url(internal)).status_code == 404


def test_a_syndicat_message_posted_on_the_portal_is_refused_and_nothing_is_written(
    client, scope_world, reader
):
    client.force_login(reader)
    a, b = scope_world
    before = written()
    for request in [a.relayed, b.relayed, a.open, b.draft]:
        response = client.post(
            reverse("requests_relay:message_add", args=[request.reference]),
            {"body": "Le syndicat mixte écrit à la commune."},
        )
        assert response.status_code == 404
    assert written() == before
    assert not Message.objects.filter(body="Le syndicat mixte écrit à la commune.").exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("note_add", {"body": "Note du syndicat."}),
        ("assign", {"assignee": ""}),
        ("ask_information", {"body": "Une question ?"}),
        ("resolve", {"body": "Réglé."}),
        ("relay", {"summary": "Synthèse."}),
    ],
)
def test_every_action_on_a_request_is_404_for_the_syndicat(client, scope_world, reader, name, data):
    client.force_login(reader)
    a, _ = scope_world
    before = written()
    for request in [a.relayed, a.open]:
        url = reverse(f"requests_relay:{name}", args=[request.reference])
        assert client.post(url, data).status_code == 404
    assert written() == before


def test_the_referents_dossier_pages_and_actions_are_refused_to_the_syndicat(
    client, scope_world, reader
):
    client.force_login(reader)
    a, _ = scope_world
    before = written()
    create = reverse("requests_relay:dossier_create") + f"?requests={a.open.pk}"
    assert client.post(create, {"title": "t", "summary": "s"}).status_code == 403
    for dossier in [a.draft_dossier, a.relayed_dossier]:
        url = reverse("requests_relay:dossier_relay", args=[dossier.reference])
        assert client.post(url).status_code == 403
        detail = reverse("requests_relay:dossier_detail", args=[dossier.reference])
        assert client.get(detail).status_code == 403
    assert written() == before


def test_the_syndicat_s_way_to_the_requests_is_its_admin_list(client, scope_world, officer):
    client.force_login(officer)
    response = client.get(reverse("requests_relay:list"))
    assert response.status_code == 302
    assert response.url == reverse("admin:requests_relay_request_changelist")


# --- the admin site ---------------------------------------------------------------------------


def test_the_admin_lists_relayed_dossiers_and_requests_only(client, scope_world, reader):
    client.force_login(reader)
    dossiers = text_of(client.get(reverse("admin:requests_relay_dossier_changelist")))
    requests = text_of(client.get(reverse("admin:requests_relay_request_changelist")))
    for side in scope_world:
        assert side.relayed_dossier.reference in dossiers
        assert side.draft_dossier.reference not in dossiers
        assert side.relayed.reference in requests
        for request in side.hidden_requests:
            assert request.reference not in requests
        for request in side.hidden_requests:
            url = reverse("admin:requests_relay_request_change", args=[request.pk])
            assert client.get(url).status_code in (302, 404)  # the admin's "does not exist"
            submitted, internal = side.files(request)
            assert client.get(admin_file_url(submitted)).status_code == 404
        _, internal = side.files(side.relayed)
        assert client.get(admin_file_url(internal)).status_code == 404


def test_the_history_of_a_draft_dossier_is_not_in_the_admin(client, scope_world, reader):
    client.force_login(reader)
    a, b = scope_world
    for dossier in [a.draft_dossier, b.draft_dossier]:
        url = reverse("admin:requests_relay_dossier_history", args=[dossier.pk])
        response = client.get(url)
        assert response.status_code == 404
        assert dossier.title not in text_of(response)
        record = dossier.history.first()
        version = reverse(
            "admin:requests_relay_dossier_simple_history", args=[dossier.pk, record.history_id]
        )
        response = client.get(version)
        assert response.status_code == 404
        assert dossier.title not in text_of(response)
    history = reverse("admin:requests_relay_dossier_history", args=[a.relayed_dossier.pk])
    assert client.get(history).status_code == 200


def test_the_admin_s_dossier_page_shows_no_internal_note(client, scope_world, reader):
    client.force_login(reader)
    for side in scope_world:
        page = text_of(
            client.get(
                reverse("admin:requests_relay_dossier_change", args=[side.relayed_dossier.pk])
            )
        )
        assert public_message_text(side.relayed) in page
        assert internal_note_text(side.relayed) not in page


# --- one rule -------------------------------------------------------------------------------


def _portal_set(client, requests) -> set[str]:
    return {r.reference for r in requests if client.get(detail_url(r)).status_code == 200}


def _admin_set(client) -> set[str]:
    response = client.get(reverse("admin:requests_relay_request_changelist"))
    return {r.reference for r in response.context["cl"].result_list}


def _api_set(client) -> tuple[set[str], set[str]]:
    body = client.get(reverse("api:dossier-list"), {"limit": 200}).json()
    dossiers = {d["reference"] for d in body["results"]}
    requests = {r["reference"] for d in body["results"] for r in d["requests"]}
    return dossiers, requests


def _timeline_set(client, sides) -> set[str]:
    seen = set()
    everything = [r for side in sides for r in Request.objects.filter(commune__epci=side.epci)]
    for side in sides:
        for commune in side.communes:
            page = text_of(
                client.get(reverse("communes:commune_timeline", args=[commune.insee_code]))
            )
            seen |= {r.reference for r in everything if r.reference in page}
    return seen


def test_the_portal_the_admin_the_api_and_the_timeline_give_the_same_set(
    client, scope_world, reader
):
    client.force_login(reader)
    sides = list(scope_world)
    everything = list(Request.objects.all())
    relayed = {side.relayed.reference for side in sides}

    api_dossiers, api_requests = _api_set(client)
    admin_dossiers = {
        d.reference
        for d in client.get(reverse("admin:requests_relay_dossier_changelist"))
        .context["cl"]
        .result_list
    }

    assert _portal_set(client, everything) == relayed
    assert _admin_set(client) == relayed
    assert api_requests == relayed
    assert _timeline_set(client, sides) == relayed
    assert api_dossiers == admin_dossiers == {side.relayed_dossier.reference for side in sides}


def test_the_referent_and_the_agent_keep_their_own_set(client, scope_world):
    a, _ = scope_world
    own = {r.reference for r in Request.objects.filter(commune__epci=a.epci)}
    client.force_login(a.referent)
    assert _portal_set(client, Request.objects.all()) == own
    page = text_of(client.get(detail_url(a.open)))
    assert internal_note_text(a.open) in page  # the EPCI's notes are the referent's
    assert reverse("requests_relay:message_add", args=[a.open.reference]) in page
    client.force_login(a.agent)
    assert _portal_set(client, Request.objects.all()) == own  # all four are the agent's
    page = text_of(client.get(detail_url(a.relayed)))
    assert internal_note_text(a.relayed) not in page
    assert reverse("requests_relay:message_add", args=[a.relayed.reference]) in page


def test_the_relayed_statuses_are_the_only_ones_the_syndicat_sees(client, scope_world, officer):
    client.force_login(officer)
    statuses = {
        r.status
        for r in client.get(reverse("admin:requests_relay_request_changelist"))
        .context["cl"]
        .result_list
    }
    assert statuses == {Status.RELAYED}


# --- the commune's page and timeline ---------------------------------------------------------


def test_the_commune_timeline_and_page_show_the_syndicat_no_unrelayed_request(
    client, scope_world, reader
):
    client.force_login(reader)
    for side in scope_world:
        commune = side.communes[0]
        timeline = reverse("communes:commune_timeline", args=[commune.insee_code])
        pages = [
            text_of(client.get(timeline)),
            text_of(client.get(timeline, {"kind": "request"})),
            text_of(client.get(reverse("communes:detail", args=[commune.insee_code]))),
        ]
        for page in pages:
            assert side.relayed.reference in page
            for request in side.hidden_requests:
                assert request.reference not in page
                assert request.subject not in page


def test_the_commune_timeline_still_shows_the_referent_and_the_agent_every_request(
    client, scope_world
):
    a, _ = scope_world
    timeline = reverse("communes:commune_timeline", args=[a.communes[0].insee_code])
    for user in (a.referent, a.agent):
        client.force_login(user)
        page = text_of(client.get(timeline))
        for request in [a.relayed, *a.hidden_requests]:
            assert request.reference in page
