"""`showup match_worker`: a matching worker (see reunite/matching_service.py).

Leases shards of agencies, warms its index of their open reports from the database, and
processes the matching outbox until SIGTERM or SIGINT, which finish the current report and hand
the shards back at once. `--once` stops when nothing is left; `--check` only lists the rows
that gave up and those waiting too long; `--warm-only` builds the index of every shard and
says how long that took (what a new worker costs before it matches).
"""

from __future__ import annotations

import os
import signal
import socket
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from showup.reunite.candidate_index import warm_up
from showup.reunite.matching_service import Worker, outbox_problems


def _shards(value: str) -> list[int]:
    try:
        return sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError as error:
        raise CommandError(f"--shards takes numbers separated by commas: {value!r}") from error


class Command(BaseCommand):
    help = "Run a matching worker: consume the matching outbox of the shards it leases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name",
            default=f"{socket.gethostname()}-{os.getpid()}",
            help="This worker's name, unique among the running workers (default host-pid).",
        )
        parser.add_argument(
            "--shards", type=_shards, default=None, help="Only these shards, e.g. 0,3."
        )
        parser.add_argument("--once", action="store_true", help="Stop when nothing is left.")
        parser.add_argument("--batch", type=int, default=100, help="Rows claimed at a time.")
        parser.add_argument(
            "--check", action="store_true", help="List failed and stale outbox rows, then exit."
        )
        parser.add_argument(
            "--warm-only",
            action="store_true",
            help="Build the index of every open report, say how long it took, then exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                self._check()
            elif options["warm_only"]:
                self._warm()
            else:
                self._run(options)
        except DatabaseError as error:
            message = f"Could not read the database (is it migrated?): {error}"
            raise CommandError(message) from error

    def _run(self, options: dict[str, Any]) -> None:
        name = str(options["name"])[:64]
        worker = Worker(name, shards=options["shards"], batch=max(1, options["batch"]))

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stopping = True  # the current report finishes; then the shards go back

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stderr.write(f"Match worker {name} started.")
        done = worker.run(once=options["once"])
        self.stdout.write(
            f"Match worker {name}: {done.reports} report(s) matched from {done.rows} row(s), "
            f"{done.failed} failed."
        )

    def _check(self) -> None:
        problems = outbox_problems()
        for label, rows in problems.items():
            self.stdout.write(f"{label}: {len(rows)}")
            for row in rows:
                self.stdout.write(
                    f"  row {row.pk} report {row.report_id} shard {row.shard} {row.reason} "
                    f"attempts {row.attempts} created {row.created_at:%Y-%m-%d %H:%M:%S} "
                    f"{row.last_error or ''}".rstrip()
                )
        if any(problems.values()):
            raise CommandError("The matching outbox has failed or stale rows.", returncode=1)

    def _warm(self) -> None:
        result = warm_up()
        self.stdout.write(
            f"Matching index ready: {result.reports} open report(s) indexed "
            f"in {result.seconds:.1f} s."
        )
