"""`showup run_scheduler`: the periodic jobs, in one long-running process.

Production runs one of these beside the web and `showup db_worker` processes (or, instead,
cron lines such as `17 * * * * showup purge_expired` and `5 3 * * * showup verify_audit
--record`). Every interval it enqueues the retention purge task, and once a day (at start, then
every SHOWUP_AUDIT_CHECK_INTERVAL seconds, default 86400) the audit log check; with the
ImmediateBackend they run right here, with django_tasks_db's DatabaseBackend the worker runs
them. Modules add their own jobs (showup.core.registry.register_periodic_job, e.g. events'
expiry of offered places every few minutes): each runs here when its interval has passed, so
the loop wakes at the shortest interval. Running two schedulers by mistake is harmless: the
purge is idempotent and each report is purged in its own locked transaction.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from showup.core.registry import periodic_jobs
from showup.core.tasks import purge_expired_data, verify_audit_chain

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

    # When the audit log was last checked (time.monotonic()); None: not yet in this process.
    audit_checked_at: float | None = None
    # When the purge and each module's periodic job last ran (time.monotonic()).
    purged_at: float | None = None
    jobs_run_at: dict[str, float]
    interval: float = 3600.0

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if interval <= 0:
            self.stderr.write("--interval must be positive")
            return
        self.interval = interval
        self.stdout.write(f"Scheduler started: retention purge every {interval:g} s.")
        tick = min([interval, *(every for _job, every in periodic_jobs().values())])
        try:
            while True:
                self.run_jobs()
                if options["once"]:
                    return
                time.sleep(tick)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def run_jobs(self) -> None:
        now = time.monotonic()
        if self.purged_at is None or now - self.purged_at >= self.interval:
            self.purged_at = now
            self.run_purge()
        self.run_audit_check()
        self.run_module_jobs()

    def run_module_jobs(self) -> None:
        """Each registered periodic job whose interval has passed; one failing job is logged
        and the others still run."""
        if not hasattr(self, "jobs_run_at"):
            self.jobs_run_at = {}
        for name, (job, every) in sorted(periodic_jobs().items()):
            now = time.monotonic()
            last = self.jobs_run_at.get(name)
            if last is not None and now - last < every:
                continue
            self.jobs_run_at[name] = now
            try:
                result = job()
            except Exception as exc:
                logger.exception("the periodic job %s failed", name)
                self.stderr.write(f"{name} failed: {type(exc).__name__}")
                continue
            if result:
                self.stdout.write(f"{name}: {result}")

    def run_audit_check(self) -> None:
        every = float(getattr(settings, "AUDIT_CHECK_INTERVAL_SECONDS", 86400))
        now = time.monotonic()
        if self.audit_checked_at is not None and now - self.audit_checked_at < every:
            return
        self.audit_checked_at = now
        try:
            result = verify_audit_chain.enqueue()
        except Exception:
            logger.exception("could not enqueue the audit log check")
            self.stderr.write("Could not enqueue the audit log check; will retry next interval.")
            self.audit_checked_at = None
            return
        if not result.is_finished:
            self.stdout.write(f"Audit log check enqueued ({result.id}).")
        elif result.errors:
            logger.error("the audit log check failed: %s", result.errors[0].exception_class_path)
            self.stderr.write(f"Audit log check failed: {result.errors[0].exception_class_path}")
        elif result.return_value["ok"]:
            self.stdout.write(f"Audit log intact: {result.return_value['count']} entries.")
        else:
            # run_check already logged each problem at ERROR and notified the operators.
            self.stderr.write(f"Audit log BROKEN: {result.return_value['problems'][0]}")

    def run_purge(self) -> None:
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
