"""`showup verify_audit [--record] [--no-anchor]`: check that the audit log is whole."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from showup.core.audit_chain import anchor_path, run_check


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain in order and check the database guards and the last "
        "recorded anchor. Prints the number of entries and the last hash when the log is "
        "intact; names the first break and exits with status 1 otherwise. --record writes a "
        "new anchor (what the daily scheduled check does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--record",
            action="store_true",
            help="When intact, record a new anchor (file and audit entry); when broken, log, "
            "audit and notify as the scheduled check does.",
        )
        parser.add_argument(
            "--no-anchor",
            action="store_true",
            help=f"Do not compare with the last anchor ({anchor_path()}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_check(record=options["record"], use_anchor=not options["no_anchor"])
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")
        if report.ok:
            head = f"entry {report.head_id}, " if report.head_id else ""
            self.stdout.write(
                f"Audit log intact: {report.count} entries; head {head}hash {report.head_hash}."
            )
            return
        self.stderr.write(f"Audit log BROKEN ({report.count} entries):")
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        raise CommandError(f"first break: {report.problems[0]}")
