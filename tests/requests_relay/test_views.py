"""The requests pages: submission, follow-up, scoping, triage, consolidation and relays."""

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from communes.models import Service
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Attachment, Dossier, Message, Relay, Request, Status
from requests_relay.services import dossier_create, request_resolve_locally
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of, request_of
from trainings.models import TrainingModule

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"DEM-\d{4}-\d{5}")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def epci():
    return EpciFactory(name="CA Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Claire", last_name="Le Goff")


@pytest.fixture
def commune_a(epci):
    return CommuneFactory(epci=epci, name="Hénon")


@pytest.fixture
def commune_b(epci):
    return CommuneFactory(epci=epci, name="Plédéliac")


@pytest.fixture
def agent_a(commune_a):
    return agent_of(commune_a)


@pytest.fixture
def agent_b(commune_b):
    return agent_of(commune_b)


@pytest.fixture
def module():
    return TrainingModule.objects.get_or_create(
        code="test-parapheur", defaults={"title": "Parapheur électronique"}
    )[0]


def pdf(name="devis.pdf", content=b"%PDF-1.4 devis signe"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def submission(**fields):
    return {
        "category": "setup",
        "subject": "Second signataire dans le parapheur",
        "description": "Le circuit de validation refuse d'ajouter l'adjoint aux finances.",
        "urgency": "normal",
        **fields,
    }


# --- the agent submits ----------------------------------------------------------------------


def test_agent_submits_a_request_with_an_attachment_and_gets_its_reference_by_mail(
    client, agent_a, commune_a
):
    client.force_login(agent_a)

    page = client.get(reverse("requests_relay:create"))
    assert page.status_code == 200
    assert "Hénon" in text_of(page)  # the only commune: shown, not to be chosen

    response = client.post(
        reverse("requests_relay:create"),
        submission(commune=commune_a.pk, attachments=[pdf()]),
        follow=True,
    )

    request = Request.objects.get()
    assert REFERENCE.fullmatch(request.reference)
    assert response.redirect_chain[-1][0] == reverse(
        "requests_relay:detail", args=[request.reference]
    )
    body = text_of(response)
    assert f"Votre demande {request.reference} est enregistrée" in body
    assert "Second signataire dans le parapheur" in body
    assert "devis.pdf" in body
    assert request.commune == commune_a
    assert request.attachments.get().filename == "devis.pdf"
    acknowledgement = OutgoingEmail.objects.get(kind="requests.acknowledgement")
    assert acknowledgement.to == agent_a.email
    assert request.reference in acknowledgement.subject + acknowledgement.body_text
    assert acknowledgement.subject.endswith("bien été reçue")  # a subject, not a sentence

    download = client.get(
        reverse("requests_relay:attachment", args=[request.reference, request.attachments.get().pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 devis signe"


@pytest.mark.parametrize(
    ("upload", "limit", "message"),
    [
        (
            SimpleUploadedFile("outil.exe", b"MZ\x90\x00", "application/octet-stream"),
            None,
            "« outil.exe » : ce type de fichier n'est pas accepté",
        ),
        (
            SimpleUploadedFile("plan.pdf", b"%" * (1024 * 1024 + 1), "application/pdf"),
            1024 * 1024,
            "« plan.pdf » dépasse la taille maximale de 1 Mo.",
        ),
    ],
    ids=["type", "size"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_the_typed_text_is_kept(
    client, settings, agent_a, commune_a, upload, limit, message
):
    if limit:
        settings.REQUEST_ATTACHMENT_MAX_BYTES = limit
    client.force_login(agent_a)

    response = client.post(
        reverse("requests_relay:create"),
        submission(
            commune=commune_a.pk,
            subject="Accès au tiers de télétransmission",
            description="Le certificat de la secrétaire a expiré vendredi.",
            attachments=[upload],
        ),
    )

    assert response.status_code == 200
    body = text_of(response)
    assert message in body
    assert "La demande n'est pas encore envoyée." in body
    assert 'value="Accès au tiers de télétransmission"' in body
    assert "Le certificat de la secrétaire a expiré vendredi." in body
    assert not Request.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_a_training_request_names_its_module(client, agent_a, commune_a, module):
    client.force_login(agent_a)

    refused = client.post(
        reverse("requests_relay:create"), submission(commune=commune_a.pk, category="training")
    )

    assert "Précisez le module de formation souhaité." in text_of(refused)
    assert not Request.objects.exists()

    client.post(
        reverse("requests_relay:create"),
        submission(commune=commune_a.pk, category="training", training_module=module.pk),
    )
    assert Request.objects.get().training_module == module


def test_a_membership_request_names_its_service(client, agent_a, commune_a):
    service = Service.objects.get_or_create(code="test-ged", defaults={"name": "GED"})[0]
    client.force_login(agent_a)

    refused = client.post(
        reverse("requests_relay:create"), submission(commune=commune_a.pk, category="membership")
    )
    assert "Précisez le service auquel la commune souhaite adhérer." in text_of(refused)

    client.post(
        reverse("requests_relay:create"),
        submission(commune=commune_a.pk, category="membership", service=service.pk),
    )
    assert Request.objects.get().service == service


def test_an_agent_cannot_submit_for_a_commune_they_do_not_serve(client, agent_a, commune_b):
    client.force_login(agent_a)

    response = client.post(reverse("requests_relay:create"), submission(commune=commune_b.pk))

    assert response.status_code == 200
    assert not Request.objects.exists()


def test_an_agent_of_two_communes_chooses_between_them(client, commune_a, commune_b):
    agent = agent_of(commune_a, commune_b)
    client.force_login(agent)

    page = text_of(client.get(reverse("requests_relay:create")))

    assert '<select name="commune"' in page
    assert "Hénon" in page and "Plédéliac" in page
    # Nothing preselected: the first option is the empty one, and it is the one selected.
    assert '<option value="" selected>— Choisissez la commune —</option>' in page
    assert f'<option value="{commune_a.pk}" selected>' not in page

    forgotten = client.post(reverse("requests_relay:create"), submission())
    assert "Choisissez la commune concernée par la demande." in text_of(forgotten)
    assert not Request.objects.exists()

    client.post(reverse("requests_relay:create"), submission(commune=commune_b.pk))
    assert Request.objects.get().commune == commune_b


def test_the_agents_list_speaks_of_their_commune_or_their_communes(client, commune_a, commune_b):
    client.force_login(agent_of(commune_a))
    one = text_of(client.get(reverse("requests_relay:list")))
    assert "Les demandes de votre commune" in one

    client.force_login(agent_of(commune_a, commune_b))
    two = text_of(client.get(reverse("requests_relay:list")))
    assert "Les demandes de vos communes" in two
    assert "votre commune" not in two


def test_the_agent_lists_their_communes_requests_only(client, agent_a, agent_b):
    mine = request_of(agent_a, subject="Réunion sur la facturation électronique")
    theirs = request_of(agent_b, subject="Formation au parapheur")
    client.force_login(agent_a)

    response = client.get(reverse("requests_relay:list"))

    body = text_of(response)
    assert "Mes demandes" in body
    assert mine.reference in body
    assert theirs.reference not in body
    assert "Nouvelle" in body  # the status, as text


# --- scoping ----------------------------------------------------------------------------------


def test_an_agent_gets_404_for_another_communes_request_and_its_attachment(
    client, agent_a, agent_b
):
    other = request_of(agent_b, files=[pdf("budget.pdf")])
    attachment = other.attachments.get()
    client.force_login(agent_a)

    assert client.get(reverse("requests_relay:detail", args=[other.reference])).status_code == 404
    url = reverse("requests_relay:attachment", args=[other.reference, attachment.pk])
    assert client.get(url).status_code == 404
    # Nor through one of their own requests' URL.
    mine = request_of(agent_a)
    url = reverse("requests_relay:attachment", args=[mine.reference, attachment.pk])
    assert client.get(url).status_code == 404
    reply = client.post(
        reverse("requests_relay:message_add", args=[other.reference]), {"message-body": "Coucou"}
    )
    assert reply.status_code == 404
    assert not Message.objects.exists()


def test_a_referent_gets_404_for_a_request_of_another_epci(client, agent_a):
    request = request_of(agent_a)
    other_referent = ReferentFactory(epci=EpciFactory(name="Dinan Agglomération"))
    client.force_login(other_referent)

    assert client.get(reverse("requests_relay:detail", args=[request.reference])).status_code == 404
    resolve = client.post(
        reverse("requests_relay:resolve", args=[request.reference]), {"resolve-body": "Fait."}
    )
    assert resolve.status_code == 404
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert request.reference not in text_of(client.get(reverse("requests_relay:list")))


def test_pages_of_the_other_role_are_refused(client, referent, agent_a):
    request = request_of(agent_a)

    client.force_login(referent)
    assert client.get(reverse("requests_relay:create")).status_code == 403

    client.force_login(agent_a)
    assert client.get(reverse("requests_relay:dossier_list")).status_code == 403
    assert client.get(reverse("requests_relay:relay_list")).status_code == 403
    resolve = client.post(
        reverse("requests_relay:resolve", args=[request.reference]), {"resolve-body": "Réglé"}
    )
    assert resolve.status_code == 404
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_anonymous_visitors_are_sent_to_the_login_page(client, agent_a):
    request = request_of(agent_a)

    response = client.get(reverse("requests_relay:detail", args=[request.reference]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the thread ----------------------------------------------------------------------------


def test_the_referent_replies_and_adds_a_note_with_two_separate_forms(client, referent, agent_a):
    request = request_of(agent_a)
    client.force_login(referent)

    page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))

    reply_url = reverse("requests_relay:message_add", args=[request.reference])
    note_url = reverse("requests_relay:note_add", args=[request.reference])
    assert f'action="{reply_url}"' in page and f'action="{note_url}"' in page
    assert ">Répondre à la commune</button>" in page
    assert ">Ajouter une note interne</button>" in page
    assert "Envoyer</button>" not in page
    assert 'name="message-internal"' not in page  # no checkbox to forget

    # A checkbox posted by an old page does not make a message internal any more.
    client.post(reply_url, {"message-body": "Bonjour, c'est noté.", "message-internal": "on"})
    assert Message.objects.get().internal is False

    empty = client.post(note_url, {"note-body": " "})
    body = text_of(empty)
    assert "La note n'est pas ajoutée." in body
    assert "data-error-summary" in body
    assert Message.objects.count() == 1


def test_internal_notes_and_their_files_never_reach_the_agent(client, referent, agent_a):
    request = request_of(agent_a)
    client.force_login(referent)
    noted = client.post(
        reverse("requests_relay:note_add", args=[request.reference]),
        {
            "note-body": "Le maire a déjà relancé le président deux fois.",
            "note-attachments": [pdf("note-interne.pdf")],
        },
        follow=True,
    )
    assert "Note interne ajoutée : la commune ne la voit pas." in text_of(noted)
    client.post(
        reverse("requests_relay:message_add", args=[request.reference]),
        {"message-body": "Je regarde votre circuit de validation cet après-midi."},
    )
    referent_page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))
    assert "Le maire a déjà relancé le président deux fois." in referent_page
    assert "Note interne" in referent_page
    note_file = Attachment.objects.get(filename="note-interne.pdf")

    client.force_login(agent_a)
    agent_page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))

    assert "Je regarde votre circuit de validation cet après-midi." in agent_page
    assert "Le maire a déjà relancé" not in agent_page
    assert "note-interne.pdf" not in agent_page
    download = reverse("requests_relay:attachment", args=[request.reference, note_file.pk])
    assert client.get(download).status_code == 404
    # The agent hears of the public message only.
    assert OutgoingEmail.objects.filter(kind="requests.message", to=agent_a.email).count() == 1
    # Nor can an agent write a note.
    refused = client.post(
        reverse("requests_relay:note_add", args=[request.reference]), {"note-body": "Test"}
    )
    assert refused.status_code == 404
    assert Message.objects.filter(internal=True).count() == 1


def test_the_agent_answers_a_question_and_the_request_is_back_with_the_referent(
    client, referent, agent_a
):
    request = request_of(agent_a)
    client.force_login(referent)
    response = client.post(
        reverse("requests_relay:ask_information", args=[request.reference]),
        {"ask-body": "Quel est le nom de l'adjoint à ajouter ?"},
        follow=True,
    )
    assert "la demande attend la réponse de la commune" in text_of(response)
    request.refresh_from_db()
    assert request.status == Status.WAITING_COMMUNE

    client.force_login(agent_a)
    page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))
    assert "Le référent a besoin d'informations complémentaires." in page
    assert "Quel est le nom de l'adjoint à ajouter ?" in page

    empty = client.post(
        reverse("requests_relay:message_add", args=[request.reference]), {"message-body": " "}
    )
    assert "Ce champ est obligatoire." in text_of(empty)
    assert 'role="alert" tabindex="-1" data-error-summary' in text_of(empty)

    client.post(
        reverse("requests_relay:message_add", args=[request.reference]),
        {"message-body": "Jean Martin, adjoint aux finances.", "message-attachments": [pdf()]},
    )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert request.messages.last().attachments.get().filename == "devis.pdf"


