"""Every write of the requests app: submit, triage, consolidate, relay, apply the answer."""

import json
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from communes.contacts.services import contact_touch_user
from communes.models import Commune
from communes.selectors import communes_visible_to
from referent_portal import jsonbody
from referent_portal.accounts.models import User
from referent_portal.accounts.selectors import referents_to_notify
from referent_portal.delivery import backoff, is_due, needs_a_task, rides_on_countdown
from referent_portal.outbox.services import email_queue
from referent_portal.uploads.cleanup import atomic_with_files
from referent_portal.uploads.storage import original_name
from referent_portal.uploads.validation import validate_upload

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Category,
    Dossier,
    InboundCall,
    Message,
    Relay,
    RelayAttempt,
    Request,
    Status,
)
from .selectors import acts_as_referent_on, may_write_to
from .signals import dossier_answered

logger = logging.getLogger(__name__)

DELIVERED = "delivered"
TEMPORARY = "temporary"
PERMANENT = "permanent"


# --- references ---------------------------------------------------------------------------


def next_reference(prefix: str, *, width: int = 5) -> str:
    """DEM-2026-00042: a gap-free counter per prefix and year, safe under concurrency.

    One upsert statement (PostgreSQL and SQLite both have ON CONFLICT … RETURNING), so two
    agents submitting at the same instant never get the same number.
    """
    year = timezone.localdate().year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO requests_relay_referencesequence (prefix, year, value) "
            "VALUES (%s, %s, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE "
            "SET value = requests_relay_referencesequence.value + 1 "
            "RETURNING value",
            [prefix, year],
        )
        (value,) = cursor.fetchone()
    return f"{prefix}-{year}-{value:0{width}d}"


# --- attachments --------------------------------------------------------------------------


def _attach(request: Request, files: Sequence[UploadedFile], message: Message | None = None):
    """Check every file (format, size, content) before storing any; call inside
    atomic_with_files(), so that no file outlives a transaction that does not commit."""
    if len(files) > settings.REQUEST_ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("Au plus %(n)s pièces jointes par envoi."),
            code="file_count",
            params={"n": settings.REQUEST_ATTACHMENT_MAX_COUNT},
        )
    file_types = [validate_upload(upload) for upload in files]
    for upload, file_type in zip(files, file_types, strict=True):
        Attachment.objects.create(
            request=request,
            message=message,
            file=upload,
            filename=original_name(upload.name),
            size=upload.size,
            content_type=file_type.content_type,
        )


# --- notifications ------------------------------------------------------------------------


def _notify(user: User | None, *, template: str, kind: str, context: dict) -> None:
    if user is None or not user.email or not user.is_active:
        return
    email_queue(
        to=user.email,
        template=template,
        context={**context, "recipient": user},
        kind=kind,
        language=user.language,
    )


def _notify_submitter(
    request: Request, headline, *, kind: str, body: str = "", from_syndicat: str = ""
) -> None:
    """Tell the commune's agent. A request the referent filed on the commune's behalf (a
    collective drive) is followed through its dossier: no e-mail per request to the referent."""
    if request.submitted_by.is_referent:
        return
    _notify(
        request.submitted_by,
        template="requests_relay/email/request_update",
        kind=kind,
        context={
            "request": request,
            "headline": headline,
            "body": body,
            "from_syndicat": from_syndicat,
        },
    )


def _set_status(request: Request, status: str) -> None:
    request.status = status
    request.status_changed_at = timezone.now()


# --- commune side -------------------------------------------------------------------------


@atomic_with_files()
def request_submit(
    *,
    user: User,
    commune: Commune,
    category: str,
    subject: str,
    description: str,
    urgency: str = "normal",
    service=None,
    training_module=None,
    files: Sequence[UploadedFile] = (),
) -> Request:
    """A commune agent asks for something; the request is stored before anything is sent."""
    if not communes_visible_to(user).filter(pk=commune.pk).exists():
        raise ValidationError(_("Vous ne pouvez pas déposer de demande pour cette commune."))
    request = Request(
        commune=commune,
        submitted_by=user,
        category=category,
        subject=subject,
        description=description,
        urgency=urgency,
        service=service,
        training_module=training_module if category == Category.TRAINING else None,
        reference="pending",
    )
    request.full_clean(exclude=["reference"])
    request.reference = next_reference("DEM")
    request.save()
    _attach(request, files)
    contact_touch_user(user=user)  # an exchange with the commune (RGPD retention)
    _notify_submitter(
        request, _("Votre demande a bien été reçue."), kind="requests.acknowledgement"
    )
    for referent in referents_to_notify(commune.epci_id).exclude(pk=user.pk):
        _notify(
            referent,
            template="requests_relay/email/new_request",
            kind="requests.new_for_referent",
            context={"request": request},
        )
    return request


