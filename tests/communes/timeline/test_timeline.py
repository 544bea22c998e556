"""A commune's timeline: its entries and its requests in one list, newest first, paginated,
filtered by kind, and shown only to the referent of the EPCI and the agents of the commune."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from communes.models import TimelineEntry
from communes.timeline.selectors import (
    commune_timeline_kinds,
    commune_timeline_latest,
    commune_timeline_page,
)
from communes.timeline.services import timeline_record
from requests_relay.models import Request, Status
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


@pytest.fixture
def epci():
    return EpciFactory(name="Lamballe Terre et Mer")


@pytest.fixture
def henon(epci):
    return CommuneFactory(epci=epci, name="Hénon", insee_code="22076")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Claire", last_name="Le Goff")


@pytest.fixture
def agent(henon):
    return agent_of(henon, first_name="Anne", last_name="Rault")


def entry_at(commune, at, title, kind="adoption", actor=None):
    entry = timeline_record(commune=commune, kind=kind, title=title, actor=actor)
    TimelineEntry.objects.filter(pk=entry.pk).update(at=at)
    return entry


def request_at(agent, commune, *, submitted, subject, status=None, changed=None):
    obj = request_of(agent, commune, subject=subject)
    fields = {"created_at": submitted, "status_changed_at": submitted}
    if status is not None:
        fields.update(status=status, status_changed_at=changed)
    Request.objects.filter(pk=obj.pk).update(**fields)
    return Request.objects.get(pk=obj.pk)


def url(commune, **params):
    base = reverse("communes:commune_timeline", args=[commune.insee_code])
    if params:
        base += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return base


def test_entries_and_requests_merge_into_one_list_newest_first(henon, referent, agent):
    entry_at(henon, T0, "Parapheur : Intéressée")
    request_at(
        agent,
        henon,
        submitted=T0 + timedelta(hours=1),
        subject="Circuit de signature",
        status=Status.RESOLVED,
        changed=T0 + timedelta(days=2),
    )
    entry_at(henon, T0 + timedelta(days=1), "Invitée à la démarche « Archivage »", kind="drive")
    request_at(agent, henon, submitted=T0 + timedelta(days=3), subject="Accès Hélios")

    items = commune_timeline_page(user=referent, commune=henon).object_list

    titles = [item.title for item in items]
    assert titles[0].endswith(": Accès Hélios")  # submitted, still new: no status event
    assert titles[1].endswith(": nouvel état")
    assert titles[2] == "Invitée à la démarche « Archivage »"
    assert titles[3].endswith(": Circuit de signature")
    assert titles[4] == "Parapheur : Intéressée"
    assert len(items) == 5
    assert [item.at for item in items] == sorted((item.at for item in items), reverse=True)
    status_event = items[1]
    assert status_event.kind == "request"
    assert status_event.status_label == "Résolue"
    assert status_event.detail == "Circuit de signature"
    submitted = items[3]
    assert submitted.actor == agent
    assert submitted.url == reverse("requests_relay:detail", args=[submitted.title.split()[1]])


def test_a_status_change_at_the_instant_of_its_submission_comes_first(henon, referent, agent):
    request_at(
        agent, henon, submitted=T0, subject="Même instant", status=Status.REFUSED, changed=T0
    )
    items = commune_timeline_page(user=referent, commune=henon).object_list
    assert [item.status for item in items] == [Status.REFUSED, ""]


def test_pages_of_25_cover_every_event_once_in_four_queries(
    henon, agent, referent, django_assert_max_num_queries
):
    for minute in range(30):
        entry_at(henon, T0 + timedelta(minutes=minute), f"Événement {minute:02d}")
    for day in range(3):  # three submissions and three status changes
        request_at(
            agent,
            henon,
            submitted=T0 + timedelta(days=day, minutes=5, seconds=30),
            subject=f"Demande {day}",
            status=Status.IN_PROGRESS,
            changed=T0 + timedelta(days=day + 1, hours=12),
        )
    other = CommuneFactory(epci=henon.epci)
    entry_at(other, T0, "Autre commune")

    with django_assert_max_num_queries(4):
        first = commune_timeline_page(user=referent, commune=henon, page=1)
        first_items = list(first.object_list)
    with django_assert_max_num_queries(4):
        second = commune_timeline_page(user=referent, commune=henon, page=2)
        second_items = list(second.object_list)

    assert first.paginator.count == 36
    assert first.paginator.num_pages == 2
    assert len(first_items) == 25
    assert len(second_items) == 11
    merged = first_items + second_items
    assert [i.at for i in merged] == sorted((i.at for i in merged), reverse=True)
    assert len({(i.title, i.at) for i in merged}) == 36
    assert "Autre commune" not in {i.title for i in merged}
    # The oldest events close the last page.
    assert [i.title for i in second_items[-3:]] == [
        "Événement 02",
        "Événement 01",
        "Événement 00",
    ]


def test_the_latest_ten_for_the_commune_page(henon, referent):
    for minute in range(12):
        entry_at(henon, T0 + timedelta(minutes=minute), f"Événement {minute:02d}")
    latest = commune_timeline_latest(commune=henon, user=referent)
    assert [i.title for i in latest] == [f"Événement {m:02d}" for m in range(11, 1, -1)]


def test_filtering_by_kind(henon, referent, agent):
    entry_at(henon, T0, "Parapheur : Intéressée", kind="adoption")
    entry_at(henon, T0, "Invitée à la démarche", kind="drive")
    request_at(agent, henon, submitted=T0, subject="Accès Hélios")

    drives = commune_timeline_page(user=referent, commune=henon, kind="drive").object_list
    requests = commune_timeline_page(user=referent, commune=henon, kind="request").object_list

    assert [i.title for i in drives] == ["Invitée à la démarche"]
    assert [i.kind for i in requests] == ["request"]
    assert dict(commune_timeline_kinds(commune=henon)) == {
        "adoption": "Adhésions aux services",
        "drive": "Démarches d'adhésion collective",
        "request": "Demandes",
    }


# --- the page ---------------------------------------------------------------------------------


def test_the_referent_reads_the_timeline_filtered_and_paginated(client, referent, henon, agent):
    for minute in range(26):
        entry_at(henon, T0 + timedelta(minutes=minute), f"Adhésion {minute:02d}")
    entry_at(henon, T0 - timedelta(days=1), "Invitée à la démarche « Archivage »", kind="drive")
    request_at(agent, henon, submitted=T0 + timedelta(days=1), subject="Accès Hélios")
    client.force_login(referent)

    response = client.get(url(henon))
    body = response.content.decode()
    assert response.status_code == 200
    assert "28 événements" in body
    assert body.index("Accès Hélios") < body.index("Adhésion 25")
    assert "Page 1 sur 2" in body
    assert "Invitée à la démarche" not in body  # on page 2

    response = client.get(url(henon, kind="drive"))
    body = response.content.decode()
    assert "1 événement" in body
    assert "Invitée à la démarche « Archivage »" in body
    assert "Adhésion 25" not in body

    response = client.get(url(henon, kind="drive", page=2))  # out of range: the last page
    assert response.status_code == 200

    response = client.get(url(henon, kind="inconnue"))  # an unknown kind: everything
    assert response.status_code == 200
    assert "28 événements" in response.content.decode()


def test_the_agents_of_the_commune_see_its_timeline(client, henon, agent):
    entry_at(henon, T0, "Parapheur : Intéressée")
    client.force_login(agent)
    response = client.get(url(henon))
    assert response.status_code == 200
    assert "Parapheur : Intéressée" in response.content.decode()


@pytest.mark.parametrize("who", ["other_referent", "agent_elsewhere", "agent_same_epci"])
def test_another_communes_timeline_is_not_found(client, henon, who):
    entry_at(henon, T0, "Secret de Hénon")
    if who == "other_referent":
        user = ReferentFactory(epci=EpciFactory(name="Dinan Agglomération"))
    elif who == "agent_elsewhere":
        user = agent_of(CommuneFactory(epci=EpciFactory()))
    else:
        user = agent_of(CommuneFactory(epci=henon.epci, name="Bréhand"))
    client.force_login(user)

    response = client.get(url(henon))

    assert response.status_code == 404
    assert "Secret de Hénon" not in response.content.decode()


def test_the_syndicat_mixte_sees_every_commune(client, henon):
    client.force_login(SyndicatFactory())
    assert client.get(url(henon)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, henon):
    response = client.get(url(henon))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_commune_page_section_shows_the_latest_events_and_links_to_the_page(henon, referent):
    for minute in range(11):
        entry_at(henon, T0 + timedelta(minutes=minute), f"Événement {minute:02d}")
    request = RequestFactory().get("/")
    request.user = referent

    html = render_to_string(
        "communes/timeline/_commune_section.html",
        {
            "commune": henon,
            "user": referent,
            "timeline_latest": commune_timeline_latest(commune=henon, user=referent),
        },
        request=request,
    )

    assert "Événement 10" in html
    assert "Événement 01" in html
    assert "Événement 00" not in html
    assert url(henon) in html