def test_the_referent_assigns_and_resolves_locally(client, referent, agent_a, epci):
    colleague = ReferentFactory(epci=epci, first_name="Yann", last_name="Morvan")
    request = request_of(agent_a)
    client.force_login(referent)

    client.post(
        reverse("requests_relay:assign", args=[request.reference]),
        {"assign-assignee": colleague.pk},
    )
    request.refresh_from_db()
    assert request.assigned_to == colleague
    assert request.status == Status.IN_PROGRESS

    response = client.post(
        reverse("requests_relay:resolve", args=[request.reference]),
        {"resolve-body": "Ajoutez-le dans Paramètres > Circuits > Étape 2."},
        follow=True,
    )
    assert "la demande est close" in text_of(response)
    request.refresh_from_db()
    assert request.status == Status.RESOLVED

    client.force_login(agent_a)
    page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))
    assert "Ajoutez-le dans Paramètres > Circuits > Étape 2." in page
    assert "Cette demande est close" in page


def test_an_action_refused_by_the_service_shows_why_and_keeps_the_text(client, referent, agent_a):
    request = request_of(agent_a)
    # Someone else closed it meanwhile.
    request_resolve_locally(request=request, by=referent, body="Réglé par téléphone.")
    client.force_login(referent)

    response = client.post(
        reverse("requests_relay:ask_information", args=[request.reference]),
        {"ask-body": "Pouvez-vous préciser le navigateur utilisé ?"},
    )

    body = text_of(response)
    assert f"La demande {request.reference} n'est plus en cours de traitement" in body
    assert "Pouvez-vous préciser le navigateur utilisé ?" in body
    request.refresh_from_db()
    assert request.status == Status.RESOLVED


