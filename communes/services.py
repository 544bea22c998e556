"""Writes of the communes app."""

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, Epci
from communes.text import fold

SHIPPED_EXTRACT = Path(__file__).resolve().parent / "data" / "territory-53.json.gz"
EXTRACT_FORMAT = 1
CURRENT_COMMUNE = "commune-actuelle"
BATCH_SIZE = 2000

EPCI_FIELDS = ["name", "kind", "financing", "population"]
COMMUNE_FIELDS = [
    "siren",
    "name",
    "search_name",
    "population",
    "postal_codes",
    "departement",
    "region",
    "epci_id",
]


@dataclass
class ImportResult:
    """What ``territory_import`` did; "unchanged" rows were already up to date."""

    source: str = ""
    epcis_created: int = 0
    epcis_updated: int = 0
    epcis_unchanged: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    communes_unchanged: int = 0

    @property
    def epcis(self) -> int:
        return self.epcis_created + self.epcis_updated + self.epcis_unchanged

    @property
    def communes(self) -> int:
        return self.communes_created + self.communes_updated + self.communes_unchanged


@dataclass
class TerritoryData:
    """A source read into model-shaped rows, keyed by SIREN (EPCIs) and INSEE code (communes).

    Each commune row carries ``epci``: the SIREN of the EPCI it belongs to, or None.
    """

    label: str
    epcis: dict[str, dict]
    communes: dict[str, dict]


def territory_import(
    *, epci_sirens: list[str] | None = None, source: Path | None = None
) -> ImportResult:
    """Create or update EPCIs and their communes from official data.

    ``source`` is the ``data/`` folder of the npm package ``@etalab/decoupage-administratif``
    (``communes.json`` and ``epci.json``), or an extract written by
    ``scripts/extract_territory.py``; by default, the extract shipped in ``communes/data/``
    (Brittany).

    With ``epci_sirens``, only those EPCIs and their member communes are imported; an unknown
    SIREN raises ``ValidationError`` and nothing is written. Without, everything in the source:
    every EPCI, every member commune, and also the current communes that belong to no EPCI
    (islands such as Ouessant or Île-de-Sein, overseas collectivities such as
    Saint-Pierre-et-Miquelon) with ``epci=None``, so that the syndicat mixte can serve them too.

    Rows are matched on SIREN (EPCI) and INSEE code (commune): importing again updates, never
    duplicates. A commune that the database puts in an imported EPCI but the source puts
    elsewhere is moved (to its new EPCI if that one is in the database, else to none). Nothing
    is ever deleted: EPCIs and communes absent from the source (merged communes...) stay, as
    other data refer to them.

    The writes are a few bulk statements in one transaction: all of France takes seconds.
    """
    data = territory_read(source)

    if epci_sirens is None:
        sirens = sorted(data.epcis)
        codes = set(data.communes)
    else:
        sirens = sorted({siren.strip() for siren in epci_sirens})
        unknown = [siren for siren in sirens if siren not in data.epcis]
        if unknown:
            raise ValidationError(
                _("SIREN d'EPCI inconnu dans %(source)s : %(sirens)s."),
                code="unknown_epci",
                params={"source": data.label, "sirens": ", ".join(unknown)},
            )
        wanted = set(sirens)
        codes = {code for code, row in data.communes.items() if row["epci"] in wanted}

    _check_kinds(data, sirens)
    result = ImportResult(source=data.label)

    with transaction.atomic():
        (
            result.epcis_created,
            result.epcis_updated,
            result.epcis_unchanged,
        ) = _upsert(Epci, "siren", {siren: data.epcis[siren] for siren in sirens}, EPCI_FIELDS)

        if epci_sirens is not None:
            # Communes the database still puts in these EPCIs but the source moved elsewhere.
            moved = Commune.objects.filter(epci__siren__in=sirens).exclude(insee_code__in=codes)
            codes |= set(moved.values_list("insee_code", flat=True)) & set(data.communes)

        rows = {code: data.communes[code] for code in codes}
        epci_ids = dict(
            Epci.objects.filter(
                siren__in={row["epci"] for row in rows.values() if row["epci"]}
            ).values_list("siren", "pk")
        )
        commune_rows = {}
        for code, row in rows.items():
            commune_rows[code] = {
                **{field: row[field] for field in COMMUNE_FIELDS if field in row},
                "search_name": fold(row["name"]),
                "epci_id": epci_ids.get(row["epci"]),
            }
        (
            result.communes_created,
            result.communes_updated,
            result.communes_unchanged,
        ) = _upsert(Commune, "insee_code", commune_rows, COMMUNE_FIELDS)

    return result


def territory_read(source: Path | None = None) -> TerritoryData:
    """Read a package ``data/`` folder or an extract (the shipped one by default)."""
    path = Path(source) if source is not None else SHIPPED_EXTRACT
    if path.is_dir():
        return _read_package_folder(path)
    if path.is_file():
        return _read_extract(path)
    raise ValidationError(
        _("Source introuvable : %(path)s."), code="source_not_found", params={"path": path}
    )


