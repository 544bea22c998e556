"""Each role reads through the API what its pages show, and nothing of another EPCI: absent
from the lists, 404 on the detail. Agents read their communes' data, not meetings or dossiers."""

import pytest
from django.urls import reverse

from tests.requests_relay.scope_territory import *  # noqa: F403 (fixtures)
from tests.requests_relay.scope_territory import internal_note_text

pytestmark = pytest.mark.django_db


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def keys(response, key):
    assert response.status_code == 200, response.content
    return sorted(item[key] for item in response.json()["results"])


def detail(name, value):
    return reverse(f"api:{name}-detail", args=[value])


def listing(name):
    return reverse(f"api:{name}-list")


def test_a_referent_reads_only_the_epci_and_communes_of_their_own_epci(client, territory):
    a, b = territory
    assert keys(get(client, a.referent, listing("epci")), "siren") == [a.epci.siren]
    assert keys(get(client, a.referent, listing("commune")), "insee") == sorted(
        c.insee_code for c in a.communes
    )
    assert get(client, a.referent, detail("epci", b.epci.siren)).status_code == 404
    response = get(client, a.referent, detail("commune", b.communes[0].insee_code))
    assert response.status_code == 404
    assert b.communes[0].name not in response.content.decode()
    commune = get(client, a.referent, detail("commune", "22076")).json()
    assert commune["epci"] == {"siren": "200069391", "name": "Lamballe Terre et Mer"}


def test_an_agent_reads_only_the_communes_they_serve(client, territory):
    a, _ = territory
    assert keys(get(client, a.agent, listing("commune")), "insee") == ["22093"]
    assert get(client, a.agent, detail("commune", "22076")).status_code == 404
    assert get(client, a.agent, detail("commune", "56165")).status_code == 404
    assert keys(get(client, a.agent, listing("epci")), "siren") == [a.epci.siren]


def test_the_syndicat_mixte_reads_every_epci_and_commune(client, territory, syndicat):
    a, b = territory
    assert keys(get(client, syndicat, listing("epci")), "siren") == sorted(
        [a.epci.siren, b.epci.siren]
    )
    assert len(keys(get(client, syndicat, listing("commune")), "insee")) == 5
    assert get(client, syndicat, detail("commune", "56144")).status_code == 200


def test_every_role_reads_the_service_catalogue(client, territory, syndicat):
    a, _ = territory
    for user in (a.referent, a.agent, syndicat):
        codes = keys(get(client, user, listing("service")), "code")
        assert "actes" in codes and "marches" in codes
    assert (
        get(client, a.agent, detail("service", "actes"))
        .json()["name"]
        .startswith("Télétransmission")
    )


def test_adoptions_are_scoped_like_their_communes(client, territory, syndicat):
    a, b = territory
    assert keys(get(client, a.referent, listing("adoption")), "id") == [a.adoption.pk]
    assert keys(get(client, a.agent, listing("adoption")), "id") == [a.adoption.pk]
    assert get(client, a.referent, detail("adoption", b.adoption.pk)).status_code == 404
    assert keys(get(client, syndicat, listing("adoption")), "id") == sorted(
        [a.adoption.pk, b.adoption.pk]
    )
    adoption = get(client, a.agent, detail("adoption", a.adoption.pk)).json()
    assert adoption["commune"] == {"insee": "22093", "name": "Lamballe-Armor"}
    assert adoption["service"]["code"] == "actes"
    assert adoption["status"] == "active"


def test_meetings_are_the_referents_and_the_syndicats_not_the_agents(client, territory, syndicat):
    a, b = territory
    assert keys(get(client, a.referent, listing("meeting")), "id") == [a.meeting.pk]
    assert get(client, a.referent, detail("meeting", b.meeting.pk)).status_code == 404
    assert keys(get(client, syndicat, listing("meeting")), "id") == sorted(
        [a.meeting.pk, b.meeting.pk]
    )
    for url in (listing("meeting"), detail("meeting", a.meeting.pk)):
        response = get(client, a.agent, url)
        assert response.status_code == 403
        assert response.json()["detail"] == "Votre rôle ne donne pas accès à ces données."


