"""The invitee's signed links: no login, one secret per invitation.

The path carries the invitation's random token, signed with a salt of its own (a link made
for another purpose does not open an invitation) and timestamped: a link is refused after
MAX_AGE whatever happens to the meeting. A link copied incompletely or edited by hand is told
apart (bad signature: 400) from a link whose invitation no longer exists (404). Within its
age, the link stops working when the meeting is over (`rsvp_state` in services.py).

Links sent before the timestamp existed (`<token>:<signature>`) keep working until their
meeting is over, then are refused as expired.
"""

import uuid
from datetime import timedelta

from django.core import signing
from django.utils import timezone

from meetings.models import Invitation

SALT = "meetings.invitations.rsvp"
# A meeting is planned less than a year ahead; its documents stay reachable a while after.
MAX_AGE = timedelta(days=365)


class UnknownInvitation(Exception):
    """The signature is good but no invitation carries this token (deleted)."""


def invitation_signature(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(invitation.token.hex)


def invitation_from_signature(signed: str) -> Invitation:
    """The invitation of a link.

    Raises signing.SignatureExpired (too old), signing.BadSignature (forged, truncated, made
    for another purpose) or UnknownInvitation.
    """
    legacy = signed.count(signing.Signer().sep) == 1
    if legacy:
        value = signing.Signer(salt=SALT).unsign(signed)
    else:
        value = signing.TimestampSigner(salt=SALT).unsign(signed, max_age=MAX_AGE)
    try:
        token = uuid.UUID(hex=value)
    except ValueError as exc:
        raise signing.BadSignature("not a token") from exc
    invitation = (
        Invitation.objects.select_related(
            "meeting__epci", "meeting__host_commune", "meeting__created_by", "commune"
        )
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise UnknownInvitation(value)
    if legacy and invitation.meeting.ends_at <= timezone.now():
        raise signing.SignatureExpired("a link without a timestamp, of a meeting that is over")
    return invitation
