"""The suggestions of every EPCI in the admin site: what was proposed, sent and answered.

A suggestion is written, sent and answered on the portal (services send the e-mails and write
the timeline); here the syndicat mixte reads them and can correct a text or a status.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from referent_portal.forms import ChoicesAdminMixin

from .models import Suggestion
from .rules import RULES, rule_title


class RuleFilter(admin.SimpleListFilter):
    title = _("origine")
    parameter_name = "regle"

    def lookups(self, request, model_admin):
        return [("referent", _("Écrite par le référent")), *((r.code, r.title) for r in RULES)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "referent":
            return queryset.filter(rule="")
        if value:
            return queryset.filter(rule=value)
        return queryset


@admin.register(Suggestion)
class SuggestionAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "commune",
        "epci",
        "service",
        "origin",
        "status",
        "sent_at",
        "answered_at",
    ]
    list_filter = ["status", RuleFilter, "service"]
    list_select_related = ["commune", "commune__epci", "service"]
    search_fields = ["title", "body", "commune__name", "commune__insee_code", "commune__epci__name"]
    autocomplete_fields = ["commune", "created_by", "answered_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["rule", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["commune", "service", "title", "body", "status"]}),
        (_("Origine"), {"fields": ["rule", "created_by", "created_at", "sent_at"]}),
        (_("Réponse de la commune"), {"fields": ["answered_at", "answered_by", "answer_comment"]}),
    ]
    ordering = ["-created_at"]

    @admin.display(description=_("EPCI"), ordering="commune__epci__name")
    def epci(self, obj):
        return obj.commune.epci

    @admin.display(description=_("origine"))
    def origin(self, obj):
        return rule_title(obj.rule) if obj.rule else _("Référent")
