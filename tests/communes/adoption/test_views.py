"""The matrix page and a cell's change page: what each role sees, and what it must never see."""

import re

import pytest
from django.urls import reverse

from communes.adoption.models import Adoption, AdoptionEvent
from communes.adoption.services import adoption_set_status
from tests.factories import EpciFactory, SyndicatFactory, agent_of

pytestmark = pytest.mark.django_db

Status = Adoption.Status
MATRIX_URL = reverse("communes:adoption_matrix")


def change_url(commune, service):
    return reverse("communes:adoption_change", args=[commune.insee_code, service.code])


def cell_text(body, insee_code, service_code):
    """The visible status in a cell of the matrix (the link text before its hidden context)."""
    row = re.search(rf'<tr id="commune-{insee_code}">(.*?)</tr>', body, re.S).group(1)
    cell = re.search(rf'data-service="{service_code}">\s*<a [^>]*>([^<]*)<', row, re.S)
    return cell.group(1).strip()


# -- the matrix ---------------------------------------------------------------------------------


def test_the_referent_sees_the_matrix_of_their_epci_with_statuses_as_text(
    client, referent, henon, brehand, quimper, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.DEPLOYING, by=referent)
    client.force_login(referent)

    response = client.get(MATRIX_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert [row.commune.name for row in response.context["matrix"].rows] == ["Bréhand", "Hénon"]
    assert "Quimper" not in body
    assert cell_text(body, "22076", "parapheur") == "En déploiement"
    assert cell_text(body, "22020", "parapheur") == "Non adhérente"
    assert 'class="adoption-cell adoption-deploying"' in body
    assert change_url(henon, parapheur) in body
    assert reverse("communes:adoption_export") + "?format=csv" in body


def test_the_matrix_filters_keep_to_the_referents_epci_and_are_kept_in_links(
    client, referent, henon, brehand, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    client.force_login(referent)

    response = client.get(MATRIX_URL, {"service": "parapheur", "status": "active"})

    assert [row.commune for row in response.context["matrix"].rows] == [henon]
    body = response.content.decode()
    assert f"{change_url(henon, parapheur)}?service=parapheur&amp;status=active" in body
    assert "format=csv&amp;service=parapheur&amp;status=active" in body


def test_a_status_without_a_service_is_reported_on_the_form_and_ignored(
    client, referent, henon, brehand
):
    client.force_login(referent)

    response = client.get(MATRIX_URL, {"status": "active"})

    assert response.status_code == 200
    assert response.context["form"].errors["service"] == [
        "Choisissez le service auquel s'applique cet état."
    ]
    assert len(response.context["matrix"].rows) == 2


def test_a_referent_cannot_open_another_epcis_matrix(client, referent, henon, quimper):
    client.force_login(referent)

    response = client.get(MATRIX_URL, {"epci": quimper.epci.siren})

    assert [row.commune for row in response.context["matrix"].rows] == [henon]


def test_an_agent_is_sent_to_their_space(client, henon):
    client.force_login(agent_of(henon))

    response = client.get(MATRIX_URL)

    assert response.status_code == 302
    assert response.url == reverse("dashboard:agent_home")


def test_the_syndicat_mixte_picks_an_epci(client, epci, henon, quimper):
    client.force_login(SyndicatFactory())

    response = client.get(MATRIX_URL)
    assert response.context["matrix"] is None
    assert "Choisissez un EPCI" in response.content.decode()

    response = client.get(MATRIX_URL, {"epci": quimper.epci.siren})
    assert [row.commune for row in response.context["matrix"].rows] == [quimper]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(MATRIX_URL)

    assert response.status_code == 302
    assert "/accounts/connexion/" in response.url


# -- a cell's change page -------------------------------------------------------------------------


def test_the_change_page_shows_the_current_status_and_the_history(
    client, referent, henon, parapheur
):
    adoption_set_status(
        commune=henon, service=parapheur, status=Status.INTERESTED, by=referent, reason="Salon"
    )
    client.force_login(referent)

    response = client.get(change_url(henon, parapheur))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Parapheur et signature électronique</h1>" in body
    assert "Claire Le Goff" in body
    assert "Salon" in body
    assert response.context["cell"].status == Status.INTERESTED


def test_a_change_is_saved_and_leads_back_to_the_row_with_the_criteria(
    client, referent, henon, parapheur
):
    client.force_login(referent)

    response = client.post(
        change_url(henon, parapheur),
        {"status": "charter_signed", "reason": "Charte signée le 3 mars", "back": "q=hen"},
    )

    assert response.status_code == 302
    assert response.url == f"{MATRIX_URL}?q=hen#commune-22076"
    adoption = Adoption.objects.get(commune=henon, service=parapheur)
    assert adoption.status == Status.CHARTER_SIGNED
    event = adoption.history.get()
    assert (event.changed_by, event.reason) == (referent, "Charte signée le 3 mars")
    page = client.get(response.url)
    assert "Hénon : « Parapheur et signature électronique » est maintenant « Charte signée »." in (
        page.content.decode()
    )


def test_the_way_back_only_keeps_the_matrix_criteria(client, referent, henon, parapheur):
    client.force_login(referent)

    response = client.post(
        change_url(henon, parapheur),
        {"status": "active", "back": "next=https://evil.example&q=x"},
    )

    assert response.url == f"{MATRIX_URL}?q=x#commune-22076"


def test_the_current_status_again_is_refused_on_the_form(client, referent, henon, parapheur):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    client.force_login(referent)

    response = client.post(change_url(henon, parapheur), {"status": "active", "reason": "Oups"})

    assert response.status_code == 200
    assert response.context["form"].errors["status"] == [
        "C'est déjà l'état actuel : choisissez un autre état."
    ]
    assert "Oups" in response.content.decode()  # what the user typed is kept
    assert AdoptionEvent.objects.count() == 1


def test_a_missing_status_is_refused_on_the_form(client, referent, henon, parapheur):
    client.force_login(referent)

    response = client.post(change_url(henon, parapheur), {"reason": "Rien"})

    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert not Adoption.objects.exists()


def test_the_referent_of_another_epci_gets_404_and_changes_nothing(
    client, other_referent, henon, parapheur
):
    client.force_login(other_referent)

    assert client.get(change_url(henon, parapheur)).status_code == 404
    assert client.post(change_url(henon, parapheur), {"status": "active"}).status_code == 404
    assert not Adoption.objects.exists()


def test_an_agent_reads_but_does_not_open_the_change_page(client, henon, parapheur):
    client.force_login(agent_of(henon))

    assert client.get(change_url(henon, parapheur)).status_code == 404
    assert client.post(change_url(henon, parapheur), {"status": "active"}).status_code == 404


def test_an_unknown_service_is_404(client, referent, henon):
    client.force_login(referent)

    response = client.get(reverse("communes:adoption_change", args=["22076", "fax"]))

    assert response.status_code == 404


def test_the_syndicat_mixte_changes_a_cell_and_returns_to_that_epcis_matrix(
    client, henon, parapheur
):
    officer = SyndicatFactory()
    client.force_login(officer)

    response = client.post(change_url(henon, parapheur), {"status": "deploying"})

    assert response.url == f"{MATRIX_URL}?epci=200069391#commune-22076"
    event = AdoptionEvent.objects.get()
    assert (event.changed_by, event.source) == (officer, AdoptionEvent.Source.SYNDICAT)


def test_a_referent_has_no_epci_chooser(client, referent, henon):
    EpciFactory()
    client.force_login(referent)

    response = client.get(MATRIX_URL)

    assert response.context["form"].fields.get("epci") is None
