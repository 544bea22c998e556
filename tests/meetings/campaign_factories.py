"""Helpers of the campaign tests: a territory with many people, a draft, a recorded broker."""

import pytest
from django.core.files.base import ContentFile

from communes.models import Contact
from meetings.models import Campaign, CampaignDocument
from tests.factories import CommuneFactory, EpciFactory, ReferentFactory

PDF = b"%PDF-1.4\n% guide\n" + b"parapheur " * 2000 + b"\n%%EOF\n"  # ~20 kB


def people(epci, commune, count, *, prefix=None, function=Contact.Function.SECRETAIRE, **fields):
    """`count` contacts of `commune`, in two queries whatever the count."""
    prefix = prefix or f"c{commune.insee_code}"
    contacts = Contact.objects.bulk_create(
        Contact(
            epci=epci,
            first_name="Agent",
            last_name=f"{prefix}-{n:05d}",
            function=function,
            email=f"{prefix}-{n:05d}@mairie.example.org",
            **fields,
        )
        for n in range(count)
    )
    Contact.communes.through.objects.bulk_create(
        Contact.communes.through(contact=contact, commune=commune) for contact in contacts
    )
    return contacts


def territory(sizes=(3, 2)):
    """An EPCI, its referent, and communes with `sizes[i]` reachable people each."""
    epci = EpciFactory(name="Lamballe Terre et Mer")
    referent = ReferentFactory(
        epci=epci,
        first_name="Claire",
        last_name="Le Goff",
        email="referent@lamballe-terre-mer.example.org",
    )
    communes = []
    for index, size in enumerate(sizes):
        commune = CommuneFactory(epci=epci, name=f"Commune {chr(65 + index)}")
        people(epci, commune, size)
        communes.append(commune)
    return epci, referent, communes


def draft(referent, *, communes=(), functions=(), document=True, **fields) -> Campaign:
    campaign = Campaign.objects.create(
        epci=referent.epci,
        created_by=referent,
        subject=fields.pop("subject", "Parapheur électronique : la nouvelle version"),
        body=fields.pop("body", "La nouvelle version du parapheur arrive le 1er mars."),
        source=fields.pop("source", "Campagne parapheur 2027"),
        functions=list(functions),
        **fields,
    )
    campaign.communes.set(communes)
    if document:
        CampaignDocument.objects.create(
            campaign=campaign, title="guide-parapheur.pdf", file=ContentFile(PDF, "guide.pdf")
        )
    return campaign


@pytest.fixture
def published(monkeypatch):
    """Record the tasks handed to the broker (campaign batches, e-mails) instead of sending."""
    from meetings.campaigns.tasks import send_campaign_batch
    from referent_portal.outbox.tasks import send_email

    calls = {"batches": [], "emails": []}

    def batch_delay(campaign_id):
        calls["batches"].append(campaign_id)

    def email_apply_async(args, countdown=None, **kwargs):
        calls["emails"].append(args[0])

    monkeypatch.setattr(send_campaign_batch, "delay", batch_delay)
    monkeypatch.setattr(send_email, "apply_async", email_apply_async)
    return calls
