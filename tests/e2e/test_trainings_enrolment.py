"""Trainings in a real browser: an agent takes the last seat, a second is wait-listed and is
promoted when the first withdraws (the e-mail goes through the real worker and SMTP server);
the referent's pages. axe-core checks every page of the trainings.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory, EpciFactory, ReferentFactory, agent_of
from tests.trainings.factories import TrainingSessionFactory
from trainings.models import Enrolment, TrainingSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def territory():
    epci = EpciFactory(name="Lamballe Terre et Mer", siren="200069391")
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    referent = ReferentFactory(
        epci=epci,
        username="claire.legoff",
        first_name="Claire",
        last_name="Le Goff",
        email="referent@lamballe-terre-mer.example.org",
    )
    anne = agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")
    bruno = agent_of(henon, username="bruno.morin", first_name="Bruno", last_name="Morin")
    Contact.objects.filter(user__in=[anne, bruno]).update(function=Contact.Function.AGENT)
    ContactFactory(
        epci=epci,
        communes=[henon],
        first_name="Denis",
        last_name="Dagorn",
        function=Contact.Function.COMPTABLE,
    )
    return {"epci": epci, "henon": henon, "referent": referent, "anne": anne, "bruno": bruno}


def log_in(page, username, path):
    page.context.clear_cookies()
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))
    page.goto(path)


def test_an_agent_is_wait_listed_then_promoted_when_the_other_withdraws(
    page, territory, assert_accessible, celery_worker, smtp_server
):
    session = TrainingSessionFactory(created_by=territory["referent"], capacity=1)
    module_title = session.module.title

    # Anne finds the session in the catalogue and takes the only seat.
    log_in(page, "anne.rault", reverse("trainings:catalogue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue des formations")
    expect(page.get_by_text("1 place libre")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("region", name=module_title).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(module_title)
    assert_accessible(page)
    page.get_by_role("button", name="M'inscrire", exact=True).click()
    expect(page.get_by_text("Vous êtes inscrit(e).")).to_be_visible()
    expect(page.locator("#mon-inscription")).to_have_text("Inscrit(e)")
    assert_accessible(page)
    smtp_server.wait_for(1)

    # Bruno comes second: the session is full, he joins the waiting list.
    log_in(page, "bruno.morin", reverse("trainings:session_detail", args=[session.pk]))
    expect(page.get_by_text("Complète", exact=True)).to_be_visible()
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    expect(page.get_by_text("vous êtes sur la liste d'attente, en position 1")).to_be_visible()
    expect(page.locator("#mon-inscription")).to_have_text("En liste d'attente — position 1")
    assert_accessible(page)
    smtp_server.wait_for(2)

    # Anne cannot come after all: she withdraws, after a confirmation page.
    log_in(page, "anne.rault", reverse("trainings:session_detail", args=[session.pk]))
    page.get_by_role("link", name="Me désister").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Me désister")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer le désistement").click()
    expect(page.get_by_text("Votre désistement est enregistré.")).to_be_visible()
    expect(page.get_by_role("button", name="M'inscrire sur la liste d'attente")).to_be_visible()

    # Bruno was promoted: his page says so, and the e-mail with the invitation reached him.
    log_in(page, "bruno.morin", reverse("trainings:session_detail", args=[session.pk]))
    expect(page.locator("#mon-inscription")).to_have_text("Inscrit(e)")
    received = smtp_server.wait_for(4)
    promoted = [m for m in received if m.rcpt_tos == ("bruno.morin@example.org",)][-1]
    assert promoted.subject.startswith("Une place s'est libérée : vous êtes inscrit(e)")
    assert any(a.get_content_type() == "text/calendar" for a in promoted.attachments)
    page.goto(reverse("trainings:my_trainings"))
    expect(page.get_by_role("link", name=module_title)).to_be_visible()
    assert_accessible(page)
    assert Enrolment.objects.get(contact__user=territory["bruno"]).promoted_at is not None


def test_the_referent_plans_a_session_enrols_people_and_cancels_it(
    page, territory, assert_accessible
):
    day = timezone.localdate() + timedelta(days=20)
    log_in(page, "claire.legoff", reverse("trainings:session_list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions de formation")
    assert_accessible(page)

    # A session in a mairie without the mairie: refused, what was typed is kept.
    page.get_by_role("link", name="Nouvelle session").click()
    assert_accessible(page)
    page.get_by_label("Module").select_option(label="Télétransmettre les actes à la préfecture")
    page.get_by_label("Formateur ou formatrice").fill("Yann Morvan")
    page.get_by_label("Date de la session").fill(day.isoformat())
    page.get_by_label("Heure de début").fill("09:30")
    page.get_by_label("Heure de fin").fill("12:30")
    page.get_by_label("Dans une mairie de l'EPCI").check()
    page.get_by_label("Nombre de places").fill("2")
    page.get_by_label("Date limite d'inscription").fill((day - timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Enregistrer la session").click()
    expect(page.get_by_text("La session n'est pas enregistrée.")).to_be_visible()
    expect(page.get_by_label("Formateur ou formatrice")).to_have_value("Yann Morvan")
    assert_accessible(page)
    page.get_by_label("Commune d'accueil").select_option(label="Hénon")
    page.get_by_role("button", name="Enregistrer la session").click()
    expect(
        page.get_by_text("La session est enregistrée et ouverte aux inscriptions.")
    ).to_be_visible()
    assert_accessible(page)
    session = TrainingSession.objects.get()
    assert session.host_commune == territory["henon"]

    # Three people for two seats: the last of the list (by name) waits.
    page.get_by_role("link", name="Inscrire des personnes").click()
    assert_accessible(page)
    for name in ("Anne Rault", "Bruno Morin", "Denis Dagorn"):
        page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="Inscrire les personnes cochées").click()
    expect(
        page.get_by_text("2 personnes inscrites. 1 personne sur la liste d'attente.")
    ).to_be_visible()
    expect(
        page.get_by_role("table", name="Liste d'attente de la session, dans l'ordre.")
    ).to_contain_text("Anne Rault")
    assert_accessible(page)

    # More seats: the waiting list moves up by itself.
    page.get_by_role("link", name="Modifier").click()
    assert_accessible(page)
    page.get_by_label("Nombre de places").fill("3")
    page.get_by_role("button", name="Enregistrer la session").click()
    expect(page.get_by_text("Personne n'attend une place.")).to_be_visible()

    page.get_by_role("link", name="Annuler la session…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler la session")
    assert_accessible(page)
    page.get_by_label("Motif").fill("Formateur indisponible")
    page.get_by_role("button", name="Annuler la session").click()
    expect(page.get_by_text("La session est annulée ; les inscrits")).to_be_visible()
    assert_accessible(page)
    assert set(session.enrolments.values_list("status", flat=True)) == {"cancelled"}