# --- the referent's inbox -------------------------------------------------------------------


def _aged(request, days):
    Request.objects.filter(pk=request.pk).update(created_at=timezone.now() - timedelta(days=days))
    return request


# At midday: ages are counted in calendar days (Europe/Paris), which a daylight-saving change
# within the last 40 days would otherwise shift by one near midnight.
@freeze_time("2026-11-20 11:00:00")
def test_the_inbox_lists_open_requests_oldest_first_and_filters_them(
    client, referent, agent_a, agent_b, commune_a, commune_b
):
    recent = _aged(request_of(agent_a, subject="Récente", category="usage"), 2)
    old = _aged(request_of(agent_b, subject="Ancienne", category="setup"), 40)
    middle = _aged(request_of(agent_a, subject="Moyenne", category="setup"), 10)
    closed = _aged(request_of(agent_b, subject="Close"), 60)
    request_resolve_locally(request=closed, by=referent, body="Fait.")
    elsewhere = request_of(agent_of(CommuneFactory(name="Dinan")), subject="Ailleurs")
    client.force_login(referent)

    def listed(**params):
        response = client.get(reverse("requests_relay:list"), params)
        assert response.status_code == 200
        return [r.reference for r in response.context["requests"]]

    assert listed() == [old.reference, middle.reference, recent.reference]
    assert elsewhere.reference not in listed(status="all")
    assert listed(status="all") == [
        closed.reference,
        old.reference,
        middle.reference,
        recent.reference,
    ]
    assert listed(status="resolved") == [closed.reference]
    assert listed(commune=commune_a.pk) == [middle.reference, recent.reference]
    assert listed(category="setup") == [old.reference, middle.reference]
    assert listed(age="7") == [old.reference, middle.reference]
    assert listed(age="30") == [old.reference]

    page = text_of(client.get(reverse("requests_relay:list")))
    assert "40 jours" in page
    assert "Demandes des communes" in page


