"""Messages stored before personal links were made at send time lose their links (outbox
0006): nobody reads them in the admin site, and a resend carries none."""

from importlib import import_module

import pytest
from django.apps import apps

from referent_portal.outbox.models import OutgoingAttachment, OutgoingEmail

pytestmark = pytest.mark.django_db

MIGRATION = import_module("referent_portal.outbox.migrations.0006_redact_legacy_personal_links")
SITE = "https://portail.example.org"
LINKS = [
    f"{SITE}/accounts/lien/connexion/?jeton=AAAAAbcdef",
    f"{SITE}/accounts/mot-de-passe/nouveau/MQ/cz4k-abc123/",
    f"{SITE}/reunions/invitation/1:1tXy:abc/accepter/",
    f"{SITE}/formations/questionnaire/eyJhbGciOi:1tXy:abc/",
]
KEPT = f"{SITE}/demandes/DEM-2026-00042/"


def legacy(kind, body, **fields):
    return OutgoingEmail.objects.create(
        kind=kind,
        to="maire@mairie.example.org",
        from_email="portail@example.org",
        subject="Objet",
        body_text=body,
        body_html=f'<a href="{body}">lien</a>',
        **fields,
    )


def test_old_messages_lose_their_personal_links_and_keep_the_others():
    emails = [legacy("accounts.magic_link", f"Connectez-vous : {link} .") for link in LINKS]
    other = legacy("requests.new_for_referent", f"La demande : {KEPT}")
    ics = "BEGIN:VCALENDAR\r\nDESCRIPTION:Accepter : " + LINKS[2][:40] + "\r\n " + LINKS[2][40:]
    attachment = OutgoingAttachment.objects.create(
        email=emails[2], filename="reunion.ics", mimetype="text/calendar", content=ics.encode()
    )

    MIGRATION.redact_legacy_links(apps, None)

    for email, link in zip(emails, LINKS, strict=True):
        email.refresh_from_db()
        assert link not in email.body_text and link not in email.body_html
        assert "[lien personnel, créé à l'envoi pour le destinataire seul]" in email.body_text
    other.refresh_from_db()
    assert KEPT in other.body_text
    attachment.refresh_from_db()
    calendar = bytes(attachment.content).decode()
    assert "/reunions/invitation/" not in calendar and "BEGIN:VCALENDAR" in calendar
