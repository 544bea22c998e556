"""The syndicat mixte's side of the relay: the dossiers inbox, answers, relay logs.

The officer reads what the communes sent (requests, attachments, the thread with the referent)
but never the EPCI's internal notes, nor the files attached to them. Dossiers and requests are
read-only here: the one thing the syndicat mixte writes is its answer.

Which rows each page shows is the selectors' rule (requests_relay/selectors.py), the same as on
the portal and in the API: relayed dossiers and their requests, for the officer and the
platform operator alike.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter
from referent_portal.csv import export_action
from referent_portal.forms import ChoicesAdminMixin
from referent_portal.history import HistoryAdmin
from referent_portal.uploads.responses import file_response

from .models import (
    Dossier,
    DossierStatus,
    InboundCall,
    Relay,
    RelayAttempt,
    Request,
)
from .selectors import (
    attachments_visible_to,
    dossiers_visible_to,
    relays_visible_to,
    requests_visible_to,
    requests_with_thread,
)
from .services import ANSWER_ACTIONS, dossier_apply_answer, relay_retry

ACTION_LABELS = {
    "acknowledge": _("Prendre en compte"),
    "answer": _("Répondre"),
    "resolve": _("Résoudre"),
    "refuse": _("Refuser"),
}
ACTIONS_NEEDING_A_MESSAGE = ("answer", "refuse")

# What the officer reads after answering: what was done, and to how many communes.
ANSWER_DONE = {
    "acknowledge": lambda n: ngettext(
        "Dossier %(ref)s : prise en compte annoncée à %(n)d commune.",
        "Dossier %(ref)s : prise en compte annoncée à %(n)d communes.",
        n,
    ),
    "answer": lambda n: ngettext(
        "Dossier %(ref)s : réponse enregistrée et envoyée à %(n)d commune.",
        "Dossier %(ref)s : réponse enregistrée et envoyée à %(n)d communes.",
        n,
    ),
    "resolve": lambda n: ngettext(
        "Dossier %(ref)s : marqué résolu, %(n)d commune prévenue.",
        "Dossier %(ref)s : marqué résolu, %(n)d communes prévenues.",
        n,
    ),
    "refuse": lambda n: ngettext(
        "Dossier %(ref)s : refus envoyé à %(n)d commune.",
        "Dossier %(ref)s : refus envoyé à %(n)d communes.",
        n,
    ),
}

# Dossiers waiting for the syndicat mixte: relayed, or acknowledged and not yet answered.
AWAITING_SYNDICAT = (DossierStatus.RELAYED, DossierStatus.ACKNOWLEDGED)
ANSWERABLE = (DossierStatus.RELAYED, DossierStatus.ACKNOWLEDGED, DossierStatus.ANSWERED)

# A read-only page: no "Enregistrer" buttons, no delete link; the "Fermer" link remains.
READ_ONLY_PAGE = {
    "show_save": False,
    "show_save_and_continue": False,
    "show_save_and_add_another": False,
    "show_delete": False,
}


def person_display(user):
    """A person as the syndicat mixte knows them: full name and e-mail, not a login."""
    if user is None:
        return "—"
    name = user.get_full_name() or user.username
    if not user.email:
        return name
    return format_html('{} (<a href="mailto:{}">{}</a>)', name, user.email, user.email)


class AnswerForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Réponse"),
        choices=[("", _("— Choisissez —"))]
        + [(code, ACTION_LABELS[code]) for code in ANSWER_ACTIONS],
        error_messages={"required": _("Choisissez la réponse à donner au dossier.")},
    )
    message = forms.CharField(
        label=_("Message aux communes"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        required=False,
        help_text=_("Obligatoire pour une réponse ou un refus ; envoyé à chaque commune."),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") in ACTIONS_NEEDING_A_MESSAGE and not data.get("message", "").strip():
            self.add_error("message", _("Une réponse ou un refus s'accompagne d'un message."))
        return data


class AwaitingSyndicatFilter(admin.SimpleListFilter):
    """The officer's inbox: what waits for the syndicat mixte, counted in the link."""

    title = _("file du syndicat mixte")
    parameter_name = "a_traiter"
    template = "admin/requests_relay/dossier/awaiting_filter.html"

    def lookups(self, request, model_admin):
        waiting = model_admin.get_queryset(request).filter(status__in=AWAITING_SYNDICAT).count()
        return [("oui", _("À traiter (%(n)d)") % {"n": waiting})]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(status__in=AWAITING_SYNDICAT)
        return queryset


