"""The syndicat mixte's view of the adoptions: every commune × service of every EPCI.

A status changed here goes through `adoption_set_status`, like one changed by a referent: its
history (who, when, why) and the commune's timeline are written in the same transaction. The
history itself is read-only.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communes.admin import EpciSearchFilter
from referent_portal.forms import ChoicesAdminMixin, formfield

from .models import Adoption, AdoptionEvent
from .services import adoption_check_change, adoption_set_status


class CommuneEpciSearchFilter(EpciSearchFilter):
    """By the SIREN or the name of the commune's EPCI."""

    epci_path = "commune__epci"


class AdoptionEventInline(ChoicesAdminMixin, admin.TabularInline):
    model = AdoptionEvent
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "source", "reason"]
    readonly_fields = fields
    ordering = ["-changed_at", "-pk"]
    verbose_name_plural = _("historique")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class AdoptionAdminForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Motif du changement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Enregistré dans l'historique de l'adhésion et le fil de la commune."),
    )

    class Meta:
        formfield_callback = formfield  # the kit's choice fields for its foreign keys
        model = Adoption
        fields = ["commune", "service", "status"]

    def clean(self):
        data = super().clean()
        commune = data.get("commune") or getattr(self.instance, "commune", None)
        service = data.get("service") or getattr(self.instance, "service", None)
        status = data.get("status")
        if commune is None or service is None or not status:
            return data
        current = self.instance.status if self.instance.pk else Adoption.Status.NOT_ADOPTED
        if status == current:
            self.add_error("status", _("C'est déjà l'état actuel : choisissez un autre état."))
            return data
        try:
            adoption_check_change(commune=commune, service=service, status=status, by=self.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        return data


@admin.register(Adoption)
class AdoptionAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    form = AdoptionAdminForm
    list_display = ["commune", "insee_code", "epci", "service", "status", "status_changed_at"]
    list_filter = ["status", "service", CommuneEpciSearchFilter]
    list_select_related = ["commune", "commune__epci", "service"]
    search_fields = ["commune__name", "commune__insee_code"]
    autocomplete_fields = ["commune"]
    date_hierarchy = "status_changed_at"
    ordering = ["commune__search_name", "service__position"]
    inlines = [AdoptionEventInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["commune", "service", "status", "reason"]

    def get_readonly_fields(self, request, obj=None):
        # A cell is a commune × service: only its status changes.
        return ["commune", "service"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Deleting a row erases its history: only a superuser may.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        adoption = adoption_set_status(
            commune=obj.commune,
            service=obj.service,
            status=form.cleaned_data["status"],
            by=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = adoption.pk
        obj.refresh_from_db()

    @admin.display(description=_("code INSEE"), ordering="commune__insee_code")
    def insee_code(self, obj):
        return obj.commune.insee_code

    @admin.display(description=_("EPCI"), ordering="commune__epci__name")
    def epci(self, obj):
        return obj.commune.epci or "—"
