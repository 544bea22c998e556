"""/reunions/…: the invitations' pages join the "meetings" namespace (meetings/urls.py)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

urlpatterns = [
    path("<id:pk>/invitations/ajouter/", views.invitation_add, name="invitation_add"),
    path(
        "<id:pk>/invitations/<id:invitation_pk>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    # The invitee's signed links: no login.
    path("invitation/<str:signed>/", views.rsvp, name="rsvp"),
    path("invitation/<str:signed>/accepter/", views.rsvp_accept, name="rsvp_accept"),
    path("invitation/<str:signed>/decliner/", views.rsvp_decline, name="rsvp_decline"),
    path("invitation/<str:signed>/remplacant/", views.rsvp_delegate, name="rsvp_delegate"),
    path("invitation/<str:signed>/calendrier.ics", views.rsvp_ics, name="rsvp_ics"),
    path(
        "invitation/<str:signed>/documents/<id:document_pk>/",
        views.rsvp_document,
        name="rsvp_document",
    ),
]
