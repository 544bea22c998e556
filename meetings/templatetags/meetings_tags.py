from django import template
from django.urls import reverse

from meetings.invitations.tokens import invitation_signature

register = template.Library()


@register.simple_tag
def rsvp_url(invitation) -> str:
    """The invitee's own answer page, as linked from their invitation e-mail."""
    return reverse("meetings:rsvp", args=[invitation_signature(invitation)])