@atomic_with_files()
def request_message_add(
    *,
    request: Request,
    author: User,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
) -> Message:
    """Add to a request's thread. A commune's answer to a question puts it back in progress.

    The commune's agents and the referent of its EPCI write here, and the commune reads a
    referent's message as the referent's (« Le référent vous a écrit »); the syndicat mixte
    answers the dossier instead (`dossier_apply_answer`), signed as the syndicat mixte.
    """
    request = Request.objects.select_for_update().get(pk=request.pk)
    if not may_write_to(author, request):
        raise ValidationError(
            _("Seuls la commune et le référent de son EPCI écrivent dans le fil d'une demande.")
        )
    from_commune = not acts_as_referent_on(author, request)
    if from_commune and internal:
        raise ValidationError(_("Seul le référent peut écrire une note interne."))
    if from_commune and request.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Cette demande est close : déposez une nouvelle demande si besoin.")
        )
    if not body.strip():
        raise ValidationError({"body": _("Le message est vide.")})
    message = Message.objects.create(request=request, author=author, body=body, internal=internal)
    _attach(request, files, message)
    if from_commune:
        contact_touch_user(user=author)
    if from_commune and request.status == Status.WAITING_COMMUNE:
        _set_status(request, Status.IN_PROGRESS)
    request.save(update_fields=["status", "status_changed_at", "updated_at"])  # last activity
    if from_commune:
        for referent in referents_to_notify(request.commune.epci_id):
            _notify(
                referent,
                template="requests_relay/email/new_message",
                kind="requests.message_for_referent",
                context={"request": request, "message": message},
            )
    elif not internal:
        _notify_submitter(
            request, _("Le référent vous a écrit."), kind="requests.message", body=body
        )
    return message


# --- referent side ------------------------------------------------------------------------


def _check_referent(request: Request, by: User) -> None:
    """The referent's actions on a request (the commune reads them as the referent's) are
    for a referent of its EPCI only."""
    if not acts_as_referent_on(by, request):
        raise ValidationError(_("Seul un référent de l'EPCI de la commune traite sa demande."))


def _check_open(request: Request) -> None:
    if request.status not in OPEN_STATUSES:
        raise ValidationError(
            _("La demande %(ref)s n'est plus en cours de traitement par le référent."),
            params={"ref": request.reference},
        )
    if request.dossier_id:
        raise ValidationError(
            _("La demande %(ref)s fait déjà partie d'un dossier."),
            params={"ref": request.reference},
        )


@transaction.atomic
def request_assign(*, request: Request, assignee: User | None, by: User) -> Request:
    request = Request.objects.select_for_update().get(pk=request.pk)
    _check_referent(request, by)
    if assignee is not None and not (assignee.is_referent and assignee.epci_id == by.epci_id):
        raise ValidationError(_("Une demande est suivie par un référent de l'EPCI."))
    request.assigned_to = assignee
    if request.status == Status.NEW:
        _set_status(request, Status.IN_PROGRESS)
    request.save(update_fields=["assigned_to", "status", "status_changed_at", "updated_at"])
    return request


