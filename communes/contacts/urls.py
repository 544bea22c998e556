from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

# Included by communes/urls.py under contacts/ (names join the "communes" namespace).
urlpatterns = [
    path("", views.contact_list_view, name="contact_list"),
    path("exporter/", views.contacts_export, name="contacts_export"),
    path("importer/", views.contacts_import, name="contacts_import"),
    path("importer/apercu/", views.contacts_import_preview, name="contacts_import_preview"),
    path("importer/erreurs/", views.contacts_import_errors, name="contacts_import_errors"),
    path("<id:pk>/donnees/", views.contact_export, name="contact_export"),
    path("<id:pk>/anonymiser/", views.contact_anonymise, name="contact_anonymise"),
]