def test_regrouping_nothing_comes_back_to_the_filtered_list_with_an_error(
    client, referent, agent_a, commune_a
):
    request_of(agent_a, category="setup")
    client.force_login(referent)
    filters = f"commune={commune_a.pk}&category=setup&status=all"

    inbox = text_of(client.get(reverse("requests_relay:list") + "?" + filters))
    # The consolidation form carries the filters.
    assert f'<input type="hidden" name="commune" value="{commune_a.pk}">' in inbox
    assert '<input type="hidden" name="category" value="setup">' in inbox

    response = client.get(reverse("requests_relay:dossier_create") + "?" + filters)

    assert response.status_code == 302
    assert response["Location"] == reverse("requests_relay:list") + "?" + filters
    page = text_of(client.get(response["Location"]))
    assert "Aucune demande n'est cochée" in page
    assert 'class="alert alert-danger"' in page
    assert not Dossier.objects.exists()


# --- dossiers and relays ---------------------------------------------------------------------


def test_two_communes_requests_are_consolidated_into_a_dossier_and_relayed(
    client, settings, referent, agent_a, agent_b, module
):
    settings.SYNDICAT_WEBHOOK_URL = "http://127.0.0.1:9/syndicat/webhook"
    settings.SYNDICAT_WEBHOOK_SECRET = "whsec_" + "c2VjcmV0LXBvdXItbGVzLXRlc3Rz"
    first = request_of(agent_a, category="training", training_module=module, subject="Parapheur")
    second = request_of(agent_b, category="training", training_module=module, subject="Formation")
    client.force_login(referent)

    inbox = text_of(client.get(reverse("requests_relay:list")))
    assert "Regrouper en dossier" in inbox
    assert f'value="{first.pk}"' in inbox

    url = reverse("requests_relay:dossier_create") + f"?requests={first.pk}&requests={second.pk}"
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert first.reference in text_of(form_page) and second.reference in text_of(form_page)

    missing = client.post(url, {"requests": [first.pk, second.pk], "title": "Formation"})
    assert "Ce champ est obligatoire." in text_of(missing)
    assert not Dossier.objects.exists()

    response = client.post(
        url,
        {
            "requests": [first.pk, second.pk],
            "title": "Formation au parapheur pour deux communes",
            "summary": "Deux secrétaires de mairie arrivées en 2026 n'ont jamais été formées.",
            "arguments": "Budget primitif à signer avant le 15 avril.",
        },
        follow=True,
    )
    dossier = Dossier.objects.get()
    assert set(dossier.requests.all()) == {first, second}
    assert dossier.training_module == module
    body = text_of(response)
    assert "Formation au parapheur pour deux communes" in body
    assert "Transmettre au syndicat mixte" in body

    # The dossier's page leads to a confirmation page: what is sent, and to whom.
    relay_url = reverse("requests_relay:dossier_relay", args=[dossier.reference])
    assert f'href="{relay_url}"' in body
    confirmation = text_of(client.get(relay_url))
    assert "Transmettre ce dossier au syndicat mixte ?" in confirmation
    assert settings.SYNDICAT_EMAIL in confirmation
    assert agent_a.email in confirmation and agent_b.email in confirmation
    assert "Deux secrétaires de mairie arrivées en 2026" in confirmation
    assert ">Confirmer la transmission</button>" in confirmation
    assert Dossier.objects.get().status == Status.IN_PROGRESS  # nothing sent yet
    assert not OutgoingEmail.objects.filter(kind="requests.relayed").exists()

    response = client.post(relay_url, follow=True)

    body = text_of(response)
    assert "Transmis le" in body
    assert "Transmise au syndicat mixte" in body
    assert "En attente d'envoi" in body  # the relay row, waiting for the worker
    dossier.refresh_from_db()
    assert dossier.status == Status.RELAYED
    assert set(Request.objects.values_list("status", flat=True)) == {Status.RELAYED}
    assert Relay.objects.get().dossier == dossier
    assert OutgoingEmail.objects.filter(kind="requests.relayed").count() == 2

    again = client.post(
        reverse("requests_relay:dossier_relay", args=[dossier.reference]), follow=True
    )
    assert "Ce dossier a déjà été transmis au syndicat mixte." in text_of(again)
    assert Relay.objects.count() == 1
    # Its confirmation page is no longer offered.
    assert client.get(relay_url).status_code == 302

    dossiers = text_of(client.get(reverse("requests_relay:dossier_list")))
    assert dossier.reference in dossiers


