"""The syndicat mixte keeps its catalogue of training modules here; it reads the EPCIs' sessions
and enrolments (the referents run them from the portal, where every change e-mails people)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from communes.admin import EpciSearchFilter
from referent_portal.csv import export_action
from referent_portal.forms import ChoicesAdminMixin
from referent_portal.history import HistoryAdmin

from .models import Enrolment, EnrolmentReminder, TrainingModule, TrainingSession


@admin.register(TrainingModule)
class TrainingModuleAdmin(HistoryAdmin):
    list_display = ["title", "code", "service", "duration_hours", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active", "service"]
    search_fields = ["title", "code", "objectives", "audience"]
    prepopulated_fields = {"code": ["title"]}
    list_select_related = ["service"]
    ordering = ["position", "title"]
    fields = [
        "code",
        "title",
        "objectives",
        "audience",
        "duration_hours",
        "prerequisites",
        "service",
        "is_active",
        "position",
    ]

    def has_delete_permission(self, request, obj=None):
        # A module with sessions is history (attestations, coverage): retire it instead.
        if obj is not None and obj.sessions.exists():
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyMixin:
    """Written by the portal's services only: read, filter, search."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EnrolmentInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = Enrolment
    fields = ["contact", "commune", "status", "queued_at", "promoted_at", "withdrawn_at"]
    readonly_fields = fields
    ordering = ["status", "queued_at", "pk"]
    extra = 0
    show_change_link = True


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = [
        "module",
        "starts_at",
        "epci",
        "venue",
        "host_commune",
        "capacity",
        "seats_taken",
        "status",
    ]
    list_filter = ["status", "module", "venue", EpciSearchFilter]
    search_fields = ["module__title", "epci__name", "host_commune__name", "trainer_name"]
    list_select_related = ["module", "epci", "host_commune"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    inlines = [EnrolmentInline]
    actions = [
        export_action(
            "sessions.csv",
            [
                (_("EPCI"), lambda s: s.epci.name),
                (_("module"), lambda s: s.module.title),
                (_("début"), lambda s: s.starts_at.isoformat()),
                (_("nombre de places"), lambda s: s.capacity),
                (_("places occupées"), lambda s: s.seats_taken),
                (_("état"), lambda s: str(s.get_status_display())),
            ],
        )
    ]


class ReminderInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = EnrolmentReminder
    fields = ["days_before", "sent_at", "email_message"]
    readonly_fields = fields
    extra = 0


class SessionEpciFilter(EpciSearchFilter):
    epci_path = "session__epci"


@admin.register(Enrolment)
class EnrolmentAdmin(ChoicesAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["contact", "commune", "session", "status", "queued_at", "attended"]
    list_filter = ["status", "session__module", "attended", SessionEpciFilter]
    search_fields = [
        "contact__last_name",
        "contact__first_name",
        "contact__email",
        "commune__name",
        "session__module__title",
    ]
    list_select_related = ["contact", "commune", "session", "session__module"]
    ordering = ["-queued_at"]
    inlines = [ReminderInline]
