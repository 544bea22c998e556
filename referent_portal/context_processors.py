from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def portal(request):
    user = getattr(request, "user", None)
    epci = getattr(user, "epci", None) if user is not None and user.is_authenticated else None
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SYNDICAT_NAME": settings.SYNDICAT_NAME,
        "current_epci": epci,
    }


# (section, label, URL name); a page belongs to the section its URL name starts with.
REFERENT_NAV = [
    ("dashboard", _("Tableau de bord"), "dashboard:home"),
    ("communes", _("Communes"), "communes:list"),
    ("adoption", _("Adhésions"), "communes:adoption_matrix"),
    ("requests", _("Demandes"), "requests_relay:list"),
    ("meetings", _("Réunions"), "meetings:list"),
    ("campaigns", _("Campagnes"), "campaigns:list"),
    ("trainings", _("Formations"), "trainings:session_list"),
    ("dossiers", _("Dossiers"), "requests_relay:dossier_list"),
    ("drives", _("Démarches"), "communes:drive_list"),
    ("suggestions", _("Suggestions"), "communes:suggestion_list"),
    ("networks", _("Réseaux"), "communes:network_list"),
]
AGENT_NAV = [
    ("space", _("Mon espace"), "dashboard:agent_home"),
    ("requests", _("Mes demandes"), "requests_relay:list"),
    ("trainings", _("Formations"), "trainings:catalogue"),
]
SECTION_PREFIXES = [  # (app, URL name prefix, section), first match wins
    ("communes", "adoption_", "adoption"),
    ("communes", "drive_", "drives"),
    ("communes", "suggestion_", "suggestions"),
    ("communes", "network_", "networks"),
    ("communes", "", "communes"),
    ("requests_relay", "dossier_", "dossiers"),
    ("requests_relay", "relay", "dossiers"),
    ("requests_relay", "", "requests"),
    ("dashboard", "agent_home", "space"),
    ("dashboard", "", "dashboard"),
    ("meetings", "", "meetings"),
    ("campaigns", "", "campaigns"),
    ("trainings", "", "trainings"),
]


def _section(request, *, agent: bool) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for app, prefix, section in SECTION_PREFIXES:
        if match.app_name == app and (match.url_name or "").startswith(prefix):
            # An agent's pages of the communes app (their commune, a drive to answer) are
            # part of their space.
            return "space" if agent and app == "communes" else section
    return ""


def navigation(request):
    """The header's links for the user's role, the current section marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.is_referent:
        items = REFERENT_NAV
    elif user.is_agent:
        items = AGENT_NAV
    elif user.is_syndicat or user.is_superuser:
        items = [item for item in REFERENT_NAV if item[0] == "communes"]
    section = _section(request, agent=user.is_agent)
    nav = [
        {
            "label": label,
            "url": (url := reverse(name)),
            "active": key == section,
            "current": request.path == url,
        }
        for key, label, name in items
    ]
    if user.is_staff:
        admin_url = reverse("admin:index")
        nav.append(
            {"label": _("Administration"), "url": admin_url, "active": False, "current": False}
        )
    return {"nav_items": nav}
