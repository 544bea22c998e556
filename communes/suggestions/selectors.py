"""Who may see which suggestion, and who hears about it."""

from django.db.models import QuerySet

from communes.models import Commune
from communes.selectors import communes_visible_to
from referent_portal.accounts.models import User
from referent_portal.accounts.selectors import referents_to_notify

from .models import Suggestion

Status = Suggestion.Status

# What the commune never sees: the portal's proposals the referent has not sent, and those
# the referent set aside.
REFERENT_ONLY = (Status.PROPOSED, Status.DISMISSED)
# Waiting for the commune: not answered yet, or answered « plus tard ».
AWAITING_COMMUNE = (Status.SENT, Status.LATER)


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    """The referent sees the suggestions of the EPCI's communes; an agent, those sent to the
    communes they serve (never a proposal the referent has not sent)."""
    if not user.is_authenticated:
        return Suggestion.objects.none()
    if user.is_superuser or user.is_syndicat:
        return Suggestion.objects.all()
    if user.is_referent:
        return Suggestion.objects.filter(commune__epci_id=user.epci_id)
    return Suggestion.objects.filter(commune__in=communes_visible_to(user)).exclude(
        status__in=REFERENT_ONLY
    )


def suggestions_to_answer(user) -> list[Suggestion]:
    """The agent's space: suggestions waiting for their commune's answer, oldest first."""
    if not user.is_authenticated or not user.is_agent:
        return []
    return list(
        suggestions_visible_to(user)
        .filter(status__in=AWAITING_COMMUNE)
        .select_related("commune", "service")
        .order_by("sent_at", "pk")
    )


def commune_suggestions(user, commune: Commune) -> list[Suggestion]:
    """The suggestions made to one commune, as the user may see them, newest first."""
    return list(
        suggestions_visible_to(user)
        .filter(commune=commune)
        .select_related("service", "answered_by")
        .order_by("-created_at", "-pk")
    )


def suggestion_recipients(commune: Commune) -> QuerySet[User]:
    """The commune's agents with an account, who receive its suggestions by e-mail."""
    return (
        User.objects.filter(
            role=User.Role.AGENT,
            is_active=True,
            contact__is_active=True,
            contact__communes=commune,
        )
        .exclude(email="")
        .distinct()
        .order_by("last_name", "first_name")
    )


def referents_of(commune: Commune) -> QuerySet[User]:
    """The referents of the commune's EPCI, who are told of each answer."""
    return referents_to_notify(commune.epci_id)


def suggestion_counts(user) -> dict[str, int]:
    """How many suggestions wait in each tab of the referent's list."""
    visible = suggestions_visible_to(user)
    return {
        "sent": visible.filter(status=Status.SENT).count(),
        "proposed": visible.filter(status=Status.PROPOSED).count(),
        "answered": visible.filter(status__in=Suggestion.ANSWERS).count(),
    }
