"""The syndicat mixte's view of every e-mail the portal sends: read-only, with resend actions.

Messages are written by the portal only (no add, no change); a superuser may delete.
Resending needs the permission outbox.resend_outgoingemail.

Nobody reads a personal link here: the rows hold placeholders (secrets.py). Staff other than
superusers read the content (bodies, attachments) only of the kinds in STAFF_READABLE_KINDS:
what was relayed to the syndicat mixte and what it writes; the rest is the recipient's.
"""

import re
import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter
from referent_portal.forms import ChoicesAdminMixin
from referent_portal.uploads.responses import bytes_response

from .models import DeliveryAttempt, OutgoingAttachment, OutgoingEmail
from .secrets import redact
from .services import attachment_bytes, email_requeue, email_resend, message_id_header

Status = OutgoingEmail.Status

# What caused a message, as the officer reads it; a kind not listed shows its code.
KIND_LABELS = {
    "accounts.magic_link": _("Lien de connexion"),
    "accounts.password_reset": _("Mot de passe oublié"),
    "requests.acknowledgement": _("Demande reçue (à l'agent)"),
    "requests.new_for_referent": _("Nouvelle demande (au référent)"),
    "requests.message_for_referent": _("Message d'une commune (au référent)"),
    "requests.message": _("Message du référent (à l'agent)"),
    "requests.information_needed": _("Informations demandées (à l'agent)"),
    "requests.resolved": _("Réponse du référent (à l'agent)"),
    "requests.relayed": _("Demande transmise (à l'agent)"),
    "requests.dossier_relayed": _("Dossier transmis (au syndicat mixte)"),
    "requests.syndicat_acknowledge": _("Prise en compte du syndicat (à l'agent)"),
    "requests.syndicat_answer": _("Réponse du syndicat (à l'agent)"),
    "requests.syndicat_resolve": _("Résolution par le syndicat (à l'agent)"),
    "requests.syndicat_refuse": _("Refus du syndicat (à l'agent)"),
    "requests.dossier_acknowledge": _("Prise en compte du syndicat (au référent)"),
    "requests.dossier_answer": _("Réponse du syndicat (au référent)"),
    "requests.dossier_resolve": _("Résolution par le syndicat (au référent)"),
    "requests.dossier_refuse": _("Refus du syndicat (au référent)"),
    "drives.invitation": _("Démarche collective : invitation"),
    "drives.reminder": _("Démarche collective : rappel"),
    "drives.cancellation": _("Démarche collective : abandon"),
    "drives.outcome_acknowledge": _("Démarche collective : prise en compte du syndicat"),
    "drives.outcome_answer": _("Démarche collective : réponse du syndicat"),
    "drives.outcome_resolve": _("Démarche collective : adhésion confirmée"),
    "drives.outcome_refuse": _("Démarche collective : adhésion refusée"),
    "suggestions.sent": _("Suggestion à une commune"),
    "suggestions.answered": _("Réponse à une suggestion (au référent)"),
    "meetings.invitation": _("Réunion : invitation"),
    "meetings.invitation_update": _("Réunion : invitation mise à jour"),
    "meetings.invitation_cancel": _("Réunion : annulation"),
    "meetings.reminder": _("Réunion : rappel (à ceux qui acceptent)"),
    "meetings.chase": _("Réunion : relance (sans réponse)"),
    "meetings.chase_staff": _("Réunion : relance aux services de la commune"),
    "meetings.delegated": _("Réunion : remplaçant désigné (au référent)"),
    "meetings.minutes": _("Réunion : compte rendu (aux invités)"),
    "campaigns.message": _("Campagne d'information"),
    "trainings.confirmed": _("Formation : inscription confirmée"),
    "trainings.waiting": _("Formation : liste d'attente"),
    "trainings.promoted": _("Formation : place libérée, inscription confirmée"),
    "trainings.withdrawn": _("Formation : désistement"),
    "trainings.changed": _("Formation : session modifiée"),
    "trainings.cancelled": _("Formation : session annulée"),
    "trainings.reminder": _("Formation : rappel"),
    "trainings.attestation": _("Formation : attestation et questionnaire de satisfaction"),
}


# The messages whose content the syndicat mixte's staff may read: about the dossiers and drives
# relayed to it, its own answers, the campaigns it writes. Everything else (sign-in, requests
# not relayed, invitations, trainings, suggestions) is between the portal and its recipient.
STAFF_READABLE_KINDS = frozenset(
    {
        "requests.relayed",
        "requests.dossier_relayed",
        "requests.syndicat_acknowledge",
        "requests.syndicat_answer",
        "requests.syndicat_resolve",
        "requests.syndicat_refuse",
        "requests.dossier_acknowledge",
        "requests.dossier_answer",
        "requests.dossier_resolve",
        "requests.dossier_refuse",
        "drives.outcome_acknowledge",
        "drives.outcome_answer",
        "drives.outcome_resolve",
        "drives.outcome_refuse",
        "campaigns.message",
    }
)
RESERVED = _("Contenu réservé au destinataire.")
CONTENT_FIELDS = ["body_text_display", "body_html_display"]


