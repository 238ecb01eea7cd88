"""`showup purge_expired [--dry-run]`: the retention purge, for cron or by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from showup.core.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Remove personal data from reports closed longer ago than their agency's retention "
        "period, keeping a non-identifying stub. Open reports are never touched. Production "
        "runs this hourly, either from cron (`showup purge_expired`) or through "
        "`showup run_scheduler`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be purged."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        counts = purge_expired(dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            f"{verb} {counts.reports} report(s): {counts.photos} photo(s), "
            f"{counts.notes} timeline note(s), {counts.handoffs} hand-off record(s), "
            f"{counts.candidates} candidate reason list(s)."
        )
        for slug, number in sorted(counts.by_agency.items()):
            self.stdout.write(f"  {slug}: {number}")
        if not dry_run:
            from showup.visits.services import purge_expired_visits

            self.stdout.write(f"Purged {purge_expired_visits()} visit request(s).")
