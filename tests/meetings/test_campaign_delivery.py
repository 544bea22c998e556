"""Campaigns with real peers: a Celery worker on Redis writes the batches and sends the e-mails
to a real SMTP server (aiosmtpd)."""

import time
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from communes.timeline.models import TimelineEntry
from meetings.campaigns import services
from meetings.campaigns.selectors import campaign_counts, campaign_reach
from meetings.models import Campaign
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.services import outbox_sweep
from tests.factories import CommuneFactory
from tests.fixtures_delivery import _Handler, broker_outage, wait_until
from tests.meetings.campaign_factories import PDF, draft, people, territory

pytestmark = pytest.mark.delivery


def status_of(campaign):
    return Campaign.objects.get(pk=campaign.pk).status


def send(campaign, referent):
    with transaction.atomic():
        return services.campaign_send(campaign=campaign, by=referent)


def test_a_thousand_recipients_each_get_exactly_one_e_mail_with_the_document(
    celery_worker, smtp_server, settings, capsys
):
    settings.CAMPAIGN_BATCH_SIZE = 200
    epci, referent, _communes = territory(sizes=())
    communes = [CommuneFactory(epci=epci, name=f"Commune {n}") for n in range(4)]
    for commune in communes:
        people(epci, commune, 250)
    campaign = draft(referent, communes=communes)

    started = time.monotonic()
    assert send(campaign, referent) == 1000
    wait_until(lambda: status_of(campaign) == Campaign.Status.SENT, timeout=120)
    written = time.monotonic() - started
    received = smtp_server.expect_exactly(1000, timeout=180, settle=2)
    delivered = time.monotonic() - started

    addresses = [address for message in received for address in message.rcpt_tos]
    assert len(addresses) == len(set(addresses)) == 1000
    assert set(addresses) == set(campaign.recipients.values_list("email", flat=True))
    for message in received:
        [attachment] = message.attachments
        assert attachment.get_filename() == "guide-parapheur.pdf"
        assert attachment.get_content() == PDF
    assert received[0].subject == campaign.subject
    assert OutgoingEmail.objects.count() == 1000
    wait_until(lambda: campaign_counts(campaign)["sent"] == 1000, timeout=30)

    services.campaigns_sweep()  # the beat sweeper: each commune reached, once
    entries = TimelineEntry.objects.filter(
        kind="campaign", content_type=ContentType.objects.get_for_model(Campaign)
    )
    assert sorted(e.commune_id for e in entries) == sorted(c.pk for c in communes)
    with capsys.disabled():
        print(
            f"\n1,000 recipients: e-mails written in {written:.1f} s, "
            f"all received by SMTP in {delivered:.1f} s"
        )


def test_a_broker_outage_during_the_sending_delays_it_and_the_sweepers_finish_it(
    celery_worker, smtp_server, settings
):
    settings.CAMPAIGN_BATCH_SIZE = 20
    _epci, referent, (a, b) = territory(sizes=(30, 20))
    campaign = draft(referent, communes=[a, b])

    with broker_outage():
        send(campaign, referent)  # the first batch cannot be enqueued
        # A batch that ran anyway (a task taken before the outage): its e-mails and the next
        # batch cannot be handed to the broker either.
        assert services.campaign_send_batch(campaign_id=campaign.pk) == 20
        with pytest.raises(Exception):  # noqa: B017 (whatever the unreachable broker raises)
            services.campaigns_sweep(now=timezone.now() + timedelta(minutes=3))

    assert smtp_server.messages == []
    assert status_of(campaign) == Campaign.Status.SENDING
    assert campaign_counts(campaign)["preparing"] == 30

    # The broker is back: the beat sweepers hand over what no task is coming for.
    later = timezone.now() + timedelta(minutes=3)
    assert services.campaigns_sweep(now=later) == 1
    wait_until(lambda: status_of(campaign) == Campaign.Status.SENT, timeout=60)
    outbox_sweep(now=later)

    received = smtp_server.expect_exactly(50, timeout=60)
    addresses = [address for message in received for address in message.rcpt_tos]
    assert len(set(addresses)) == 50


def test_a_refused_address_fails_then_its_resend_arrives_and_its_commune_is_reached(
    celery_worker, smtp_server, client, monkeypatch
):
    epci, referent, (a,) = territory(sizes=(3,))
    b = CommuneFactory(epci=epci, name="Commune B")
    [refused] = people(epci, b, 1, prefix="inconnu")
    campaign = draft(referent, communes=[a, b])
    accept = _Handler.handle_RCPT
    refusing = {"on": True}

    async def refuse_one(self, server, session, envelope, address, rcpt_options):
        if refusing["on"] and address == refused.email:
            return "550 5.1.1 No such user here"
        return await accept(self, server, session, envelope, address, rcpt_options)

    monkeypatch.setattr(_Handler, "handle_RCPT", refuse_one)
    send(campaign, referent)
    smtp_server.expect_exactly(3, timeout=30)
    recipient = campaign.recipients.get(email=refused.email)
    wait_until(lambda: campaign_counts(campaign)["failed"] == 1, timeout=30)
    wait_until(lambda: campaign_counts(campaign)["sent"] == 3)
    services.campaigns_sweep()
    assert {r.commune.name: r.reached for r in campaign_reach(campaign)} == {
        "Commune A": True,
        "Commune B": False,
    }

    # The referent reads the error, the mailbox is fixed, « Renvoyer ».
    client.force_login(referent)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]), {"status": "failed"})
    assert "5.1.1 No such user here" in page.text
    refusing["on"] = False
    response = client.post(reverse("campaigns:resend", args=[campaign.pk, recipient.pk]))
    assert response.status_code == 302

    [message] = smtp_server.wait_for(4, timeout=30)[3:]
    assert message.rcpt_tos == (refused.email,)
    wait_until(lambda: campaign_counts(campaign)["sent"] == 4, timeout=30)
    services.campaigns_sweep()
    assert all(r.reached for r in campaign_reach(campaign))
    assert TimelineEntry.objects.filter(kind="campaign", commune=b).count() == 1
    smtp_server.expect_exactly(4)