def test_requests_of_different_natures_are_not_consolidated(client, referent, agent_a, agent_b):
    first = request_of(agent_a, category="setup")
    second = request_of(agent_b, category="usage")
    client.force_login(referent)
    url = reverse("requests_relay:dossier_create") + f"?requests={first.pk}&requests={second.pk}"

    response = client.post(
        url, {"requests": [first.pk, second.pk], "title": "Mélange", "summary": "Deux sujets."}
    )

    body = text_of(response)
    assert "Un dossier réunit des demandes de même nature." in body
    assert "Deux sujets." in body
    assert not Dossier.objects.exists()


def test_a_single_request_is_relayed_after_a_confirmation_page(client, settings, referent, agent_a):
    request = request_of(agent_a)
    client.force_login(referent)
    relay_url = reverse("requests_relay:relay", args=[request.reference])

    page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))
    assert f'href="{relay_url}"' in page
    confirmation = text_of(client.get(relay_url))
    assert "Transmettre cette demande au syndicat mixte ?" in confirmation
    assert settings.SYNDICAT_EMAIL in confirmation
    assert agent_a.email in confirmation
    assert ">Confirmer la transmission</button>" in confirmation
    assert not Dossier.objects.exists()

    empty = text_of(client.post(relay_url, {"relay-summary": ""}))
    assert "La demande n'est pas transmise." in empty
    assert not Dossier.objects.exists()

    response = client.post(
        relay_url,
        {"relay-summary": "Anomalie du parapheur à corriger par l'éditeur."},
        follow=True,
    )

    dossier = Dossier.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "requests_relay:dossier_detail", args=[dossier.reference]
    )
    request.refresh_from_db()
    assert request.status == Status.RELAYED
    assert request.dossier == dossier
    assert client.get(relay_url).status_code == 302  # nothing left to confirm