@transaction.atomic
def request_ask_information(*, request: Request, by: User, body: str) -> Request:
    """Ask the commune for more information; the request waits for its answer."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    _check_referent(request, by)
    _check_open(request)
    if not body.strip():
        raise ValidationError({"body": _("Précisez l'information attendue.")})
    Message.objects.create(request=request, author=by, body=body)
    _set_status(request, Status.WAITING_COMMUNE)
    request.assigned_to = request.assigned_to or by
    request.save(update_fields=["status", "status_changed_at", "assigned_to", "updated_at"])
    _notify_submitter(
        request,
        _("Le référent a besoin d'informations complémentaires."),
        kind="requests.information_needed",
        body=body,
    )
    return request


@transaction.atomic
def request_resolve_locally(*, request: Request, by: User, body: str) -> Request:
    """First-level support: the referent answers and closes without the syndicat mixte."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    _check_referent(request, by)
    _check_open(request)
    if not body.strip():
        raise ValidationError({"body": _("Écrivez la réponse apportée à la commune.")})
    Message.objects.create(request=request, author=by, body=body)
    _set_status(request, Status.RESOLVED)
    request.assigned_to = request.assigned_to or by
    request.save(update_fields=["status", "status_changed_at", "assigned_to", "updated_at"])
    _notify_submitter(
        request, _("Votre demande a reçu une réponse."), kind="requests.resolved", body=body
    )
    return request


@transaction.atomic
def dossier_create(
    *, requests: Iterable[Request], by: User, title: str, summary: str, arguments: str = ""
) -> Dossier:
    """Consolidate open requests of the EPCI on the same subject into one dossier."""
    ids = [r.pk for r in requests]
    locked = list(
        Request.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("commune")
        .order_by("pk")
    )
    if not locked:
        raise ValidationError(_("Choisissez au moins une demande."))
    if any(r.commune.epci_id != by.epci_id for r in locked) or not by.is_referent:
        raise ValidationError(_("Un dossier réunit des demandes de votre EPCI."))
    for request in locked:
        _check_open(request)
        if request.status == Status.WAITING_COMMUNE:
            raise ValidationError(
                _(
                    "La demande %(ref)s attend une réponse de la commune : regroupez-la "
                    "quand la commune aura répondu."
                ),
                params={"ref": request.reference},
            )
    categories = {r.category for r in locked}
    if len(categories) > 1:
        raise ValidationError(_("Un dossier réunit des demandes de même nature."))
    services = {r.service_id for r in locked} - {None}
    modules = {r.training_module_id for r in locked} - {None}
    if len(services) > 1 or len(modules) > 1:
        raise ValidationError(
            _("Les demandes réunies doivent porter sur le même service ou le même module.")
        )
    dossier = Dossier(
        epci_id=by.epci_id,
        category=categories.pop(),
        service_id=services.pop() if services else None,
        training_module_id=modules.pop() if modules else None,
        title=title,
        summary=summary,
        arguments=arguments,
        created_by=by,
        status=Status.IN_PROGRESS,
        reference="pending",
    )
    dossier.full_clean(exclude=["reference"])
    dossier.reference = next_reference("DOS")
    dossier.save()
    for request in locked:
        request.dossier = dossier
        _set_status(request, Status.IN_PROGRESS)
        request.assigned_to = request.assigned_to or by
        request.save(
            update_fields=["dossier", "status", "status_changed_at", "assigned_to", "updated_at"]
        )
    return dossier


def dossier_payload(dossier: Dossier) -> dict:
    """What the syndicat mixte receives: the dossier and every request in it."""
    requests = dossier.requests.select_related(
        "commune", "submitted_by", "service"
    ).prefetch_related("attachments__message")
    return {
        "type": "dossier.relayed",
        "dossier": {
            "reference": dossier.reference,
            "epci": {"siren": dossier.epci.siren, "name": dossier.epci.name},
            "category": dossier.category,
            "service": dossier.service.code if dossier.service else None,
            "training_module": dossier.training_module.code if dossier.training_module else None,
            "title": dossier.title,
            "summary": dossier.summary,
            "arguments": dossier.arguments,
            "relayed_at": dossier.relayed_at.isoformat() if dossier.relayed_at else None,
            "requests": [
                {
                    "reference": r.reference,
                    "commune": {"insee": r.commune.insee_code, "name": r.commune.name},
                    "subject": r.subject,
                    "description": r.description,
                    "urgency": r.urgency,
                    "submitted_at": r.created_at.isoformat(),
                    "attachments": [a.filename for a in r.attachments_for_syndicat()],
                }
                for r in requests
            ],
        },
    }


