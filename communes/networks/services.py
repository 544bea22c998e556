"""Every write on the networks of competences: create, edit, add and remove members.

Only the referent of the network's EPCI writes here (the syndicat mixte edits through the admin
site). Members are contacts of the same EPCI; the coordinator is always one of the members.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Contact, Service
from communes.timeline.services import timeline_record
from referent_portal.accounts.models import User

from .models import Membership, Network

TIMELINE_KIND = "network"


def _field_error(field: str, message, code: str, params: dict | None = None) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _check_referent(by: User, epci_id: int) -> None:
    if not (by.is_authenticated and by.is_referent and by.epci_id == epci_id):
        raise ValidationError(
            _("Seul le référent de l'EPCI gère ses réseaux de compétences."), code="forbidden"
        )


def _check_name_free(*, epci_id: int, name: str, network: Network | None = None) -> None:
    others = Network.objects.filter(epci_id=epci_id, name__iexact=name.strip())
    if network is not None:
        others = others.exclude(pk=network.pk)
    if others.exists():
        raise _field_error("name", _("Un réseau de l'EPCI porte déjà ce nom."), "duplicate_name")


def _record_on_communes(contact: Contact, *, title: str, by: User, network: Network) -> None:
    for commune in contact.communes.all():
        timeline_record(commune=commune, kind=TIMELINE_KIND, title=title, actor=by, subject=network)


@transaction.atomic
def network_create(
    *, by: User, name: str, theme: str = "", service: Service | None = None
) -> Network:
    """The referent opens a network in their EPCI; members are added next."""
    _check_referent(by, by.epci_id)
    _check_name_free(epci_id=by.epci_id, name=name)
    network = Network(epci_id=by.epci_id, name=name.strip(), theme=theme, service=service)
    network.full_clean()
    network.save()
    return network


@transaction.atomic
def network_update(
    *,
    network: Network,
    by: User,
    name: str,
    theme: str = "",
    service: Service | None = None,
    coordinator: Contact | None = None,
    is_active: bool = True,
) -> Network:
    """Rename, describe, choose the coordinator among the members, or close the network."""
    network = Network.objects.select_for_update().get(pk=network.pk)
    _check_referent(by, network.epci_id)
    _check_name_free(epci_id=network.epci_id, name=name, network=network)
    if coordinator is not None and not network.memberships.filter(contact=coordinator).exists():
        raise _field_error(
            "coordinator",
            _("Le coordinateur doit être membre du réseau."),
            "coordinator_not_member",
        )
    network.name = name.strip()
    network.theme = theme
    network.service = service
    network.coordinator = coordinator
    network.is_active = is_active
    network.full_clean()
    network.save()
    return network


@transaction.atomic
def network_member_add(*, network: Network, contact: Contact, by: User) -> Membership:
    """Add a contact of the EPCI to the network; their communes' timelines say so."""
    network = Network.objects.select_for_update().get(pk=network.pk)
    _check_referent(by, network.epci_id)
    if contact.epci_id != network.epci_id:
        raise _field_error(
            "contact",
            _("Seuls les contacts de l'EPCI peuvent rejoindre ses réseaux."),
            "other_epci",
        )
    if not contact.is_active:
        raise _field_error("contact", _("Ce contact n'est plus actif."), "inactive_contact")
    if network.memberships.filter(contact=contact).exists():
        raise _field_error(
            "contact",
            _("%(name)s est déjà membre du réseau."),
            "already_member",
            {"name": contact.full_name},
        )
    membership = Membership(network=network, contact=contact)
    membership.full_clean()
    membership.save()
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("%(name)s a rejoint le réseau de compétences « %(network)s »") % {
            "name": contact.full_name,
            "network": network.name,
        }
    _record_on_communes(contact, title=title, by=by, network=network)
    return membership


@transaction.atomic
def network_member_remove(*, membership: Membership, by: User) -> None:
    """Remove a member; a coordinator who leaves leaves the network without coordinator."""
    network = Network.objects.select_for_update().get(pk=membership.network_id)
    _check_referent(by, network.epci_id)
    contact = membership.contact
    if network.coordinator_id == contact.pk:
        network.coordinator = None
        network.save(update_fields=["coordinator", "updated_at"])
    membership.delete()
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("%(name)s a quitté le réseau de compétences « %(network)s »") % {
            "name": contact.full_name,
            "network": network.name,
        }
    _record_on_communes(contact, title=title, by=by, network=network)
