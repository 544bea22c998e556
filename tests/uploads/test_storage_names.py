"""Stored names say nothing and cannot be guessed: <kind>/<uuid4 hex>, no original name, no
date, no sequential id. The original name is kept on the row, for display and downloads."""

import re

import pytest
from django.urls import reverse

from meetings.campaigns.services import campaign_save
from requests_relay.services import request_message_add
from tests.factories import request_of
from tests.meetings.factories import MeetingFactory
from tests.uploads import samples
from tests.uploads.conftest import stored_files

pytestmark = pytest.mark.django_db

UNGUESSABLE = re.compile(r"(requests|meetings|campaigns)/[0-9a-f]{32}")


def test_every_stored_file_has_an_unguessable_name_and_keeps_its_original_one(
    client, referent, agent, commune, media_root
):
    request = request_of(
        agent, commune, files=[samples.real("pdf", "Délibération n°12 Dupont.pdf")]
    )
    request_message_add(
        request=request, author=agent, body="La capture.", files=[samples.real("png", "écran.png")]
    )
    meeting = MeetingFactory(created_by=referent)
    client.force_login(referent)
    client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Ordre du jour", "file": samples.real("odt", "odj.odt")},
    )
    campaign = campaign_save(
        by=referent,
        subject="Parapheur",
        body="La nouvelle version.",
        communes=[commune],
        new_documents=[samples.real("docx", "guide-parapheur.docx")],
    )

    stored = [
        *(a.file.name for a in request.attachments.all()),
        meeting.documents.get().file.name,
        campaign.documents.get().file.name,
    ]
    for name in stored:
        assert UNGUESSABLE.fullmatch(name), name
    assert sorted(stored) == stored_files(media_root)
    assert len(set(stored)) == 4
    assert sorted(a.filename for a in request.attachments.all()) == [
        "Délibération n°12 Dupont.pdf",
        "écran.png",
    ]
    assert meeting.documents.get().filename == "odj.odt"
    assert campaign.documents.get().title == "guide-parapheur.docx"

    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "odj.odt" in page
    assert meeting.documents.get().file.name not in page


def test_a_long_name_is_shortened_without_losing_its_extension(referent, commune):
    """A campaign document's title is its file name, the name of the e-mails' attachment."""
    long_name = "compte-rendu de la commission " * 8 + ".pdf"
    campaign = campaign_save(
        by=referent,
        subject="Parapheur",
        body="La nouvelle version.",
        communes=[commune],
        new_documents=[samples.real("pdf", long_name)],
    )

    title = campaign.documents.get().title
    assert len(title) <= 200
    assert title.endswith(".pdf")
    assert title.startswith("compte-rendu de la commission")
