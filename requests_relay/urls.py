from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

app_name = "requests_relay"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("nouvelle/", views.request_create, name="create"),
    path("dossiers/", views.dossier_list, name="dossier_list"),
    path("dossiers/nouveau/", views.dossier_create, name="dossier_create"),
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier_detail"),
    path("dossiers/<str:reference>/transmettre/", views.dossier_relay, name="dossier_relay"),
    path("relais/", views.relay_list, name="relay_list"),
    path("relais/<id:pk>/relancer/", views.relay_retry, name="relay_retry"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/messages/", views.message_add, name="message_add"),
    path("<str:reference>/notes/", views.note_add, name="note_add"),
    path(
        "<str:reference>/pieces-jointes/<id:pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<str:reference>/attribuer/", views.request_assign, name="assign"),
    path("<str:reference>/question/", views.request_ask_information, name="ask_information"),
    path("<str:reference>/repondre/", views.request_resolve, name="resolve"),
    path("<str:reference>/transmettre/", views.request_relay, name="relay"),
]
