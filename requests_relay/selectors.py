"""Who may see which request, dossier, message, attachment and relay: one rule for every page.

The portal's pages, the admin site, the API and the communes' timeline all read through these
functions, so each reader sees the same set wherever they look. The reader's scope follows
from their account (`reader_scope`), in this order:

- the **platform operator** (a superuser, whatever its role): the syndicat mixte's scope below.
  The operator runs the portal for the syndicat mixte (SPEC: it may host it for every EPCI of the
  region) and manages accounts and tokens; it needs no EPCI's unfinished work to do so, and the
  admin site always showed it relayed dossiers only. Other selectors of the code base treat a
  superuser as the syndicat mixte too.
- the **syndicat mixte**: what was relayed to it, across every EPCI — the dossiers that left the
  referent's hands (`relayed_at` set, hence any status but « en préparation ») and the requests
  in them; never a draft dossier, a request still with the referent, an internal note or its
  file. It writes nothing on the portal: it answers a dossier in the admin site or by the
  signed API call, and its answer is signed as the syndicat mixte's.
- the **referent**: every request and dossier of their EPCI, internal notes included;
- the **commune agent**: the requests of the communes they serve, without internal notes; no
  dossier (dossiers are the EPCI's work);
- anyone else: nothing.

The commune's agents and the referent of its EPCI write in a request's thread
(`may_write_to`); nobody else does.
"""

import enum

from django.db.models import Prefetch, Q, QuerySet

from communes.selectors import communes_visible_to

from .models import Attachment, Dossier, DossierStatus, Message, Relay, Request


class Scope(enum.Enum):
    NOTHING = "nothing"
    RELAYED = "relayed"  # the syndicat mixte, and the platform operator
    EPCI = "epci"  # the referent
    COMMUNES = "communes"  # the commune agent


def reader_scope(user) -> Scope:
    """The part of the requests a user reads; see the module's docstring."""
    if user is None or not user.is_authenticated:
        return Scope.NOTHING
    if user.is_superuser:
        # The platform operator: explicitly the syndicat mixte's scope, before any role.
        return Scope.RELAYED
    if user.is_syndicat:
        return Scope.RELAYED
    if user.is_referent:
        return Scope.EPCI
    if user.is_agent:
        return Scope.COMMUNES
    return Scope.NOTHING


def _relayed(prefix: str = "") -> Q:
    """A dossier relayed to the syndicat mixte (`prefix` reaches it from another model)."""
    return Q(**{f"{prefix}relayed_at__isnull": False}) & ~Q(
        **{f"{prefix}status": DossierStatus.IN_PROGRESS}
    )


def requests_visible_to(user) -> QuerySet[Request]:
    scope = reader_scope(user)
    if scope is Scope.RELAYED:
        return Request.objects.filter(_relayed("dossier__"))
    if scope is Scope.EPCI:
        return Request.objects.filter(commune__epci_id=user.epci_id)
    if scope is Scope.COMMUNES:
        return Request.objects.filter(commune__in=communes_visible_to(user))
    return Request.objects.none()


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    scope = reader_scope(user)
    if scope is Scope.RELAYED:
        return Dossier.objects.filter(_relayed())
    if scope is Scope.EPCI:
        return Dossier.objects.filter(epci_id=user.epci_id)
    return Dossier.objects.none()


def _reads_internal_notes(user) -> bool:
    """Internal notes are the EPCI's: they reach neither the commune nor the syndicat mixte."""
    return reader_scope(user) is Scope.EPCI


def thread_messages_visible_to(user) -> QuerySet[Message]:
    """Every message the user may read, in every request they may see."""
    messages = Message.objects.filter(request__in=requests_visible_to(user))
    if _reads_internal_notes(user):
        return messages
    return messages.filter(internal=False)


def messages_visible_to(user, request: Request) -> QuerySet[Message]:
    """The thread of one request as the user reads it, with each message's files."""
    return (
        thread_messages_visible_to(user)
        .filter(request=request)
        .select_related("author")
        .prefetch_related("attachments")
    )


def shared_attachments() -> QuerySet[Attachment]:
    """Files sent with a request or with a message of its thread, never an internal note's:
    what the commune and the syndicat mixte may read (and a personal-data export holds)."""
    return Attachment.objects.filter(Q(message__isnull=True) | Q(message__internal=False))


def attachments_visible_to(user) -> QuerySet[Attachment]:
    """The files the user may fetch: those sent with a request they see, and those of the
    messages they read (never the file of an internal note, for whoever may not read it)."""
    attachments = Attachment.objects if _reads_internal_notes(user) else shared_attachments()
    return attachments.filter(request__in=requests_visible_to(user))


def relays_visible_to(user) -> QuerySet[Relay]:
    """The webhook deliveries of the dossiers the user sees."""
    return Relay.objects.filter(dossier__in=dossiers_visible_to(user))


def requests_with_thread(user, requests: QuerySet[Request]) -> QuerySet[Request]:
    """Requests with what `user` may read of them, fetched in a fixed few queries: the files
    sent with each (`submitted_attachments`) and its thread (`shared_messages`)."""
    return (
        requests.filter(pk__in=requests_visible_to(user).values("pk"))
        .select_related("commune", "submitted_by")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=attachments_visible_to(user).filter(message__isnull=True),
                to_attr="submitted_attachments",
            ),
            Prefetch(
                "messages",
                queryset=thread_messages_visible_to(user)
                .select_related("author")
                .prefetch_related(Prefetch("attachments", queryset=attachments_visible_to(user))),
                to_attr="shared_messages",
            ),
        )
    )


def may_write_to(user, request: Request) -> bool:
    """Whether `user` writes in the request's thread: an agent serving its commune, or a
    referent of its EPCI. The syndicat mixte answers the dossier instead (admin site, API)."""
    scope = reader_scope(user)
    # requests_visible_to's rule for these two scopes, on the one row (no query for a referent
    # when the commune is loaded).
    if scope is Scope.EPCI:
        return request.commune.epci_id == user.epci_id
    if scope is Scope.COMMUNES:
        return communes_visible_to(user).filter(pk=request.commune_id).exists()
    return False


def acts_as_referent_on(user, request: Request) -> bool:
    """Whether `user` may triage the request (note, assign, ask, answer, relay): a referent
    of its EPCI."""
    return reader_scope(user) is Scope.EPCI and may_write_to(user, request)
