"""Delete the uploaded files that no row references (left by a process killed mid-upload)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from referent_portal.uploads.cleanup import managed_folders, purge_orphans


class Command(BaseCommand):
    help = (
        "Delete the files under the portal's upload folders that no row references and that "
        "are older than UPLOAD_ORPHAN_GRACE (a file of an upload in progress is recent). "
        "--dry-run only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help="Keep orphans younger than this (default: UPLOAD_ORPHAN_GRACE).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the orphans; delete nothing."
        )

    def handle(self, *args, grace_hours, dry_run, verbosity, **options):
        grace = None if grace_hours is None else timedelta(hours=grace_hours)
        result = purge_orphans(grace=grace, dry_run=dry_run)
        if verbosity > 1 or dry_run:
            for name in result.deleted:
                self.stdout.write(f"  {name}")
        folders = ", ".join(sorted(managed_folders()))
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.deleted)} orphan file(s) older than {result.cutoff:%Y-%m-%d %H:%M} "
                f"{verb} in {folders}; {result.kept_recent} recent orphan(s) kept."
            )
        )
