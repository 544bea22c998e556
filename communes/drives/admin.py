"""The syndicat mixte reads the EPCIs' drives here: who was invited, who committed, which dossier.

Read-only for everyone: a drive moves through its services (e-mails, timeline, dossier), which
the referent calls from the portal; the syndicat mixte answers the drive's dossier.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from referent_portal.forms import ChoicesAdminMixin

from .models import Commitment, Drive


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CommitmentInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = Commitment
    fields = ("commune", "status", "deliberation_date", "comment", "changed_by", "updated_at")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commune", "changed_by")


@admin.register(Drive)
class DriveAdmin(ChoicesAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "epci",
        "service",
        "status",
        "deadline",
        "commune_count",
        "committed_count",
        "dossier_link",
    )
    list_filter = ("status", "service")
    search_fields = ("title", "epci__name", "epci__siren", "dossier__reference")
    list_select_related = ("epci", "service", "dossier")
    date_hierarchy = "deadline"
    fields = (
        "title",
        "epci",
        "service",
        "status",
        "message",
        "deadline",
        "created_by",
        "created_at",
        "opened_at",
        "closed_at",
        "dossier_link",
    )
    readonly_fields = fields
    inlines = [CommitmentInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _commune_count=Count("commitments"),
                _committed_count=Count(
                    "commitments", filter=Q(commitments__status=Commitment.Status.COMMITTED)
                ),
            )
        )

    @admin.display(description=_("communes invitées"), ordering="_commune_count")
    def commune_count(self, obj):
        return obj._commune_count

    @admin.display(description=_("communes engagées"), ordering="_committed_count")
    def committed_count(self, obj):
        return obj._committed_count

    @admin.display(description=_("dossier transmis"), ordering="dossier__reference")
    def dossier_link(self, obj):
        if obj.dossier is None:
            return "—"
        url = reverse("admin:requests_relay_dossier_change", args=[obj.dossier.pk])
        return format_html('<a href="{}">{}</a>', url, obj.dossier.reference)
