"""The networks of competences in the admin site, with their members inline.

The referent manages networks on the portal; the syndicat mixte sees them all here and can
correct one. The same rules hold: members are contacts of the network's EPCI, and the
coordinator is one of the members.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from referent_portal.forms import ChoicesAdminMixin

from .models import Membership, Network


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        network = self.instance
        kept = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            contact = form.cleaned_data.get("contact")
            if contact is None:
                continue
            if network.epci_id and contact.epci_id != network.epci_id:
                form.add_error(
                    "contact", _("Seuls les contacts de l'EPCI du réseau peuvent en être membres.")
                )
            kept.add(contact.pk)
        if network.coordinator_id and network.coordinator_id not in kept:
            raise ValidationError(_("Le coordinateur doit être membre du réseau."))


class MembershipInline(ChoicesAdminMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["contact"]
    fields = ["contact", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name = _("membre")
    verbose_name_plural = _("membres")


@admin.register(Network)
class NetworkAdmin(ChoicesAdminMixin, admin.ModelAdmin):
    list_display = ["name", "epci", "service", "coordinator", "member_count", "is_active"]
    list_filter = ["is_active", "service"]
    list_select_related = ["epci", "service", "coordinator"]
    search_fields = ["name", "theme", "epci__name", "epci__siren"]
    autocomplete_fields = ["epci", "coordinator"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["epci", "name", "theme", "service", "coordinator", "is_active", "created_at"]
    inlines = [MembershipInline]
    ordering = ["epci__name", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description=_("membres"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count