@transaction.atomic
def dossier_relay(*, dossier: Dossier, by: User) -> Dossier:
    """Relay a dossier to the syndicat mixte: status, e-mail and webhook rows in one transaction."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.status != Status.IN_PROGRESS:
        raise ValidationError(_("Ce dossier a déjà été transmis au syndicat mixte."))
    if not (by.is_referent and by.epci_id == dossier.epci_id):
        raise ValidationError(_("Seul un référent de l'EPCI transmet ses dossiers."))
    now = timezone.now()
    dossier.status = Status.RELAYED
    dossier.relayed_at = now
    dossier._history_user = by  # the history says who relayed it, also from a task
    dossier.save(update_fields=["status", "relayed_at", "updated_at"])
    requests = list(dossier.requests.select_for_update().select_related("submitted_by"))
    for request in requests:
        _set_status(request, Status.RELAYED)
        request.save(update_fields=["status", "status_changed_at", "updated_at"])
        _notify_submitter(
            request,
            _("Votre demande a été transmise au syndicat mixte."),
            kind="requests.relayed",
        )
    email_queue(
        to=settings.SYNDICAT_EMAIL,
        template="requests_relay/email/dossier_relayed",
        context={"dossier": dossier, "requests": requests, "referent": by},
        kind="requests.dossier_relayed",
        language=settings.LANGUAGE_CODE,
        reply_to=by.email,
    )
    if settings.SYNDICAT_WEBHOOK_URL:
        relay = Relay.objects.create(
            dossier=dossier,
            event="dossier.relayed",
            webhook_id=f"msg_{uuid.uuid4().hex}",
            endpoint=settings.SYNDICAT_WEBHOOK_URL,
            payload=dossier_payload(dossier),
        )
        transaction.on_commit(partial(_enqueue_relay, relay.pk))
    return dossier


@transaction.atomic
def request_relay(*, request: Request, by: User, summary: str, arguments: str = "") -> Dossier:
    """Relay a single request: a dossier of one, so every relay follows the same path."""
    dossier = dossier_create(
        requests=[request], by=by, title=request.subject, summary=summary, arguments=arguments
    )
    return dossier_relay(dossier=dossier, by=by)


# --- the syndicat mixte's answer ----------------------------------------------------------

ANSWER_ACTIONS = {
    "acknowledge": Status.ACKNOWLEDGED,
    "answer": Status.ANSWERED,
    "resolve": Status.RESOLVED,
    "refuse": Status.REFUSED,
}
DOSSIER_HEADLINES = {
    "acknowledge": _("Le syndicat mixte a pris en compte le dossier."),
    "answer": _("Le syndicat mixte a répondu au dossier."),
    "resolve": _("Le syndicat mixte a résolu le dossier."),
    "refuse": _("Le syndicat mixte a refusé le dossier."),
}
ANSWER_HEADLINES = {
    "acknowledge": _("Le syndicat mixte a pris en compte votre demande."),
    "answer": _("Le syndicat mixte a répondu à votre demande."),
    "resolve": _("Votre demande est résolue par le syndicat mixte."),
    "refuse": _("Le syndicat mixte n'a pas pu donner suite à votre demande."),
}


@transaction.atomic
def dossier_apply_answer(
    *, dossier: Dossier, action: str, message: str = "", author: User | None = None
) -> Dossier:
    """The syndicat mixte acknowledges, answers, resolves or refuses a relayed dossier.

    Every request of the dossier follows, gets the message in its thread, and its submitter
    an e-mail.
    """
    if action not in ANSWER_ACTIONS:
        raise ValidationError(_("Action inconnue : %(action)s."), params={"action": action})
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.status not in (Status.RELAYED, Status.ACKNOWLEDGED, Status.ANSWERED):
        raise ValidationError(
            _("Le dossier %(ref)s n'attend pas de réponse du syndicat mixte (état : %(state)s)."),
            params={"ref": dossier.reference, "state": dossier.get_status_display()},
        )
    if action in ("answer", "refuse") and not message.strip():
        raise ValidationError(_("Une réponse ou un refus s'accompagne d'un message."))
    status = ANSWER_ACTIONS[action]
    dossier.status = status
    if message.strip():
        dossier.answer = message
        dossier.answered_at = timezone.now()
    dossier._history_user = author
    dossier.save(update_fields=["status", "answer", "answered_at", "updated_at"])
    for request in dossier.requests.select_for_update().select_related("submitted_by"):
        _set_status(request, status)
        request.save(update_fields=["status", "status_changed_at", "updated_at"])
        if message.strip():
            Message.objects.create(request=request, author=author, body=message)
        _notify_submitter(
            request,
            ANSWER_HEADLINES[action],
            kind=f"requests.syndicat_{action}",
            body=message,
            from_syndicat=settings.SYNDICAT_NAME,
        )
    dossier_answered.send(sender=Dossier, dossier=dossier, action=action, message=message)
    for referent in referents_to_notify(dossier.epci_id):
        _notify(
            referent,
            template="requests_relay/email/dossier_update",
            kind=f"requests.dossier_{action}",
            context={"dossier": dossier, "action": DOSSIER_HEADLINES[action], "body": message},
        )
    return dossier


def json_storable(value) -> bool:
    """Whether PostgreSQL's jsonb can hold a decoded JSON document: it refuses the \\u0000
    and the lone surrogates (\\ud800) that JSON's escapes can write in strings and keys (NaN
    and Infinity are not JSON: the parser refuses them). Walked without recursion, however
    deep the document."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or not _is_utf8(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


