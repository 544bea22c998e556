"""The syndicat mixte's view of the territory: EPCIs, communes and contacts.

There can be 1,255 EPCIs and 34,900 communes on one instance: related fields use autocomplete,
the EPCI filter is a search box rather than a list of every EPCI, and every change list fetches
its related rows in the same query (list_select_related, annotations, prefetch).
"""

import re

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from referent_portal.forms import ChoicesAdminMixin
from referent_portal.history import HistoryAdmin

from .models import Commune, Contact, Epci, Service

# A commune's INSEE code: five digits, or 2A/2B and three digits in Corsica.
INSEE_CODE = re.compile(r"(?:\d{2}|2[AB])\d{3}")


def population_display(population):
    """12 345, whatever USE_THOUSAND_SEPARATOR says: populations are read at a glance."""
    return number_format(population, force_grouping=True)


class NoDeleteForStaffMixin:
    """Only a superuser deletes territory and people: a mistaken delete cascades far."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class SearchBoxFilter(admin.SimpleListFilter):
    """A filter typed in a box: a list of links would show every EPCI or commune of France."""

    template = "accounts/admin/search_filter.html"
    placeholder = ""

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        # One entry: the template draws the box and keeps the other active filters and the
        # search as hidden fields.
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "value": self.value() or "",
            "parameter_name": self.parameter_name,
            "placeholder": self.placeholder,
            "hidden_params": [
                (key, value)
                for key, values in changelist.filter_params.items()
                if key != self.parameter_name
                for value in values
            ],
        }


class EpciSearchFilter(SearchBoxFilter):
    """By the SIREN of the EPCI or a part of its name."""

    title = _("EPCI")
    parameter_name = "epci"
    placeholder = _("SIREN ou nom")
    epci_path = "epci"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(**{f"{self.epci_path}__siren": value})
        return queryset.filter(**{f"{self.epci_path}__name__icontains": value})


class CommuneSearchFilter(SearchBoxFilter):
    """Contacts of one commune, by its INSEE code or a part of its name."""

    title = _("commune")
    parameter_name = "commune"
    placeholder = _("Code INSEE ou nom")

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if INSEE_CODE.fullmatch(value.upper()):
            return queryset.filter(communes__insee_code=value.upper()).distinct()
        return queryset.filter(communes__name__icontains=value).distinct()


@admin.register(Epci)
class EpciAdmin(ChoicesAdminMixin, NoDeleteForStaffMixin, admin.ModelAdmin):
    list_display = ["name", "siren", "kind", "population_display", "commune_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "siren"]
    ordering = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["siren", "name", "kind", "financing", "population", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_commune_count=Count("communes"))

    @admin.display(description=_("population"), ordering="population")
    def population_display(self, obj):
        return population_display(obj.population)

    @admin.display(description=_("communes"), ordering="_commune_count")
    def commune_count(self, obj):
        url = reverse("admin:communes_commune_changelist") + "?" + urlencode({"epci": obj.siren})
        return format_html('<a href="{}">{}</a>', url, obj._commune_count)


@admin.register(Commune)
class CommuneAdmin(ChoicesAdminMixin, NoDeleteForStaffMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "insee_code",
        "postal_codes_display",
        "departement",
        "epci",
        "population_display",
    ]
    list_filter = [EpciSearchFilter, "departement", "region"]
    list_select_related = ["epci"]
    search_fields = ["name", "insee_code", "siren", "postal_codes"]
    autocomplete_fields = ["epci"]
    ordering = ["name", "insee_code"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "insee_code",
        "siren",
        "name",
        "population",
        "postal_codes",
        "departement",
        "region",
        "epci",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("codes postaux"))
    def postal_codes_display(self, obj):
        return obj.postal_codes_display

    @admin.display(description=_("population"), ordering="population")
    def population_display(self, obj):
        return population_display(obj.population)


class HasAccountFilter(admin.SimpleListFilter):
    title = _("compte utilisateur")
    parameter_name = "compte"

    def lookups(self, request, model_admin):
        return [("oui", _("Avec compte")), ("non", _("Sans compte"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(user__isnull=False)
        if self.value() == "non":
            return queryset.filter(user__isnull=True)
        return queryset


@admin.register(Contact)
class ContactAdmin(ChoicesAdminMixin, NoDeleteForStaffMixin, admin.ModelAdmin):
    # Fits 1280 px beside the filters: phone, account and activity are on the contact's page
    # (and in the filters).
    list_display = ["name", "function", "commune_names", "epci_name", "email_display"]
    list_display_links = ["name"]
    list_filter = [
        "function",
        EpciSearchFilter,
        CommuneSearchFilter,
        "is_active",
        HasAccountFilter,
        "language",
        "legal_basis",
    ]
    list_select_related = ["epci", "user"]
    search_fields = ["last_name", "first_name", "email", "phone", "communes__name", "epci__name"]
    autocomplete_fields = ["epci", "communes", "user"]
    ordering = ["last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "function", "is_active"]}),
        (_("Rattachement"), {"fields": ["epci", "communes"]}),
        (_("Coordonnées"), {"fields": ["email", "phone", "language"]}),
        (_("Compte et RGPD"), {"fields": ["user", "legal_basis", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("communes")

    @admin.display(description=_("nom"), ordering="last_name")
    def name(self, obj):
        return f"{obj.last_name} {obj.first_name}"

    @admin.display(description=_("EPCI"), ordering="epci__name")
    def epci_name(self, obj):
        # Text, not the related object: the admin never wraps a foreign key's column.
        return obj.epci.name

    @admin.display(description=_("adresse e-mail"), ordering="email")
    def email_display(self, obj):
        # May wrap after the "@": long addresses are common in mairies.
        local, at, domain = obj.email.partition("@")
        return format_html("{}{}<wbr>{}", local, at, domain)

    @admin.display(description=_("communes"))
    def commune_names(self, obj):
        names = [commune.name for commune in obj.communes.all()]
        return Truncator(", ".join(names)).chars(40) if names else _("(EPCI)")


@admin.register(Service)
class ServiceAdmin(HistoryAdmin):
    """The syndicat mixte's catalogue of services, which it keeps up to date itself."""

    list_display = ["name", "code", "url", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "name"]
