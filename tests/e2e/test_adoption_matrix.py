"""The referent follows the communes' adoption of the services in the matrix, in a real browser.

Opens the matrix, changes a status through its cell, finds the new status and count back in
the matrix, downloads the CSV export; axe-core checks the matrix and the change page.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from communes.adoption.models import Adoption
from communes.adoption.services import adoption_set_status
from communes.models import Service
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    communes = {
        name: CommuneFactory(epci=epci, name=name, insee_code=code)
        for name, code in [
            ("Andel", "22002"),
            ("Bréhand", "22020"),
            ("Hénon", "22076"),
            ("Trédaniel", "22343"),
        ]
    }
    referent = ReferentFactory(
        epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff"
    )
    parapheur = Service.objects.get(code="parapheur")
    adoption_set_status(
        commune=communes["Andel"], service=parapheur, status=Adoption.Status.ACTIVE, by=referent
    )
    adoption_set_status(
        commune=communes["Bréhand"],
        service=parapheur,
        status=Adoption.Status.INTERESTED,
        by=referent,
    )
    return referent, communes


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def parapheur_count(page, label):
    """The number shown for `label` in the parapheur column's counts ("" when absent)."""
    item = page.locator('ul.adoption-counts[data-service="parapheur"] li').filter(has_text=label)
    return item.locator(".adoption-count").inner_text() if item.count() else ""


def test_the_referent_changes_a_status_from_the_matrix_and_exports_it(
    page, territory, assert_accessible
):
    log_in(page, "claire.legoff", "/communes/adhesions/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Adhésions aux services")
    expect(page.get_by_role("heading", name="4 communes")).to_be_visible()
    henon_row = page.locator("#commune-22076")
    henon_cell = henon_row.locator('td[data-service="parapheur"]')
    expect(henon_cell).to_contain_text("Non adhérente")
    assert parapheur_count(page, "Active") == "1"
    assert parapheur_count(page, "Charte signée") == ""
    assert_accessible(page)

    henon_cell.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Parapheur et signature électronique")
    expect(page.get_by_text("Aucun changement enregistré")).to_be_visible()
    assert_accessible(page)
    # Submitting without a choice keeps the page, with the error next to the field.
    page.get_by_label("Motif").fill("Charte reçue le 3 mars")
    page.get_by_role("button", name="Enregistrer le nouvel état").click()
    expect(page.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    expect(page.get_by_label("Motif")).to_have_value("Charte reçue le 3 mars")
    assert_accessible(page)

    page.get_by_label("Charte signée").check()
    page.get_by_role("button", name="Enregistrer le nouvel état").click()

    expect(page).to_have_url(re.compile(r"/communes/adhesions/#commune-22076$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Hénon : « Parapheur et signature électronique » est maintenant « Charte signée »."
    )
    expect(henon_cell).to_contain_text("Charte signée")
    assert parapheur_count(page, "Charte signée") == "1"
    assert parapheur_count(page, "Non adhérente") == "1"  # Trédaniel only, now
    assert_accessible(page)

    # The history now tells who changed it, and why.
    henon_cell.get_by_role("link").click()
    history = page.get_by_role("table")
    expect(history).to_contain_text("Claire Le Goff")
    expect(history).to_contain_text("Charte reçue le 3 mars")
    page.get_by_role("link", name="Retour à la matrice sans rien changer").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en CSV").click()
    download = download_info.value
    assert re.fullmatch(
        r"adhesions-lamballe-terre-et-mer-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename
    )
    with open(download.path(), "rb") as file:
        content = file.read()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    column = header.index("Parapheur et signature électronique")
    assert header[:2] == ["Commune", "Code INSEE"]
    assert {row[0]: row[column] for row in rows[1:]} == {
        "Andel": "Active",
        "Bréhand": "Intéressée",
        "Hénon": "Charte signée",
        "Trédaniel": "Non adhérente",
    }


def test_the_matrix_filters_by_status_and_the_export_follows(page, territory, assert_accessible):
    log_in(page, "claire.legoff", "/communes/adhesions/")

    page.get_by_label("Service", exact=True).select_option(
        label="Parapheur et signature électronique"
    )
    page.get_by_label("État pour ce service").select_option(label="Non adhérente")
    page.get_by_role("button", name="Filtrer").click()

    expect(page.get_by_role("heading", name="2 communes")).to_be_visible()
    names = page.locator("tbody th[scope=row] a").all_inner_texts()
    assert names == ["Hénon", "Trédaniel"]
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Exporter en CSV").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.reader(file, delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["Hénon", "Trédaniel"]


PARTIALS_PAGE = """{% extends "base.html" %}
{% block content %}<h1>Mon espace</h1>
{% include "communes/adoption/_agent_section.html" %}
{% include "communes/adoption/_commune_section.html" %}
{% include "communes/adoption/_request_action.html" with action=adoption_action %}
{% endblock %}"""


def test_the_partials_other_pages_include_are_accessible(
    page, live_server, territory, assert_accessible
):
    """The agent's services, the commune page's section and the membership request's action,
    as the pages that include them will show them (rendered here in the portal's base
    template)."""
    from django.template import engines
    from django.test import RequestFactory

    from communes.adoption.selectors import (
        adoption_request_action,
        agent_adoptions,
        commune_adoptions,
    )
    from tests.factories import agent_of, request_of

    referent, communes = territory
    agent = agent_of(communes["Andel"], communes["Bréhand"])
    membership = request_of(
        agent,
        category="membership",
        service=Service.objects.get(code="archivage"),
        subject="Adhésion à l'archivage",
    )
    # One page for all three (the referent's view: the commune section's links included).
    request = RequestFactory().get("/")
    request.user = referent
    html = (
        engines["django"]
        .from_string(PARTIALS_PAGE)
        .render(
            {
                "adoption_rows": agent_adoptions(user=agent),
                "commune": communes["Andel"],
                "commune_adoptions": commune_adoptions(commune=communes["Andel"]),
                "adoption_action": adoption_request_action(user=referent, request_obj=membership),
            },
            request,
        )
    )

    page.goto("/healthz")  # the live server's origin, for the stylesheets
    page.set_content(html)

    expect(page.locator(".adoption-agent-section")).to_contain_text("Active")
    expect(page.locator(".adoption-agent-section h3")).to_have_count(2)
    assert_accessible(page)
    page.locator("summary", has_text="Mettre à jour l'adhésion").click()  # opens <details>
    expect(page.get_by_label("Nouvel état de l'adhésion")).to_be_visible()
    assert_accessible(page)
