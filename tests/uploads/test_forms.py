"""Every form that takes a file checks its content, not only its name: a program renamed .pdf
and a web page renamed .png are refused with a message saying so, what was typed stays, and
nothing is saved; real files of every accepted format go through."""

import html

import pytest
from django.urls import reverse

from meetings.models import Campaign, MeetingDocument
from requests_relay.models import Attachment, Message, Request
from tests.factories import request_of
from tests.meetings.factories import MeetingFactory
from tests.uploads import samples
from tests.uploads.conftest import stored_files

pytestmark = pytest.mark.django_db

DISGUISED = {
    "exe-renamed-pdf": (samples.exe_as_pdf, "« facture.pdf » n'est pas un fichier PDF"),
    "html-renamed-png": (samples.html_as_png, "« capture-ecran.png » n'est pas un fichier PNG"),
}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def post_request_form(client, agent, commune, upload):
    client.force_login(agent)
    response = client.post(
        reverse("requests_relay:create"),
        {
            "commune": commune.pk,
            "category": "setup",
            "subject": "Certificat du parapheur expiré",
            "description": "La secrétaire ne peut plus signer depuis lundi.",
            "urgency": "high",
            "attachments": [upload],
        },
    )
    typed = ['value="Certificat du parapheur expiré"', "La secrétaire ne peut plus signer"]
    return response, typed, lambda: Request.objects.exists() or Attachment.objects.exists()


def post_message_form(client, agent, commune, upload):
    request = request_of(agent, commune)
    client.force_login(agent)
    response = client.post(
        reverse("requests_relay:message_add", args=[request.reference]),
        {"message-body": "Voici la capture de l'erreur affichée.", "message-attachments": [upload]},
    )
    return response, ["Voici la capture de l'erreur affichée."], Message.objects.exists


def post_meeting_document_form(client, referent, upload):
    meeting = MeetingFactory(created_by=referent)
    client.force_login(referent)
    response = client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Support de présentation", "file": upload},
    )
    return response, ['value="Support de présentation"'], MeetingDocument.objects.exists


def post_campaign_form(client, referent, commune, upload):
    client.force_login(referent)
    response = client.post(
        reverse("campaigns:create"),
        {
            "subject": "Archivage électronique : le nouveau service",
            "body": "Le texte que j'ai mis une heure à écrire.",
            "communes": [commune.pk],
            "documents": [upload],
        },
    )
    typed = ['value="Archivage électronique : le nouveau service"', "mis une heure à écrire"]
    return response, typed, Campaign.objects.exists


FORMS = {
    "request": lambda c, s: post_request_form(c, s["agent"], s["commune"], s["upload"]),
    "message": lambda c, s: post_message_form(c, s["agent"], s["commune"], s["upload"]),
    "meeting-document": lambda c, s: post_meeting_document_form(c, s["referent"], s["upload"]),
    "campaign": lambda c, s: post_campaign_form(c, s["referent"], s["commune"], s["upload"]),
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("disguised", DISGUISED)
def test_a_disguised_file_is_refused_with_a_clear_message_and_the_typed_text_is_kept(
    client, agent, referent, commune, media_root, form, disguised
):
    make, message = DISGUISED[disguised]
    setting = {"agent": agent, "referent": referent, "commune": commune, "upload": make()}
    before = stored_files(media_root)

    response, typed, saved = FORMS[form](client, setting)

    assert response.status_code in (200, 400)
    body = text_of(response)
    assert message in body
    assert "son contenu ne correspond pas à son extension" in body
    for text in typed:
        assert text in body
    assert not saved()
    assert stored_files(media_root) == before


@pytest.mark.parametrize("extension", ["pdf", "png", "docx", "odt", "csv", "xml"])
def test_real_files_are_accepted_by_the_request_form(client, agent, commune, media_root, extension):
    content = samples.REAL[extension]()
    upload = samples.upload(f"piece-jointe.{extension}", content, samples.CONTENT_TYPES[extension])

    response, _typed, _saved = post_request_form(client, agent, commune, upload)

    assert response.status_code == 302, text_of(response)[:2000]
    attachment = Attachment.objects.get()
    assert attachment.filename == f"piece-jointe.{extension}"
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize("extension", ["pdf", "docx", "odt", "xlsx"])
def test_real_documents_are_accepted_by_the_meeting_and_campaign_forms(
    client, referent, commune, extension
):
    post_meeting_document_form(client, referent, samples.real(extension))
    response, _typed, _saved = post_campaign_form(
        client, referent, commune, samples.real(extension)
    )

    assert MeetingDocument.objects.get().filename == f"document.{extension}"
    assert response.status_code == 302
    assert Campaign.objects.get().documents.get().title == f"document.{extension}"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deliberation.docx", samples.docx(samples.WORD_MACRO_MAIN), "contient des macros"),
        ("flux.xml", samples.xml_bomb(), "qui déclare un DOCTYPE ou des entités"),
        ("flux.xml", samples.xml_external(), "qui déclare un DOCTYPE ou des entités"),
        ("logo.xml", samples.svg(), "page web (XHTML) ou une image SVG"),
        ("notes.txt", samples.html(), "contient une page web ou du balisage"),
        ("export.csv", samples.exe(), "contient des caractères binaires"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 60, "archive endommagée ou illisible"),
        ("rapport.docx", samples.docx_damaged(), "archive endommagée ou illisible"),
    ],
    ids=[
        "macros",
        "xml-entities",
        "xml-external-entity",
        "svg",
        "html-txt",
        "binary-csv",
        "zip",
        "damaged-docx",
    ],
)
def test_what_the_list_refuses_is_explained(client, agent, commune, name, content, message):
    response, _typed, saved = post_request_form(
        client, agent, commune, samples.upload(name, content, "application/octet-stream")
    )

    assert response.status_code == 200
    assert message in text_of(response)
    assert not saved()