def _read_extract(path: Path) -> TerritoryData:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as file:
            extract = json.load(file)
    except (OSError, ValueError) as exc:
        raise _invalid(path, exc) from exc
    if not isinstance(extract, dict) or extract.get("format") != EXTRACT_FORMAT:
        raise _invalid(path, f"not an extract of format {EXTRACT_FORMAT}")
    source = extract.get("source", {})
    label = f"{path.name} ({source.get('package', '?')} {source.get('version', '?')})"
    try:
        epcis = {
            row["siren"]: {field: row[field] for field in EPCI_FIELDS} for row in extract["epcis"]
        }
        communes = {row["insee_code"]: row for row in extract["communes"]}
    except (KeyError, TypeError) as exc:
        raise _invalid(path, exc) from exc
    return TerritoryData(label=label, epcis=epcis, communes=communes)


def _read_package_folder(folder: Path) -> TerritoryData:
    try:
        raw_communes = json.loads((folder / "communes.json").read_text(encoding="utf-8"))
        raw_epcis = json.loads((folder / "epci.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _invalid(folder, exc) from exc

    label = str(folder)
    package_json = folder.parent / "package.json"
    if package_json.is_file():
        package = json.loads(package_json.read_text(encoding="utf-8"))
        label = f"{folder} ({package.get('name', '?')} {package.get('version', '?')})"

    try:
        epcis = {}
        membership = {}
        for epci in raw_epcis:
            epcis[epci["code"]] = {
                "name": epci["nom"],
                "kind": epci["type"],
                "financing": epci.get("modeFinancement") or "",
                "population": epci.get("populationTotale") or 0,
            }
            for member in epci["membres"]:
                membership[member["code"]] = (epci["code"], member)

        communes = {}
        for commune in raw_communes:
            if commune.get("type") != CURRENT_COMMUNE:
                continue
            code = commune["code"]
            epci_siren, member = membership.get(code, (None, {}))
            population = commune.get("population")
            if population is None:
                population = member.get("populationMunicipale")
            communes[code] = {
                "insee_code": code,
                "siren": commune.get("siren") or "",
                "name": commune["nom"],
                "population": population or 0,
                "postal_codes": sorted(commune.get("codesPostaux") or []),
                "departement": commune.get("departement") or "",
                "region": commune.get("region") or "",
                "epci": epci_siren,
            }
        # A member that communes.json lacks as a current commune: keep what epci.json says.
        for code, (epci_siren, member) in membership.items():
            if code not in communes:
                communes[code] = {
                    "insee_code": code,
                    "siren": member.get("siren") or "",
                    "name": member["nom"],
                    "population": member.get("populationMunicipale") or 0,
                    "postal_codes": [],
                    "departement": "",
                    "region": "",
                    "epci": epci_siren,
                }
    except (KeyError, TypeError, AttributeError) as exc:
        raise _invalid(folder, f"unexpected structure ({exc!r})") from exc
    return TerritoryData(label=label, epcis=epcis, communes=communes)


def _invalid(path, error) -> ValidationError:
    return ValidationError(
        _("Données de découpage administratif illisibles dans %(path)s : %(error)s."),
        code="invalid_source",
        params={"path": path, "error": error},
    )


def _check_kinds(data: TerritoryData, sirens: list[str]) -> None:
    unknown = sorted(
        f"{siren} ({data.epcis[siren]['kind']})"
        for siren in sirens
        if data.epcis[siren]["kind"] not in Epci.Kind.values
    )
    if unknown:
        raise ValidationError(
            _("Nature juridique d'EPCI inconnue : %(epcis)s."),
            code="unknown_kind",
            params={"epcis": ", ".join(unknown)},
        )


def _upsert(
    model: type[models.Model], key: str, rows: dict[str, dict], fields: list[str]
) -> tuple[int, int, int]:
    """Insert the new rows and update the changed ones in bulk; (created, updated, unchanged).

    Existing rows are read once to count and to skip those already up to date; the write is an
    INSERT ... ON CONFLICT (key) DO UPDATE, so a concurrent import cannot create a duplicate.
    """
    existing = {
        values[0]: values[1:]
        for values in model.objects.filter(**{f"{key}__in": list(rows)}).values_list(key, *fields)
    }
    to_write = []
    created = updated = 0
    for value, row in rows.items():
        current = existing.get(value)
        if current is None:
            created += 1
        elif current == tuple(row[field] for field in fields):
            continue
        else:
            updated += 1
        to_write.append(model(**{key: value, **{field: row[field] for field in fields}}))
    model.objects.bulk_create(
        to_write,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=[key],
        update_fields=[*fields, "updated_at"],
    )
    return created, updated, len(rows) - created - updated