INBOUND_FIELDS = {"dossier": True, "action": True, "message": False}  # name: required


def inbound_payload_errors(payload) -> dict[str, str] | None:
    """What is wrong with the shape of an inbound call's payload, field by field (None when
    it is an object whose fields are strings, the required ones present)."""
    if not isinstance(payload, dict):
        return {}
    errors = {}
    for name, required in INBOUND_FIELDS.items():
        if name not in payload or payload[name] is None:
            if required:
                errors[name] = gettext("Ce champ est obligatoire.")
        elif not isinstance(payload[name], str):
            errors[name] = gettext("Ce champ doit être une chaîne de caractères.")
    return errors or None


def inbound_call_apply(*, body: bytes, headers: dict) -> tuple[int, dict]:
    """A signed call of the syndicat mixte's systems: verify, drop replays, apply.

    Returns (HTTP status, JSON answer). Tampered and stale calls are refused; a replayed id is
    acknowledged without being applied twice. Every refusal carries a stable `error` code
    (invalid_signature, malformed_body, too_nested, invalid_payload, unknown_dossier,
    rejected) and a translated `detail`, never the text of an exception.
    """
    if not settings.SYNDICAT_INBOUND_SECRET:
        return 503, {"error": "not_configured"}
    try:
        Webhook(settings.SYNDICAT_INBOUND_SECRET).verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError, TypeError):
        return 401, {
            "error": "invalid_signature",
            "detail": gettext("Signature absente, non valide ou expirée."),
        }
    try:
        payload = jsonbody.loads(body)
    except jsonbody.BodyError as exc:
        return exc.status, exc.as_json()
    errors = inbound_payload_errors(payload)
    if errors is not None:
        answer = {
            "error": "invalid_payload",
            "detail": gettext(
                "Le document attendu est un objet JSON dont « dossier », « action » et "
                "« message » sont des chaînes de caractères."
            ),
        }
        return 400, {**answer, "fields": errors} if errors else answer
    webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"][:64]
    if not json_storable(payload):
        return 400, {
            "error": "invalid_payload",
            "detail": gettext("Le document contient une valeur que le portail ne peut pas garder."),
        }
    reference = payload["dossier"]
    try:
        with transaction.atomic():
            InboundCall.objects.create(webhook_id=webhook_id, payload=payload)
            dossier = Dossier.objects.filter(reference=reference).first()
            if dossier is None:
                transaction.set_rollback(True)
                return 404, {"error": "unknown_dossier", "dossier": reference}
            dossier = dossier_apply_answer(
                dossier=dossier, action=payload["action"], message=payload.get("message") or ""
            )
    except IntegrityError:
        return 200, {"status": "duplicate", "webhook_id": webhook_id}
    except ValidationError as exc:
        return 409, {"error": "rejected", "detail": exc.messages}
    return 200, {"status": "applied", "dossier": reference, "state": dossier.status}


