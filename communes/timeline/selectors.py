"""Reading a commune's timeline: its own entries merged with the commune's requests.

The timeline has two sources:

- `TimelineEntry` rows, written by the services of every feature (adoption, drives, networks,
  suggestions, contacts…) in the transaction of the change they record;
- the commune's requests (`requests_relay.models.Request`), which the requests app does not
  write to the timeline: their events are read from the rows themselves — the submission
  (`created_at`) and the latest change of status (`status_changed_at`, for a request that has
  left « Nouvelle »; earlier intermediate statuses are not stored anywhere, so they are not
  shown). Only the requests the reader may see are in it, by the requests' own rule
  (`requests_visible_to`): the syndicat mixte reads the relayed ones, as everywhere else.

The entries are the commune's own history, shown to whoever may see the commune (its agents
read it too); what the EPCI keeps to itself (a request still with the referent, an internal
note) is never an entry.

How it stays cheap, however long the history: the database merges the sources. One
`UNION ALL` of three narrow selects — (source, id, date) of the entries, of the submissions
and of the status changes — is ordered by date and cut to the page with LIMIT/OFFSET by the
database (the `(commune, -at)` index of the entries and the `(commune, status)` index of the
requests keep each branch small). Then one query per source loads the page's rows by id. A
page costs four queries: the count, the page's keys, the entries, the requests; the first
page of the commune's page (the 10 latest) costs three.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, QuerySet, Value
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communes.models import Commune
from requests_relay.models import Request, Status
from requests_relay.selectors import requests_visible_to

from .models import TimelineEntry

PAGE_SIZE = 25
LATEST_COUNT = 10

# The kind of the requests' events (they are not TimelineEntry rows; see the module's doc).
REQUEST_KIND = "request"

# Kinds written by the features of the portal; a kind not listed here is shown as it is.
KIND_LABELS = {
    "adoption": _("Adhésions aux services"),
    "drive": _("Démarches d'adhésion collective"),
    "suggestion": _("Suggestions"),
    "network": _("Réseaux de compétences"),
    "contact": _("Contacts"),
    "meeting": _("Réunions"),
    "invitation": _("Invitations"),
    "campaign": _("Campagnes d'information"),
    "training": _("Formations"),
    REQUEST_KIND: _("Demandes"),
}

# The three branches of the union (the `source` column). At the same instant the events sort
# by source, descending: a request's status change before its submission (newest first).
ENTRY = "entry"
SUBMITTED = "request"
STATUS_CHANGED = "status"


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@dataclass
class TimelineItem:
    """One event of the merged timeline, whatever its source."""

    at: datetime
    kind: str
    title: str
    detail: str = ""
    actor: object | None = None
    url: str = ""
    status: str = ""  # a request's status (value), shown as a badge
    status_label: str = ""

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return ""
        return self.actor.get_full_name() or self.actor.username


def _keys(*, commune: Commune, user, kind: str | None) -> QuerySet:
    """The (source, row_id, event_at) of every event of the commune `user` may see, newest
    first."""
    branches = []
    if kind != REQUEST_KIND:
        entries = TimelineEntry.objects.filter(commune=commune)
        if kind:
            entries = entries.filter(kind=kind)
        branches.append(
            entries.annotate(
                source=Value(ENTRY, output_field=CharField()),
                row_id=F("pk"),
                event_at=F("at"),
            )
            .values_list("source", "row_id", "event_at")
            .order_by()
        )
    if kind in (None, "", REQUEST_KIND):
        requests = requests_visible_to(user).filter(commune=commune)
        branches.append(
            requests.annotate(
                source=Value(SUBMITTED, output_field=CharField()),
                row_id=F("pk"),
                event_at=F("created_at"),
            )
            .values_list("source", "row_id", "event_at")
            .order_by()
        )
        branches.append(
            requests.exclude(status=Status.NEW)
            .annotate(
                source=Value(STATUS_CHANGED, output_field=CharField()),
                row_id=F("pk"),
                event_at=F("status_changed_at"),
            )
            .values_list("source", "row_id", "event_at")
            .order_by()
        )
    # Each branch unordered (SQLite allows no ORDER BY inside a compound statement).
    first, *others = branches
    if others:
        first = first.union(*others, all=True)
    # Ties (same instant): see the order of the sources above; then the later row first.
    return first.order_by("-event_at", "-source", "-row_id")


def _items(keys: list[tuple[str, int, datetime]]) -> list[TimelineItem]:
    """Load the rows behind a page of keys (one query per source) and describe each event."""
    entry_ids = [row_id for source, row_id, _at in keys if source == ENTRY]
    request_ids = {row_id for source, row_id, _at in keys if source != ENTRY}
    entries = TimelineEntry.objects.select_related("actor").in_bulk(entry_ids) if entry_ids else {}
    requests = (
        Request.objects.select_related("submitted_by").in_bulk(request_ids) if request_ids else {}
    )
    items = []
    for source, row_id, at in keys:
        if source == ENTRY:
            entry = entries[row_id]
            items.append(
                TimelineItem(
                    at=at,
                    kind=entry.kind,
                    title=entry.title,
                    detail=entry.detail,
                    actor=entry.actor,
                )
            )
            continue
        request = requests[row_id]
        url = reverse("requests_relay:detail", args=[request.reference])
        if source == SUBMITTED:
            items.append(
                TimelineItem(
                    at=at,
                    kind=REQUEST_KIND,
                    title=gettext("Demande %(reference)s déposée : %(subject)s")
                    % {"reference": request.reference, "subject": request.subject},
                    detail=request.get_category_display(),
                    actor=request.submitted_by,
                    url=url,
                )
            )
        else:
            items.append(
                TimelineItem(
                    at=at,
                    kind=REQUEST_KIND,
                    title=gettext("Demande %(reference)s : nouvel état")
                    % {"reference": request.reference},
                    detail=request.subject,
                    url=url,
                    status=request.status,
                    status_label=request.get_status_display(),
                )
            )
    return items


def commune_timeline_page(
    *, commune: Commune, user, kind: str | None = None, page=1, per_page: int = PAGE_SIZE
) -> Page:
    """One page of the commune's timeline as `user` may read it, newest first;
    `page.object_list` holds `TimelineItem`s. The caller has checked that the user may see the
    commune (selector)."""
    paginator = Paginator(_keys(commune=commune, user=user, kind=kind or None), per_page)
    page_obj = paginator.get_page(page)
    page_obj.object_list = _items(list(page_obj.object_list))
    return page_obj


def commune_timeline_latest(
    *, commune: Commune, user, limit: int = LATEST_COUNT
) -> list[TimelineItem]:
    """The latest events of the commune `user` may see, for its page (three queries)."""
    return _items(list(_keys(commune=commune, user=user, kind=None)[:limit]))


def commune_timeline_kinds(*, commune: Commune) -> list[tuple[str, str]]:
    """The kinds a user may filter the commune's timeline by: the features' kinds that occur
    in it, and the requests; as (value, label), in the order of KIND_LABELS."""
    present = set(
        TimelineEntry.objects.filter(commune=commune)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    present.add(REQUEST_KIND)
    known = [kind for kind in KIND_LABELS if kind in present]
    unknown = sorted(present - set(KIND_LABELS))
    return [(kind, kind_label(kind)) for kind in known + unknown]
