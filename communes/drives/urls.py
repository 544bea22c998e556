"""/communes/demarches/…: names join the "communes" namespace (communes/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.drive_list, name="drive_list"),
    path("nouvelle/", views.drive_create, name="drive_create"),
    path("<int:pk>/", views.drive_detail, name="drive_detail"),
    path("<int:pk>/lancer/", views.drive_open, name="drive_open"),
    path("<int:pk>/clore/", views.drive_close, name="drive_close"),
    path("<int:pk>/abandonner/", views.drive_cancel, name="drive_cancel"),
    path("<int:pk>/reponse/<str:insee_code>/", views.drive_answer, name="drive_answer"),
]