# --- relay delivery (the webhook outbox) --------------------------------------------------


def classify_response(status_code: int | None, error: BaseException | None = None) -> str:
    """2xx is delivered. 5xx, timeouts and connection errors are worth retrying; 408 and 429
    ask to come back later. Any other answer (4xx, and redirects, which are not followed) is
    a permanent failure that a person must look at."""
    if error is not None:
        return TEMPORARY if isinstance(error, httpx.TransportError | OSError) else PERMANENT
    if status_code is not None and 200 <= status_code < 300:
        return DELIVERED
    if status_code is not None and (status_code >= 500 or status_code in (408, 429)):
        return TEMPORARY
    return PERMANENT


RELAY_RETRY_BASE_SECONDS = 60
RELAY_RETRY_CAP_SECONDS = 6 * 3600


def relay_retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """Exponential back-off (1 min, 2 min, 4 min … capped at 6 h) with ±20 % jitter."""
    return backoff(
        attempts,
        base_seconds=RELAY_RETRY_BASE_SECONDS,
        cap_seconds=RELAY_RETRY_CAP_SECONDS,
        jitter=jitter,
    )


def relay_enqueue(*, relay_id: int, countdown: float | None = None) -> None:
    """Hand the delivery task of a committed relay to the broker. Raises when it is down."""
    from .tasks import deliver_relay

    Relay.objects.filter(pk=relay_id).update(enqueued_at=timezone.now())
    try:
        deliver_relay.apply_async((relay_id,), countdown=countdown)
    except Exception:
        Relay.objects.filter(pk=relay_id).update(enqueued_at=None)  # the sweeper's now
        raise


def _enqueue_relay(relay_id: int) -> None:
    """After commit: a broker outage must not undo the relay; the sweeper sends it later."""
    try:
        relay_enqueue(relay_id=relay_id)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raised, the row is safe
        logger.warning("Relay %s not enqueued (%s); the sweeper will deliver it.", relay_id, exc)


def relay_schedule_retry(*, relay_id: int, delay: timedelta) -> None:
    """After a temporary failure: a short wait rides on a countdown, a long one on the row."""
    if rides_on_countdown(delay):
        relay_enqueue(relay_id=relay_id, countdown=delay.total_seconds())


_http_client: httpx.Client | None = None


def _client() -> httpx.Client:
    """One pooled client per process: keep-alive connections and one TLS context, instead of
    building both again for every relay. Redirects are never followed."""
    global _http_client
    if _http_client is None:
        _http_client = httpx.Client(follow_redirects=False)
    return _http_client


def signed_headers(*, webhook_id: str, body: bytes | str, secret: str, when: datetime) -> dict:
    signature = Webhook(secret).sign(webhook_id, when.astimezone(UTC), body)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "referent-portal/relay",
    }


