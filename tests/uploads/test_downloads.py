"""Every download of an uploaded file is typed from the list, never from what the uploader's
browser declared, and can never render in the portal's origin: an attachment, not to be
sniffed, sandboxed, kept out of shared caches. Who may fetch each file is checked by its view.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from meetings.campaigns.services import campaign_save
from meetings.invitations.tokens import invitation_signature
from meetings.models import MeetingDocument
from referent_portal.outbox.models import OutgoingAttachment
from referent_portal.outbox.services import Attachment as MailAttachment
from requests_relay.models import Attachment
from requests_relay.services import request_relay
from tests.factories import (
    CommuneFactory,
    EpciFactory,
    ReferentFactory,
    SyndicatFactory,
    request_of,
)
from tests.meetings.factories import InvitationFactory, MeetingFactory
from tests.outbox.utils import queue_example
from tests.uploads import samples

pytestmark = pytest.mark.django_db

SAFE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}


def assert_safe_download(response, *, content_type: str, filename: str, content: bytes):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    for header, value in SAFE.items():
        assert response[header] == value, header
    # "private, no-store"; the admin site's never_cache adds its own no-cache, must-revalidate.
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    assert body == content


def officer(*apps):
    user = SyndicatFactory()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    return user


def test_a_png_its_browser_declared_text_html_is_served_as_image_png(client, agent, commune):
    client.force_login(agent)
    content = samples.png()
    client.post(
        reverse("requests_relay:create"),
        {
            "commune": commune.pk,
            "category": "usage",
            "subject": "Erreur à la signature",
            "description": "Capture jointe.",
            "urgency": "normal",
            "attachments": [samples.upload("capture.png", content, "text/html")],
        },
    )
    attachment = Attachment.objects.get()

    response = client.get(
        reverse("requests_relay:attachment", args=[attachment.request.reference, attachment.pk])
    )

    assert_safe_download(
        response, content_type="image/png", filename="capture.png", content=content
    )


# --- every download view, with an XML file (the one that rendered as a page) ---------------


def flux():
    return samples.real("xml", "flux-pes.xml", content_type="text/html")


def stored_request(agent, commune):
    request = request_of(agent, commune, files=[flux()])
    return request, request.attachments.get()


def stored_meeting_document(referent):
    meeting = MeetingFactory(created_by=referent)
    return meeting, MeetingDocument.objects.create(
        meeting=meeting, title="Flux", file=flux(), uploaded_by=referent
    )


def stored_campaign_document(referent, commune):
    campaign = campaign_save(
        by=referent,
        subject="Flux PES",
        body="Le format du flux change.",
        communes=[commune],
        new_documents=[flux()],
    )
    return campaign, campaign.documents.get()


def request_attachment(referent, agent, commune):
    request, attachment = stored_request(agent, commune)
    return agent, reverse("requests_relay:attachment", args=[request.reference, attachment.pk])


def request_attachment_in_the_admin(referent, agent, commune):
    """The syndicat mixte reads the requests relayed to it."""
    request, attachment = stored_request(agent, commune)
    request_relay(request=request, by=referent, summary="Le flux PES est refusé.")
    url = reverse("admin:requests_relay_attachment_download", args=[request.pk, attachment.pk])
    return officer("requests_relay"), url


def meeting_document(referent, agent, commune):
    meeting, document = stored_meeting_document(referent)
    return referent, reverse("meetings:document", args=[meeting.pk, document.pk])


def meeting_document_through_the_invitation(referent, agent, commune):
    meeting, document = stored_meeting_document(referent)
    signed = invitation_signature(InvitationFactory(meeting=meeting, commune=commune))
    return None, reverse("meetings:rsvp_document", args=[signed, document.pk])


def meeting_document_in_the_admin(referent, agent, commune):
    meeting, document = stored_meeting_document(referent)
    url = reverse("admin:meetings_meeting_document", args=[meeting.pk, document.pk])
    return officer("meetings"), url


def campaign_document(referent, agent, commune):
    campaign, document = stored_campaign_document(referent, commune)
    return referent, reverse("campaigns:document", args=[campaign.pk, document.pk])


def campaign_document_in_the_admin(referent, agent, commune):
    campaign, document = stored_campaign_document(referent, commune)
    url = reverse("admin:meetings_campaign_document", args=[campaign.pk, document.pk])
    return officer("meetings"), url


def outbox_shared_file_in_the_admin(referent, agent, commune):
    """The campaign's document as every e-mail of the campaign names it."""
    _campaign, document = stored_campaign_document(referent, commune)
    email = queue_example(
        kind="campaigns.message",  # a kind whose content the syndicat mixte may read
        attachments=[
            MailAttachment(
                "flux-pes.xml", mimetype="application/xml", storage_name=document.file.name
            )
        ],
    )
    shared = OutgoingAttachment.objects.get(email=email)
    url = reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, shared.pk])
    return officer("outbox"), url


