"""`showup warm_index`: what `showup match_worker --warm-only` does, under its old name.

Builds the matching index of every open report, as a match worker does when it takes every
shard, and says how big it is and how long it took: at deploy it shows the database is
readable and how long a new worker takes before it matches.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Build the in-memory matching index of open reports, as a match worker does when it "
        "starts, and report how many reports it holds and how long the build took."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("match_worker", warm_only=True, stdout=self.stdout, stderr=self.stderr)
