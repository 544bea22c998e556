"""The referent's campaign pages: forms, preview, sending, follow-up, export, scoping, and a
number of queries that does not grow with the audience."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communes.models import Contact
from meetings.campaigns import services
from meetings.models import Campaign
from referent_portal.outbox.models import OutgoingEmail
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory, agent_of
from tests.meetings import campaign_factories
from tests.meetings.campaign_factories import draft, people, territory

pytestmark = pytest.mark.django_db
published = campaign_factories.published  # the fixture
Mail = OutgoingEmail.Status


@pytest.fixture
def setting():
    epci, referent, communes = territory(sizes=(3, 2))
    return {"epci": epci, "referent": referent, "communes": communes}


@pytest.fixture
def referent_client(client, setting):
    client.force_login(setting["referent"])
    return client


def sent(referent, communes, *, failed=0):
    """A campaign whose e-mails are written; the first `failed` failed, the others sent."""
    campaign = draft(referent, communes=communes)
    services.campaign_send(campaign=campaign, by=referent)
    while services.campaign_send_batch(campaign_id=campaign.pk):
        pass
    emails = list(
        OutgoingEmail.objects.filter(pk__in=campaign.recipients.values("email_message")).order_by(
            "to"
        )
    )
    now = timezone.now()
    for index, email in enumerate(emails):
        if index < failed:
            email.status, email.last_error = Mail.FAILED, "SMTPRecipientsRefused: 550 5.1.1"
        else:
            email.status, email.sent_at = Mail.SENT, now
    OutgoingEmail.objects.bulk_update(emails, ["status", "last_error", "sent_at"])
    return campaign


# --- the draft ---------------------------------------------------------------------------------


def test_the_referent_creates_a_draft_with_a_document_and_its_audience(referent_client, setting):
    a, _b = setting["communes"]
    response = referent_client.post(
        reverse("campaigns:create"),
        {
            "subject": "Parapheur : nouvelle version",
            "source": "Campagne parapheur 2027",
            "body": "La nouvelle version arrive.",
            "communes": [a.pk],
            "functions": [Contact.Function.SECRETAIRE],
            "documents": [SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide")],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.documents.get().title == "guide.pdf"
    page = referent_client.get(response["Location"])
    assert "La nouvelle version arrive." in page.text
    assert "Envoyer…" in page.text


def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(referent_client):
    response = referent_client.post(
        reverse("campaigns:create"),
        {
            "subject": "Archivage électronique",
            "body": "Le texte que j'ai mis une heure à écrire.",
            "documents": [SimpleUploadedFile("macro.exe", b"MZ")],
        },
    )
    assert response.status_code == 400
    assert "La campagne n'est pas enregistrée." in response.text
    assert "Choisissez au moins une commune, une fonction, un réseau ou une personne." in (
        response.text
    )
    assert "ce type de fichier n&#x27;est pas accepté" in response.text
    assert "Le texte que j&#x27;ai mis une heure à écrire." in response.text
    assert 'value="Archivage électronique"' in response.text
    assert not Campaign.objects.exists()


def test_a_draft_is_edited_and_a_document_removed(referent_client, setting):
    a, b = setting["communes"]
    campaign = draft(setting["referent"], communes=[a])
    document = campaign.documents.get()
    form = referent_client.get(reverse("campaigns:edit", args=[campaign.pk]))
    assert 'value="Parapheur électronique : la nouvelle version"' in form.text
    response = referent_client.post(
        reverse("campaigns:edit", args=[campaign.pk]),
        {
            "subject": "Objet corrigé",
            "body": "Texte corrigé",
            "communes": [a.pk, b.pk],
            "removed_documents": [document.pk],
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.subject == "Objet corrigé"
    assert set(campaign.communes.all()) == {a, b}
    assert not campaign.documents.exists()


def test_the_preview_lists_the_recipients_per_commune_and_those_left_out(referent_client, setting):
    a, b = setting["communes"]
    ContactFactory(epci=setting["epci"], communes=[a], email="", last_name="Sansadresse")
    campaign = draft(setting["referent"], communes=[a, b])
    page = referent_client.get(reverse("campaigns:preview", args=[campaign.pk]))
    assert "5 destinataires" in page.text
    assert "1 personne choisie ne recevra pas la campagne" in page.text
    assert "1 sans adresse e-mail" in page.text
    assert "Sansadresse" not in page.text
    assert page.text.count("@mairie.example.org") == 5


# --- sending -----------------------------------------------------------------------------------


def test_the_confirmation_page_says_how_many_will_receive_it_then_the_post_sends(
    referent_client, setting, django_capture_on_commit_callbacks, published
):
    a, b = setting["communes"]
    campaign = draft(setting["referent"], communes=[a, b])
    url = reverse("campaigns:send", args=[campaign.pk])
    page = referent_client.get(url)
    assert "à 5 destinataires" in page.text
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        response = referent_client.post(url)
    assert response.status_code == 302
    assert published["batches"] == [campaign.pk]
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING
    assert campaign.recipients.count() == 5
    assert not OutgoingEmail.objects.exists()

    again = referent_client.post(url)
    assert again.status_code == 400
    assert "en cours d&#x27;envoi" in again.text
    assert campaign.recipients.count() == 5


@pytest.mark.parametrize("size", [10, 1000])
def test_the_send_request_writes_no_e_mail_and_its_queries_do_not_grow_with_the_audience(
    client, size, published, django_capture_on_commit_callbacks
):
    _epci, referent, (commune,) = territory(sizes=(size,))
    campaign = draft(referent, communes=[commune])
    client.force_login(referent)
    client.get(reverse("campaigns:list"))  # session and caches warm

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
        response = client.post(reverse("campaigns:send", args=[campaign.pk]))

    assert response.status_code == 302
    assert campaign.recipients.count() == size
    assert not OutgoingEmail.objects.exists()
    assert len(queries) == SEND_QUERIES, [q["sql"][:120] for q in queries.captured_queries]


# Session, user, lock, documents, audience (selection, contacts, their communes), freeze, save,
# and the history row of the status change…
SEND_QUERIES = 16


# --- the follow-up -----------------------------------------------------------------------------


def test_the_campaign_page_shows_each_state_the_communes_reached_and_filters(
    referent_client, setting
):
    a, b = setting["communes"]
    nobody = CommuneFactory(epci=setting["epci"], name="Sans personne")
    campaign = sent(setting["referent"], [a, b, nobody], failed=2)
    page = referent_client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert page.text.count("SMTPRecipientsRefused: 550 5.1.1") == 2
    assert page.text.count(">Renvoyer<") == 2
    assert "communes atteintes sur 3" in page.text
    assert "(personne à qui écrire)" in page.text

    failed = referent_client.get(
        reverse("campaigns:detail", args=[campaign.pk]), {"status": "failed"}
    )
    assert failed.text.count("@mairie.example.org") == 2
    sent_only = referent_client.get(
        reverse("campaigns:detail", args=[campaign.pk]), {"status": "sent"}
    )
    assert sent_only.text.count("@mairie.example.org") == 3
    assert ">Renvoyer<" not in sent_only.text


def test_resend_is_a_post_and_only_for_a_failed_recipient(referent_client, setting):
    campaign = sent(setting["referent"], setting["communes"], failed=1)
    failed = campaign.recipients.get(email_message__status=Mail.FAILED)
    ok = campaign.recipients.filter(email_message__status=Mail.SENT).first()
    url = reverse("campaigns:resend", args=[campaign.pk, failed.pk])
    assert referent_client.get(url).status_code == 405

    response = referent_client.post(url, follow=True)
    assert f"Le courriel à {failed.name} est renvoyé." in response.text
    assert OutgoingEmail.objects.get(pk=failed.email_message_id).status == Mail.QUEUED

    refused = referent_client.post(
        reverse("campaigns:resend", args=[campaign.pk, ok.pk]), follow=True
    )
    assert "Seul un courriel en échec peut être renvoyé." in refused.text


def test_the_export_lists_every_recipient_with_their_state_for_excel(referent_client, setting):
    campaign = sent(setting["referent"], setting["communes"], failed=1)
    response = referent_client.get(reverse("campaigns:export", args=[campaign.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Nom",
        "Adresse e-mail",
        "Commune",
        "Code INSEE",
        "État",
        "Envoyé le",
        "Erreur",
    ]
    assert len(rows) == 6
    states = sorted(row[4] for row in rows[1:])
    assert states == ["Envoyé"] * 4 + ["Échec"]
    assert any("550 5.1.1" in row[6] for row in rows[1:])


def detail_queries(client, campaign, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("campaigns:detail", args=[campaign.pk]), params or {})
    assert response.status_code == 200
    return len(queries)


def test_the_campaign_page_and_list_run_as_many_queries_for_1000_recipients_as_for_10(client):
    _epci, referent, (small_commune, big_commune) = territory(sizes=(10, 1000))
    small = sent(referent, [small_commune], failed=2)
    big = sent(referent, [big_commune], failed=2)
    client.force_login(referent)
    client.get(reverse("campaigns:list"))

    assert detail_queries(client, small) == detail_queries(client, big)
    assert detail_queries(client, small, {"status": "failed"}) == detail_queries(
        client, big, {"status": "failed"}
    )
    assert detail_queries(client, big, {"page": 3}) == detail_queries(client, small)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("campaigns:export", args=[small.pk]))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("campaigns:export", args=[big.pk]))
    assert len(few) == len(many)


# --- who may see what ---------------------------------------------------------------------------


def every_page(campaign):
    recipient = campaign.recipients.first()
    document = campaign.documents.first()
    return [
        ("get", reverse("campaigns:detail", args=[campaign.pk])),
        ("get", reverse("campaigns:edit", args=[campaign.pk])),
        ("get", reverse("campaigns:preview", args=[campaign.pk])),
        ("get", reverse("campaigns:send", args=[campaign.pk])),
        ("post", reverse("campaigns:send", args=[campaign.pk])),
        ("get", reverse("campaigns:export", args=[campaign.pk])),
        ("get", reverse("campaigns:document", args=[campaign.pk, document.pk])),
        ("post", reverse("campaigns:resend", args=[campaign.pk, recipient.pk])),
    ]


def test_another_epcis_campaign_is_a_404_on_every_page(client, setting):
    campaign = sent(setting["referent"], setting["communes"], failed=1)
    client.force_login(ReferentFactory())
    for method, url in every_page(campaign):
        assert getattr(client, method)(url).status_code == 404, url
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_an_agent_is_refused_every_campaign_page(client, setting):
    campaign = sent(setting["referent"], setting["communes"], failed=1)
    client.force_login(agent_of(setting["communes"][0]))
    pages = [
        *every_page(campaign),
        ("get", reverse("campaigns:list")),
        ("get", reverse("campaigns:create")),
    ]
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 403, url


def test_the_list_shows_drafts_sendings_and_sent_campaigns_with_counts(referent_client, setting):
    a, b = setting["communes"]
    draft(setting["referent"], communes=[a], subject="Brouillon en cours")
    sent(setting["referent"], [a, b], failed=1)
    page = referent_client.get(reverse("campaigns:list"))
    assert "Brouillon en cours" in page.text
    assert "Brouillons" in page.text and "Envoyées" in page.text
    assert ">4</td>" in page.text and ">1</td>" in page.text and ">5</td>" in page.text


def test_a_document_is_downloaded_by_its_referent(referent_client, setting):
    campaign = draft(setting["referent"], communes=setting["communes"])
    document = campaign.documents.get()
    response = referent_client.get(reverse("campaigns:document", args=[campaign.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == campaign_factories.PDF
    response.close()


def test_the_people_of_a_big_commune_are_all_in_the_preview(referent_client, setting):
    epci = setting["epci"]
    commune = CommuneFactory(epci=epci)
    people(epci, commune, 120)
    campaign = draft(setting["referent"], communes=[commune])
    page = referent_client.get(reverse("campaigns:preview", args=[campaign.pk]))
    assert "120 destinataires" in page.text
