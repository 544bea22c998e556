from django.urls import path

from . import views

app_name = "legal"

urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.notice, name="notice"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
]
