"""A stand-in for one web process, driven over stdin by test_many_processes.py.

Commands (one JSON object a line): {"cmd": "file", "kind": ..., "data": {...}} files a report
through the services and answers with its pk and the candidate pks the engine proposed.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")
import django

django.setup()

from showup.core.models import Agency  # noqa: E402
from showup.reunite import services  # noqa: E402
from showup.reunite.candidate_index import process_index  # noqa: E402


def handle(command: dict[str, Any]) -> dict[str, Any]:
    agency = Agency.objects.get(slug=command["agency"])
    data = dict(command["data"], seen_at=datetime.fromisoformat(command["data"]["seen_at"]))
    report = services.report_create(agency=agency, kind=command["kind"], data=data, filed_by=None)
    candidates = services.matches_refresh(report=report)
    other = "missing_id" if report.kind == "found" else "found_id"
    return {"pk": report.pk, "candidates": [getattr(c, other) for c in candidates]}


def main() -> None:
    process_index.catch_up()  # warm: later reports arrive only through catch-up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(handle(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
