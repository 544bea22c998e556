"""Lists page with limit/offset (never more than 200 rows) and filter by official codes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communes.models import Adoption, Service
from meetings.models import Meeting
from tests.api.conftest import auth, token_for
from tests.factories import CommuneFactory
from tests.meetings.factories import MeetingFactory
from trainings.models import TrainingSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, syndicat):
    headers = auth(token_for(syndicat))

    def get(name, **params):
        response = client.get(reverse(f"api:{name}-list"), params, headers=headers)
        assert response.status_code == 200, response.content
        return response.json()

    get.raw = lambda name, **params: client.get(
        reverse(f"api:{name}-list"), params, headers=headers
    )
    return get


def values(page, key):
    return [item[key] for item in page["results"]]


def test_communes_filter_by_epci_departement_insee_and_a_name_typed_without_accents(api, territory):
    assert values(api("commune", epci="200067981"), "insee") == ["56144", "56165"]
    assert values(api("commune", departement="22"), "insee") == ["22076", "22093", "22219"]
    assert values(api("commune", insee="22219"), "name") == ["Plédéliac"]
    assert values(api("commune", search="pledeliac"), "name") == ["Plédéliac"]
    assert values(api("commune", search="neant sur"), "name") == ["Néant-sur-Yvel"]
    assert values(api("commune", search="560"), "insee") == []
    assert values(api("commune", search="5616"), "insee") == ["56165"]
    assert api("commune", epci="000000000")["count"] == 0


def test_epcis_filter_by_siren_and_name(api, territory):
    assert values(api("epci", siren="200069391"), "name") == ["Lamballe Terre et Mer"]
    assert values(api("epci", search="ploërmel"), "siren") == ["200067981"]


def test_adoptions_filter_by_commune_service_and_status(api, territory):
    a, b = territory
    Adoption.objects.create(
        commune=a.communes[1],
        service=Service.objects.get(code="parapheur"),
        status=Adoption.Status.INTERESTED,
    )
    assert values(api("adoption", commune="22093"), "id") == [a.adoption.pk]
    assert len(values(api("adoption", service="actes"), "id")) == 2
    assert values(api("adoption", status="interested"), "service") == [
        {"code": "parapheur", "name": "Parapheur et signature électronique"}
    ]
    assert values(api("adoption", epci="200067981"), "id") == [b.adoption.pk]


def test_an_unknown_status_is_a_400_that_names_the_parameter(api, territory):
    response = api.raw("adoption", status="adored")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == ["status"]
    assert "adored" in response.json()["fields"]["status"][0]
    assert api.raw("meeting", starts_after="31/12/2026").status_code == 400


def test_meetings_filter_by_epci_kind_status_and_date_range(api, territory):
    a, _ = territory
    soon = timezone.localtime() + timedelta(days=3)
    cancelled = MeetingFactory(
        created_by=a.referent,
        kind=Meeting.Kind.SYNDICAT,
        status=Meeting.Status.CANCELLED,
        starts_at=soon,
        ends_at=soon + timedelta(hours=2),
    )
    assert len(values(api("meeting", epci="200069391"), "id")) == 2
    assert values(api("meeting", kind="syndicat"), "id") == [cancelled.pk]
    assert values(api("meeting", status="cancelled"), "id") == [cancelled.pk]
    day = soon.date().isoformat()
    assert values(api("meeting", starts_after=day, starts_before=day), "id") == [cancelled.pk]
    later = (soon.date() + timedelta(days=1)).isoformat()
    assert cancelled.pk not in values(api("meeting", starts_after=later), "id")


def test_training_sessions_filter_by_module_status_epci_and_dates(api, territory):
    a, b = territory
    assert values(api("training-session", module="m1-marches", epci="200069391"), "id") == [
        a.planned_session.pk
    ]
    assert sorted(values(api("training-session", status="open"), "id")) == sorted(
        [a.session.pk, b.session.pk]
    )
    day = timezone.localdate(a.session.starts_at)
    page = api("training-session", starts_after=day.isoformat(), starts_before=day.isoformat())
    assert page["count"] == 4
    tomorrow = (day + timedelta(days=1)).isoformat()
    assert api("training-session", starts_after=tomorrow)["count"] == 0
    assert TrainingSession.Status.FULL not in values(api("training-session"), "status")


def test_dossiers_filter_by_epci_status_and_the_reference_of_the_dossier_or_a_request(
    api, territory
):
    a, b = territory
    request_reference = a.dossier.requests.get().reference
    assert values(api("dossier", reference=a.dossier.reference), "reference") == [
        a.dossier.reference
    ]
    assert values(api("dossier", reference=request_reference.lower()), "reference") == [
        a.dossier.reference
    ]
    assert values(api("dossier", epci="200067981"), "reference") == [b.dossier.reference]
    assert api("dossier", status="relayed")["count"] == 2
    assert api("dossier", status="resolved")["count"] == 0


def test_lists_page_with_limit_and_offset_and_never_more_than_200_rows(api, territory):
    a, _ = territory
    for n in range(205):
        CommuneFactory(epci=a.epci, insee_code=f"29{n:03d}", name=f"Commune {n:03d}")
    first = api("commune", limit=2)
    assert first["count"] == 210
    assert len(first["results"]) == 2
    assert "offset=2" in first["next"]
    assert first["previous"] is None
    second = api("commune", limit=2, offset=2)
    assert not set(values(first, "insee")) & set(values(second, "insee"))
    assert len(api("commune")["results"]) == 50
    assert len(api("commune", limit=1000)["results"]) == 200
