"""The portal's own error pages, as served in production (DEBUG=False)."""

import html

import pytest
from django.core.exceptions import SuspiciousOperation
from django.template import Context
from django.template.loader import get_template
from django.urls import include, path, reverse
from django.utils import translation

from tests.factories import CommuneFactory, ReferentFactory, agent_of

pytestmark = pytest.mark.django_db


def _suspicious(request):
    raise SuspiciousOperation("test")


def _broken(request):
    raise RuntimeError("test")


# This module is also the URLconf of the tests below: the portal's URLs, and two that fail.
urlpatterns = [
    path("test-400/", _suspicious),
    path("test-500/", _broken),
    path("", include("referent_portal.urls")),
]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_an_unknown_address_answers_the_portals_404_page(client):
    client.force_login(agent_of(CommuneFactory()))

    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    body = text_of(response)
    assert "<h1>Page introuvable</h1>" in body
    assert f'href="{reverse("dashboard:home")}">Revenir à l\'accueil</a>' in body
    assert "Mon espace" in body  # the portal's header and navigation, for this user


def test_an_anonymous_visitor_gets_the_404_page_too(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)


def test_an_agent_opening_a_referent_page_is_told_it_is_for_another_role(client):
    client.force_login(agent_of(CommuneFactory(), first_name="Yann", last_name="Morvan"))

    response = client.get(reverse("requests_relay:relay_list"))

    assert response.status_code == 403
    body = text_of(response)
    assert "Cette page est réservée à un autre rôle" in body
    assert "Vous êtes connecté en tant que Yann Morvan (Agent communal)." in body
    assert f'href="{reverse("dashboard:home")}">Revenir à l\'accueil</a>' in body


def test_a_referent_opening_the_agents_submission_page_gets_the_same_403(client):
    client.force_login(ReferentFactory())

    response = client.get(reverse("requests_relay:create"))

    assert response.status_code == 403
    assert "Cette page est réservée à un autre rôle" in text_of(response)


def test_a_bad_request_answers_the_portals_400_page(client):
    response = client.get("/test-400/")

    assert response.status_code == 400
    assert "<h1>Requête incorrecte</h1>" in text_of(response)


def test_a_server_error_answers_the_self_contained_500_page(client):
    client.raise_request_exception = False

    response = client.get("/test-500/")

    assert response.status_code == 500
    body = text_of(response)
    assert "Le portail a rencontré un problème" in body
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in body


def test_the_500_page_renders_without_a_request_nor_a_context_processor():
    with translation.override("fr"):
        body = get_template("500.html").template.render(Context())

    assert '<html lang="fr">' in body
    assert "Le portail a rencontré un problème" in body
    assert 'href="/"' in body
    assert "bootstrap.min.css" in body
    assert "<script" not in body  # nothing for the CSP to refuse, no nonce needed
