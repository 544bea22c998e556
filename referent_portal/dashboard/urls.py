from django.urls import path, re_path
from django.views.generic import RedirectView

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("espace/", views.agent_home, name="agent_home"),
    path("espace/courriels/", views.email_preferences, name="email_preferences"),
    path("tableau-de-bord/<slug:key>.csv", views.chart_csv, name="chart_csv"),
    # Former English addresses, still in e-mails already sent and in bookmarks.
    path("space/", RedirectView.as_view(pattern_name="dashboard:agent_home", permanent=True)),
    re_path(r"^requests/(?P<rest>.*)$", views.former_requests_address),
]
