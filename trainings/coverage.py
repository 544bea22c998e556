"""Training coverage of an EPCI: per commune × module, the agents trained and when; the
communes that use a module's service but have nobody trained on it.

« Trained » means marked present at a session that was held (`Enrolment.attended` is True,
the session « tenue »), counted for the commune the person was enrolled for; a person trained
twice on a module counts once. « Uses the service » means an adoption with its charter
signed, being deployed or active (communes.adoption). Only the modules still offered are
columns.

`training_coverage` reads the whole matrix in four queries, whatever the number of communes
(communes, modules, trained counts grouped in SQL, adoptions). The suggestion rule
« formation_service_adopte » (communes/suggestions/rules.py) proposes from its flags.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from communes.adoption.exports import CSV_CONTENT_TYPE
from communes.models import Adoption, Commune, Epci
from referent_portal.csv import neutralise

from .models import Enrolment, TrainingModule, TrainingSession

__all__ = ["CSV_CONTENT_TYPE", "coverage_csv", "coverage_filename", "training_coverage"]

ADOPTED = (
    Adoption.Status.CHARTER_SIGNED,
    Adoption.Status.DEPLOYING,
    Adoption.Status.ACTIVE,
)


@dataclass
class Cell:
    module: TrainingModule
    trained: int = 0
    last_trained_on: date | None = None
    adopted: bool = False  # the commune uses the module's service

    @property
    def flagged(self) -> bool:
        """Uses the service, nobody trained: a training to propose."""
        return self.adopted and self.trained == 0


@dataclass
class Row:
    commune: Commune
    cells: list[Cell]

    @property
    def flags(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.flagged]


@dataclass
class Coverage:
    epci: Epci
    modules: list[TrainingModule]
    rows: list[Row]
    totals: list[dict] = field(default_factory=list)

    @property
    def flags(self) -> list[tuple[Commune, Cell]]:
        return [(row.commune, cell) for row in self.rows for cell in row.flags]


def training_coverage(epci: Epci) -> Coverage:
    """The matrix commune × module of the EPCI (four queries)."""
    modules = list(
        TrainingModule.objects.filter(is_active=True)
        .select_related("service")
        .order_by("position", "title")
    )
    communes = list(Commune.objects.filter(epci=epci).order_by("search_name", "insee_code"))
    trained = {
        (row["commune_id"], row["session__module_id"]): row
        for row in Enrolment.objects.filter(
            commune__epci=epci,
            attended=True,
            status=Enrolment.Status.ENROLLED,
            session__status=TrainingSession.Status.HELD,
        )
        .values("commune_id", "session__module_id")
        .annotate(agents=Count("contact_id", distinct=True), last=Max("session__starts_at"))
        .order_by()
    }
    service_ids = {module.service_id for module in modules if module.service_id}
    adopted = set(
        Adoption.objects.filter(
            commune__epci=epci, service_id__in=service_ids, status__in=ADOPTED
        ).values_list("commune_id", "service_id")
    )
    rows = []
    for commune in communes:
        cells = []
        for module in modules:
            found = trained.get((commune.pk, module.pk))
            cells.append(
                Cell(
                    module=module,
                    trained=found["agents"] if found else 0,
                    last_trained_on=timezone.localdate(found["last"]) if found else None,
                    adopted=(commune.pk, module.service_id) in adopted,
                )
            )
        rows.append(Row(commune=commune, cells=cells))
    totals = [
        {
            "module": module,
            "trained": sum(row.cells[index].trained for row in rows),
            "communes": sum(1 for row in rows if row.cells[index].trained),
            "flagged": sum(1 for row in rows if row.cells[index].flagged),
        }
        for index, module in enumerate(modules)
    ]
    return Coverage(epci=epci, modules=modules, rows=rows, totals=totals)


def coverage_filename(epci: Epci) -> str:
    """couverture-formations-cc-lamballe-terre-et-mer-2026-03-14.csv"""
    name = slugify(epci.name) or epci.siren
    return f"couverture-formations-{name}-{timezone.localdate():%Y-%m-%d}.csv"


def coverage_csv(coverage: Coverage) -> bytes:
    """For Excel in French: semicolons, UTF-8 with a BOM, dates as 14/03/2026; for each module
    the agents trained, the date of the last session, and « oui » where a training is due."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header = [gettext("Commune"), gettext("Code INSEE")]
    for module in coverage.modules:
        header += [
            gettext("%(module)s : agents formés") % {"module": module.title},
            gettext("%(module)s : dernière session") % {"module": module.title},
            gettext("%(module)s : service adopté sans agent formé") % {"module": module.title},
        ]
    writer.writerow(header)
    yes = gettext("oui")
    for row in coverage.rows:
        line = [neutralise(row.commune.name), row.commune.insee_code]
        for cell in row.cells:
            line += [
                cell.trained,
                cell.last_trained_on.strftime("%d/%m/%Y") if cell.last_trained_on else "",
                yes if cell.flagged else "",
            ]
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8-sig")
