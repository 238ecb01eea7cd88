"""`showup purge_expired [--dry-run]`: the retention run, for cron or by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from showup.core.registry import purgers
from showup.core.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Remove personal data that its agency's retention period no longer allows (every "
        "module's registered purger: closed reports, closed visit requests, ...), keeping "
        "non-identifying stubs. Open records are never touched. Production runs this hourly, "
        "either from cron (`showup purge_expired`) or through `showup run_scheduler`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be purged."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        results = purge_expired(dry_run=dry_run)
        for purger in purgers():
            counts = results.get(purger.name)
            if counts is None:
                continue
            if "error" in counts:
                self.stderr.write(f"The {purger.name} purge failed: {counts['error']}")
                continue
            for line in purger.summary(counts, dry_run):
                self.stdout.write(line)