def test_a_request_waiting_for_the_commune_is_neither_relayed_nor_regrouped(
    client, referent, agent_a
):
    request = request_of(agent_a)
    client.force_login(referent)
    client.post(
        reverse("requests_relay:ask_information", args=[request.reference]),
        {"ask-body": "Quel navigateur ?"},
    )

    page = text_of(client.get(reverse("requests_relay:detail", args=[request.reference])))
    assert reverse("requests_relay:relay", args=[request.reference]) not in page
    assert "quand la commune aura répondu" in page
    inbox = text_of(client.get(reverse("requests_relay:list")))
    assert f'id="choix-{request.pk}"' not in inbox  # no box to regroup it
    assert client.get(reverse("requests_relay:relay", args=[request.reference])).status_code == 302


def test_a_referent_cannot_open_another_epcis_dossier(client, referent, agent_a):
    dossier = dossier_create(
        requests=[request_of(agent_a)], by=referent, title="Sujet", summary="Synthèse"
    )
    client.force_login(ReferentFactory(epci=EpciFactory(name="Dinan Agglomération")))

    url = reverse("requests_relay:dossier_detail", args=[dossier.reference])
    assert client.get(url).status_code == 404
    relay = client.post(reverse("requests_relay:dossier_relay", args=[dossier.reference]))
    assert relay.status_code == 404
    assert (
        client.get(reverse("requests_relay:dossier_relay", args=[dossier.reference])).status_code
        == 404
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROGRESS


def test_a_failed_relay_is_shown_and_retried(
    client, referent, agent_a, django_capture_on_commit_callbacks
):
    dossier = dossier_create(
        requests=[request_of(agent_a)], by=referent, title="Adhésion GED", summary="Synthèse"
    )
    relay = Relay.objects.create(
        dossier=dossier,
        event="dossier.relayed",
        webhook_id="msg_test_failed",
        endpoint="http://127.0.0.1:9/syndicat/webhook",
        payload={"type": "dossier.relayed"},
        state=Relay.State.FAILED,
        attempts=3,
        last_status_code=422,
        last_error="HTTP 422",
    )
    client.force_login(referent)

    inbox = text_of(client.get(reverse("requests_relay:list")))
    assert "1 transmission au syndicat mixte n'a pas abouti." in inbox

    failing = text_of(client.get(reverse("requests_relay:relay_list")))
    assert dossier.reference in failing
    assert "HTTP 422" in failing
    assert "Échec" in failing
    assert "Relancer" in failing

    page = text_of(client.get(reverse("requests_relay:dossier_detail", args=[dossier.reference])))
    assert "HTTP 422" in page
    assert "Relancer" in page

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("requests_relay:relay_retry", args=[relay.pk]), {"next": "relays"}, follow=True
        )

    assert len(callbacks) == 1  # the delivery task is enqueued once the retry is committed
    relay.refresh_from_db()
    assert relay.state == Relay.State.QUEUED
    assert f"Nouvel envoi du dossier {dossier.reference} programmé." in text_of(response)
    assert response.redirect_chain[-1][0] == reverse("requests_relay:relay_list")

    again = client.post(reverse("requests_relay:relay_retry", args=[relay.pk]), follow=True)
    assert "Seul un relais en échec peut être relancé." in text_of(again)


