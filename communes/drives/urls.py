"""/communes/demarches/…: names join the "communes" namespace (communes/urls.py)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

urlpatterns = [
    path("", views.drive_list, name="drive_list"),
    path("nouvelle/", views.drive_create, name="drive_create"),
    path("<id:pk>/", views.drive_detail, name="drive_detail"),
    path("<id:pk>/lancer/", views.drive_open, name="drive_open"),
    path("<id:pk>/clore/", views.drive_close, name="drive_close"),
    path("<id:pk>/abandonner/", views.drive_cancel, name="drive_cancel"),
    path("<id:pk>/reponse/<str:insee_code>/", views.drive_answer, name="drive_answer"),
]
