"""The attendance rates as CSV for Excel in French (semicolons, UTF-8 with a BOM)."""

import csv
import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from communes.adoption.exports import CSV_CONTENT_TYPE
from communes.models import Commune, Epci
from referent_portal.csv import neutralise

__all__ = ["CSV_CONTENT_TYPE", "rates_csv", "rates_filename"]


def rates_filename(epci: Epci) -> str:
    """presence-reunions-cc-lamballe-terre-et-mer-2026-03-14.csv"""
    name = slugify(epci.name) or epci.siren
    return f"presence-reunions-{name}-{timezone.localdate():%Y-%m-%d}.csv"


def rates_csv(communes: Iterable[Commune]) -> bytes:
    """One row per commune (annotated by `epci_commune_rates`); the rate as a percentage
    with a decimal comma, empty for a commune never invited."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            gettext("Commune"),
            gettext("Code INSEE"),
            gettext("Réunions tenues où elle était invitée"),
            gettext("Réunions avec au moins un présent"),
            gettext("Taux de présence (%)"),
        ]
    )
    for commune in communes:
        rate = "" if commune.rate is None else f"{commune.rate * 100:.1f}".replace(".", ",")
        writer.writerow(
            [
                neutralise(commune.name),
                commune.insee_code,
                commune.meetings_count,
                commune.attended_count,
                rate,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")
