"""`showup import_reports --agency SLUG FILE`: file many reports at once, for an agency.

FILE holds JSON lines in the child-report schema (`../shared/contracts/`) or, when it ends in
`.csv`, CSV with the same field names (docs/board.md, "Importing reports"). Every line is
checked as one report filed through the API is; if any line is wrong, each problem is printed
with its line number and nothing is filed (exit status 2). Otherwise every report is filed in
one transaction and left to the matching workers (`services.reports_import`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from showup.core.models import Agency, User
from showup.reunite import imports, services


class Command(BaseCommand):
    help = (
        "Import missing and found reports for an agency from a JSON-lines (child-report "
        "schema) or CSV file: all or nothing; matching runs in the matching workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON lines (child-report schema), or CSV (.csv)")
        parser.add_argument("--agency", required=True, help="the agency's slug")
        parser.add_argument(
            "--format", choices=("jsonl", "csv"), help="default: from the file's extension"
        )
        parser.add_argument(
            "--as", dest="username", default="", help="the staff account filing (audited)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = Agency.objects.filter(slug=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency with the slug {options['agency']!r}.")
        filed_by = None
        if options["username"]:
            filed_by = User.objects.filter(
                username=options["username"], agency=agency, is_active=True
            ).first()
            if filed_by is None or not filed_by.is_agency_staff:
                raise CommandError(
                    "No active officer, coordinator or admin of the agency has this username."
                )
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                content = handle.read(imports.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        result = imports.read_file(content, fmt, region=agency.phone_region)
        if not result.ok:
            for problem in result.problems:
                where = f"line {problem.line}" if problem.line else "file"
                field = f" {problem.field}:" if problem.field else ""
                self.stderr.write(f"{path.name}: {where}:{field} {problem.message}")
            self.stderr.write("Nothing was imported.")
            raise SystemExit(2)
        entries = services.reports_import(
            agency=agency,
            rows=[(row.kind, row.data) for row in result.rows],
            filed_by=filed_by,
            source="command",
        )
        missing = sum(e.data["missing"] for e in entries)
        found = sum(e.data["found"] for e in entries)
        self.stdout.write(
            f"Imported {missing + found} report(s) for {agency.slug}: {missing} missing, "
            f"{found} found. The matching workers match them."
        )
