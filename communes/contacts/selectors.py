"""Reads on the contacts of an EPCI: the referent's list, and the retention rule."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from communes.models import Contact
from communes.selectors import contacts_visible_to
from communes.text import fold


def contacts_managed_by(user) -> QuerySet[Contact]:
    """The contacts a user may export, import and anonymise: those of the referent's EPCI.
    Anyone else manages none (the syndicat mixte works in the admin site)."""
    if not (user.is_authenticated and user.is_referent):
        return Contact.objects.none()
    return contacts_visible_to(user).filter(epci_id=user.epci_id)


def contact_list(user, *, query: str = "") -> QuerySet[Contact]:
    """The referent's list: the EPCI's contacts not anonymised, with their communes."""
    contacts = contacts_managed_by(user).filter(anonymised_at__isnull=True)
    for word in query.split():
        contacts = contacts.filter(
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(email__icontains=word)
            | Q(communes__search_name__contains=fold(word))
            | Q(communes__insee_code=word)
        )
    if query.strip():
        contacts = contacts.distinct()
    return contacts.prefetch_related("communes").order_by("last_name", "first_name", "pk")


def anonymised_count(user) -> int:
    return contacts_managed_by(user).filter(anonymised_at__isnull=False).count()


def contacts_inactive_since(cutoff: datetime) -> QuerySet[Contact]:
    """Contacts not anonymised whose last activity is older than `cutoff`.

    Last activity: `last_activity_at`, else `updated_at` (a contact never heard from since it
    was recorded or last edited). A contact whose user account logged in after `cutoff` is kept
    as well: a login is activity, even one from before logins were noted on the contact.
    """
    return (
        Contact.objects.filter(anonymised_at__isnull=True)
        .annotate(last_activity=Coalesce("last_activity_at", "updated_at"))
        .filter(last_activity__lt=cutoff)
        .filter(
            Q(user__isnull=True) | Q(user__last_login__isnull=True) | Q(user__last_login__lt=cutoff)
        )
    )
