"""The legal pages in a real browser: reached from the footer, accessible (axe), in both
languages; the admin site's login page leads there too."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINKS = ["Accessibilité : non conforme", "Mentions légales", "Données personnelles"]
HEADINGS = ["Déclaration d'accessibilité", "Mentions légales", "Données personnelles"]


def test_a_visitor_reads_each_legal_page_from_the_login_page_s_footer(page, assert_accessible):
    for link, heading in zip(LINKS, HEADINGS, strict=True):
        page.goto("/accounts/connexion/")
        page.get_by_role("navigation", name="Informations légales").get_by_role(
            "link", name=link
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)


def test_the_legal_pages_switch_to_english(page, assert_accessible):
    for path in ["/accessibilite/", "/mentions-legales/", "/donnees-personnelles/"]:
        page.goto(path)
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_accessible(page)
        page.get_by_role("button", name="Français").click()


def test_the_admin_login_page_links_the_legal_pages(page, assert_accessible):
    page.goto("/admin/login/")
    footer = page.get_by_role("navigation", name="Informations légales")
    footer.get_by_role("link", name="Mentions légales").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions légales")
    page.go_back()
    assert_accessible(page)
