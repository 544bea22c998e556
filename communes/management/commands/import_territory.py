"""Import EPCIs and their communes from Etalab's découpage administratif."""

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from communes.services import territory_import


class Command(BaseCommand):
    help = (
        "Create or update EPCIs and their member communes from official data (Etalab's "
        "découpage administratif: INSEE COG, DGCL). Reads the Brittany extract shipped in "
        "communes/data/ unless --source is given. Re-running updates, never duplicates. "
        "Example: manage.py import_territory --epci 200069391"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--epci",
            action="append",
            dest="epcis",
            metavar="SIREN",
            help="SIREN of an EPCI to import with its member communes (repeat for several).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="import_all",
            help="Import every EPCI and commune of the source, including the communes in no "
            "EPCI (all of France with a full data/ folder).",
        )
        parser.add_argument(
            "--source",
            type=Path,
            metavar="PATH",
            help="The data/ folder of the npm package @etalab/decoupage-administratif "
            "(communes.json and epci.json), or an extract written by "
            "scripts/extract_territory.py. Default: the shipped Brittany extract.",
        )

    def handle(self, *args, epcis, import_all, source, **options):
        if epcis and import_all:
            raise CommandError("Give either --epci or --all, not both.")
        if not epcis and not import_all:
            raise CommandError(
                "Nothing to import: give --epci <SIREN> (repeatable) for the EPCIs to import, "
                "or --all for everything in the source (with a full data/ folder, all of "
                "France). Example: manage.py import_territory --epci 200069391"
            )

        started = time.perf_counter()
        try:
            result = territory_import(epci_sirens=None if import_all else epcis, source=source)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        elapsed = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.epcis} EPCIs ({result.epcis_created} created, "
                f"{result.epcis_updated} updated, {result.epcis_unchanged} unchanged) and "
                f"{result.communes} communes ({result.communes_created} created, "
                f"{result.communes_updated} updated, {result.communes_unchanged} unchanged) "
                f"from {result.source} in {elapsed:.1f} s."
            )
        )
