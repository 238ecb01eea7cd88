"""`showup warm_index`: build the matching index once and say how big it is and how long it took.

Each web process builds its own index at start (see reunite/candidate_index.py); this command
does the same build in its own process, so at deploy it shows the database is readable and how
long a new web process will take before its index is warm.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from showup.reunite.candidate_index import warm_up


class Command(BaseCommand):
    help = (
        "Build the in-memory matching index of open reports, as every web process does when it "
        "starts, and report how many reports it holds and how long the build took."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = warm_up()
        except DatabaseError as error:
            message = f"Could not read the reports (is the database migrated?): {error}"
            raise CommandError(message) from error
        self.stdout.write(
            f"Matching index ready: {result.reports} open report(s) indexed "
            f"in {result.seconds:.1f} s."
        )
