"""A syndicat-mixte officer works in the admin site: the dossiers waiting for an answer, one
dossier, the answer, the outbox. axe checks every page; each list fits a 1280 px screen.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from communes.models import Contact
from referent_portal.outbox.models import DeliveryAttempt, OutgoingEmail
from referent_portal.outbox.services import Attachment, email_queue
from requests_relay.models import Dossier, Status
from requests_relay.services import dossier_create, dossier_relay, request_message_add
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    agent_of,
    request_of,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
ANSWER = "Une session aura lieu à Lamballe le 12 mai ; les inscriptions sont ouvertes."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def dossier():
    """Two communes' requests, relayed by e-mail only (no webhook), as one dossier."""
    epci = EpciFactory(name="Communauté d'agglomération Lamballe Terre et Mer", siren="200069391")
    referent = ReferentFactory(
        epci=epci,
        username="claire.legoff",
        first_name="Claire",
        last_name="Le Goff",
        email="claire.le-goff@lamballe-terre-mer.example.org",
    )
    henon = CommuneFactory(epci=epci, name="Hénon", insee_code="22076")
    brehand = CommuneFactory(epci=epci, name="Bréhand", insee_code="22020")
    anne = agent_of(
        henon,
        username="anne.rault",
        first_name="Anne",
        last_name="Rault",
        email="secretariat.mairie@henon.example.org",
    )
    marc = agent_of(
        brehand,
        username="marc.hamon",
        first_name="Marc",
        last_name="Hamon",
        email="accueil-comptabilite@brehand.example.org",
    )
    first = request_of(
        anne,
        subject="Former la nouvelle secrétaire de mairie au parapheur électronique",
        description="Arrivée en mars, elle n'a jamais utilisé le parapheur.",
        urgency="high",
        files=[SimpleUploadedFile("programme-formation.pdf", b"%PDF-1.4 programme")],
    )
    second = request_of(marc, subject="Formation parapheur pour l'accueil")
    request_message_add(request=first, author=anne, body="Elle est disponible le mardi.")
    request_message_add(
        request=first, author=referent, body="Relancer le DGS en avril.", internal=True
    )
    dossier = dossier_create(
        requests=[first, second],
        by=referent,
        title="Formation au parapheur électronique : nouveaux agents de Hénon et de Bréhand",
        summary="Deux communes ont de nouveaux agents à former au parapheur.",
    )
    dossier_relay(dossier=dossier, by=referent)
    # A message that failed, with the kind of error a real SMTP server gives.
    error = (
        "SMTPRecipientsRefused: {'secretariat.mairie@henon.example.org': "
        "(550, b'5.1.1 <secretariat.mairie@henon.example.org>: Recipient address rejected: "
        "User unknown in virtual mailbox table')}"
    )
    OutgoingEmail.objects.filter(to=anne.email).update(
        status=OutgoingEmail.Status.FAILED, attempts=10, last_error=error
    )
    for email in OutgoingEmail.objects.filter(to=anne.email):
        DeliveryAttempt.objects.create(
            email=email,
            number=10,
            started_at=timezone.now(),
            duration_ms=48,
            outcome=DeliveryAttempt.Outcome.PERMANENT,
            smtp_code=550,
            error=error,
        )
    email_queue(
        to=anne.email,
        template="outbox/email/example",
        context={"name": "Anne Rault", "when": timezone.localdate()},
        kind="tests.unlabelled",
        language="fr",
        attachments=[Attachment("reunion.ics", "BEGIN:VCALENDAR\r\n", "text/calendar")],
    )
    OutgoingEmail.objects.filter(to=marc.email).update(
        status=OutgoingEmail.Status.RETRY,
        attempts=3,
        next_attempt_at=timezone.now(),
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    return Dossier.objects.get(pk=dossier.pk)


def syndicat_officer(*apps):
    officer = SyndicatFactory(username="erwan.guillou", first_name="Erwan", last_name="Guillou")
    officer.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    return officer


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def assert_fits_the_screen(page):
    """The change list's table needs no horizontal scroll at 1280 px."""
    widths = page.evaluate(
        """() => {
            const results = document.querySelector('#changelist .results');
            return {
                table: results.scrollWidth,
                box: results.clientWidth,
                page: document.documentElement.scrollWidth,
                screen: window.innerWidth,
            };
        }"""
    )
    assert widths["table"] <= widths["box"], widths
    assert widths["page"] <= widths["screen"], widths


def test_the_officer_answers_a_waiting_dossier_and_checks_the_outbox(
    page, dossier, assert_accessible
):
    syndicat_officer("requests_relay", "outbox")
    log_in(page, "erwan.guillou")
    expect(page.get_by_role("link", name="Relais (webhooks)")).to_be_visible()
    expect(page.get_by_role("link", name="Appels signés reçus (API)")).to_be_visible()
    assert_accessible(page)

    # The dossiers waiting for the syndicat mixte.
    page.get_by_role("link", name="Dossiers", exact=True).click()
    expect(page.get_by_role("heading", name="1 dossier à traiter")).to_be_visible()
    page.get_by_role("link", name="À traiter (1)").click()
    expect(page).to_have_url(re.compile(r"a_traiter=oui"))
    expect(page.get_by_role("link", name=dossier.reference)).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/admin_dossier_list.png", full_page=True)
    assert_fits_the_screen(page)

    # What the communes sent, without the EPCI's internal note.
    page.get_by_role("link", name=dossier.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier {dossier.reference}")
    expect(page.get_by_text("secretariat.mairie@henon.example.org").first).to_be_visible()
    expect(page.get_by_text("Elle est disponible le mardi.")).to_be_visible()
    expect(page.get_by_text("Relancer le DGS")).to_have_count(0)
    expect(page.get_by_text("transmis par courriel uniquement")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Enregistrer"))).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path="/tmp/admin_dossier.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="programme-formation.pdf").click()
    assert download.value.suggested_filename == "programme-formation.pdf"
    assert download.value.path().read_bytes() == b"%PDF-1.4 programme"

    # The answer: nothing happens until the officer chooses one.
    page.get_by_role("link", name="Répondre aux communes").click()
    expect(page.get_by_label("Réponse")).to_have_value("")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.get_by_text("Choisissez la réponse à donner au dossier.")).to_be_visible()
    expect(page.get_by_label("Réponse")).to_have_accessible_description(
        re.compile("Choisissez la réponse")
    )
    assert_accessible(page)
    page.screenshot(path="/tmp/admin_answer_error.png", full_page=True)
    assert Dossier.objects.get().status == Status.RELAYED

    page.get_by_label("Réponse").select_option(label="Répondre")
    page.get_by_label("Message aux communes").fill(ANSWER)
    page.get_by_role("button", name="Enregistrer la réponse").click()
    expect(
        page.get_by_text(
            f"Dossier {dossier.reference} : réponse enregistrée et envoyée à 2 communes."
        )
    ).to_be_visible()
    assert_accessible(page)
    assert set(Dossier.objects.get().requests.values_list("status", flat=True)) == {Status.ANSWERED}

    # The outbox: what was sent to whom, with readable kinds.
    page.goto("/admin/outbox/outgoingemail/")
    filters = page.locator("#changelist-filter")
    expect(filters.get_by_role("link", name="Réponse du syndicat (à l'agent)")).to_be_visible()
    expect(filters.get_by_text("requests.syndicat_answer")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path="/tmp/admin_outbox_list.png", full_page=True)
    assert_fits_the_screen(page)

    failed = page.get_by_role("row").filter(has_text="Échec définitif").first
    expect(failed).to_contain_text("10 essais")
    failed.get_by_role("link", name="secretariat.mairie@henon.example.org").click()
    expect(page.get_by_text("Recipient address rejected").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path="/tmp/admin_outbox_message.png", full_page=True)

    # A kind the outbox has no label for reads as its code; not one relayed to the syndicat
    # mixte, so its subject, body and attachment are the recipient's alone.
    page.goto("/admin/outbox/outgoingemail/")
    filters.get_by_role("link", name="tests.unlabelled").click()
    page.get_by_role("link", name="secretariat.mairie@henon.example.org").click()
    expect(page.get_by_text("Contenu réservé au destinataire.").first).to_be_visible()
    expect(page.get_by_role("link", name="reunion.ics")).to_have_count(0)
    assert_accessible(page)


def test_the_territory_lists_fit_the_screen(page, dossier, assert_accessible):
    syndicat_officer("communes", "accounts")
    epci = dossier.epci
    communes = [
        CommuneFactory(epci=epci, name=name, population=population)
        for name, population in [
            ("Saint-Trimoël", 516),
            ("Lamballe-Armor", 17166),
            ("La Bouillie", 913),
        ]
    ]
    for number in range(6):
        ContactFactory(
            epci=epci,
            communes=communes,
            first_name="Marie-Françoise",
            last_name=f"Le Guével-Kerambrun {number}",
            function=Contact.Function.DELEGUE_NUMERIQUE,
            email=f"delegue.numerique.{number}@mairie-saint-trimoel.example.org",
        )
    log_in(page, "erwan.guillou")

    page.goto("/admin/communes/contact/")
    expect(page.get_by_role("link", name="Le Guével-Kerambrun 0")).to_be_visible()
    page.screenshot(path="/tmp/admin_contact_list.png", full_page=True)
    assert_fits_the_screen(page)

    page.goto("/admin/communes/commune/")
    expect(page.get_by_role("cell", name="17\u202f166")).to_be_visible()
    assert_fits_the_screen(page)
