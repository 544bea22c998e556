"""The daily purge of orphan files: what a process killed between writing a file and rolling
back left behind. Only the portal's upload folders, only files no row references, only once
older than the grace period (an upload in progress is recent)."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from meetings.campaigns.services import campaign_save
from referent_portal.outbox.models import OutgoingAttachment
from referent_portal.outbox.services import Attachment as MailAttachment
from tests.factories import request_of
from tests.outbox.utils import queue_example
from tests.uploads import samples
from tests.uploads.conftest import stored_files

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def aged(name: str, *, seconds: float) -> str:
    path = os.path.join(settings.MEDIA_ROOT, name)
    then = time.time() - seconds
    os.utime(path, (then, then))
    return name


def orphan(name: str, *, seconds: float) -> str:
    return aged(default_storage.save(name, ContentFile(b"%PDF-1.4 orphan")), seconds=seconds)


def test_the_purge_removes_old_orphans_and_keeps_referenced_files_and_fresh_orphans(
    referent, agent, commune, media_root
):
    request = request_of(agent, commune, files=[samples.real("pdf")])
    referenced = aged(request.attachments.get().file.name, seconds=30 * DAY)
    campaign = campaign_save(
        by=referent,
        subject="Parapheur",
        body="La nouvelle version.",
        communes=[commune],
        new_documents=[samples.real("pdf", "guide.pdf")],
    )
    shared = aged(campaign.documents.get().file.name, seconds=30 * DAY)
    queue_example(attachments=[MailAttachment("guide.pdf", storage_name=shared)])
    campaign.documents.all().delete()  # only the outbox still names the campaign's file
    old_orphans = [
        orphan("requests/4b1d0c9e5f6a4b7c8d9e0f1a2b3c4d5e", seconds=2 * DAY),
        orphan("meetings/2026/05/ordre-du-jour.pdf", seconds=40 * DAY),  # the old layout
    ]
    fresh_orphan = orphan("requests/0a1b2c3d4e5f60718293a4b5c6d7e8f9", seconds=3600)
    not_ours = orphan("exports/rapport-annuel.pdf", seconds=400 * DAY)

    call_command("purge_orphan_uploads", verbosity=0)

    assert stored_files(media_root) == sorted([referenced, shared, fresh_orphan, not_ours])
    assert OutgoingAttachment.objects.get().file.name == shared
    assert not any(default_storage.exists(name) for name in old_orphans)


def test_a_dry_run_lists_the_orphans_and_deletes_nothing(media_root, capsys):
    name = orphan("campaigns/9f8e7d6c5b4a39281706f5e4d3c2b1a0", seconds=3 * DAY)

    call_command("purge_orphan_uploads", "--dry-run")

    assert name in capsys.readouterr().out
    assert stored_files(media_root) == [name]


def test_the_grace_period_is_a_setting(settings, media_root):
    settings.UPLOAD_ORPHAN_GRACE = timedelta(minutes=10)
    name = orphan("requests/00112233445566778899aabbccddeeff", seconds=3600)

    call_command("purge_orphan_uploads", verbosity=0)

    assert stored_files(media_root) == []
    assert not default_storage.exists(name)


def test_the_purge_runs_daily_in_beat(media_root):
    from referent_portal.uploads.tasks import purge_orphan_uploads

    orphan("outbox/1234567890abcdef1234567890abcdef", seconds=2 * DAY)
    (entry,) = (
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == purge_orphan_uploads.name
    )

    assert entry["schedule"] == timedelta(days=1)
    assert purge_orphan_uploads.apply().get() == 1
    assert stored_files(media_root) == []
