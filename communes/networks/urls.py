"""/communes/reseaux/…: names join the "communes" namespace (communes:network_list…)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

urlpatterns = [
    path("", views.network_list, name="network_list"),
    path("nouveau/", views.network_create, name="network_create"),
    path("<id:pk>/", views.network_detail, name="network_detail"),
    path("<id:pk>/modifier/", views.network_update, name="network_update"),
    path("<id:pk>/membres/", views.network_member_add, name="network_member_add"),
    path(
        "<id:pk>/membres/<id:membership_pk>/retirer/",
        views.network_member_remove,
        name="network_member_remove",
    ),
]
