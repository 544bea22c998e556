"""/communes/suggestions/…: names join the "communes" namespace (communes:suggestion_list…)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.suggestion_list, name="suggestion_list"),
    path("nouvelle/", views.suggestion_create, name="suggestion_create"),
    path("regles/", views.suggestion_rules, name="suggestion_rules"),
    path("regles/appliquer/", views.suggestion_propose_now, name="suggestion_propose_now"),
    path("<int:pk>/", views.suggestion_answer, name="suggestion_answer"),
    path("<int:pk>/envoyer/", views.suggestion_confirm, name="suggestion_confirm"),
    path("<int:pk>/ecarter/", views.suggestion_dismiss, name="suggestion_dismiss"),
]
