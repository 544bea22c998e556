"""The endpoints. Every queryset starts from the selector that the HTML views use, so the API
shows a role exactly what its pages show: another EPCI's object is a 404, never its content."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communes.adoption.selectors import adoptions_visible_to
from communes.models import Service
from communes.selectors import communes_visible_to, epcis_visible_to
from meetings.selectors import meetings_visible_to, with_invitation_counts
from requests_relay.selectors import dossiers_visible_to, requests_visible_to
from requests_relay.services import dossier_apply_answer
from trainings.selectors import sessions_visible_to, with_counts

from . import filters, serializers
from .permissions import CanAnswerDossiers, RoleAllowed
from .schema import ErrorSerializer, ValidationErrorSerializer


def _without_distinct(queryset: QuerySet) -> QuerySet:
    """A selector's DISTINCT (an agent's several communes) as a subquery instead, so that the
    list can be annotated and ordered freely."""
    if not queryset.query.distinct:
        return queryset
    return queryset.model.objects.filter(pk__in=queryset.values("pk"))


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [RoleAllowed]
    # Whether a commune agent may read this endpoint (scoped to their communes) or gets 403.
    agents_allowed = True


@extend_schema_view(
    list=extend_schema(summary=_("Les EPCI visibles"), tags=["territoire"]),
    retrieve=extend_schema(summary=_("Un EPCI, par son SIREN"), tags=["territoire"]),
)
class EpciViewSet(ScopedViewSet):
    serializer_class = serializers.EpciSerializer
    filterset_class = filters.EpciFilter
    lookup_field = "siren"

    def get_queryset(self):
        return epcis_visible_to(self.request.user).order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary=_("Les communes visibles"), tags=["territoire"]),
    retrieve=extend_schema(summary=_("Une commune, par son code INSEE"), tags=["territoire"]),
)
class CommuneViewSet(ScopedViewSet):
    serializer_class = serializers.CommuneSerializer
    filterset_class = filters.CommuneFilter
    lookup_field = "insee_code"
    lookup_url_kwarg = "insee"

    def get_queryset(self):
        communes = _without_distinct(communes_visible_to(self.request.user))
        return communes.select_related("epci").order_by("search_name", "insee_code")


@extend_schema_view(
    list=extend_schema(summary=_("Le catalogue des services du syndicat mixte"), tags=["services"]),
    retrieve=extend_schema(summary=_("Un service, par son code"), tags=["services"]),
)
class ServiceViewSet(ScopedViewSet):
    serializer_class = serializers.ServiceSerializer
    filterset_class = filters.ServiceFilter
    lookup_field = "code"

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return Service.objects.none()
        return Service.objects.order_by("position", "name", "pk")


@extend_schema_view(
    list=extend_schema(summary=_("Les adhésions des communes aux services"), tags=["services"]),
    retrieve=extend_schema(summary=_("Une adhésion"), tags=["services"]),
)
class AdoptionViewSet(ScopedViewSet):
    serializer_class = serializers.AdoptionSerializer
    filterset_class = filters.AdoptionFilter

    def get_queryset(self):
        return (
            adoptions_visible_to(self.request.user)
            .select_related("commune__epci", "service")
            .order_by("commune__search_name", "service__position", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary=_("Les réunions"), tags=["réunions et formations"]),
    retrieve=extend_schema(summary=_("Une réunion"), tags=["réunions et formations"]),
)
class MeetingViewSet(ScopedViewSet):
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    agents_allowed = False  # the meetings' pages are the referent's; agents get invitations

    def get_queryset(self):
        meetings = meetings_visible_to(self.request.user).select_related(
            "epci", "service", "host_commune"
        )
        return with_invitation_counts(meetings).order_by("starts_at", "pk")


@extend_schema_view(
    list=extend_schema(
        summary=_("Les sessions de formation, avec leurs places libres"),
        tags=["réunions et formations"],
    ),
    retrieve=extend_schema(summary=_("Une session de formation"), tags=["réunions et formations"]),
)
class TrainingSessionViewSet(ScopedViewSet):
    serializer_class = serializers.TrainingSessionSerializer
    filterset_class = filters.TrainingSessionFilter

    def get_queryset(self):
        sessions = _without_distinct(sessions_visible_to(self.request.user))
        sessions = sessions.select_related("epci", "module", "host_commune")
        return with_counts(sessions).order_by("starts_at", "pk")


@extend_schema_view(
    list=extend_schema(summary=_("Les dossiers, avec leurs demandes"), tags=["dossiers"]),
    retrieve=extend_schema(summary=_("Un dossier, par sa référence"), tags=["dossiers"]),
)
class DossierViewSet(ScopedViewSet):
    serializer_class = serializers.DossierSerializer
    filterset_class = filters.DossierFilter
    lookup_field = "reference"
    agents_allowed = False  # dossiers are the EPCI's work; agents follow their requests

    def get_queryset(self):
        # The dossiers and requests of the one rule (requests_relay/selectors.py): for the
        # syndicat mixte, those relayed to it; never a draft, never an internal note.
        user = self.request.user
        requests = requests_visible_to(user).select_related("commune").order_by("created_at", "pk")
        return (
            dossiers_visible_to(user)
            .select_related("epci", "service", "training_module")
            .prefetch_related(Prefetch("requests", queryset=requests))
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary=_("Répondre à un dossier (syndicat mixte)"),
        description=_(
            "Le même effet que « Répondre aux communes » du site d'administration : le dossier "
            "et chacune de ses demandes changent d'état, le message rejoint le fil de chaque "
            "demande, les communes et le référent sont prévenus par courriel. Un dossier qui "
            "n'attend pas de réponse, ou une réponse ou un refus sans message, sont refusés (400, "
            "code « refused »)."
        ),
        request=serializers.DossierAnswerSerializer,
        responses={
            200: serializers.DossierSerializer,
            400: ValidationErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
        tags=["dossiers"],
    )
    @action(detail=True, methods=["post"], permission_classes=[CanAnswerDossiers])
    def answer(self, request, reference=None):
        dossier = self.get_object()
        answer = serializers.DossierAnswerSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        try:
            dossier_apply_answer(
                dossier=dossier,
                action=answer.validated_data["action"],
                message=answer.validated_data["message"],
                author=request.user,
            )
        except ValidationError as exc:
            return Response(
                {"error": "refused", "detail": " ".join(exc.messages)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        dossier = self.get_queryset().get(pk=dossier.pk)
        return Response(self.get_serializer(dossier).data)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with no inline script nor style: the page loads its initialisation script
    from this same view (`?script`), so Django's CSP (script-src 'self') lets it run."""

    template_name = "api/swagger_ui.html"
    title = _("API — Portail du référent e-administration")


def not_found(request, *args, **kwargs):
    """An unknown address under /api/ answers in JSON like the rest of the API."""
    return JsonResponse(
        {"error": "not_found", "detail": gettext("Cette adresse n'existe pas dans l'API.")},
        status=404,
    )