def test_a_referent_cannot_retry_another_epcis_relay(client, referent, agent_a):
    dossier = dossier_create(
        requests=[request_of(agent_a)], by=referent, title="Sujet", summary="Synthèse"
    )
    relay = Relay.objects.create(
        dossier=dossier,
        event="dossier.relayed",
        webhook_id="msg_test_other",
        endpoint="http://127.0.0.1:9/",
        payload={},
        state=Relay.State.FAILED,
    )
    client.force_login(ReferentFactory(epci=EpciFactory(name="Dinan Agglomération")))

    assert client.post(reverse("requests_relay:relay_retry", args=[relay.pk])).status_code == 404
    assert dossier.reference not in text_of(client.get(reverse("requests_relay:relay_list")))
    relay.refresh_from_db()
    assert relay.state == Relay.State.FAILED


def test_a_membership_request_becomes_an_adoption_change_from_its_page(client, agent_a, referent):
    from communes.models import Adoption

    archiving = Service.objects.get(code="archivage")
    request = request_of(agent_a, category="membership", service=archiving)
    client.force_login(referent)
    page = client.get(reverse("requests_relay:detail", args=[request.reference]))
    assert "Mettre à jour l'adhésion" in html.unescape(page.content.decode())
    response = client.post(
        reverse("communes:adoption_from_request", args=[request.reference]),
        {"adoption-status": "interested", "adoption-reason": "La commune confirme son intérêt."},
    )
    assert response.status_code == 302
    adoption = Adoption.objects.get(commune=request.commune, service=archiving)
    assert adoption.status == Adoption.Status.INTERESTED
    # the agent's request is unchanged, its thread says what happened
    request.refresh_from_db()
    assert request.status == Status.NEW
    client.force_login(agent_a)
    page = client.get(reverse("requests_relay:detail", args=[request.reference])).content
    assert "Mettre à jour" not in page.decode()
