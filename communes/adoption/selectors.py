"""Reads of the adoption feature: the matrix communes × services, a cell's history, and what
each role may see of it. Scoped like the rest of the territory: a commune of another EPCI is
never in a result."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.db.models import Exists, OuterRef, Q, QuerySet

from communes.models import Commune, Epci, Service
from communes.selectors import communes_visible_to, epcis_visible_to
from communes.text import fold

from .models import Adoption, AdoptionEvent

Status = Adoption.Status

# A commune « adhère » to a service once it signed the charter; « sans aucune adhésion »
# means none of these for any service.
ADHERENT_STATUSES = (Status.CHARTER_SIGNED, Status.DEPLOYING, Status.ACTIVE)


def adoptions_visible_to(user) -> QuerySet[Adoption]:
    """The adoptions of the communes the user may see (the syndicat mixte: every commune's)."""
    if not user.is_authenticated:
        return Adoption.objects.none()
    return Adoption.objects.filter(commune__in=communes_visible_to(user).values("pk"))


def status_css(status: str) -> str:
    """The CSS class of a status (static/css/adoption.css): adoption-charter-signed…"""
    return "adoption-" + status.replace("_", "-")


@dataclass(frozen=True)
class StatusLabel:
    status: str

    @property
    def label(self) -> str:
        return Status(self.status).label

    @property
    def css_class(self) -> str:
        return status_css(self.status)


def status_legend() -> list[StatusLabel]:
    return [StatusLabel(status) for status in Status.values]


@dataclass(frozen=True)
class MatrixFilter:
    """Criteria of the matrix and its exports; empty criteria keep every commune."""

    q: str = ""
    service: Service | None = None
    status: str = ""
    without_any: bool = False

    @property
    def is_active(self) -> bool:
        return bool(self.q.strip() or (self.service and self.status) or self.without_any)

    def apply(self, communes: QuerySet[Commune]) -> QuerySet[Commune]:
        query = self.q.strip()
        if query:
            communes = communes.filter(
                Q(search_name__contains=fold(query)) | Q(insee_code__istartswith=query)
            )
        if self.service is not None and self.status:
            in_status = Adoption.objects.filter(commune=OuterRef("pk"), service=self.service)
            if self.status == Status.NOT_ADOPTED:
                # No row, or a row back to « non adhérente ».
                communes = communes.exclude(Exists(in_status.exclude(status=Status.NOT_ADOPTED)))
            else:
                communes = communes.filter(Exists(in_status.filter(status=self.status)))
        if self.without_any:
            communes = communes.exclude(
                Exists(
                    Adoption.objects.filter(commune=OuterRef("pk"), status__in=ADHERENT_STATUSES)
                )
            )
        return communes


@dataclass(frozen=True)
class Cell:
    """One commune × service: its status (« non adhérente » without a row)."""

    commune: Commune
    service: Service
    status: str = Status.NOT_ADOPTED
    changed_at: datetime | None = None

    @property
    def label(self) -> str:
        return Status(self.status).label

    @property
    def css_class(self) -> str:
        return status_css(self.status)

    @property
    def anchor(self) -> str:
        return f"commune-{self.commune.insee_code}"


@dataclass
class MatrixRow:
    commune: Commune
    cells: list[Cell]

    @property
    def anchor(self) -> str:
        return f"commune-{self.commune.insee_code}"


@dataclass
class ColumnCount:
    status: str
    label: str
    count: int

    @property
    def css_class(self) -> str:
        return status_css(self.status)


@dataclass
class MatrixColumn:
    service: Service
    counts: list[ColumnCount] = field(default_factory=list)

    def count_of(self, status: str) -> int:
        return next((c.count for c in self.counts if c.status == status), 0)

    @property
    def nonzero_counts(self) -> list[ColumnCount]:
        return [c for c in self.counts if c.count]


@dataclass
class AdoptionMatrix:
    epci: Epci | None
    services: list[Service]
    rows: list[MatrixRow]
    columns: list[MatrixColumn]

    @property
    def commune_count(self) -> int:
        return len(self.rows)


def active_services() -> list[Service]:
    return list(Service.objects.filter(is_active=True).order_by("position", "name"))


def _cells_by_commune(
    communes: list[Commune], services: list[Service], adoptions: QuerySet[Adoption]
) -> list[MatrixRow]:
    found = {
        (commune_id, service_id): (status, changed_at)
        for commune_id, service_id, status, changed_at in adoptions.values_list(
            "commune_id", "service_id", "status", "status_changed_at"
        )
    }
    rows = []
    for commune in communes:
        cells = []
        for service in services:
            status, changed_at = found.get((commune.pk, service.pk), (Status.NOT_ADOPTED, None))
            cells.append(Cell(commune, service, status, changed_at))
        rows.append(MatrixRow(commune, cells))
    return rows


def adoption_matrix(
    *,
    epci: Epci,
    services: list[Service] | None = None,
    communes_filter: MatrixFilter | None = None,
) -> AdoptionMatrix:
    """The communes of `epci` (by name) × the services (active ones by default), with the
    number of communes in each status per service.

    Three queries whatever the number of communes (two when `services` is given): the
    services, the communes, their adoptions.
    """
    services = active_services() if services is None else list(services)
    communes_qs = Commune.objects.filter(epci=epci)
    if communes_filter is not None:
        communes_qs = communes_filter.apply(communes_qs)
    communes_qs = communes_qs.order_by("search_name", "insee_code")
    communes = list(communes_qs)
    if communes and services:
        adoptions = Adoption.objects.filter(
            commune__in=communes_qs.values("pk"), service__in=[s.pk for s in services]
        )
        rows = _cells_by_commune(communes, services, adoptions)
    else:
        rows = [
            MatrixRow(commune, [Cell(commune, service) for service in services])
            for commune in communes
        ]

    columns = []
    for index, service in enumerate(services):
        tally = dict.fromkeys(Status.values, 0)
        for row in rows:
            tally[row.cells[index].status] += 1
        columns.append(
            MatrixColumn(
                service,
                [ColumnCount(status, Status(status).label, n) for status, n in tally.items()],
            )
        )
    return AdoptionMatrix(epci=epci, services=services, rows=rows, columns=columns)


def adoption_history(*, commune: Commune, service: Service) -> QuerySet[AdoptionEvent]:
    """Every change of `commune` × `service`, newest first, with who made it."""
    return (
        AdoptionEvent.objects.filter(adoption__commune=commune, adoption__service=service)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")
    )


def adoption_cell(*, commune: Commune, service: Service) -> Cell:
    adoption = Adoption.objects.filter(commune=commune, service=service).first()
    if adoption is None:
        return Cell(commune, service)
    return Cell(commune, service, adoption.status, adoption.status_changed_at)


def commune_adoptions(*, commune: Commune) -> list[Cell]:
    """A commune's status for each service offered, and for a withdrawn one it still has."""
    adoptions = {
        a.service_id: a
        for a in Adoption.objects.filter(commune=commune).exclude(status=Status.NOT_ADOPTED)
    }
    services = Service.objects.filter(Q(is_active=True) | Q(pk__in=list(adoptions))).order_by(
        "position", "name"
    )
    cells = []
    for service in services:
        adoption = adoptions.get(service.pk)
        if adoption is None:
            cells.append(Cell(commune, service))
        else:
            cells.append(Cell(commune, service, adoption.status, adoption.status_changed_at))
    return cells


def agent_adoptions(*, user) -> list[MatrixRow]:
    """« Mes services »: for each commune the agent serves, its status for each service."""
    communes = list(communes_visible_to(user).order_by("search_name", "insee_code"))
    if not communes:
        return []
    services = active_services()
    adoptions = Adoption.objects.filter(
        commune__in=[c.pk for c in communes], service__in=[s.pk for s in services]
    )
    return _cells_by_commune(communes, services, adoptions)


# --- who may do what ------------------------------------------------------------------------


def can_change_adoptions(user) -> bool:
    return user.is_authenticated and (user.is_referent or user.is_syndicat or user.is_superuser)


def adoption_communes_editable_by(user) -> QuerySet[Commune]:
    """The communes whose adoptions `user` may change: the EPCI's for its referent, all for
    the syndicat mixte, none for an agent (their services are shown read-only)."""
    if not can_change_adoptions(user):
        return Commune.objects.none()
    return communes_visible_to(user)


def matrix_epcis_for(user) -> QuerySet[Epci]:
    """The EPCIs whose matrix `user` may open."""
    if not can_change_adoptions(user):
        return Epci.objects.none()
    return epcis_visible_to(user)


# --- the membership request's action ---------------------------------------------------------


@dataclass
class RequestAction:
    """What the referent sees on a membership request: the current status and the form."""

    request: object
    cell: Cell
    data: dict | None = None

    @cached_property
    def form(self):
        from .forms import AdoptionFromRequestForm

        return AdoptionFromRequestForm(self.data, request_obj=self.request, current=self.cell)


def adoption_request_action(*, user, request_obj, data=None) -> RequestAction | None:
    """The « Mettre à jour l'adhésion » action for `request_obj`, or None when it does not
    apply: not the referent of its EPCI, not a membership request, or no longer open."""
    from requests_relay.models import Category

    if not (user.is_authenticated and user.is_referent):
        return None
    commune = request_obj.commune
    if commune.epci_id != user.epci_id:
        return None
    if request_obj.category != Category.MEMBERSHIP or request_obj.service_id is None:
        return None
    if not request_obj.is_open:
        return None
    return RequestAction(
        request=request_obj,
        cell=adoption_cell(commune=commune, service=request_obj.service),
        data=data,
    )
