from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("space/", views.agent_home, name="agent_home"),
]
