from django.urls import include, path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("passees/", views.meeting_list, {"past": True}, name="past"),
    path("calendrier/", views.meeting_calendar, name="calendar"),
    path("nouvelle/", views.meeting_create, name="create"),
    path("<id:pk>/", views.meeting_detail, name="detail"),
    path("<id:pk>/modifier/", views.meeting_edit, name="edit"),
    path("<id:pk>/annuler/", views.meeting_cancel, name="cancel"),
    path("<id:pk>/documents/", views.document_add, name="document_add"),
    path("<id:pk>/documents/<id:document_pk>/", views.document_download, name="document"),
    path("", include("meetings.invitations.urls")),
    path("", include("meetings.attendance.urls")),
]
