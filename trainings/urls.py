"""/formations/…: the catalogue, the sessions, enrolments and withdrawals."""

from django.urls import include, path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

app_name = "trainings"

urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("mes-formations/", views.my_trainings, name="my_trainings"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/nouvelle/", views.session_create, name="session_create"),
    path("sessions/<id:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<id:pk>/modifier/", views.session_edit, name="session_edit"),
    path("sessions/<id:pk>/ouvrir/", views.session_open, name="session_open"),
    path("sessions/<id:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("sessions/<id:pk>/m-inscrire/", views.enrol_self, name="enrol_self"),
    path("sessions/<id:pk>/inscrire/", views.enrol_others, name="enrol_others"),
    path("inscriptions/<id:pk>/desister/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("", include("trainings.urls_followup")),
]
