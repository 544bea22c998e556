"""Forms of the adoption pages: the matrix's filters, a cell's change, a membership request's."""

from urllib.parse import urlencode

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Epci, Service
from referent_portal.forms import ModelChoiceField

from .models import Adoption
from .selectors import MatrixFilter

Status = Adoption.Status

# The criteria that the matrix, its exports and the way back from a change page share.
FILTER_KEYS = ("epci", "q", "service", "status", "sans_adhesion")


def filter_query(params: QueryDict) -> str:
    """Only the matrix criteria of `params`, URL-encoded (the way back, the export links)."""
    kept = [(key, value) for key in FILTER_KEYS for value in params.getlist(key) if value]
    return urlencode(kept)


class MatrixFilterForm(forms.Form):
    """The matrix's criteria (a GET form: nothing is saved). The syndicat mixte also picks the
    EPCI."""

    epci = ModelChoiceField(
        label=_("EPCI"),
        queryset=Epci.objects.none(),
        to_field_name="siren",
        required=False,
        empty_label=_("Choisir un EPCI"),
    )
    q = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        help_text=_("Nom ou code INSEE."),
    )
    service = ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Tous les services"),
    )
    status = forms.ChoiceField(
        label=_("État pour ce service"),
        required=False,
        choices=[("", _("Tous les états")), *Status.choices],
    )
    sans_adhesion = forms.BooleanField(
        label=_("Sans aucune adhésion"),
        required=False,
        help_text=_("Aucun service en charte signée, en déploiement ou actif."),
    )

    def __init__(self, *args, epcis=None, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_epci = epcis is not None
        if self.choose_epci:
            self.fields["epci"].queryset = epcis.order_by("name")
            self.fields["epci"].label_from_instance = lambda e: f"{e.name} ({e.siren})"
        else:
            del self.fields["epci"]
        self.fields["service"].queryset = Service.objects.filter(pk__in=[s.pk for s in services])

        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "adoption-filters"
        self.helper.attrs = {"role": "search", "aria-label": gettext("Filtrer les communes")}
        self.helper.layout = Layout(
            *([Row(Column("epci", css_class="col-md-8 col-lg-6"))] if self.choose_epci else []),
            Row(
                Column("q", css_class="col-md-6 col-lg-3"),
                Column("service", css_class="col-md-6 col-lg-3"),
                Column("status", css_class="col-md-6 col-lg-2"),
                Column(Field("sans_adhesion"), css_class="col-md-6 col-lg-2 pt-lg-4"),
                Column(
                    HTML(
                        format_html(
                            '<button type="submit" class="btn btn-primary">{}</button>'
                            '<a class="btn btn-link" href="{}" aria-label="{}">{}</a>',
                            gettext("Filtrer"),
                            reverse("communes:adoption_matrix"),
                            gettext("Effacer les filtres"),
                            gettext("Effacer"),
                        )
                    ),
                    css_class="col-md-6 col-lg-2 filter-actions",
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        if data.get("status") and not data.get("service"):
            self.add_error("service", _("Choisissez le service auquel s'applique cet état."))
        return data

    def to_filter(self) -> MatrixFilter:
        """The valid criteria; an invalid one is reported on the form and ignored."""
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return MatrixFilter(
            q=data.get("q") or "",
            service=data.get("service"),
            status=data.get("status") or "",
            without_any=bool(data.get("sans_adhesion")),
        )

    @property
    def selected_epci(self):
        data = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        return data.get("epci")


class _StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Nouvel état"), choices=Status.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif : délibération, date de signature, interlocuteur…"),
    )

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.fields["status"].choices = [
            (
                value,
                gettext("%(label)s (état actuel)") % {"label": label}
                if value == current.status
                else label,
            )
            for value, label in Status.choices
        ]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == self.current.status:
            raise ValidationError(
                _("C'est déjà l'état actuel : choisissez un autre état."), code="unchanged"
            )
        return status


class AdoptionChangeForm(_StatusForm):
    """A cell of the matrix: its new status and why. `back` keeps the matrix's criteria."""

    back = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, current=current, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "status",
            "reason",
            "back",
            StrictButton(
                gettext("Enregistrer le nouvel état"), type="submit", css_class="btn-primary"
            ),
        )


class AdoptionFromRequestForm(_StatusForm):
    """« Mettre à jour l'adhésion » on a commune's membership request."""

    def __init__(self, *args, request_obj, current, **kwargs):
        kwargs.setdefault("prefix", "adoption")
        super().__init__(*args, current=current, **kwargs)
        self.fields["status"].widget = forms.Select()
        self.fields["status"].label = _("Nouvel état de l'adhésion")
        self.fields["reason"].help_text = _(
            "Ajouté au message envoyé à la commune dans les échanges de la demande."
        )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_action = reverse(
            "communes:adoption_from_request", args=[request_obj.reference]
        )
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "status",
            "reason",
            StrictButton(
                gettext("Mettre à jour l'adhésion"), type="submit", css_class="btn-outline-primary"
            ),
        )