def test_training_sessions_show_seats_left_and_agents_see_only_announced_ones(
    client, territory, syndicat
):
    a, b = territory
    ids = keys(get(client, a.referent, listing("training-session")), "id")
    assert ids == sorted([a.session.pk, a.planned_session.pk])
    # A session still « planifiée » is not announced to the communes yet.
    assert keys(get(client, a.agent, listing("training-session")), "id") == [a.session.pk]
    assert get(client, a.agent, detail("training-session", a.planned_session.pk)).status_code == 404
    assert get(client, a.referent, detail("training-session", b.session.pk)).status_code == 404
    assert len(keys(get(client, syndicat, listing("training-session")), "id")) == 4
    session = get(client, a.agent, detail("training-session", a.session.pk)).json()
    assert (session["capacity"], session["seats_taken"], session["seats_left"]) == (12, 0, 12)
    assert session["module"] == {
        "code": "m2-actes",
        "title": "Télétransmettre les actes à la préfecture",
    }


def test_dossiers_list_their_requests_and_are_the_referents_and_the_syndicats(
    client, territory, syndicat
):
    a, b = territory
    response = get(client, a.referent, listing("dossier"))
    assert keys(response, "reference") == [a.dossier.reference]
    (dossier,) = response.json()["results"]
    (request,) = a.dossier.requests.all()
    assert dossier["requests"] == [
        {
            "reference": request.reference,
            "commune": {"insee": "22093", "name": "Lamballe-Armor"},
            "subject": "Paramétrage à Lamballe-Armor",
            "status": "relayed",
        }
    ]
    assert get(client, a.referent, detail("dossier", b.dossier.reference)).status_code == 404
    assert keys(get(client, syndicat, listing("dossier")), "reference") == sorted(
        [a.dossier.reference, b.dossier.reference]
    )
    assert get(client, a.agent, listing("dossier")).status_code == 403
    assert get(client, a.agent, detail("dossier", a.dossier.reference)).status_code == 403


@pytest.mark.parametrize(
    "name", ["epci", "commune", "service", "adoption", "meeting", "training-session", "dossier"]
)
def test_an_anonymous_caller_gets_401_and_no_data(client, territory, name):
    response = client.get(listing(name))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "results" not in response.json()


# --- what was relayed to the syndicat mixte, and nothing else (issue #11) --------------------


@pytest.fixture(params=["officer", "operator"])
def relay_reader(request):
    """The syndicat mixte's officer and the platform operator read the same set."""
    return request.getfixturevalue(request.param)


def test_the_syndicat_reads_relayed_dossiers_only_and_no_internal_note(
    client, scope_world, relay_reader
):
    client.force_login(relay_reader)
    response = client.get(listing("dossier"), {"limit": 200})
    assert keys(response, "reference") == sorted(s.relayed_dossier.reference for s in scope_world)
    body = response.content.decode()
    for side in scope_world:
        for request in side.hidden_requests:
            assert request.reference not in body
        for request in [side.relayed, *side.hidden_requests]:
            assert internal_note_text(request) not in body
        assert "note-" not in body  # nor the file of an internal note
        assert client.get(detail("dossier", side.draft_dossier.reference)).status_code == 404
        relayed = client.get(detail("dossier", side.relayed_dossier.reference)).json()
        assert [r["reference"] for r in relayed["requests"]] == [side.relayed.reference]


def test_a_draft_dossier_cannot_be_answered_through_the_api(client, scope_world, officer):
    a, _ = scope_world
    client.force_login(officer)
    url = reverse("api:dossier-answer", args=[a.draft_dossier.reference])
    response = client.post(
        url, {"action": "refuse", "message": "Non."}, content_type="application/json"
    )
    assert response.status_code == 404
    a.draft_dossier.refresh_from_db()
    assert a.draft_dossier.status == "in_progress" and a.draft_dossier.answer == ""


def test_the_referent_still_reads_the_draft_of_their_epci(client, scope_world):
    a, _ = scope_world
    client.force_login(a.referent)
    assert keys(client.get(listing("dossier")), "reference") == sorted(
        [a.draft_dossier.reference, a.relayed_dossier.reference]
    )