class RelayInline(ChoicesAdminMixin, admin.TabularInline):
    model = Relay
    fields = ("webhook_id", "state", "attempts", "last_status_code", "last_error", "delivered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request) & relays_visible_to(request.user)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(HistoryAdmin):
    # Secondary columns (nature, service) are in the filters and on the dossier's page.
    list_display = (
        "reference_display",
        "short_title",
        "epci_name",
        "status",
        "request_count",
        "relayed_at",
    )
    list_display_links = ("reference_display", "short_title")
    list_filter = (
        AwaitingSyndicatFilter,
        "status",
        "category",
        "service",
        "training_module",
        "relayed_at",
    )
    search_fields = ("reference", "title", "epci__name", "epci__siren", "requests__reference")
    list_select_related = ("epci",)
    date_hierarchy = "relayed_at"
    fieldsets = [
        (None, {"fields": ["reference", "epci", "title", "status"]}),
        (
            _("Objet du dossier"),
            {"fields": ["category", "service", "training_module", "summary", "arguments"]},
        ),
        (
            _("Suivi"),
            {"fields": ["created_by_display", "created_at", "relayed_at", "answered_at", "answer"]},
        ),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    inlines = [RelayInline]
    actions = [
        "acknowledge",
        "resolve",
        export_action(
            "dossiers.csv",
            [
                (_("référence"), lambda d: d.reference),
                (_("EPCI"), lambda d: d.epci.name),
                (_("intitulé"), lambda d: d.title),
                (_("état"), lambda d: str(d.get_status_display())),
                (_("transmis le"), lambda d: d.relayed_at.isoformat() if d.relayed_at else ""),
                (
                    _("réponse reçue le"),
                    lambda d: d.answered_at.isoformat() if d.answered_at else "",
                ),
            ],
        ),
    ]
    change_form_template = "admin/requests_relay/dossier/change_form.html"

    def get_queryset(self, request):
        # Relayed dossiers only: a draft is still the referent's (the selectors' rule).
        visible = super().get_queryset(request) & dossiers_visible_to(request.user)
        return visible.annotate(_request_count=Count("requests"))

    @admin.display(description=_("référence"), ordering="reference")
    def reference_display(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.reference)

    @admin.display(description=_("intitulé"), ordering="title")
    def short_title(self, obj):
        return Truncator(obj.title).chars(60)

    @admin.display(description=_("EPCI"), ordering="epci__name")
    def epci_name(self, obj):
        # Text, not the related object: the admin never wraps a foreign key's column.
        return obj.epci.name

    @admin.display(description=_("demandes"), ordering="_request_count")
    def request_count(self, obj):
        return obj._request_count

    @admin.display(description=_("créé par"))
    def created_by_display(self, obj):
        return person_display(obj.created_by)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Pages

    def changelist_view(self, request, extra_context=None):
        waiting = self.get_queryset(request).filter(status__in=AWAITING_SYNDICAT).count()
        context = {
            "title": _("Dossiers transmis par les EPCI"),
            "subtitle": ngettext("%(n)d dossier à traiter", "%(n)d dossiers à traiter", waiting)
            % {"n": waiting},
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY_PAGE, **(extra_context or {})}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                {
                    "title": _("Dossier %(ref)s") % {"ref": obj.reference},
                    "subtitle": obj.title,
                    "dossier_requests": requests_with_thread(request.user, obj.requests.all()),
                    "has_relays": obj.relays.exists(),
                    "can_answer": obj.status in ANSWERABLE
                    and self.has_change_permission(request, obj),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The answer

    def get_urls(self):
        return [
            path(
                "<id:pk>/answer/",
                self.admin_site.admin_view(self.answer_view),
                name="requests_relay_dossier_answer",
            ),
            *super().get_urls(),
        ]

    def answer_view(self, request, pk):
        dossier = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, dossier):
            raise PermissionDenied
        form = AnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            action = form.cleaned_data["action"]
            try:
                dossier_apply_answer(
                    dossier=dossier,
                    action=action,
                    message=form.cleaned_data["message"],
                    author=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                communes = dossier.requests.values("commune").distinct().count()
                self.message_user(
                    request,
                    ANSWER_DONE[action](communes) % {"ref": dossier.reference, "n": communes},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:requests_relay_dossier_change", args=[pk]))
        adminform = helpers.AdminForm(
            form, [(None, {"fields": list(form.fields)})], {}, model_admin=self
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": dossier,
            "adminform": adminform,
            "form": form,
            "errors": helpers.AdminErrorList(form, []),
            "dossier_requests": (
                requests_visible_to(request.user) & dossier.requests.all()
            ).select_related("commune"),
            "title": _("Répondre au dossier %(ref)s") % {"ref": dossier.reference},
            "subtitle": dossier.title,
        }
        return TemplateResponse(request, "admin/requests_relay/dossier/answer.html", context)

    def _bulk_answer(self, request, queryset, action):
        done, refused = 0, []
        for dossier in queryset:
            try:
                dossier_apply_answer(dossier=dossier, action=action, author=request.user)
                done += 1
            except ValidationError as exc:
                refused.append(f"{dossier.reference} : {' '.join(exc.messages)}")
        if done:
            self.message_user(
                request,
                ngettext("%(n)d dossier mis à jour.", "%(n)d dossiers mis à jour.", done)
                % {"n": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Prendre en compte les dossiers choisis"))
    def acknowledge(self, request, queryset):
        self._bulk_answer(request, queryset, "acknowledge")

    @admin.action(description=_("Marquer les dossiers choisis comme résolus"))
    def resolve(self, request, queryset):
        self._bulk_answer(request, queryset, "resolve")


@admin.register(Request)
class RequestAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "commune", "short_subject", "urgency", "status", "created_at")
    list_filter = ("status", "category", "urgency", "service")
    search_fields = ("reference", "subject", "commune__name", "commune__insee_code")
    list_select_related = ("commune",)
    date_hierarchy = "created_at"
    fields = (
        "reference",
        "commune",
        "submitter_display",
        "category",
        "service",
        "training_module",
        "subject",
        "description",
        "urgency",
        "status",
        "status_changed_at",
        "assigned_to_display",
        "dossier",
        "created_at",
    )
    readonly_fields = fields
    change_form_template = "admin/requests_relay/request/change_form.html"

    def get_queryset(self, request):
        # The syndicat mixte sees what was relayed to it; the rest is the EPCI's business.
        return super().get_queryset(request) & requests_visible_to(request.user)

    @admin.display(description=_("objet"), ordering="subject")
    def short_subject(self, obj):
        return Truncator(obj.subject).chars(60)

    @admin.display(description=_("déposée par"))
    def submitter_display(self, obj):
        return person_display(obj.submitted_by)

    @admin.display(description=_("suivie par"))
    def assigned_to_display(self, obj):
        return person_display(obj.assigned_to)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY_PAGE, **(extra_context or {})}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                {
                    "title": _("Demande %(ref)s") % {"ref": obj.reference},
                    "subtitle": obj.subject,
                    "shared": requests_with_thread(
                        request.user, Request.objects.filter(pk=obj.pk)
                    ).get(),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Attachments: streamed to staff who may see the request, always as a download.

    def get_urls(self):
        return [
            path(
                "<id:request_id>/attachments/<id:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="requests_relay_attachment_download",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, request_id, attachment_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(
            attachments_visible_to(request.user), pk=attachment_id, request_id=request_id
        )
        # Never rendered in the admin's origin: an HTML or SVG file must not run here.
        return file_response(attachment.file, filename=attachment.filename)


class RelayAttemptInline(ChoicesAdminMixin, admin.TabularInline):
    model = RelayAttempt
    fields = ("started_at", "duration_ms", "status_code", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Relay)
class RelayAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "dossier",
        "event",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "event", "created_at")
    search_fields = ("webhook_id", "dossier__reference", "last_error")
    list_select_related = ("dossier",)
    readonly_fields = (
        "dossier",
        "event",
        "webhook_id",
        "endpoint",
        "payload",
        "state",
        "attempts",
        "first_attempt_at",
        "next_attempt_at",
        "sending_since",
        "delivered_at",
        "last_status_code",
        "last_error",
        "created_at",
    )
    inlines = [RelayAttemptInline]
    actions = ["retry"]

    def get_queryset(self, request):
        # The deliveries of the dossiers the user sees (the selectors' rule).
        return super().get_queryset(request) & relays_visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY_PAGE, **(extra_context or {})}
        )

    @admin.action(description=_("Relancer les relais en échec"))
    def retry(self, request, queryset):
        done = 0
        for relay in queryset.filter(state=Relay.State.FAILED):
            relay_retry(relay=relay)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d relais relancé.", "%(n)d relais relancés.", done) % {"n": done},
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(InboundCall)
class InboundCallAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    list_display = ("webhook_id", "received_at")
    search_fields = ("webhook_id",)
    readonly_fields = ("webhook_id", "received_at", "payload")

    def has_add_permission(self, request):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, {**READ_ONLY_PAGE, **(extra_context or {})}
        )
