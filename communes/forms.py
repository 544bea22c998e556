"""Forms of the territory pages."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .text import fold


class CommuneFilterForm(forms.Form):
    """Search, filters and sort order of the list of communes (a GET form: nothing is saved)."""

    POPULATION_BANDS = {
        "lt500": (None, 500),
        "500-1999": (500, 2000),
        "2000-9999": (2000, 10000),
        "gte10000": (10000, None),
    }
    SORTS = {
        "name": ("search_name", "insee_code"),
        "-name": ("-search_name", "-insee_code"),
        "population": ("population", "search_name"),
        "-population": ("-population", "search_name"),
    }

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Nom, code INSEE ou code postal."),
    )
    population = forms.ChoiceField(
        label=_("Population (habitants)"),
        required=False,
        choices=[
            ("", _("Toutes les tailles")),
            ("lt500", _("Moins de 500")),
            ("500-1999", _("De 500 à 1 999")),
            ("2000-9999", _("De 2 000 à 9 999")),
            ("gte10000", _("10 000 et plus")),
        ],
    )
    contacts = forms.ChoiceField(
        label=_("Contacts"),
        required=False,
        choices=[
            ("", _("Toutes les communes")),
            ("none", _("Sans contact")),
            ("some", _("Avec au moins un contact")),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(key, key) for key in SORTS],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "commune-filters"
        self.helper.attrs = {"role": "search", "aria-label": gettext("Filtrer les communes")}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-6 col-lg-4"),
                Column("population", css_class="col-md-6 col-lg-3"),
                Column("contacts", css_class="col-md-6 col-lg-3"),
                Column(
                    HTML(
                        format_html(
                            '<button type="submit" class="btn btn-primary">{}</button>'
                            '<a class="btn btn-link" href="{}" aria-label="{}">{}</a>',
                            gettext("Filtrer"),
                            reverse("communes:list"),
                            gettext("Effacer les filtres"),
                            gettext("Effacer"),
                        )
                    ),
                    css_class="col-md-6 col-lg-2 filter-actions",
                ),
            ),
            Field("sort"),
        )

    @property
    def current_sort(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return data.get("sort") or "name"

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Apply the valid criteria; an invalid one is reported on the form and ignored."""
        data = self.cleaned_data if self.is_bound else {}
        query = (data.get("q") or "").strip()
        if query:
            queryset = queryset.annotate(_postal_codes_text=Cast(F("postal_codes"), TextField()))
            condition = (
                # "brehand" finds Bréhand, "saint brieuc" finds Saint-Brieuc.
                Q(search_name__contains=fold(query))
                | Q(insee_code__istartswith=query)
                | Q(siren=query)
            )
            if query.isdigit():
                condition |= Q(_postal_codes_text__contains=f'"{query}')
            queryset = queryset.filter(condition)
        band = self.POPULATION_BANDS.get(data.get("population") or "")
        if band:
            low, high = band
            if low is not None:
                queryset = queryset.filter(population__gte=low)
            if high is not None:
                queryset = queryset.filter(population__lt=high)
        if data.get("contacts") == "none":
            queryset = queryset.filter(contact_count=0)
        elif data.get("contacts") == "some":
            queryset = queryset.filter(contact_count__gt=0)
        return queryset.order_by(*self.SORTS[self.current_sort])
