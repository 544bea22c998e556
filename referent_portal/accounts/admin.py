"""Accounts in the admin site: the syndicat mixte creates referents and agents here."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DrfTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from communes.admin import EpciSearchFilter
from referent_portal.forms import ChoicesAdminMixin

from .models import User

# Only a superuser may grant these: a staff member who could would make themselves superuser,
# or open the admin site (is_staff) and the syndicat mixte's rights (groups) to anyone.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
# Nor these of an existing account: whoever sets an account's address or password owns it
# (a reset link goes to the address), and whoever sets a role and an EPCI reads that EPCI's
# internal notes and writes to its communes as the referent — its own account included.
TAKEOVER_FIELDS = ("email", "role", "epci")
PASSWORD_FIELDS = ("usable_password", "password1", "password2")


class AccountCreationForm(AdminUserCreationForm):
    """An account the syndicat mixte makes: without a password, which only its owner chooses
    (« mot de passe oublié » sends the link to the owner's address); agents may also log in by
    a magic link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PASSWORD_FIELDS:
            del self.fields[name]

    def validate_passwords(self, *args, **kwargs):
        self.cleaned_data["set_usable_password"] = False


@admin.register(User)
class UserAdmin(ChoicesAdminMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "role",
        "epci",
        "is_active",
        "is_staff",
        "last_login",
    ]
    list_filter = ["role", EpciSearchFilter, "is_active", "is_staff", "is_superuser", "groups"]
    list_select_related = ["epci"]
    search_fields = ["username", "first_name", "last_name", "email", "epci__name"]
    autocomplete_fields = ["epci"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Identité"), {"fields": ["first_name", "last_name", "email", "language"]}),
        (_("Rôle et territoire"), {"fields": ["role", "epci"]}),
        (
            _("Accès au site d'administration"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Identité"), {"fields": ["first_name", "last_name", "email", "language"]}),
        (_("Rôle et territoire"), {"fields": ["role", "epci"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
            if obj is not None:
                fields += TAKEOVER_FIELDS
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None or request.user.is_superuser:
            return fieldsets
        return [
            (
                title,
                {**options, "fields": [f for f in options["fields"] if f not in PASSWORD_FIELDS]},
            )
            for title, options in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = AccountCreationForm
        return super().get_form(request, obj, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        # Setting someone else's password is taking their account: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request, obj=None):
        # A superuser's account (and password) is only a superuser's to change.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated (is_active), not deleted: their requests and messages stay
        # attributed. Only a superuser deletes one.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ChoicesAdminMixin, DjangoGroupAdmin):
    """Django's, with the kit's choice fields (an out-of-range permission id is a form error)."""


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(ChoicesAdminMixin, DrfTokenAdmin):
    """DRF's API tokens, with the kit's choice fields."""
