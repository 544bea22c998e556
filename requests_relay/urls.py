from django.urls import path

from . import views

app_name = "requests_relay"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("<str:reference>/", views.request_detail, name="detail"),
]
