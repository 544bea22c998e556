"""The syndicat mixte's view of the territory: EPCIs, communes and contacts.

There can be 1,255 EPCIs and 34,900 communes on one instance: related fields use autocomplete,
the EPCI filter is a search box rather than a list of every EPCI, and every change list fetches
its related rows in the same query (list_select_related, annotations, prefetch).
"""

import re

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import Commune, Contact, Epci, Service

# A commune's INSEE code: five digits, or 2A/2B and three digits in Corsica.
INSEE_CODE = re.compile(r"(?:\d{2}|2[AB])\d{3}")


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
class EpciAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "kind", "population", "commune_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "siren"]
    ordering = ["name"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["siren", "name", "kind", "financing", "population", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_commune_count=Count("communes"))

    @admin.display(description=_("communes"), ordering="_commune_count")
    def commune_count(self, obj):
        url = reverse("admin:communes_commune_changelist") + "?" + urlencode({"epci": obj.siren})
        return format_html('<a href="{}">{}</a>', url, obj._commune_count)


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "insee_code",
        "postal_codes_display",
        "departement",
        "epci",
        "population",
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
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "function",
        "commune_names",
        "epci",
        "email",
        "phone",
        "user",
        "is_active",
    ]
    list_display_links = ["last_name", "first_name"]
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

    @admin.display(description=_("communes"))
    def commune_names(self, obj):
        names = [commune.name for commune in obj.communes.all()]
        return ", ".join(names) if names else _("(EPCI)")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """The syndicat mixte's catalogue of services, which it keeps up to date itself."""

    list_display = ["name", "code", "url", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    ordering = ["position", "name"]
