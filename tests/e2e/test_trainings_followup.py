"""After a training, in a real browser: the referent marks attendance on a phone and confirms,
the attendee downloads the attestation and answers the survey from the e-mail's link; the
results, coverage and demand pages. axe-core checks every page on the way."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Adoption, Service
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from tests.outbox.utils import sent_text
from tests.trainings.factories import TrainingSessionFactory, module
from tests.trainings.followup_helpers import seat
from trainings.models import SurveyResponse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
PHONE = {"width": 390, "height": 844}


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/connexion/"))
    page.goto(path)


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    referent = ReferentFactory(
        epci=epci, username="claire.legoff", first_name="Claire", last_name="Le Goff"
    )
    anne = agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")
    bruno = agent_of(henon, username="bruno.legall", first_name="Bruno", last_name="Le Gall")
    start = timezone.now() - timedelta(hours=2)
    session = TrainingSessionFactory(
        created_by=referent,
        module=module("m2-actes"),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        registration_deadline=timezone.localdate(start) - timedelta(days=7),
        capacity=5,
    )
    seat(session, anne.contact)
    seat(session, bruno.contact)
    return {"henon": henon, "session": session, "anne": anne, "bruno": bruno}


def test_attendance_on_a_phone_then_the_attestation_and_the_survey(
    page, territory, assert_accessible
):
    session = territory["session"]
    page.set_viewport_size(PHONE)
    log_in(page, "claire.legoff", f"/formations/sessions/{session.pk}/presences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Présences")
    expect(page.get_by_text("2 à pointer")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Présent : Anne Rault").click()
    expect(page.get_by_text("Anne Rault : présent(e).")).to_be_visible()
    page.get_by_role("button", name="Absent : Bruno Le Gall").click()
    expect(page.get_by_text("Bruno Le Gall : absent(e).")).to_be_visible()
    expect(page.get_by_text("0 à pointer")).to_be_visible()
    assert_accessible(page)
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Confirmer les présences…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer les présences")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer et envoyer les attestations").click()
    expect(
        page.get_by_text(re.compile("Présences confirmées : la session est tenue."))
    ).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Attestation ATT-"))).to_be_visible()
    assert_accessible(page)

    # Anne finds her attestation in her space.
    [email] = OutgoingEmail.objects.filter(kind="trainings.attestation")
    log_in(page, "anne.rault", "/formations/mes-attestations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes attestations de formation")
    expect(
        page.get_by_text("Télétransmettre les actes à la préfecture", exact=True)
    ).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger \\(PDF\\)")).click()
    assert download.value.suggested_filename.startswith("attestation-formation-ATT-")

    # The survey from the e-mail's link, without logging in.
    page.context.clear_cookies()
    link = re.search(r"http://testserver(/formations/questionnaire/[^/\s]+/)", sent_text(email))
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre avis sur la formation")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_text("Votre avis n'est pas encore envoyé.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("Dans l'ensemble")).get_by_label(
        "5 — très satisfait(e)"
    ).check()
    page.get_by_role("group", name=re.compile("Le contenu")).get_by_label(
        "4 — satisfait(e)"
    ).check()
    page.get_by_role("group", name=re.compile("Le formateur")).get_by_label(
        "5 — très satisfait(e)"
    ).check()
    page.get_by_label("Un commentaire ? (facultatif)").fill("Très concret.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci pour votre avis")
    assert_accessible(page)
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous avez déjà répondu")
    assert_accessible(page)
    page.goto(link.group(1)[:-4] + "xyz/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien n'est pas valide")
    assert_accessible(page)
    assert SurveyResponse.objects.get().overall == 5

    # The referent reads the results.
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "claire.legoff", f"/formations/sessions/{session.pk}/avis/")
    expect(page.get_by_text("Très concret.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Toutes les sessions de ce module").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Télétransmettre les actes à la préfecture"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Avis des participants").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avis des participants par module")
    assert_accessible(page)


def test_coverage_and_a_demand_that_becomes_a_session(page, territory, assert_accessible, settings):
    settings.TRAINING_DEMAND_THRESHOLD = 1
    henon = territory["henon"]
    Adoption.objects.create(
        commune=henon, service=Service.objects.get(code="parapheur"), status="active"
    )
    request = request_of(
        territory["bruno"],
        henon,
        category="training",
        training_module=module("m4-signature"),
        subject="Former au parapheur",
        description="Bruno signe les bons de commande.",
    )
    log_in(page, "claire.legoff", "/formations/couverture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Couverture des formations")
    expect(page.get_by_text("À former", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto(f"/demandes/{request.reference}/")
    page.locator("summary", has_text="Mettre en attente d'une session").click()
    page.get_by_label(re.compile("Bruno Le Gall")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Mettre en attente", exact=True).click()
    expect(page.get_by_text(re.compile("1 personne attend une session du module"))).to_be_visible()
    assert_accessible(page)

    page.goto("/formations/attente/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents en attente de formation")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Proposer une session — Signer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposer une session")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer la session").click()
    expect(page.get_by_text("La session n'est pas créée.").first).to_be_visible()
    assert_accessible(page)
    day = timezone.localdate() + timedelta(days=20)
    page.get_by_label("Date de la session").fill(day.isoformat())
    page.get_by_label("Heure de début").fill("09:30")
    page.get_by_label("Heure de fin").fill("12:30")
    page.get_by_label("Formateur ou formatrice").fill("Claire Le Goff")
    page.get_by_label("Date limite d'inscription").fill((day - timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Enregistrer la session").click()
    expect(
        page.get_by_text(re.compile("La session est créée et 1 personne y est inscrite."))
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signer électroniquement et échanger en toute sécurité"
    )
