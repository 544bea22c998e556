"""Attachments shared by many messages: one file in the storage, a name in each message's row.

A campaign of 3,000 recipients with a 2 MB PDF must not put 6 GB in the database: every
message points at the one stored file and reads it when it is sent.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

from referent_portal.outbox.models import OutgoingAttachment, OutgoingEmail
from referent_portal.outbox.services import Attachment, email_deliver, email_resend
from tests.factories import SyndicatFactory
from tests.fixtures_delivery import wait_until
from tests.outbox.utils import queue_example

Status = OutgoingEmail.Status
PDF = b"%PDF-1.4\n" + b"0123456789abcdef" * 4096 + b"\n%%EOF\n"  # 64 KiB


@pytest.fixture
def stored_pdf():
    name = default_storage.save("campaigns/tests/guide.pdf", ContentFile(PDF))
    yield name
    default_storage.delete(name)


def shared(name):
    return [Attachment("guide-parapheur.pdf", mimetype="application/pdf", storage_name=name)]


def table_bytes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(LENGTH(content)), 0) FROM outbox_outgoingattachment")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_many_messages_share_one_stored_file_and_the_database_keeps_only_its_name(stored_pdf):
    for n in range(20):
        queue_example(to=f"mairie{n}@example.org", attachments=shared(stored_pdf))

    rows = OutgoingAttachment.objects.annotate(size=Length("content"))
    assert rows.count() == 20
    assert {(row.file.name, row.size) for row in rows} == {(stored_pdf, 0)}
    assert table_bytes() == 0


@pytest.mark.django_db
def test_a_message_with_a_shared_file_is_sent_with_the_files_bytes(smtp_server, stored_pdf):
    email = queue_example(attachments=shared(stored_pdf))

    assert email_deliver(email_id=email.pk) is None

    [received] = smtp_server.expect_exactly(1)
    [attachment] = received.attachments
    assert attachment.get_filename() == "guide-parapheur.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    assert OutgoingEmail.objects.get(pk=email.pk).status == Status.SENT


@pytest.mark.django_db
def test_own_bytes_and_a_shared_file_go_together_in_one_message(smtp_server, stored_pdf):
    attachments = [Attachment("reunion.ics", "BEGIN:VCALENDAR\r\n"), *shared(stored_pdf)]
    email = queue_example(attachments=attachments)

    email_deliver(email_id=email.pk)

    [received] = smtp_server.expect_exactly(1)
    assert [a.get_filename() for a in received.attachments] == [
        "reunion.ics",
        "guide-parapheur.pdf",
    ]


@pytest.mark.django_db
def test_a_shared_file_missing_at_send_time_is_a_temporary_failure_and_nothing_is_lost(
    smtp_server,
):
    email = queue_example(attachments=shared("campaigns/tests/not-there.pdf"))

    delay = email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert delay is not None
    assert email.status == Status.RETRY
    assert "FileNotFoundError" in email.last_error
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_resending_a_sent_message_copies_the_files_name_not_its_bytes(stored_pdf):
    email = queue_example(attachments=shared(stored_pdf))
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.SENT, sent_at=timezone.now())

    copy = email_resend(email_id=email.pk)

    assert copy.pk != email.pk
    assert [(a.file.name, bytes(a.content)) for a in copy.attachments.all()] == [(stored_pdf, b"")]


def test_an_attachment_has_bytes_or_a_stored_file_not_both():
    with pytest.raises(ValueError):
        Attachment("guide.pdf", b"%PDF", storage_name="campaigns/guide.pdf")


@pytest.mark.django_db
def test_the_officer_downloads_a_shared_file_from_the_message_and_sees_its_size(client, stored_pdf):
    officer = SyndicatFactory()
    officer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="outbox", codename="view_outgoingemail")
    )
    client.force_login(officer)
    email = queue_example(kind="campaigns.message", attachments=shared(stored_pdf))
    attachment = email.attachments.get()

    page = client.get(reverse("admin:outbox_outgoingemail_change", args=[email.pk]))
    assert "64,0" in page.text or "64.0" in page.text  # « 64,0 Kio » in French

    download = client.get(
        reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, attachment.pk])
    )
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Disposition"] == 'attachment; filename="guide-parapheur.pdf"'

    default_storage.delete(stored_pdf)
    gone = client.get(
        reverse("admin:outbox_outgoingemail_attachment", args=[email.pk, attachment.pk])
    )
    assert gone.status_code == 404


def test_a_shared_file_reaches_the_smtp_server_through_the_worker(
    celery_worker, smtp_server, stored_pdf
):
    with transaction.atomic():
        emails = [
            queue_example(to=f"mairie{n}@example.org", attachments=shared(stored_pdf))
            for n in range(3)
        ]

    received = smtp_server.expect_exactly(3)
    assert all(message.attachments[0].get_content() == PDF for message in received)
    wait_until(
        lambda: (
            OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails], status="sent").count() == 3
        )
    )
