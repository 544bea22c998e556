"""Forms of the networks pages: the network itself, and adding a member."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Contact, Service
from referent_portal.forms import ModelChoiceField

from .models import Network
from .selectors import network_candidates


def contact_label(contact: Contact) -> str:
    """« Le Goff Claire — Secrétaire de mairie (Hénon, Bréhand) »: enough to tell two apart."""
    communes = ", ".join(commune.name for commune in contact.communes.all())
    label = f"{contact.last_name} {contact.first_name} — {contact.get_function_display()}"
    return f"{label} ({communes})" if communes else f"{label} ({gettext('contact de l’EPCI')})"


class NetworkForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du réseau"),
        max_length=200,
        help_text=_("Par exemple : « Acheteurs publics — dématérialisation »."),
    )
    theme = forms.CharField(
        label=_("Thème"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce qui réunit les membres : pratiques partagées, questions, projets."),
    )
    service = ModelChoiceField(
        label=_("Service concerné"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("Aucun en particulier"),
    )
    coordinator = ModelChoiceField(
        label=_("Coordinateur"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("Pas de coordinateur"),
        help_text=_("Choisi parmi les membres du réseau."),
    )
    is_active = forms.BooleanField(
        label=_("Réseau actif"),
        required=False,
        initial=True,
        help_text=_("Un réseau inactif n'apparaît plus dans l'espace de ses membres."),
    )

    def __init__(self, *args, network: Network | None = None, **kwargs):
        if network is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": network.name,
                    "theme": network.theme,
                    "service": network.service_id,
                    "coordinator": network.coordinator_id,
                    "is_active": network.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        if network is None:
            # A new network has no member yet: its coordinator is chosen once they are added.
            del self.fields["coordinator"]
            del self.fields["is_active"]
            action = reverse("communes:network_create")
            cancel = reverse("communes:network_list")
            button = gettext("Créer le réseau")
        else:
            members = Contact.objects.filter(memberships__network=network).prefetch_related(
                "communes"
            )
            self.fields["coordinator"].queryset = members.order_by("last_name", "first_name")
            self.fields["coordinator"].label_from_instance = contact_label
            action = reverse("communes:network_update", args=[network.pk])
            cancel = reverse("communes:network_detail", args=[network.pk])
            button = gettext("Enregistrer")

        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = action
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            *(Field(name) for name in self.fields),
            Div(
                StrictButton(button, type="submit", css_class="btn-primary"),
                HTML(
                    format_html(
                        '<a class="btn btn-link" href="{}">{}</a>', cancel, gettext("Annuler")
                    )
                ),
                css_class="d-flex gap-2 align-items-center",
            ),
        )


class MemberAddForm(forms.Form):
    contact = ModelChoiceField(
        label=_("Contact à ajouter"),
        queryset=Contact.objects.none(),
        empty_label=_("Choisissez un contact…"),
        help_text=_("Les contacts actifs de l'EPCI qui ne sont pas encore membres."),
    )

    def __init__(self, *args, network: Network, **kwargs):
        kwargs.setdefault("prefix", "membre")
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = network_candidates(network)
        self.fields["contact"].label_from_instance = contact_label
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse("communes:network_member_add", args=[network.pk])
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field("contact"),
            StrictButton(gettext("Ajouter au réseau"), type="submit", css_class="btn-primary"),
        )
