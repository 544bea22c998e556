"""Who a meeting invitation or a campaign goes to.

The referent describes an audience the way they think of it: communes, functions (every maire
and every délégué au numérique), networks, and people chosen one by one. The audience is

    (contacts of the chosen communes, or of every commune, with a chosen function)
    ∪ (every contact of a chosen commune, when no function is chosen)
    ∪ (the active members of the chosen networks)
    ∪ (the people chosen one by one)

limited to the EPCI's active contacts that have an address and are not anonymised; one entry
per person, with the commune they are counted for.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Contact, Epci, Network
from referent_portal.forms import ModelMultipleChoiceField


@dataclass(frozen=True)
class Recipient:
    contact: Contact
    commune: Commune | None


def reachable_contacts(epci: Epci):
    return Contact.objects.filter(epci=epci, is_active=True, anonymised_at__isnull=True).exclude(
        email=""
    )


def audience_recipients(
    epci: Epci,
    *,
    communes: Iterable[Commune] = (),
    functions: Iterable[str] = (),
    networks: Iterable[Network] = (),
    contacts: Iterable[Contact] = (),
) -> list[Recipient]:
    """The audience's people, sorted by commune then name, each once (see module docstring)."""
    commune_ids = {c.pk for c in communes}
    functions = set(functions)
    network_ids = {n.pk for n in networks}
    contact_ids = {c.pk for c in contacts}

    selected = Q(pk__in=contact_ids)
    if functions:
        by_function = Q(function__in=functions)
        if commune_ids:
            by_function &= Q(communes__in=commune_ids)
        selected |= by_function
    elif commune_ids:
        selected |= Q(communes__in=commune_ids)
    if network_ids:
        selected |= Q(memberships__network__in=network_ids, memberships__network__is_active=True)
    if not (commune_ids or functions or network_ids or contact_ids):
        return []

    people = (
        reachable_contacts(epci)
        .filter(pk__in=Contact.objects.filter(selected).values("pk"))
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("search_name")))
    )
    recipients = []
    for contact in people:
        own = list(contact.communes.all())
        # Counted for a chosen commune when they serve several, else for their first one.
        commune = next((c for c in own if c.pk in commune_ids), own[0] if own else None)
        recipients.append(Recipient(contact=contact, commune=commune))
    recipients.sort(
        key=lambda r: (
            r.commune is None,
            r.commune.search_name if r.commune else "",
            r.contact.last_name.lower(),
            r.contact.first_name.lower(),
            r.contact.pk,
        )
    )
    return recipients


class AudienceForm(forms.Form):
    """The four ways of choosing people; at least one must be used."""

    communes = ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Commune.objects.none(),
        required=False,
        help_text=_("Sans fonction choisie : toutes les personnes de ces communes."),
    )
    functions = forms.MultipleChoiceField(
        label=_("Fonctions"),
        choices=Contact.Function.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sans commune choisie : ces fonctions dans toutes les communes."),
    )
    networks = ModelMultipleChoiceField(
        label=_("Réseaux"),
        queryset=Network.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = ModelMultipleChoiceField(
        label=_("Personnes choisies une à une"),
        queryset=Contact.objects.none(),
        required=False,
    )

    def __init__(self, *args, epci: Epci, **kwargs):
        super().__init__(*args, **kwargs)
        self.epci = epci
        self.fields["communes"].queryset = Commune.objects.filter(epci=epci).order_by("search_name")
        self.fields["networks"].queryset = Network.objects.filter(epci=epci, is_active=True)
        self.fields["contacts"].queryset = reachable_contacts(epci).order_by(
            "last_name", "first_name"
        )

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("communes", "functions", "networks", "contacts")):
            raise forms.ValidationError(
                _("Choisissez au moins une commune, une fonction, un réseau ou une personne."),
                code="empty_audience",
            )
        return data

    def recipients(self) -> list[Recipient]:
        return audience_recipients(
            self.epci,
            communes=self.cleaned_data["communes"],
            functions=self.cleaned_data["functions"],
            networks=self.cleaned_data["networks"],
            contacts=self.cleaned_data["contacts"],
        )
