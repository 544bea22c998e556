"""The pieces other pages include: the commune page's services, the agent's « Mon espace »."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from communes.adoption.models import Adoption
from communes.adoption.selectors import agent_adoptions, commune_adoptions
from communes.adoption.services import adoption_set_status
from tests.factories import agent_of

pytestmark = pytest.mark.django_db

Status = Adoption.Status


def render(template, user, **context):
    return render_to_string(f"communes/adoption/{template}", {"user": user, **context})


def test_the_agent_section_lists_each_service_of_their_commune_read_only(
    referent, henon, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.ACTIVE, by=referent)
    agent = agent_of(henon)

    html = render("_agent_section.html", agent, adoption_rows=agent_adoptions(user=agent))

    assert "Les services de ma commune" in html
    assert "Parapheur et signature électronique" in html
    assert 'class="adoption-tag adoption-active">Active</span>' in html
    assert "/communes/adhesions/" not in html  # no change link for an agent


def test_the_agent_section_names_each_commune_when_there_are_several(henon, brehand):
    agent = agent_of(henon, brehand)

    html = render("_agent_section.html", agent, adoption_rows=agent_adoptions(user=agent))

    assert '<h3 class="h6">Bréhand</h3>' in html
    assert '<h3 class="h6">Hénon</h3>' in html


def test_the_commune_section_links_each_service_to_its_change_page_for_the_referent(
    referent, henon, parapheur
):
    adoption_set_status(commune=henon, service=parapheur, status=Status.CHARTER_SIGNED, by=referent)

    html = render(
        "_commune_section.html",
        referent,
        commune=henon,
        commune_adoptions=commune_adoptions(commune=henon),
    )

    assert reverse("communes:adoption_change", args=["22076", "parapheur"]) in html
    assert "Charte signée" in html
    assert f"{reverse('communes:adoption_matrix')}#commune-22076" in html


def test_the_commune_section_is_read_only_for_an_agent(henon):
    agent = agent_of(henon)

    html = render(
        "_commune_section.html",
        agent,
        commune=henon,
        commune_adoptions=commune_adoptions(commune=henon),
    )

    assert "/communes/adhesions/" not in html
    assert "Non adhérente" in html
