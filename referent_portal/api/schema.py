"""Every operation documents its error answers too, each shape as a component of the schema."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error answer (401, 403, 404): what went wrong, in the user's language."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Bad input (400): the messages of each query parameter or field, or `detail` for a
    refusal of the whole (a dossier that does not wait for this answer)."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        message = {"type": "string"}
        return {
            "type": "object",
            "additionalProperties": {
                "oneOf": [message, {"type": "array", "items": message}],
            },
            "example": {"status": ["Sélectionnez un choix valide."]},
        }


class PortalAutoSchema(AutoSchema):
    def get_response_serializers(self):
        success = super().get_response_serializers()
        if isinstance(success, dict):
            return success
        action = getattr(self.view, "action", None)
        responses = {200: success}
        if action == "list" or self.method == "POST":
            responses[400] = ValidationErrorSerializer
        responses[401] = ErrorSerializer
        responses[403] = ErrorSerializer
        if action != "list":
            responses[404] = ErrorSerializer
        return responses
