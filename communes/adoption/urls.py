"""Included by communes/urls.py under /communes/adhesions/ (names join the "communes" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.adoption_matrix_view, name="adoption_matrix"),
    path("export/", views.adoption_export, name="adoption_export"),
    path(
        "demande/<str:reference>/",
        views.adoption_from_request,
        name="adoption_from_request",
    ),
    path(
        "<insee:insee_code>/<slug:service_code>/",
        views.adoption_change,
        name="adoption_change",
    ),
]
