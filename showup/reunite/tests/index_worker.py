"""A stand-in for one web process, driven over stdin by test_many_processes.py.

Commands (one JSON object a line): {"agency": slug, "kind": ..., "data": {...}} files a report
through the services and answers with its pk and the candidate pks in the database right after
(a web process matches nothing itself: SHOWUP_MATCHING=worker leaves that to a match worker).
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
from showup.reunite.models import Candidate  # noqa: E402


def handle(command: dict[str, Any]) -> dict[str, Any]:
    agency = Agency.objects.get(slug=command["agency"])
    data = dict(command["data"], seen_at=datetime.fromisoformat(command["data"]["seen_at"]))
    report = services.report_create(agency=agency, kind=command["kind"], data=data, filed_by=None)
    other = "missing_id" if report.kind == "found" else "found_id"
    mine = "found" if report.kind == "found" else "missing"
    candidates = Candidate.objects.filter(**{mine: report}).values_list(other, flat=True)
    return {"pk": report.pk, "candidates": list(candidates)}


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(handle(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
