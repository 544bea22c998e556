"""The day of a meeting on the referent's phone: check-in, a walk-in, the attendance sheet;
then the minutes, the follow-ups and the rates. Every page fits 375 px and is axe-clean."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Invitation, Meeting
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def meeting_of_today():
    epci = EpciFactory(name="CA Lamballe Terre et Mer", siren="200069391")
    referent = ReferentFactory(
        epci=epci, username="maelle.legoff", first_name="Maëlle", last_name="Le Goff"
    )
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    brehand = CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    CommuneFactory(epci=epci, name="Plédéliac", insee_code="22176")
    # Started a minute ago: today in Paris whatever the hour the suite runs.
    start = timezone.now() - timedelta(minutes=1)
    meeting = MeetingFactory(
        created_by=referent,
        title="Le parapheur électronique en pratique",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Salle du conseil de la mairie de Hénon, 1 place de l'Église",
        host_commune=henon,
    )
    accepted = Invitation.Response.ACCEPTED
    for name, commune, function in [
        ("Anne Rault", henon, "Maire"),
        ("Bruno Le Gall", henon, "Secrétaire de mairie"),
        ("Eric Tanguy-Kerhervé de la Villemarqué", brehand, "Conseiller délégué au numérique"),
    ]:
        InvitationFactory(
            meeting=meeting, name=name, commune=commune, function=function, response=accepted
        )
    InvitationFactory(
        meeting=meeting,
        name="Claude Morin",
        commune=brehand,
        function="Maire",
        response=Invitation.Response.DECLINED,
    )
    return meeting


def log_in(page, username, path):
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


def assert_fits_the_phone(page, assert_accessible):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    assert_accessible(page)


def row(page, name):
    return page.locator(".checkin-row").filter(has_text=name)


def test_the_referent_checks_people_in_on_a_phone_and_prints_the_sheet(
    page, meeting_of_today, assert_accessible
):
    meeting = meeting_of_today
    page.set_viewport_size(PHONE)
    log_in(page, "maelle.legoff", f"/reunions/{meeting.pk}/emargement/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Émargement")
    expect(page.locator("[data-checkin-counts]")).to_contain_text("sur 3 personnes attendues")
    assert_fits_the_phone(page, assert_accessible)

    row(page, "Anne Rault").get_by_role("button", name="Présent : Anne Rault").click()
    expect(row(page, "Anne Rault")).to_contain_text("Présent")
    expect(page.get_by_role("alert").or_(page.locator(".alert"))).to_contain_text(
        "Anne Rault : présent."
    )
    row(page, "Eric Tanguy").get_by_role("button", name=re.compile("^Présent")).click()
    expect(row(page, "Eric Tanguy")).to_contain_text("Présent")
    row(page, "Bruno Le Gall").get_by_role("button", name=re.compile("^Absent")).click()
    expect(page.locator("[data-checkin-counts]")).to_contain_text("2 présents")
    expect(page.locator("[data-checkin-counts]")).to_contain_text("1 absent")

    # Someone who declined is set apart, folded.
    expect(page.get_by_text("1 personne a décliné ou se fait remplacer")).to_be_visible()
    expect(row(page, "Claude Morin")).to_be_hidden()

    page.get_by_label("Prénom et nom").fill("Hervé Le Bihan")
    page.get_by_label("Commune représentée").select_option(label="Plédéliac")
    page.get_by_label("Fonction").fill("Adjoint aux finances")
    page.get_by_role("button", name="Ajouter, présent").click()
    expect(row(page, "Hervé Le Bihan")).to_contain_text("venu sans invitation")
    expect(page.locator("[data-checkin-counts]")).to_contain_text("3 présents")
    assert_fits_the_phone(page, assert_accessible)
    page.screenshot(path="/tmp/phone_checkin.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Feuille d'émargement (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("emargement-")
    assert download.suggested_filename.endswith("-le-parapheur-electronique-en-pratique.pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert set(meeting.invitations.filter(attended=True).values_list("name", flat=True)) == {
        "Anne Rault",
        "Eric Tanguy-Kerhervé de la Villemarqué",
        "Hervé Le Bihan",
    }


def test_after_the_meeting_every_page_of_the_follow_up_is_accessible(
    page, meeting_of_today, assert_accessible
):
    meeting = meeting_of_today
    anne = meeting.invitations.get(name="Anne Rault")
    Invitation.objects.filter(pk=anne.pk).update(attended=True, checked_in_at=timezone.now())
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    log_in(page, "maelle.legoff", f"/reunions/{meeting.pk}/")

    panel = page.get_by_role("region", name="Émargement et présence")
    expect(panel.get_by_role("table")).to_contain_text("Hénon")
    assert_accessible(page)

    page.get_by_role("link", name="Rédiger le compte rendu").click()
    assert_accessible(page)
    page.get_by_label("Compte rendu").fill("Présentation du parapheur ; formation en mai.")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    page.get_by_role("link", name="Envoyer le compte rendu…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Envoyer le compte rendu")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer le compte rendu").click()
    expect(page.locator(".alert-success")).to_contain_text("Le compte rendu part par courriel")

    page.get_by_label("Commune concernée").select_option(label="Hénon")
    page.get_by_label("Suite à donner").fill("Hénon veut former ses deux secrétaires.")
    page.get_by_role("button", name="Noter", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("La suite à donner est notée.")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("^En faire une suggestion à la commune")).click()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name=re.compile("^En faire une demande de la commune")).click()
    assert_accessible(page)
    page.get_by_label("Nature de la demande").select_option(label="Demande de formation")
    page.get_by_role("button", name="Enregistrer la demande").click()
    # Bad input: the page says what is missing, and keeps the rest.
    expect(page.get_by_role("alert")).to_contain_text("Une demande de formation précise le module.")
    expect(page.get_by_label("Nature de la demande")).to_have_value("training")
    assert_accessible(page)

    page.goto(f"/reunions/{meeting.pk}/suites/")
    assert_accessible(page)
    page.goto("/reunions/presence/?tri=-taux")
    expect(page.get_by_role("heading", level=1)).to_have_text("Présence des communes aux réunions")
    expect(page.get_by_role("row").filter(has_text="Hénon")).to_contain_text("100 %")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_fits_the_phone(page, assert_accessible)
