"""Anonymise the contacts inactive for longer than the retention period (RGPD)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from communes.contacts.services import contacts_purge


class Command(BaseCommand):
    help = (
        "Anonymise the contacts whose last activity (last_activity_at, else updated_at) is "
        "older than CONTACT_RETENTION_DAYS and who are not anonymised yet; their history is "
        "kept, without personal data. --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the contacts that would be anonymised; change nothing.",
        )

    def handle(self, *args, dry_run, **options):
        result = contacts_purge(dry_run=dry_run)
        cutoff = result.cutoff.date().isoformat()
        for epci, count in sorted(result.by_epci.items()):
            self.stdout.write(f"  {epci}: {count}")
        if dry_run:
            self.stdout.write(
                f"Dry run: {result.found} contact(s) inactive since before {cutoff} "
                f"(retention {settings.CONTACT_RETENTION_DAYS} days) would be anonymised; "
                "nothing was changed."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Anonymised {result.anonymised} of {result.found} contact(s) inactive since "
                f"before {cutoff} (retention {settings.CONTACT_RETENTION_DAYS} days)."
            )
        )