def relay_deliver(*, relay_id: int) -> timedelta | None:
    """POST one relay to the syndicat mixte. Harmless to call twice or concurrently.

    The webhook id stays the same across attempts: a receiver honouring it as an idempotency
    key sees each relay once, even when an attempt's answer was lost. Returns the delay
    before the next attempt when the failure is temporary.
    """
    now = timezone.now()
    with transaction.atomic():
        relay = (
            Relay.objects.select_for_update(skip_locked=True)
            .filter(is_due(now), pk=relay_id, state__in=Relay.SENDABLE)
            .first()
        )
        if relay is None:
            return None  # delivered, in flight elsewhere, failed, or not due yet
        relay.state = Relay.State.SENDING
        relay.sending_since = now
        relay.attempts += 1
        relay.first_attempt_at = relay.first_attempt_at or now
        relay.save(
            update_fields=["state", "sending_since", "attempts", "first_attempt_at", "updated_at"]
        )

    body = json.dumps(relay.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    headers = signed_headers(
        webhook_id=relay.webhook_id,
        body=body,
        secret=settings.SYNDICAT_WEBHOOK_SECRET,
        when=timezone.now(),
    )
    started = time.monotonic()
    status_code, error = None, None
    try:
        response = _client().post(
            relay.endpoint,
            content=body.encode(),
            headers=headers,
            timeout=settings.RELAY_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
        status_code = response.status_code
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and classified
        error = exc
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_relay_outcome(
        relay, status_code=status_code, error=error, started_at=now, duration_ms=duration_ms
    )


@transaction.atomic
def _record_relay_outcome(relay, *, status_code, error, started_at, duration_ms):
    error_text = f"{type(error).__name__}: {error}"[:2000] if error else ""
    if error is None and not 200 <= status_code < 300:
        error_text = f"HTTP {status_code}"
    RelayAttempt.objects.create(
        relay=relay,
        started_at=started_at,
        duration_ms=duration_ms,
        status_code=status_code,
        error=error_text,
    )
    outcome = classify_response(status_code, error)
    delay = None
    relay.last_status_code = status_code
    relay.last_error = error_text
    relay.sending_since = None
    relay.enqueued_at = None  # the task that carried this attempt is done
    if outcome == DELIVERED:
        relay.state = Relay.State.DELIVERED
        relay.delivered_at = timezone.now()
        relay.next_attempt_at = None
    elif outcome == TEMPORARY and (
        timezone.now() - relay.first_attempt_at < settings.RELAY_RETRY_WINDOW
    ):
        delay = relay_retry_delay(relay.attempts)
        relay.state = Relay.State.RETRY
        relay.next_attempt_at = timezone.now() + delay
    else:
        relay.state = Relay.State.FAILED
        relay.next_attempt_at = None
        logger.error("Relay %s of %s failed: %s", relay.webhook_id, relay.dossier_id, error_text)
    relay.save(
        update_fields=[
            "state",
            "delivered_at",
            "next_attempt_at",
            "sending_since",
            "last_status_code",
            "last_error",
            "updated_at",
        ]
    )
    return delay


@transaction.atomic
def relay_retry(*, relay: Relay) -> Relay:
    """A person asks for a failed relay to be tried again (same id: still idempotent)."""
    relay = Relay.objects.select_for_update().get(pk=relay.pk)
    if relay.state != Relay.State.FAILED:
        raise ValidationError(_("Seul un relais en échec peut être relancé."))
    relay.state = Relay.State.QUEUED
    relay.first_attempt_at = None
    relay.next_attempt_at = None
    relay.save(update_fields=["state", "first_attempt_at", "next_attempt_at", "updated_at"])
    transaction.on_commit(partial(_enqueue_relay, relay.pk))
    return relay


def _release_stuck_relays(now: datetime) -> int:
    """Relays left in SENDING by a worker that died mid-call: log it, deliver again (same id,
    so a receiver that did get the first call ignores the second)."""
    with transaction.atomic():
        stuck = list(
            Relay.objects.select_for_update(skip_locked=True).filter(
                state=Relay.State.SENDING, sending_since__lt=now - settings.RELAY_STUCK_AFTER
            )
        )
        error = gettext("Envoi interrompu : aucun résultat enregistré (processus arrêté ?).")
        for relay in stuck:
            RelayAttempt.objects.create(relay=relay, started_at=relay.sending_since, error=error)
            relay.state = Relay.State.RETRY
            relay.next_attempt_at = None
            relay.sending_since = None
            relay.enqueued_at = None
            relay.last_error = error
            relay.save(
                update_fields=[
                    "state",
                    "next_attempt_at",
                    "sending_since",
                    "enqueued_at",
                    "last_error",
                    "updated_at",
                ]
            )
    return len(stuck)


def relay_sweep(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Hand the broker the relays no task is coming for: stuck mid-send (worker died), never
    enqueued (broker down at commit), or due after a long wait. Returns how many."""
    now = now or timezone.now()
    _release_stuck_relays(now)
    due = Relay.objects.filter(
        needs_a_task(now, settings.RELAY_STUCK_AFTER), state__in=Relay.SENDABLE
    ).order_by("created_at")
    ids = list(due.values_list("pk", flat=True)[:batch_size])
    for count, relay_id in enumerate(ids):
        try:
            relay_enqueue(relay_id=relay_id)
        except Exception as exc:
            logger.warning("Relay sweep stopped at relay %s: %s", relay_id, exc)
            if count == 0:
                raise
            return count
    return len(ids)
