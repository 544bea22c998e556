"""/api/v1/… the endpoints; /api/schema/ the OpenAPI 3 schema; /api/docs/ Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("epcis", views.EpciViewSet, basename="epci")
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("services", views.ServiceViewSet, basename="service")
router.register("adoptions", views.AdoptionViewSet, basename="adoption")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("training-sessions", views.TrainingSessionViewSet, basename="training-session")
router.register("dossiers", views.DossierViewSet, basename="dossier")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/ is a JSON 404, not the portal's HTML error page.
    re_path(r"^", views.not_found),
]
