"""/campagnes/…: the referent's information campaigns (mounted in referent_portal/urls.py)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("nouvelle/", views.campaign_create, name="create"),
    path("<id:pk>/", views.campaign_detail, name="detail"),
    path("<id:pk>/modifier/", views.campaign_edit, name="edit"),
    path("<id:pk>/destinataires/", views.campaign_preview, name="preview"),
    path("<id:pk>/envoyer/", views.campaign_send, name="send"),
    path("<id:pk>/export.csv", views.campaign_export, name="export"),
    path("<id:pk>/documents/<id:document_pk>/", views.document_download, name="document"),
    path(
        "<id:pk>/destinataires/<id:recipient_pk>/renvoyer/",
        views.recipient_resend,
        name="resend",
    ),
]
