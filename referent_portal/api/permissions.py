"""Who may call what. Which rows a caller sees is the selectors' business (another EPCI's
object is a 404); these only keep a role off the endpoints that are not for it (403)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class RoleAllowed(BasePermission):
    """The view's `agents_allowed` says whether a commune agent may read it at all: the
    meetings' and dossiers' pages are the referent's, and so are their endpoints."""

    message = _("Votre rôle ne donne pas accès à ces données.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser or user.is_syndicat or user.is_referent:
            return True
        return user.is_agent and getattr(view, "agents_allowed", False)


class CanAnswerDossiers(BasePermission):
    """The syndicat mixte answers dossiers: an officer (or its systems' account) allowed to
    change dossiers, as in the admin site's « Répondre aux communes »."""

    message = _("Seul le syndicat mixte répond aux dossiers.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return (user.is_superuser or user.is_syndicat) and user.has_perm(
            "requests_relay.change_dossier"
        )
