"""Every operation documents its error answers too, each shape as a component of the schema."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error answer (401, 403, 404, 405, 413, 415): a stable code, and what went wrong in
    the user's language (referent_portal/api/exceptions.py lists the codes)."""

    error = serializers.CharField(help_text="not_authenticated, authentication_failed, …")
    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Bad input (400): `invalid` with the messages of each query parameter or field,
    `malformed_body` or `too_nested` for a body that cannot be read, `refused` for a refusal
    of the whole (a dossier that does not wait for this answer)."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        message = {"type": "string"}
        return {
            "type": "object",
            "properties": {
                "error": {
                    "type": "string",
                    "enum": ["invalid", "malformed_body", "too_nested", "refused"],
                },
                "detail": message,
                "fields": {
                    "type": "object",
                    "additionalProperties": {
                        "oneOf": [message, {"type": "array", "items": message}],
                    },
                },
            },
            "required": ["error", "detail"],
            "example": {
                "error": "invalid",
                "detail": "Certains champs ne sont pas valides.",
                "fields": {"status": ["Sélectionnez un choix valide."]},
            },
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
        if self.method == "POST":
            responses[413] = ErrorSerializer
            responses[415] = ErrorSerializer
        responses[401] = ErrorSerializer
        responses[403] = ErrorSerializer
        if action != "list":
            responses[404] = ErrorSerializer
        return responses
