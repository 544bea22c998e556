"""The campaigns' rules, called directly: the draft, the freeze, the batches, the resend, the
communes reached. No worker here: the tasks handed to the broker are recorded (`published`)."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from communes.models import Contact
from communes.timeline.models import TimelineEntry
from meetings.campaigns import services
from meetings.campaigns.selectors import (
    campaign_audience,
    campaign_counts,
    campaign_reach,
    with_status,
)
from meetings.models import Campaign, CampaignDocument
from referent_portal.outbox.models import OutgoingAttachment, OutgoingEmail
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    agent_of,
)
from tests.meetings import campaign_factories
from tests.meetings.campaign_factories import draft, people, territory

Mail = OutgoingEmail.Status
published = campaign_factories.published  # the fixture
pytestmark = pytest.mark.django_db


def send_all(campaign, size=None):
    """Run batches until none is left, as the chain of tasks does."""
    while services.campaign_send_batch(campaign_id=campaign.pk, size=size):
        pass
    campaign.refresh_from_db()


# --- the draft ---------------------------------------------------------------------------------


def test_a_draft_keeps_its_text_audience_and_documents():
    _epci, referent, (a, _b) = territory()
    campaign = services.campaign_save(
        by=referent,
        subject="  Archivage électronique  ",
        body="Le service d'archivage ouvre aux communes.",
        source="Campagne archivage",
        communes=[a],
        functions=[Contact.Function.MAIRE, Contact.Function.MAIRE],
        new_documents=[SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide")],
    )
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.subject == "Archivage électronique"
    assert campaign.functions == [Contact.Function.MAIRE]
    assert list(campaign.communes.all()) == [a]
    [document] = campaign.documents.all()
    assert document.title == "guide.pdf"


def test_a_refused_change_leaves_the_draft_as_it_was_with_no_document_added():
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a], document=False)
    other_epci_commune = CommuneFactory(epci=EpciFactory())
    with pytest.raises(ValidationError) as refused:
        services.campaign_save(
            by=referent,
            campaign=campaign,
            subject="Changé",
            body="Changé",
            communes=[other_epci_commune],
            new_documents=[SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide")],
        )
    assert "communes" in refused.value.message_dict
    campaign.refresh_from_db()
    assert campaign.subject != "Changé"
    assert list(campaign.communes.all()) == [a]
    assert not CampaignDocument.objects.exists()


def test_a_document_of_a_refused_type_or_too_heavy_altogether_is_refused(settings):
    _epci, referent, (a, _b) = territory()
    with pytest.raises(ValidationError) as refused:
        services.campaign_save(
            by=referent,
            subject="S",
            body="B",
            communes=[a],
            new_documents=[SimpleUploadedFile("virus.exe", b"MZ")],
        )
    assert "virus.exe" in refused.value.message_dict["documents"][0]

    heavy = b"%PDF-1.4\n" + b"%" * (4 * 1024 * 1024)
    big = [SimpleUploadedFile(f"part{n}.pdf", heavy) for n in range(3)]
    with pytest.raises(ValidationError) as refused:
        services.campaign_save(by=referent, subject="S", body="B", communes=[a], new_documents=big)
    assert "courriel" in refused.value.message_dict["documents"][0]
    assert not Campaign.objects.exists()


def test_an_empty_audience_is_refused():
    _epci, referent, _communes = territory()
    with pytest.raises(ValidationError, match="au moins une commune"):
        services.campaign_save(by=referent, subject="S", body="B")


# --- the audience and its freeze ---------------------------------------------------------------


def test_the_preview_counts_per_commune_and_says_who_is_left_out():
    epci, referent, (a, b) = territory(sizes=(3, 2))
    ContactFactory(epci=epci, communes=[a], email="")  # no address
    ContactFactory(epci=epci, communes=[b], is_active=False)  # not in the audience at all
    campaign = draft(referent, communes=[a, b])

    audience = campaign_audience(campaign)

    assert len(audience.recipients) == 5
    assert [(commune, count) for commune, count in audience.communes] == [(a, 3), (b, 2)]
    assert (audience.without_email, audience.left_out) == (1, 1)


def test_sending_freezes_the_audience_and_writes_no_e_mail_in_the_request(published):
    epci, referent, (a, _b) = territory(sizes=(3, 2))
    campaign = draft(referent, communes=[a])

    count = services.campaign_send(campaign=campaign, by=referent)

    campaign.refresh_from_db()
    assert count == 3
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.send_started_at is not None
    frozen = list(campaign.recipients.order_by("email").values_list("email", "commune", "name"))
    assert [commune for _e, commune, _n in frozen] == [a.pk] * 3
    assert not OutgoingEmail.objects.exists()

    # People added to the commune afterwards are not in the campaign.
    people(epci, a, 2, prefix="late")
    assert campaign.recipients.count() == 3


def test_sending_enqueues_the_first_batch_after_commit_only(
    published, django_capture_on_commit_callbacks
):
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.campaign_send(campaign=campaign, by=referent)
    assert len(callbacks) == 1
    assert published["batches"] == [campaign.pk]


def test_a_campaign_goes_once_and_only_from_the_draft(published):
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a])
    services.campaign_send(campaign=campaign, by=referent)
    with pytest.raises(ValidationError, match="en cours d'envoi"):
        services.campaign_send(campaign=campaign, by=referent)
    assert campaign.recipients.count() == 3


def test_a_campaign_with_nobody_to_write_to_stays_a_draft(published):
    epci, referent, _communes = territory()
    empty = CommuneFactory(epci=epci)
    ContactFactory(epci=epci, communes=[empty], email="")
    campaign = draft(referent, communes=[empty])
    with pytest.raises(ValidationError, match="Personne"):
        services.campaign_send(campaign=campaign, by=referent)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not campaign.recipients.exists()


def test_another_epcis_referent_cannot_send_it(published):
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a])
    with pytest.raises(ValidationError):
        services.campaign_send(campaign=campaign, by=ReferentFactory())
    assert not campaign.recipients.exists()


# --- the batches -------------------------------------------------------------------------------


def test_batches_write_one_e_mail_per_recipient_sharing_one_stored_document(published):
    _epci, referent, (a, b) = territory(sizes=(30, 15))
    campaign = draft(referent, communes=[a, b])
    services.campaign_send(campaign=campaign, by=referent)

    assert services.campaign_send_batch(campaign_id=campaign.pk, size=20) == 20
    assert campaign_counts(campaign)["preparing"] == 25
    send_all(campaign, size=20)

    assert campaign.status == Campaign.Status.SENT
    assert campaign.sent_at is not None
    assert OutgoingEmail.objects.count() == 45
    assert not campaign.recipients.filter(email_message__isnull=True).exists()
    document = campaign.documents.get()
    attachments = OutgoingAttachment.objects.all()
    assert attachments.count() == 45
    assert {(a.file.name, bytes(a.content)) for a in attachments} == {(document.file.name, b"")}
    email = OutgoingEmail.objects.get(to=campaign.recipients.first().email)
    assert email.subject == campaign.subject
    assert email.kind == "campaigns.message"
    assert email.reply_to == referent.email
    assert "La nouvelle version du parapheur arrive le 1er mars." in email.body_text
    assert "guide-parapheur.pdf" in email.body_text


def test_running_the_batches_again_after_the_end_writes_nothing(published):
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a])
    services.campaign_send(campaign=campaign, by=referent)
    send_all(campaign)
    before = list(OutgoingEmail.objects.values_list("pk", flat=True))

    assert services.campaign_send_batch(campaign_id=campaign.pk) == 0
    # Even a campaign put back to « envoi en cours » has nobody left without an e-mail.
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    assert services.campaign_send_batch(campaign_id=campaign.pk) == 0
    assert list(OutgoingEmail.objects.values_list("pk", flat=True)) == before


def test_a_batch_that_fails_half_way_writes_nothing_and_the_next_run_does_it_all(
    published, monkeypatch
):
    _epci, referent, (a,) = territory(sizes=(10,))
    campaign = draft(referent, communes=[a])
    services.campaign_send(campaign=campaign, by=referent)
    real_queue = services.email_queue
    calls = []

    def crash_on_the_fifth(**kwargs):
        calls.append(kwargs["to"])
        if len(calls) == 5:
            raise RuntimeError("worker lost its database")
        return real_queue(**kwargs)

    monkeypatch.setattr(services, "email_queue", crash_on_the_fifth)
    with pytest.raises(RuntimeError):
        services.campaign_send_batch(campaign_id=campaign.pk)
    assert not OutgoingEmail.objects.exists()
    assert campaign_counts(campaign)["preparing"] == 10

    monkeypatch.setattr(services, "email_queue", real_queue)
    send_all(campaign)
    assert OutgoingEmail.objects.count() == 10
    assert campaign.status == Campaign.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_write_a_second_e_mail_for_a_person(published):
    _epci, referent, (a, b) = territory(sizes=(150, 150))
    campaign = draft(referent, communes=[a, b])
    services.campaign_send(campaign=campaign, by=referent)
    errors, written = [], []

    def worker():
        try:
            while True:
                count = services.campaign_send_batch(campaign_id=campaign.pk, size=25)
                written.append(count)
                if not count:
                    return
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(written) == 300
    addresses = list(OutgoingEmail.objects.values_list("to", flat=True))
    assert len(addresses) == len(set(addresses)) == 300
    assert len(set(campaign.recipients.values_list("email_message", flat=True))) == 300
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_writing_a_thousand_e_mails_in_batches_takes_seconds(published, capsys):
    epci, referent, _communes = territory(sizes=())
    commune = CommuneFactory(epci=epci)
    people(epci, commune, 1000)
    campaign = draft(referent, communes=[commune])
    services.campaign_send(campaign=campaign, by=referent)

    started = time.monotonic()
    send_all(campaign)
    elapsed = time.monotonic() - started

    assert OutgoingEmail.objects.count() == 1000
    with capsys.disabled():
        print(f"\n1,000 campaign e-mails written in batches of 200 in {elapsed:.1f} s")
    assert elapsed < 60


# --- the sweeper -------------------------------------------------------------------------------


def test_the_sweeper_restarts_a_campaign_whose_batches_stopped_and_only_that_one(published):
    _epci, referent, (a, b) = territory(sizes=(5, 5))
    stalled = draft(referent, communes=[a])
    running = draft(referent, communes=[b], subject="Autre")
    services.campaign_send(campaign=stalled, by=referent)
    services.campaign_send(campaign=running, by=referent)
    services.campaign_send_batch(campaign_id=running.pk, size=2)
    published["batches"].clear()
    now = timezone.now()

    assert services.campaigns_sweep(now=now) == 0  # both just started
    later = now + timedelta(minutes=3)
    OutgoingEmail.objects.update(created_at=later - timedelta(seconds=10))  # still writing
    assert services.campaigns_sweep(now=later) == 1
    assert published["batches"] == [stalled.pk]


def test_the_sweeper_finishes_a_campaign_whose_last_batch_died_before_the_end(published):
    _epci, referent, (a, _b) = territory()
    campaign = draft(referent, communes=[a])
    services.campaign_send(campaign=campaign, by=referent)
    services.campaign_send_batch(campaign_id=campaign.pk)  # all written, not yet marked sent
    published["batches"].clear()

    services.campaigns_sweep(now=timezone.now() + timedelta(minutes=3))
    assert published["batches"] == [campaign.pk]
    services.campaign_send_batch(campaign_id=campaign.pk)  # what the task does
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


# --- resend and the communes reached -----------------------------------------------------------


def sent_campaign(referent, communes):
    campaign = draft(referent, communes=communes)
    services.campaign_send(campaign=campaign, by=referent)
    send_all(campaign)
    return campaign


def mark(recipient, status, error=""):
    fields = {"status": status, "last_error": error}
    if status == Mail.SENT:
        fields["sent_at"] = timezone.now()
    OutgoingEmail.objects.filter(pk=recipient.email_message_id).update(**fields)


def test_a_failed_recipient_is_resent_and_points_at_the_message_that_goes_again(published):
    _epci, referent, (a, _b) = territory()
    campaign = sent_campaign(referent, [a])
    failed, sent, _waiting = campaign.recipients.order_by("pk")
    mark(failed, Mail.FAILED, "SMTPRecipientsRefused: 550 5.1.1 No such user")
    mark(sent, Mail.SENT)

    resent = services.campaign_recipient_resend(recipient=failed, by=referent)

    failed.refresh_from_db()
    assert failed.email_message_id == resent.pk
    assert resent.status == Mail.QUEUED
    with pytest.raises(ValidationError, match="en échec"):
        services.campaign_recipient_resend(recipient=sent, by=referent)
    with pytest.raises(ValidationError):
        services.campaign_recipient_resend(recipient=failed, by=ReferentFactory())


def test_each_commune_reached_gets_one_timeline_entry_once_an_e_mail_is_sent(published):
    epci, referent, (a, b) = territory(sizes=(2, 1))
    nobody = CommuneFactory(epci=epci, name="Sans contact")
    campaign = sent_campaign(referent, [a, b, nobody])
    for recipient in campaign.recipients.filter(commune=a):
        mark(recipient, Mail.SENT)
    mark(campaign.recipients.get(commune=b), Mail.FAILED, "550")

    services.campaigns_sweep()
    services.campaigns_sweep()  # twice: still one entry per commune

    entries = TimelineEntry.objects.filter(
        kind="campaign", content_type=ContentType.objects.get_for_model(Campaign)
    )
    assert [(e.commune, e.object_id) for e in entries] == [(a, campaign.pk)]
    assert entries.get().title == (
        "Campagne d'information « Parapheur électronique : la nouvelle version » reçue"
    )
    reach = {
        row.commune: (row.reached, row.sent, row.recipients) for row in campaign_reach(campaign)
    }
    assert reach == {a: (True, 2, 2), b: (False, 0, 1), nobody: (False, 0, 0)}

    mark(campaign.recipients.get(commune=b), Mail.SENT)  # resent and delivered
    services.campaigns_sweep()
    assert sorted(e.commune.name for e in entries.all()) == ["Commune A", "Commune B"]


def test_the_counts_follow_the_outbox():
    _epci, referent, (a,) = territory(sizes=(5,))
    with transaction.atomic():
        campaign = draft(referent, communes=[a])
        services.campaign_send(campaign=campaign, by=referent)
    services.campaign_send_batch(campaign_id=campaign.pk, size=4)
    r1, r2, r3, r4, _r5 = campaign.recipients.order_by("pk")
    mark(r1, Mail.SENT)
    mark(r2, Mail.FAILED, "550")
    mark(r3, Mail.RETRY)
    mark(r4, Mail.SKIPPED)
    assert campaign_counts(campaign) == {
        "total": 5,
        "preparing": 1,
        "waiting": 1,
        "sent": 1,
        "failed": 1,
        "skipped": 1,
    }


def test_a_person_who_chose_not_to_receive_campaigns_is_not_written_to_and_it_shows(published):
    _epci, referent, (a,) = territory(sizes=(2,))
    agent = agent_of(a, email_opt_outs=["campaigns"])
    campaign = sent_campaign(referent, [a])

    recipient = with_status(campaign.recipients.filter(email=agent.email)).get()
    assert recipient.status == "skipped"
    assert recipient.email_message.status == Mail.SKIPPED
    assert campaign_counts(campaign)["skipped"] == 1
    assert campaign.status == Campaign.Status.SENT
