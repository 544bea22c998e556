from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from requests_relay import api as relay_api

from . import health

admin.site.site_header = _("Portail du référent e-administration — syndicat mixte")
admin.site.site_title = _("Administration du portail")
admin.site.index_title = _("Pôle promotion et accompagnement")

urlpatterns = [
    path("", include("referent_portal.dashboard.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("referent_portal.accounts.urls")),
    path("", include("referent_portal.legal.urls")),
    path("communes/", include("communes.urls")),
    path("demandes/", include("requests_relay.urls")),
    path("reunions/", include("meetings.urls")),
    path("campagnes/", include("meetings.campaigns.urls")),
    path("formations/", include("trainings.urls")),
    path("api/relay/events/", relay_api.inbound_call, name="relay_inbound"),
    path("api/", include("referent_portal.api.urls")),
    path("admin/", admin.site.urls),
]
# No route serves MEDIA_ROOT, on the embedded default as in production: every uploaded file is
# downloaded through a view that checks who asks (referent_portal.uploads.responses).
