"""What the API shows of each object. Read-only, except the syndicat mixte's answer.

Related objects are named by their official codes (SIREN, INSEE code, service or module
code) with their name, so that the syndicat mixte's systems need no second call to read them.
Nothing of the people (contacts, invitees, agents) leaves through the API.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communes.models import Adoption, Commune, Epci, Service
from meetings.models import Meeting
from requests_relay.models import Dossier, Request
from requests_relay.services import ANSWER_ACTIONS
from trainings.models import TrainingModule, TrainingSession


class EpciRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Epci
        fields = ["siren", "name"]


class CommuneRefSerializer(serializers.ModelSerializer):
    insee = serializers.CharField(source="insee_code", read_only=True)

    class Meta:
        model = Commune
        fields = ["insee", "name"]


class ServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["code", "name"]


class TrainingModuleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingModule
        fields = ["code", "title"]


class EpciSerializer(serializers.ModelSerializer):
    class Meta:
        model = Epci
        fields = ["siren", "name", "kind", "population"]


class CommuneSerializer(serializers.ModelSerializer):
    insee = serializers.CharField(source="insee_code", read_only=True)
    epci = EpciRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Commune
        fields = ["insee", "siren", "name", "population", "postal_codes", "departement", "epci"]


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["code", "name", "description", "url", "is_active"]


class AdoptionSerializer(serializers.ModelSerializer):
    commune = CommuneRefSerializer(read_only=True)
    epci = EpciRefSerializer(source="commune.epci", read_only=True, allow_null=True)
    service = ServiceRefSerializer(read_only=True)

    class Meta:
        model = Adoption
        fields = ["id", "commune", "epci", "service", "status", "status_changed_at"]


class MeetingSerializer(serializers.ModelSerializer):
    epci = EpciRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)
    host_commune = CommuneRefSerializer(read_only=True, allow_null=True)
    invited_count = serializers.IntegerField(
        read_only=True, help_text=_("Personnes invitées (hors venues sans invitation).")
    )
    accepted_count = serializers.IntegerField(read_only=True, help_text=_("Invitations acceptées."))
    attended_count = serializers.IntegerField(read_only=True, help_text=_("Présents émargés."))

    class Meta:
        model = Meeting
        fields = [
            "id",
            "epci",
            "kind",
            "title",
            "topic",
            "service",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "address",
            "host_commune",
            "capacity",
            "status",
            "cancelled_at",
            "invited_count",
            "accepted_count",
            "attended_count",
        ]


class TrainingSessionSerializer(serializers.ModelSerializer):
    epci = EpciRefSerializer(read_only=True)
    module = TrainingModuleRefSerializer(read_only=True)
    host_commune = CommuneRefSerializer(read_only=True, allow_null=True)
    seats_left = serializers.IntegerField(read_only=True, help_text=_("Places encore libres."))
    waiting_count = serializers.IntegerField(
        read_only=True, help_text=_("Personnes en liste d'attente.")
    )

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "epci",
            "module",
            "starts_at",
            "ends_at",
            "venue",
            "host_commune",
            "place",
            "trainer_name",
            "capacity",
            "seats_taken",
            "seats_left",
            "waiting_count",
            "registration_deadline",
            "status",
        ]


class DossierRequestSerializer(serializers.ModelSerializer):
    commune = CommuneRefSerializer(read_only=True)

    class Meta:
        model = Request
        fields = ["reference", "commune", "subject", "status"]


class DossierSerializer(serializers.ModelSerializer):
    epci = EpciRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)
    training_module = TrainingModuleRefSerializer(read_only=True, allow_null=True)
    requests = DossierRequestSerializer(many=True, read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "reference",
            "epci",
            "category",
            "service",
            "training_module",
            "title",
            "summary",
            "arguments",
            "status",
            "created_at",
            "relayed_at",
            "answered_at",
            "answer",
            "requests",
        ]


class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: DRF's CharField would turn 12 into « 12 » and
    mail it to the communes."""

    default_error_messages = {"not_a_string": _("Ce champ doit être une chaîne de caractères.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class DossierAnswerSerializer(serializers.Serializer):
    """The syndicat mixte's answer: every request of the dossier follows, each commune is told."""

    action = serializers.ChoiceField(
        choices=[(action, action) for action in ANSWER_ACTIONS],
        help_text=_(
            "acknowledge : pris en compte ; answer : réponse (message requis) ; "
            "resolve : résolu ; refuse : refusé (message requis)."
        ),
    )
    message = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10_000,
        trim_whitespace=True,
        help_text=_("Le message transmis aux communes et au référent."),
    )
