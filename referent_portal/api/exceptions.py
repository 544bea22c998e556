"""Every error of the API is one JSON shape with a stable code (the README lists them):

    {"error": "<code>", "detail": "<translated message>"}             401, 403, 404, 405, 413, 415
    {"error": "invalid", "detail": "…", "fields": {"<name>": ["…"]}}   400, bad fields or filters

The codes are DRF's own (not_authenticated, authentication_failed, permission_denied,
not_found, method_not_allowed, unsupported_media_type, throttled), those of
referent_portal.jsonbody (malformed_body, too_nested, too_large), `invalid` for fields and
`refused` for an answer the dossier cannot take. `detail` is always one of the portal's or
DRF's translated messages, never the text of a Python exception.
"""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from referent_portal import jsonbody

INVALID = "invalid"


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        error = jsonbody.BodyError(jsonbody.TOO_LARGE, 413)
        return Response(error.as_json(), status=error.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling, never its text in the answer
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"detail": response.data}
        response.data = {
            "error": INVALID,
            "detail": gettext("Certains champs ne sont pas valides."),
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "error": codes if isinstance(codes, str) else exc.default_code,
            "detail": str(exc.detail) if isinstance(exc.detail, str) else exc.default_detail,
        }
    else:  # Django's Http404 and PermissionDenied: their text may name a model, never shown
        known = exceptions.NotFound if response.status_code == 404 else exceptions.PermissionDenied
        response.data = {"error": known.default_code, "detail": str(known.default_detail)}
    return response
