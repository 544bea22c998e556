"""/formations/…: attendance, attestations, the satisfaction survey, coverage and demand.
Included by trainings/urls.py: the names join the "trainings" namespace."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views_followup as views

urlpatterns = [
    path("sessions/<id:pk>/presences/", views.attendance, name="attendance"),
    path(
        "sessions/<id:pk>/presences/confirmer/",
        views.attendance_confirm,
        name="attendance_confirm",
    ),
    path(
        "sessions/<id:pk>/presences/<id:enrolment_pk>/",
        views.attendance_mark,
        name="attendance_mark",
    ),
    path("sessions/<id:pk>/avis/", views.survey_session, name="survey_session"),
    path("attestations/<str:number>.pdf", views.attestation_download, name="attestation"),
    path("mes-attestations/", views.my_attestations, name="my_attestations"),
    path("questionnaire/<str:token>/", views.survey, name="survey"),
    path("avis/", views.survey_overview, name="survey_overview"),
    path("modules/<slug:code>/avis/", views.survey_module, name="survey_module"),
    path("couverture/", views.coverage, name="coverage"),
    path("couverture/export.csv", views.coverage_csv, name="coverage_csv"),
    path("attente/", views.demand, name="demand"),
    path("attente/<slug:code>/proposer/", views.demand_propose, name="demand_propose"),
    path("attente/<id:pk>/retirer/", views.demand_withdraw, name="demand_withdraw"),
    path(
        "attente/depuis-la-demande/<str:reference>/",
        views.demand_from_request,
        name="demand_from_request",
    ),
]
