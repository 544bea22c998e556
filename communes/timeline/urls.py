from django.urls import path

from . import views

# Included by communes/urls.py under <insee:insee_code>/ (names join the "communes" namespace).
urlpatterns = [
    path("fil/", views.commune_timeline, name="commune_timeline"),
]
