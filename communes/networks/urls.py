"""/communes/reseaux/…: names join the "communes" namespace (communes:network_list…)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.network_list, name="network_list"),
    path("nouveau/", views.network_create, name="network_create"),
    path("<int:pk>/", views.network_detail, name="network_detail"),
    path("<int:pk>/modifier/", views.network_update, name="network_update"),
    path("<int:pk>/membres/", views.network_member_add, name="network_member_add"),
    path(
        "<int:pk>/membres/<int:membership_pk>/retirer/",
        views.network_member_remove,
        name="network_member_remove",
    ),
]
