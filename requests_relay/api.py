"""The syndicat mixte's systems answer dossiers here, with signed calls (Standard Webhooks)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from referent_portal import jsonbody

from .services import inbound_call_apply

MAX_BODY_BYTES = 256 * 1024


@csrf_exempt  # authenticated by its signature, not by a session
@require_POST
def inbound_call(request):
    """POST {"dossier": "DOS-2026-0001", "action": "acknowledge|answer|resolve|refuse",
    "message": "..."} with webhook-id, webhook-timestamp and webhook-signature headers."""
    try:
        body = jsonbody.read_body(request, limit=MAX_BODY_BYTES)
    except jsonbody.BodyError as exc:
        return JsonResponse(exc.as_json(), status=exc.status)
    status, answer = inbound_call_apply(body=body, headers=dict(request.headers))
    return JsonResponse(answer, status=status)
