"""/reunions/…: names join the "meetings" namespace (meetings/urls.py includes this)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

urlpatterns = [
    path("presence/", views.rates, name="attendance_rates"),
    path("presence/export.csv", views.rates_csv, name="attendance_rates_csv"),
    path("<id:pk>/emargement/", views.checkin, name="checkin"),
    path("<id:pk>/emargement.pdf", views.attendance_sheet_pdf, name="attendance_sheet"),
    path(
        "<id:pk>/emargement/<id:invitation_pk>/",
        views.checkin_mark,
        name="checkin_mark",
    ),
    path("<id:pk>/emargement/sur-place/", views.checkin_walk_in, name="checkin_walk_in"),
    path("<id:pk>/compte-rendu/", views.minutes_edit, name="minutes_edit"),
    path("<id:pk>/compte-rendu/envoyer/", views.minutes_send, name="minutes_send"),
    path("<id:pk>/suites/", views.follow_up_add, name="follow_up_add"),
    path(
        "<id:pk>/suites/<id:follow_up_pk>/demande/",
        views.follow_up_request,
        name="follow_up_request",
    ),
    path(
        "<id:pk>/suites/<id:follow_up_pk>/suggestion/",
        views.follow_up_suggestion,
        name="follow_up_suggestion",
    ),
]
