"""The syndicat mixte's admin of the adoptions: a status changed there keeps its history."""

import pytest
from django.urls import reverse

from communes.adoption.models import Adoption, AdoptionEvent
from communes.adoption.services import adoption_set_status
from communes.models import TimelineEntry

pytestmark = pytest.mark.django_db

Status = Adoption.Status
CHANGELIST = reverse("admin:communes_adoption_changelist")


def history_management(adoption) -> dict:
    """The inline's management form, as the browser sends it with the page."""
    count = adoption.history.count()
    return {"history-TOTAL_FORMS": count, "history-INITIAL_FORMS": count}


def test_the_changelist_filters_by_status_service_and_epci_and_searches_communes(
    admin_client, referent, henon, brehand, quimper, parapheur, actes, other_referent
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    adoption_set_status(commune=brehand, service=actes, status=Status.INTERESTED, by=referent)
    adoption_set_status(commune=quimper, service=parapheur, status=Status.ACTIVE, by=other_referent)

    def communes(**params):
        response = admin_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return sorted(a.commune.name for a in response.context["cl"].result_list)

    assert communes() == ["Bréhand", "Hénon", "Quimper"]
    assert communes(status__exact="active") == ["Hénon", "Quimper"]
    assert communes(service__id__exact=actes.pk) == ["Bréhand"]
    assert communes(epci="200069391") == ["Bréhand", "Hénon"]
    assert communes(epci="Quimper") == ["Quimper"]
    assert communes(q="29232") == ["Quimper"]
    assert communes(q="hénon") == ["Hénon"]


def test_a_status_changed_in_the_admin_goes_through_the_service(
    admin_client, admin_user, referent, henon, parapheur
):
    adoption = adoption_set_status(
        commune=henon, service=parapheur, status=Status.INTERESTED, by=referent
    )
    url = reverse("admin:communes_adoption_change", args=[adoption.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Intéressée" in page.content.decode()  # the read-only history inline

    response = admin_client.post(
        url, {"status": "charter_signed", "reason": "Charte reçue", **history_management(adoption)}
    )

    assert response.status_code == 302
    adoption.refresh_from_db()
    assert adoption.status == Status.CHARTER_SIGNED
    event = adoption.history.first()
    assert (event.from_status, event.to_status) == (Status.INTERESTED, Status.CHARTER_SIGNED)
    assert (event.changed_by, event.source, event.reason) == (
        admin_user,
        AdoptionEvent.Source.SYNDICAT,
        "Charte reçue",
    )
    assert TimelineEntry.objects.filter(commune=henon, kind="adoption").count() == 2


def test_the_admin_refuses_the_current_status_on_the_form(admin_client, referent, henon, parapheur):
    adoption = adoption_set_status(
        commune=henon, service=parapheur, status=Status.ACTIVE, by=referent
    )

    response = admin_client.post(
        reverse("admin:communes_adoption_change", args=[adoption.pk]),
        {"status": "active", **history_management(adoption)},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"]
    assert AdoptionEvent.objects.count() == 1


def test_adding_an_adoption_in_the_admin_writes_its_first_event(admin_client, henon, parapheur):
    response = admin_client.post(
        reverse("admin:communes_adoption_add"),
        {"commune": henon.pk, "service": parapheur.pk, "status": "deploying", "reason": ""},
    )

    assert response.status_code == 302
    event = AdoptionEvent.objects.get()
    assert (event.from_status, event.to_status) == (Status.NOT_ADOPTED, Status.DEPLOYING)
