"""The invitee's signed links: no login, one secret per invitation.

The path carries the invitation's token signed with a salt of its own, so that a link copied
incompletely or edited by hand is told apart (bad signature: 400) from a link whose invitation
no longer exists (404). The links stop working when the meeting is over, not after a delay:
see `rsvp_state` in services.py.
"""

import uuid

from django.core import signing

from meetings.models import Invitation

SALT = "meetings.invitations.rsvp"


class UnknownInvitation(Exception):
    """The signature is good but no invitation carries this token (deleted)."""


def invitation_signature(invitation: Invitation) -> str:
    return signing.Signer(salt=SALT).sign(invitation.token.hex)


def invitation_from_signature(signed: str) -> Invitation:
    """The invitation of a link; raises signing.BadSignature or UnknownInvitation."""
    value = signing.Signer(salt=SALT).unsign(signed)
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
    return invitation
