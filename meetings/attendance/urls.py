"""/reunions/…: names join the "meetings" namespace (meetings/urls.py includes this)."""

from django.urls import path

from . import views

urlpatterns = [
    path("presence/", views.rates, name="attendance_rates"),
    path("presence/export.csv", views.rates_csv, name="attendance_rates_csv"),
    path("<int:pk>/emargement/", views.checkin, name="checkin"),
    path("<int:pk>/emargement.pdf", views.attendance_sheet_pdf, name="attendance_sheet"),
    path(
        "<int:pk>/emargement/<int:invitation_pk>/",
        views.checkin_mark,
        name="checkin_mark",
    ),
    path("<int:pk>/emargement/sur-place/", views.checkin_walk_in, name="checkin_walk_in"),
    path("<int:pk>/compte-rendu/", views.minutes_edit, name="minutes_edit"),
    path("<int:pk>/compte-rendu/envoyer/", views.minutes_send, name="minutes_send"),
    path("<int:pk>/suites/", views.follow_up_add, name="follow_up_add"),
    path(
        "<int:pk>/suites/<int:follow_up_pk>/demande/",
        views.follow_up_request,
        name="follow_up_request",
    ),
    path(
        "<int:pk>/suites/<int:follow_up_pk>/suggestion/",
        views.follow_up_suggestion,
        name="follow_up_suggestion",
    ),
]
