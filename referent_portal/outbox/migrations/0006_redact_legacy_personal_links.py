"""Messages written before personal links were made at send time (0005) still hold them in
their bodies and in their .ics attachments: a login, reset, RSVP or survey link is replaced by
the redaction text. A resend of such a message then carries no usable link."""

import re

from django.db import migrations

# The paths of the portal's personal links, whatever host SITE_URL named.
LINK = re.compile(
    r"https?://[^\s\"'<>]*"
    r"(?:/accounts/lien/connexion/\?|/accounts/mot-de-passe/nouveau/|/reunions/invitation/"
    r"|/formations/questionnaire/)"
    r"[^\s\"'<>]*"
)
REDACTED = "[lien personnel, créé à l'envoi pour le destinataire seul]"


def redact(text: str) -> str:
    return LINK.sub(REDACTED, text)


def redact_legacy_links(apps, schema_editor):
    OutgoingEmail = apps.get_model("outbox", "OutgoingEmail")
    OutgoingAttachment = apps.get_model("outbox", "OutgoingAttachment")
    legacy = OutgoingEmail.objects.filter(secret_ref="")
    for email in legacy.only("pk", "body_text", "body_html").iterator():
        text, html = redact(email.body_text), redact(email.body_html)
        if (text, html) != (email.body_text, email.body_html):
            OutgoingEmail.objects.filter(pk=email.pk).update(body_text=text, body_html=html)
    calendars = OutgoingAttachment.objects.filter(email__secret_ref="", mimetype="text/calendar")
    for attachment in calendars.only("pk", "content").iterator():
        content = bytes(attachment.content).decode("utf-8", errors="replace")
        # iCalendar folds long lines (RFC 5545): unfold before matching, the result stays valid.
        unfolded = content.replace("\r\n ", "")
        if LINK.search(unfolded):
            OutgoingAttachment.objects.filter(pk=attachment.pk).update(
                content=redact(unfolded).encode()
            )


class Migration(migrations.Migration):
    dependencies = [("outbox", "0005_outgoingemail_secret_ref")]

    operations = [
        migrations.RunPython(redact_legacy_links, migrations.RunPython.noop, elidable=True),
    ]