DOWNLOADS = {
    "request-attachment": request_attachment,
    "request-attachment-admin": request_attachment_in_the_admin,
    "meeting-document": meeting_document,
    "meeting-document-rsvp": meeting_document_through_the_invitation,
    "meeting-document-admin": meeting_document_in_the_admin,
    "campaign-document": campaign_document,
    "campaign-document-admin": campaign_document_in_the_admin,
    "outbox-shared-file-admin": outbox_shared_file_in_the_admin,
}


@pytest.mark.parametrize("download", DOWNLOADS)
def test_every_download_is_a_sandboxed_attachment_typed_from_the_list(
    client, referent, agent, commune, download
):
    user, url = DOWNLOADS[download](referent, agent, commune)
    if user is not None:
        client.force_login(user)

    response = client.get(url)

    assert_safe_download(
        response, content_type="application/xml", filename="flux-pes.xml", content=samples.xml()
    )


# --- who may fetch a meeting's or a campaign's document -------------------------------------


@pytest.fixture
def other_epci_meeting_document():
    """A meeting document of another EPCI."""
    other = ReferentFactory(epci=EpciFactory(name="Dinan Agglomération"))
    meeting = MeetingFactory(created_by=other)
    return meeting, MeetingDocument.objects.create(
        meeting=meeting, title="Ordre du jour", file=samples.real("pdf", "odj.pdf")
    )


def test_an_anonymous_visitor_is_sent_to_the_login_page_for_a_meeting_document(
    client, other_epci_meeting_document
):
    meeting, document = other_epci_meeting_document

    response = client.get(reverse("meetings:document", args=[meeting.pk, document.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_another_epcis_referent_gets_404_for_its_meeting_and_campaign_documents(
    client, referent, other_epci_meeting_document
):
    meeting, document = other_epci_meeting_document
    campaign, campaign_doc = stored_campaign_document(
        meeting.created_by, CommuneFactory(epci=meeting.epci)
    )
    client.force_login(referent)

    assert (
        client.get(reverse("meetings:document", args=[meeting.pk, document.pk])).status_code == 404
    )
    url = reverse("campaigns:document", args=[campaign.pk, campaign_doc.pk])
    assert client.get(url).status_code == 404


def test_an_agent_reads_meeting_documents_through_their_invitation_only(
    client, agent, commune, other_epci_meeting_document
):
    meeting, document = other_epci_meeting_document
    own = InvitationFactory(meeting=MeetingFactory(created_by=ReferentFactory(epci=commune.epci)))
    client.force_login(agent)

    assert (
        client.get(reverse("meetings:document", args=[meeting.pk, document.pk])).status_code == 403
    )
    signed = invitation_signature(own)
    assert (
        client.get(reverse("meetings:rsvp_document", args=[signed, document.pk])).status_code == 404
    )


def test_no_url_under_media_serves_a_stored_file(client, referent, other_epci_meeting_document):
    _meeting, document = other_epci_meeting_document
    client.force_login(referent)

    assert client.get(f"/media/{document.file.name}").status_code == 404
    assert client.get("/media/").status_code == 404


def test_a_file_gone_from_the_storage_is_a_404_with_a_message(client, agent, commune):
    request = request_of(agent, commune, files=[samples.real("pdf")])
    attachment = request.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(agent)

    response = client.get(
        reverse("requests_relay:attachment", args=[request.reference, attachment.pk])
    )

    assert response.status_code == 404


def test_an_attachment_stored_before_keeps_its_name_and_is_served(client, agent, commune):
    """Rows of before the unguessable names keep theirs; no file is moved."""
    request = request_of(agent, commune)
    legacy = default_storage.save(
        f"requests/{commune.insee_code}/0f3c2a/devis signé.pdf", ContentFile(samples.pdf())
    )
    stored = Attachment.objects.create(
        request=request, file=legacy, filename="devis signé.pdf", size=8, content_type="text/html"
    )
    client.force_login(agent)

    response = client.get(reverse("requests_relay:attachment", args=[request.reference, stored.pk]))

    response.close()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert stored.file.name == legacy
