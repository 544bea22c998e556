"""What the meetings app holds about a person, for the RGPD export and anonymisation.

Invitations and campaign recipients keep a copy of the person's name and address (the
attendance sheet must stay true after a contact is edited): the copies are found by the
contact, or by the address for a colleague invited in someone's place.
"""

from django.db.models import Q, QuerySet

from .models import CampaignRecipient, Invitation


def _by_address(addresses: set[str]) -> Q:
    condition = Q(pk__in=[])
    for address in addresses:
        condition |= Q(email__iexact=address)
    return condition


def _of(contact, addresses: set[str]) -> Q:
    # By address only the rows of nobody's record: a mairie's shared mailbox is also the
    # address of the secrétaire, whose own rows are hers.
    return Q(contact=contact) | (Q(contact__isnull=True) & _by_address(addresses))


def invitations_of(contact, addresses: set[str]) -> QuerySet[Invitation]:
    return Invitation.objects.filter(_of(contact, addresses))


def campaign_receipts_of(contact, addresses: set[str]) -> QuerySet[CampaignRecipient]:
    return CampaignRecipient.objects.filter(_of(contact, addresses))


def meetings_export(contact, addresses: set[str], when) -> dict:
    return {
        "meeting_invitations": [
            {
                "meeting": invitation.meeting.title,
                "starts_at": when(invitation.meeting.starts_at),
                "commune": invitation.commune.insee_code if invitation.commune else None,
                "name": invitation.name,
                "email": invitation.email,
                "function": invitation.function,
                "response": invitation.response,
                "response_label": invitation.get_response_display(),
                "responded_at": when(invitation.responded_at),
                "attended": invitation.attended,
                "checked_in_at": when(invitation.checked_in_at),
            }
            for invitation in invitations_of(contact, addresses)
            .select_related("meeting", "commune")
            .order_by("meeting__starts_at", "pk")
        ],
        "campaigns_received": [
            {
                "campaign": receipt.campaign.subject,
                "name": receipt.name,
                "email": receipt.email,
                "sent_at": when(receipt.email_message.sent_at) if receipt.email_message else None,
            }
            for receipt in campaign_receipts_of(contact, addresses)
            .select_related("campaign", "email_message")
            .order_by("pk")
        ],
    }


def meetings_anonymise(contact, addresses: set[str], *, label: str, address: str) -> None:
    """Replace the copies of the person's name and address; attendance and answers stay."""
    invitations_of(contact, addresses).update(name=label, email="", function="")
    # An address stays unique per campaign: each receipt gets its own undeliverable one.
    for receipt in campaign_receipts_of(contact, addresses):
        receipt.name = label
        receipt.email = address.replace("@", f"+{receipt.pk}@")
        receipt.save(update_fields=["name", "email"])
