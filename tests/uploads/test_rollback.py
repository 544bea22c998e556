"""No file outlives the transaction that stored it.

A FileField writes its file before its row's INSERT: when the transaction then fails — the
database connection terminated after the file was written, a constraint checked only at
COMMIT — the rows are gone and so must the files be. On real transactions (transactional_db):
the COMMIT is PostgreSQL's, not a test's savepoint.
"""

import psycopg2
import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import post_save
from django.urls import reverse

from meetings.models import Campaign, MeetingDocument
from requests_relay.models import Attachment, Message, Request
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of
from tests.meetings.factories import MeetingFactory
from tests.uploads import samples
from tests.uploads.conftest import stored_files

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def territory(transactional_db):
    epci = EpciFactory(name="CA Lamballe Terre et Mer")
    commune = CommuneFactory(epci=epci, name="Hénon")
    return {
        "referent": ReferentFactory(epci=epci),
        "agent": agent_of(commune),
        "commune": commune,
    }


def second_connection():
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
    )


@pytest.fixture
def refused_at_commit():
    """`refuse(table)`: a deferred constraint on `table` that fails every COMMIT inserting a
    row there — the failure comes after every statement of the service has succeeded."""
    tables = []

    def refuse(table: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_refuse_commit() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'refused at commit by the test'; END $$"
            )
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_commit()"
            )
        tables.append(table)

    yield refuse
    with second_connection() as admin, admin.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS test_refuse_commit ON {table}")
        cursor.execute("DROP FUNCTION IF EXISTS test_refuse_commit()")
    admin.close()


def submit_request(client, territory):
    client.force_login(territory["agent"])
    return client.post(
        reverse("requests_relay:create"),
        {
            "commune": territory["commune"].pk,
            "category": "setup",
            "subject": "Certificat expiré",
            "description": "Plus de signature depuis lundi.",
            "urgency": "normal",
            "attachments": [samples.real("pdf", "devis.pdf"), samples.real("png", "ecran.png")],
        },
    )


def add_message(client, territory):
    from requests_relay.services import request_submit

    request = request_submit(
        user=territory["agent"],
        commune=territory["commune"],
        category="usage",
        subject="Question",
        description="Sans pièce jointe.",
    )
    client.force_login(territory["agent"])
    return client.post(
        reverse("requests_relay:message_add", args=[request.reference]),
        {"message-body": "Les captures.", "message-attachments": [samples.real("png")]},
    )


def add_meeting_document(client, territory):
    meeting = MeetingFactory(created_by=territory["referent"])
    client.force_login(territory["referent"])
    return client.post(
        reverse("meetings:document_add", args=[meeting.pk]),
        {"title": "Ordre du jour", "file": samples.real("pdf", "odj.pdf")},
    )


def save_campaign(client, territory):
    client.force_login(territory["referent"])
    return client.post(
        reverse("campaigns:create"),
        {
            "subject": "Parapheur",
            "body": "La nouvelle version.",
            "communes": [territory["commune"].pk],
            "documents": [samples.real("pdf", "guide.pdf"), samples.real("docx", "notice.docx")],
        },
    )


STORING = {
    "request-submission": (submit_request, "requests_relay_attachment", Request),
    "request-message": (add_message, "requests_relay_attachment", Message),
    "meeting-document": (add_meeting_document, "meetings_meetingdocument", MeetingDocument),
    "campaign-documents": (save_campaign, "meetings_campaigndocument", Campaign),
}


@pytest.mark.parametrize("storing", STORING)
def test_a_commit_that_fails_leaves_no_file(
    client, territory, refused_at_commit, media_root, storing
):
    post, table, model = STORING[storing]
    refused_at_commit(table)

    with pytest.raises(DatabaseError, match="refused at commit by the test"):
        post(client, territory)

    assert not model.objects.exists()
    assert stored_files(media_root) == []


def test_a_submission_whose_connection_is_terminated_after_its_files_were_written_leaves_none(
    client, territory, media_root
):
    """The database connection dies mid-transaction (a failover, an administrator): the first
    file and its row were written, the second file too; its INSERT fails."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    def terminate_after_the_first_file(sender, instance, created, **kwargs):
        post_save.disconnect(terminate_after_the_first_file, sender=Attachment)
        assert stored_files(media_root) == [instance.file.name]
        with second_connection() as admin, admin.cursor() as admin_cursor:
            admin_cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        admin.close()

    post_save.connect(terminate_after_the_first_file, sender=Attachment)
    try:
        with pytest.raises(DatabaseError):
            submit_request(client, territory)
    finally:
        post_save.disconnect(terminate_after_the_first_file, sender=Attachment)

    assert not Request.objects.exists()
    assert stored_files(media_root) == []


def test_files_of_a_committed_submission_stay(client, territory, media_root):
    response = submit_request(client, territory)

    assert response.status_code == 302
    assert stored_files(media_root) == sorted(a.file.name for a in Attachment.objects.all())
    assert len(stored_files(media_root)) == 2
