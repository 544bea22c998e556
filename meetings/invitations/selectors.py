"""Reads of the invitations: the referent's panel on the meeting page."""

from meetings.models import Invitation, Meeting
from referent_portal.outbox.models import OutgoingEmail

from .services import function_label, invitable_error

Response = Invitation.Response
__all__ = ["function_label", "invitation_summary", "invitations_panel", "meeting_invitations"]


def meeting_invitations(meeting: Meeting) -> list[Invitation]:
    """The meeting's invitations (not the walk-ins of the day), by commune then name, with
    their last e-mail: one query whatever their number."""
    rows = list(
        meeting.invitations.filter(walk_in=False)
        .select_related("commune", "email_message", "delegated_from")
        .order_by("commune__search_name", "name", "pk")
    )
    return rows


def invitation_summary(rows: list[Invitation]) -> dict[str, int]:
    by_response = {response: 0 for response in Response.values}
    delivered = 0
    for row in rows:
        by_response[row.response] += 1
        if row.email_message is not None and row.email_message.status == OutgoingEmail.Status.SENT:
            delivered += 1
    return {
        "invited": len(rows),
        "delivered": delivered,
        "accepted": by_response[Response.ACCEPTED],
        "declined": by_response[Response.DECLINED],
        "delegated": by_response[Response.DELEGATED],
        "pending": by_response[Response.PENDING],
    }


def invitations_panel(meeting: Meeting) -> dict:
    """The context of templates/meetings/invitations/_panel.html (one query)."""
    rows = meeting_invitations(meeting)
    return {
        "invitation_rows": rows,
        "invitation_summary": invitation_summary(rows),
        "can_invite": invitable_error(meeting) is None,
    }