def content_readable_by(user, email) -> bool:
    """Whether `user` may read the content (bodies, attachments) of `email`."""
    return user.is_superuser or email.kind in STAFF_READABLE_KINDS


def kind_label(kind):
    return KIND_LABELS.get(kind, kind)


def breakable(text):
    """Text that may wrap after "@" and "/": an address or an error in a narrow column."""
    return format_html_join(
        mark_safe("<wbr>"), "{}", ((part,) for part in re.split(r"(?<=[@/])", text))
    )


# Django admin's own icons: the status reads as a word, the icon only helps the eye.
STATUS_ICONS = {
    Status.QUEUED: "admin/img/icon-clock.svg",
    Status.SENDING: "admin/img/icon-clock.svg",
    Status.SENT: "admin/img/icon-yes.svg",
    Status.RETRY: "admin/img/icon-alert.svg",
    Status.FAILED: "admin/img/icon-no.svg",
    Status.SKIPPED: "admin/img/icon-no.svg",
}


class KindFilter(admin.SimpleListFilter):
    """The kinds of message sent so far, by their French label."""

    title = _("nature")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = OutgoingEmail.objects.order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda c: str(c[1]))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


class _ReadOnlyInline(ChoicesAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Part of the message: whoever may see the message sees its parts.
        return request.user.has_perm("outbox.view_outgoingemail")


class _ContentInline(_ReadOnlyInline):
    def has_view_permission(self, request, obj=None):
        # The attachments are content: the recipient's, unless the kind may be read.
        if obj is not None and not content_readable_by(request.user, obj):
            return False
        return super().has_view_permission(request, obj)


class OutgoingAttachmentInline(_ContentInline):
    model = OutgoingAttachment
    fields = readonly_fields = ["download", "mimetype", "size"]
    verbose_name_plural = _("pièces jointes")

    def get_queryset(self, request):
        # The list shows sizes; the contents stay in the database until downloaded.
        return super().get_queryset(request).defer("content").annotate(size=Length("content"))

    @admin.display(description=_("fichier"))
    def download(self, attachment):
        url = reverse(
            "admin:outbox_outgoingemail_attachment", args=[attachment.email_id, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.filename)

    @admin.display(description=_("taille"))
    def size(self, attachment):
        if attachment.file:
            # A file shared by many messages (a campaign's document): its size in the storage.
            try:
                return filesizeformat(attachment.file.size)
            except OSError:
                return _("fichier introuvable")
        return filesizeformat(attachment.size)


class DeliveryAttemptInline(_ReadOnlyInline):
    model = DeliveryAttempt
    fields = readonly_fields = [
        "number",
        "started_at",
        "duration_ms",
        "outcome",
        "smtp_code",
        "error",
    ]
    verbose_name_plural = _("journal des tentatives d'envoi")


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    # Fits 1280 px beside the filters: long texts are cut short, the state column carries the
    # attempts and the error, the sending date and the language are on the message's page.
    list_display = [
        "to_display",
        "short_subject",
        "kind_display",
        "state_column",
        "created_display",
    ]
    list_display_links = ["to_display", "short_subject"]
    list_filter = ["status", KindFilter, ("created_at", admin.DateFieldListFilter), "language"]
    search_fields = ["to", "subject"]
    search_help_text = _("Destinataire, objet ou Message-ID.")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ["resend", "requeue_now"]
    inlines = [OutgoingAttachmentInline, DeliveryAttemptInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "to",
                    "reply_to",
                    "from_email",
                    "subject_display",
                    "kind_display",
                    "language",
                    "message_id_display",
                ]
            },
        ),
        (
            _("Envoi"),
            {
                "fields": [
                    "status_display",
                    "attempts",
                    "last_error",
                    "next_attempt_at",
                    "enqueued_at",
                    "sending_since",
                    "sent_at",
                    "resent_from",
                    "created_at",
                ]
            },
        ),
        (_("Contenu"), {"fields": CONTENT_FIELDS}),
    ]
    readonly_fields = [
        *(field for _title, options in fieldsets for field in options["fields"]),
        "content_reserved",
    ]

    # Permissions: the portal writes messages, people only read and resend them.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_resend_permission(self, request):
        return request.user.has_perm("outbox.resend_outgoingemail")

    # Columns and fields

    @admin.display(description=_("état"), ordering="status")
    def status_display(self, email):
        label = email.get_status_display()
        if email.status == Status.RETRY and email.next_attempt_at:
            when = date_format(localtime(email.next_attempt_at), "SHORT_DATETIME_FORMAT")
            label = _("%(status)s (%(when)s)") % {"status": label, "when": when}
        return format_html(
            '<img src="{}" alt="" width="13" height="13"> {}',
            static(STATUS_ICONS[email.status]),
            label,
        )

    @admin.display(description=_("état"), ordering="status")
    def state_column(self, email):
        details = []
        if email.attempts:
            details.append(
                ngettext("%(n)d essai", "%(n)d essais", email.attempts) % {"n": email.attempts}
            )
        if email.last_error and email.status in (Status.RETRY, Status.FAILED):
            details.append(breakable(Truncator(email.last_error).chars(60)))
        if not details:
            return self.status_display(email)
        return format_html(
            '{}<div class="help">{}</div>',
            self.status_display(email),
            format_html_join(" · ", "{}", ((detail,) for detail in details)),
        )

    @admin.display(description=_("destinataire"), ordering="to")
    def to_display(self, email):
        return breakable(email.to)

    @admin.display(description=_("objet"), ordering="subject")
    def short_subject(self, email):
        # The subject is content too: a request's notice names it and its commune.
        if not email.subject_readable:
            return RESERVED
        return Truncator(email.subject).chars(50)

    @admin.display(description=_("objet"))
    def subject_display(self, email):
        return email.subject if email.subject_readable else RESERVED

    @admin.display(description=_("nature"), ordering="kind")
    def kind_display(self, email):
        return kind_label(email.kind)

    @admin.display(description=_("créé le"), ordering="created_at")
    def created_display(self, email):
        return date_format(localtime(email.created_at), "SHORT_DATETIME_FORMAT")

    # The content: placeholders spelt out, and nothing at all of a kind that is not staff's.

    @admin.display(description=_("texte"))
    def body_text_display(self, email):
        return redact(email.body_text)

    @admin.display(description=_("HTML"))
    def body_html_display(self, email):
        return redact(email.body_html)

    @admin.display(description=_("contenu"))
    def content_reserved(self, email):
        return RESERVED

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or content_readable_by(request.user, obj):
            return fieldsets
        return [
            (title, {**options, "fields": ["content_reserved"]})
            if options["fields"] == CONTENT_FIELDS
            else (title, options)
            for title, options in fieldsets
        ]

    @admin.display(description=_("Message-ID"))
    def message_id_display(self, email):
        return message_id_header(email)

    def get_queryset(self, request):
        readable = Value(True) if request.user.is_superuser else Q(kind__in=STAFF_READABLE_KINDS)
        return (
            super()
            .get_queryset(request)
            .annotate(subject_readable=ExpressionWrapper(readable, output_field=BooleanField()))
        )

    def get_search_fields(self, request):
        return ["to", "subject"] if request.user.is_superuser else ["to"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term and not request.user.is_superuser:
            # Subjects are searched only where staff may read them.
            results |= queryset.filter(subject_readable=True, subject__icontains=search_term)
        # A Message-ID pasted from a bounce or a complaint: <uuid@domain>.
        candidate = search_term.strip().strip("<>").partition("@")[0]
        try:
            message_id = uuid.UUID(candidate)
        except ValueError:
            return results, may_have_duplicates
        return results | queryset.filter(message_id=message_id), may_have_duplicates

    # Actions

    @admin.action(description=_("Renvoyer"), permissions=["resend"])
    def resend(self, request, queryset):
        resent = left = 0
        for email in queryset.only("pk", "status"):
            if email.status in (Status.QUEUED, Status.SENDING):
                left += 1
            else:
                email_resend(email_id=email.pk)
                resent += 1
        if resent:
            self.message_user(
                request,
                ngettext("%(count)d courriel renvoyé.", "%(count)d courriels renvoyés.", resent)
                % {"count": resent},
                messages.SUCCESS,
            )
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel est déjà en attente ou en cours d'envoi : "
                    "il n'a pas été renvoyé.",
                    "%(count)d courriels sont déjà en attente ou en cours d'envoi : "
                    "ils n'ont pas été renvoyés.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )

    @admin.action(
        description=_("Renvoyer maintenant les courriels en échec ou en attente de nouvel essai"),
        permissions=["resend"],
    )
    def requeue_now(self, request, queryset):
        requeued = skipped = 0
        for email in queryset.only("pk"):
            if email_requeue(email_id=email.pk) is None:
                skipped += 1
            else:
                requeued += 1
        if requeued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel remis dans la file d'envoi.",
                    "%(count)d courriels remis dans la file d'envoi.",
                    requeued,
                )
                % {"count": requeued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel n'était ni en échec ni en attente de nouvel essai : "
                    "il a été laissé tel quel.",
                    "%(count)d courriels n'étaient ni en échec ni en attente de nouvel essai : "
                    "ils ont été laissés tels quels.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    # Attachments, downloadable by whoever may see the message

    def get_urls(self):
        return [
            path(
                "<id:email_id>/attachments/<id:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="outbox_outgoingemail_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, email_id, attachment_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(
            OutgoingAttachment.objects.select_related("email"), pk=attachment_id, email_id=email_id
        )
        if not content_readable_by(request.user, attachment.email):
            raise Http404
        try:
            content = attachment_bytes(attachment)
        except OSError:
            raise Http404 from None  # a shared file no longer in the storage
        # Always a download, never rendered: an HTML attachment must not run in the admin.
        return bytes_response(
            content, filename=attachment.filename, content_type=attachment.mimetype
        )
