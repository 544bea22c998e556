"""/communes/suggestions/…: names join the "communes" namespace (communes:suggestion_list…)."""

from django.urls import path

from referent_portal import converters  # noqa: F401 - registers the <id:…> converter

from . import views

urlpatterns = [
    path("", views.suggestion_list, name="suggestion_list"),
    path("nouvelle/", views.suggestion_create, name="suggestion_create"),
    path("regles/", views.suggestion_rules, name="suggestion_rules"),
    path("regles/appliquer/", views.suggestion_propose_now, name="suggestion_propose_now"),
    path("<id:pk>/", views.suggestion_answer, name="suggestion_answer"),
    path("<id:pk>/envoyer/", views.suggestion_confirm, name="suggestion_confirm"),
    path("<id:pk>/ecarter/", views.suggestion_dismiss, name="suggestion_dismiss"),
]
