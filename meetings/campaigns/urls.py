"""/campagnes/…: the referent's information campaigns (mounted in referent_portal/urls.py)."""

from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("nouvelle/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/modifier/", views.campaign_edit, name="edit"),
    path("<int:pk>/destinataires/", views.campaign_preview, name="preview"),
    path("<int:pk>/envoyer/", views.campaign_send, name="send"),
    path("<int:pk>/export.csv", views.campaign_export, name="export"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
    path(
        "<int:pk>/destinataires/<int:recipient_pk>/renvoyer/",
        views.recipient_resend,
        name="resend",
    ),
]
