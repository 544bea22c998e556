"""The syndicat mixte reads the EPCIs' meetings here: when, where, who was invited and came.

Read-only: a meeting moves through its services (invitations, .ics updates, check-in), which
the referent calls from the portal. Campaigns have their own admin (meetings/campaigns/admin.py).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from communes.drives.admin import ReadOnlyMixin
from referent_portal import converters  # noqa: F401 - registers the <id:…> converter
from referent_portal.csv import export_action
from referent_portal.forms import ChoicesAdminMixin
from referent_portal.history import HistoryAdmin
from referent_portal.uploads.responses import file_response

from .models import FollowUp, Invitation, Meeting, MeetingDocument


class InvitationInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = Invitation
    fields = ("commune", "name", "function", "email", "response", "responded_at", "attended")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commune")


class DocumentInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = MeetingDocument
    fields = ("title", "download", "created_at")
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("fichier"))
    def download(self, document):
        url = reverse("admin:meetings_meeting_document", args=[document.meeting_id, document.pk])
        return format_html('<a href="{}" download>{}</a>', url, document.filename)


class FollowUpInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = FollowUp
    fields = ("commune", "text", "request", "suggestion")
    readonly_fields = fields
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "title",
        "epci",
        "kind",
        "starts_at",
        "status",
        "invited_count",
        "accepted_count",
        "attended_count",
    )
    list_filter = ("status", "kind", "service")
    search_fields = ("title", "topic", "epci__name", "epci__siren")
    list_select_related = ("epci",)
    date_hierarchy = "starts_at"
    exclude = ("uid",)
    inlines = (InvitationInline, DocumentInline, FollowUpInline)
    actions = [
        export_action(
            "reunions.csv",
            [
                (_("EPCI"), lambda m: m.epci.name),
                (_("intitulé"), lambda m: m.title),
                (_("type de réunion"), lambda m: str(m.get_kind_display())),
                (_("début"), lambda m: m.starts_at.isoformat()),
                (_("état"), lambda m: str(m.get_status_display())),
                (_("invités"), lambda m: m.invited),
                (_("acceptent"), lambda m: m.accepted),
                (_("présents"), lambda m: m.attended),
            ],
        )
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                invited=Count("invitations", filter=Q(invitations__walk_in=False)),
                accepted=Count("invitations", filter=Q(invitations__response="accepted")),
                attended=Count("invitations", filter=Q(invitations__attended=True)),
            )
        )

    @admin.display(description=_("invités"), ordering="invited")
    def invited_count(self, obj):
        return obj.invited

    @admin.display(description=_("acceptent"), ordering="accepted")
    def accepted_count(self, obj):
        return obj.accepted

    @admin.display(description=_("présents"), ordering="attended")
    def attended_count(self, obj):
        return obj.attended

    # Documents: never a /media/ URL; streamed to staff who may see the meeting, as a download.

    def get_urls(self):
        return [
            path(
                "<id:meeting_id>/documents/<id:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="meetings_meeting_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, meeting_id, document_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(
            MeetingDocument.objects.filter(meeting__in=self.get_queryset(request)),
            pk=document_id,
            meeting_id=meeting_id,
        )
        return file_response(document.file, filename=document.filename)
