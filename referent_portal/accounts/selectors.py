"""Reads of the accounts app: which account an identifier or an address designates."""

from django.db.models import QuerySet

from .models import User


def login_username_for(identifier: str) -> str:
    """The username to authenticate for what was typed in « identifiant ou adresse e-mail ».

    A username wins; an address is accepted when exactly one active account has it (e-mail
    addresses are not unique). Otherwise the identifier is returned unchanged, so the login
    fails with the usual message and the lockout counts against what was typed.
    """
    identifier = identifier.strip()
    if "@" not in identifier or User.objects.filter(username=identifier).exists():
        return identifier
    usernames = list(
        User.objects.filter(email__iexact=identifier, is_active=True).values_list(
            "username", flat=True
        )[:2]
    )
    return usernames[0] if len(usernames) == 1 else identifier


def magic_link_recipients(email: str) -> QuerySet[User]:
    """The accounts that may receive a magic link at this address.

    Commune agents and referents only: accounts that reach the admin site keep to their
    password.
    """
    return User.objects.filter(
        email__iexact=email.strip(),
        is_active=True,
        is_staff=False,
        is_superuser=False,
        role__in=[User.Role.AGENT, User.Role.REFERENT],
    ).order_by("pk")


def active_referents(*epci_ids) -> QuerySet[User]:
    """The active referents of these EPCIs (who are told, who may be assigned)."""
    return User.objects.filter(role=User.Role.REFERENT, epci_id__in=epci_ids, is_active=True)


def referents_to_notify(*epci_ids) -> QuerySet[User]:
    """The active referents of these EPCIs who have an address to write to."""
    return active_referents(*epci_ids).exclude(email="")
