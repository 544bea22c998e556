"""The syndicat mixte's side of the relay: the dossiers inbox, answers, relay logs."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Dossier, InboundCall, Relay, RelayAttempt, Request, Status
from .services import ANSWER_ACTIONS, dossier_apply_answer, relay_retry

ACTION_LABELS = {
    "acknowledge": _("Prendre en compte"),
    "answer": _("Répondre"),
    "resolve": _("Résoudre"),
    "refuse": _("Refuser"),
}


class AnswerForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Réponse"), choices=[(code, ACTION_LABELS[code]) for code in ANSWER_ACTIONS]
    )
    message = forms.CharField(
        label=_("Message aux communes"),
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        required=False,
        help_text=_("Obligatoire pour une réponse ou un refus ; envoyé à chaque commune."),
    )


class RequestInline(admin.TabularInline):
    model = Request
    fields = ("reference", "commune", "subject", "urgency", "status", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class RelayInline(admin.TabularInline):
    model = Relay
    fields = ("webhook_id", "state", "attempts", "last_status_code", "last_error", "delivered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "epci",
        "title",
        "category",
        "service",
        "status",
        "request_count",
        "relayed_at",
    )
    list_filter = ("status", "category", "service", "training_module", "relayed_at")
    search_fields = ("reference", "title", "epci__name", "epci__siren", "requests__reference")
    list_select_related = ("epci", "service")
    date_hierarchy = "relayed_at"
    readonly_fields = (
        "reference",
        "epci",
        "category",
        "service",
        "training_module",
        "title",
        "summary",
        "arguments",
        "status",
        "created_by",
        "created_at",
        "relayed_at",
        "answered_at",
        "answer",
    )
    inlines = [RequestInline, RelayInline]
    actions = ["acknowledge", "resolve"]
    change_form_template = "admin/requests_relay/dossier/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(status=Status.IN_PROGRESS)  # still being built by the referent
            .annotate(_request_count=Count("requests"))
        )

    @admin.display(description=_("demandes"), ordering="_request_count")
    def request_count(self, obj):
        return obj._request_count

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/answer/",
                self.admin_site.admin_view(self.answer_view),
                name="requests_relay_dossier_answer",
            ),
            *super().get_urls(),
        ]

    def answer_view(self, request, pk):
        dossier = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, dossier):
            return redirect("admin:index")
        form = AnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dossier_apply_answer(
                    dossier=dossier,
                    action=form.cleaned_data["action"],
                    message=form.cleaned_data["message"],
                    author=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    _("Réponse enregistrée ; les communes du dossier sont prévenues."),
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:requests_relay_dossier_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": dossier,
            "form": form,
            "title": _("Répondre au dossier %(ref)s") % {"ref": dossier.reference},
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
class RequestAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "commune",
        "category",
        "subject",
        "urgency",
        "status",
        "created_at",
    )
    list_filter = ("status", "category", "urgency", "service")
    search_fields = ("reference", "subject", "commune__name", "commune__insee_code")
    list_select_related = ("commune",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "reference",
        "commune",
        "submitted_by",
        "category",
        "service",
        "training_module",
        "subject",
        "description",
        "urgency",
        "status",
        "status_changed_at",
        "assigned_to",
        "dossier",
        "created_at",
    )
    exclude = ()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RelayAttemptInline(admin.TabularInline):
    model = RelayAttempt
    fields = ("started_at", "duration_ms", "status_code", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Relay)
class RelayAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
class InboundCallAdmin(admin.ModelAdmin):
    list_display = ("webhook_id", "received_at")
    search_fields = ("webhook_id",)
    readonly_fields = ("webhook_id", "received_at", "payload")

    def has_add_permission(self, request):
        return False
