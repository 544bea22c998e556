"""Query parameters of the lists. Territory objects are named by their official codes (SIREN
of an EPCI, INSEE code of a commune, code of a service or module), never by database ids."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from communes.models import Adoption, Commune, Epci, Service
from communes.text import fold
from meetings.models import Meeting
from requests_relay.models import Category, Dossier, DossierStatus, Request
from trainings.models import TrainingSession


class EpciFilter(filters.FilterSet):
    siren = filters.CharFilter(field_name="siren", help_text=_("SIREN de l'EPCI."))
    search = filters.CharFilter(
        method="filter_search", help_text=_("Une partie du nom, ou le début du SIREN.")
    )
    kind = filters.ChoiceFilter(choices=Epci.Kind.choices, help_text=_("Nature juridique."))

    class Meta:
        model = Epci
        fields = ["siren", "search", "kind"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(siren__startswith=value))


class CommuneFilter(filters.FilterSet):
    epci = filters.CharFilter(field_name="epci__siren", help_text=_("SIREN de l'EPCI."))
    insee = filters.CharFilter(field_name="insee_code", help_text=_("Code INSEE de la commune."))
    departement = filters.CharFilter(
        field_name="departement", help_text=_("Code du département, ex. 22 ou 2A.")
    )
    search = filters.CharFilter(
        method="filter_search",
        help_text=_("Une partie du nom (sans souci des accents ni des tirets) ou du code INSEE."),
    )

    class Meta:
        model = Commune
        fields = ["epci", "insee", "departement", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(search_name__contains=fold(value)) | Q(insee_code__startswith=value)
        )


class ServiceFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code", help_text=_("Code du service."))
    is_active = filters.BooleanFilter(
        field_name="is_active", help_text=_("Proposé aujourd'hui par le syndicat mixte.")
    )

    class Meta:
        model = Service
        fields = ["code", "is_active"]


class AdoptionFilter(filters.FilterSet):
    epci = filters.CharFilter(field_name="commune__epci__siren", help_text=_("SIREN de l'EPCI."))
    commune = filters.CharFilter(
        field_name="commune__insee_code", help_text=_("Code INSEE de la commune.")
    )
    service = filters.CharFilter(field_name="service__code", help_text=_("Code du service."))
    status = filters.ChoiceFilter(
        choices=Adoption.Status.choices, help_text=_("État de l'adhésion.")
    )

    class Meta:
        model = Adoption
        fields = ["epci", "commune", "service", "status"]


# Dates in ISO 8601 only, whatever the caller's language (no « 31/12/2026 » in French).
ISO_DATE = ["%Y-%m-%d"]


class _DateRange(filters.FilterSet):
    """`starts_after` and `starts_before`: dates (YYYY-MM-DD), both included."""

    starts_after = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__gte",
        input_formats=ISO_DATE,
        help_text=_("Commence ce jour ou après (AAAA-MM-JJ)."),
    )
    starts_before = filters.DateFilter(
        field_name="starts_at",
        lookup_expr="date__lte",
        input_formats=ISO_DATE,
        help_text=_("Commence ce jour ou avant (AAAA-MM-JJ)."),
    )


class MeetingFilter(_DateRange):
    epci = filters.CharFilter(field_name="epci__siren", help_text=_("SIREN de l'EPCI."))
    kind = filters.ChoiceFilter(choices=Meeting.Kind.choices, help_text=_("Type de réunion."))
    status = filters.ChoiceFilter(choices=Meeting.Status.choices, help_text=_("État."))

    class Meta:
        model = Meeting
        fields = ["epci", "kind", "status", "starts_after", "starts_before"]


class TrainingSessionFilter(_DateRange):
    epci = filters.CharFilter(field_name="epci__siren", help_text=_("SIREN de l'EPCI."))
    module = filters.CharFilter(field_name="module__code", help_text=_("Code du module."))
    status = filters.ChoiceFilter(choices=TrainingSession.Status.choices, help_text=_("État."))

    class Meta:
        model = TrainingSession
        fields = ["epci", "module", "status", "starts_after", "starts_before"]


class DossierFilter(filters.FilterSet):
    epci = filters.CharFilter(field_name="epci__siren", help_text=_("SIREN de l'EPCI."))
    status = filters.ChoiceFilter(choices=DossierStatus.choices, help_text=_("État."))
    category = filters.ChoiceFilter(choices=Category.choices, help_text=_("Nature."))
    reference = filters.CharFilter(
        field_name="reference",
        method="filter_reference",
        help_text=_("Référence du dossier (DOS-…), ou d'une de ses demandes (DEM-…)."),
    )

    class Meta:
        model = Dossier
        fields = ["epci", "status", "category", "reference"]

    def filter_reference(self, queryset, name, value):
        value = value.strip()
        of_a_request = Request.objects.filter(dossier=OuterRef("pk"), reference__iexact=value)
        return queryset.filter(Q(reference__iexact=value) | Exists(of_a_request))
