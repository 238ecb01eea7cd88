"""`showup run_scheduler`: the periodic jobs, in one long-running process.

Production runs one of these beside the web and `showup db_worker` processes (or, instead,
a cron line such as `17 * * * * showup purge_expired`). Every interval it enqueues the retention
purge task; with the ImmediateBackend the purge runs right here, with django_tasks_db's
DatabaseBackend the worker runs it. Running two schedulers by mistake is harmless: the purge is
idempotent and each report is purged in its own locked transaction.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from showup.core.tasks import purge_expired_data

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs forever (the retention purge every "
        "SHOWUP_SCHEDULER_INTERVAL seconds, default 3600). Production runs this, or cron runs "
        "`showup purge_expired`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=float(getattr(settings, "SCHEDULER_INTERVAL_SECONDS", 3600)),
            help="Seconds between runs (default: settings.SCHEDULER_INTERVAL_SECONDS or 3600).",
        )
        parser.add_argument("--once", action="store_true", help="Run the jobs once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if interval <= 0:
            self.stderr.write("--interval must be positive")
            return
        self.stdout.write(f"Scheduler started: retention purge every {interval:g} s.")
        try:
            while True:
                self.run_jobs()
                if options["once"]:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def run_jobs(self) -> None:
        # One failed run (database briefly away) must not end the loop.
        try:
            result = purge_expired_data.enqueue()
        except Exception:
            logger.exception("could not enqueue the retention purge")
            self.stderr.write("Could not enqueue the retention purge; will retry next interval.")
            return
        if result.is_finished:
            if result.errors:
                self.stderr.write(
                    f"Retention purge failed: {result.errors[0].exception_class_path}"
                )
            else:
                self.stdout.write(f"Retention purge: {result.return_value}")
        else:
            self.stdout.write(f"Retention purge enqueued ({result.id}).")
