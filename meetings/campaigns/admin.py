"""The syndicat mixte reads the campaigns the EPCIs relayed: text, documents, audience, counts.

Read-only: a campaign moves through its services (freeze, batches, sweeper), which the referent
starts from the portal; each e-mail is in the outbox, where it can be resent.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from meetings.models import Campaign, CampaignDocument
from referent_portal import converters  # noqa: F401 - registers the <id:…> converter
from referent_portal.forms import ChoicesAdminMixin
from referent_portal.history import HistoryAdmin
from referent_portal.outbox.models import OutgoingEmail
from referent_portal.uploads.responses import file_response


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CampaignDocumentInline(ChoicesAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = CampaignDocument
    fields = readonly_fields = ("download", "created_at")
    extra = 0

    @admin.display(description=_("fichier"))
    def download(self, document):
        url = reverse("admin:meetings_campaign_document", args=[document.campaign_id, document.pk])
        return format_html('<a href="{}" download>{}</a>', url, document.title)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "subject",
        "epci",
        "source",
        "status",
        "recipient_count",
        "sent_count",
        "failed_count",
        "sent_at",
    )
    list_filter = ("status",)
    search_fields = ("subject", "source", "epci__name", "epci__siren")
    list_select_related = ("epci",)
    date_hierarchy = "created_at"
    fields = (
        "subject",
        "source",
        "body",
        "epci",
        "functions",
        "communes",
        "networks",
        "status",
        "send_started_at",
        "sent_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [CampaignDocumentInline]

    def get_queryset(self, request):
        mail = "recipients__email_message__status"
        return (
            super()
            .get_queryset(request)
            .annotate(
                recipient_count=Count("recipients"),
                sent_count=Count("recipients", filter=Q(**{mail: OutgoingEmail.Status.SENT})),
                failed_count=Count("recipients", filter=Q(**{mail: OutgoingEmail.Status.FAILED})),
            )
        )

    @admin.display(description=_("destinataires"), ordering="recipient_count")
    def recipient_count(self, campaign):
        return campaign.recipient_count

    @admin.display(description=_("envoyés"), ordering="sent_count")
    def sent_count(self, campaign):
        return campaign.sent_count

    @admin.display(description=_("échecs"), ordering="failed_count")
    def failed_count(self, campaign):
        return campaign.failed_count

    # Documents: never a /media/ URL; streamed to staff who may see the campaign, as a download.

    def get_urls(self):
        return [
            path(
                "<id:campaign_id>/documents/<id:document_id>/",
                self.admin_site.admin_view(self.document_view),
                name="meetings_campaign_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, campaign_id, document_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(
            CampaignDocument.objects.filter(campaign__in=self.get_queryset(request)),
            pk=document_id,
            campaign_id=campaign_id,
        )
        return file_response(document.file, filename=document.title)
