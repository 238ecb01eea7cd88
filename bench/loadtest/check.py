"""After the load: is every report the load test saw accepted in the database exactly once?

    .venv/bin/python bench/loadtest/check.py --ledger var/loadtest/ledger.jsonl \
        --out var/loadtest/check.json

Each line of the ledger is one submission (a form sent, perhaps double-tapped, or an API
create, perhaps retried) with the tag the user wrote into the report's description, the
idempotency key it sent and what the server answered (the status page, the report page or
the report id). For every accepted submission:

- lost: no report carries its tag;
- duplicated: more than one report carries it;
- misdirected: the answer (status token, report id) is not the report that carries it, or a
  double tap / retry was answered with another report;
- key: its idempotency key is not recorded, still "in flight", or points at another report.

Submissions that were not accepted (an error answer) are counted too, with how many of them
left a report behind anyway (a report the person never heard of). Exits 1 when anything was
lost, duplicated or misdirected.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "showup.settings")

import django  # noqa: E402

django.setup()

from showup.core.models import IdempotencyKey  # noqa: E402
from showup.reunite.models import Report  # noqa: E402

TAG = re.compile(r"^(load:[\w-]+:[0-9a-f]{32})")


def _answered_pk(entry: dict[str, Any], by_token: dict[str, int]) -> int | None:
    """The report the server said it filed for this submission."""
    if entry["flow"] == "api":
        return entry.get("report_id")
    path = entry.get("location") or ""
    if entry["flow"] == "public":
        token = path.rstrip("/").rsplit("/", 1)[-1]
        return by_token.get(token)
    found = re.search(r"/staff/reports/(\d+)/", path)
    return int(found.group(1)) if found else None


def check(ledger: Path, run: str) -> dict[str, Any]:
    entries = [json.loads(line) for line in ledger.read_text().splitlines() if line.strip()]
    reports: dict[str, list[int]] = defaultdict(list)
    by_token: dict[str, int] = {}
    for pk, description, token in Report.objects.filter(
        description__startswith=f"load:{run}:"
    ).values_list("pk", "description", "status_token"):
        tag = TAG.match(description)
        if tag:
            reports[tag.group(1)].append(pk)
            by_token[token] = pk
    keys = {
        key: (status, obj)
        for key, status, obj in IdempotencyKey.objects.filter(
            key__in=[e["key"] for e in entries if e.get("key")]
        ).values_list("key", "status_code", "object_id")
    }
    result: dict[str, Any] = {
        "submissions": len(entries),
        "accepted": 0,
        "not_accepted": 0,
        "lost": [],
        "duplicated": [],
        "misdirected": [],
        "key_problems": [],
        "not_accepted_but_filed": 0,
        "double_taps": 0,
        "by_flow": Counter(),
    }
    seen: set[str] = set()
    for entry in entries:
        tag = entry["marker"]
        seen.add(tag)
        found = reports.get(tag, [])
        result["double_taps"] += bool(entry.get("double_tap"))
        if not entry["accepted"]:
            result["not_accepted"] += 1
            result["not_accepted_but_filed"] += bool(found)
            if len(found) > 1:
                result["duplicated"].append(tag)
            continue
        result["accepted"] += 1
        result["by_flow"][entry["flow"]] += 1
        if not found:
            result["lost"].append(tag)
            continue
        if len(found) > 1:
            result["duplicated"].append(tag)
        answered = _answered_pk(entry, by_token)
        repeat = entry.get("retry_report_id") or entry.get("repeat_location")
        if answered not in found or (
            repeat and repeat not in (entry.get("report_id"), entry.get("location"))
        ):
            result["misdirected"].append(tag)
        status, obj = keys.get(entry.get("key", ""), (None, None))
        if status is None or status == 0 or str(obj) not in {str(pk) for pk in found}:
            result["key_problems"].append(tag)
    result["untracked_reports"] = sum(len(v) for k, v in reports.items() if k not in seen)
    result["reports_in_db"] = sum(len(v) for v in reports.values())
    result["by_flow"] = dict(result["by_flow"])
    result["tasks"] = _tasks()
    return result


def _tasks() -> dict[str, int]:
    """The task worker's queue after the run (notices fanned out for each report)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return {}
    counts = Counter(DBTaskResult.objects.values_list("status", flat=True))
    return dict(counts)


def wait_for_tasks(limit: float) -> str:
    """Wait (at most `limit` s) until the worker has taken every queued task."""
    from django_tasks_db.models import DBTaskResult

    started = time.monotonic()
    while True:
        waiting = DBTaskResult.objects.ready().count()
        spent = time.monotonic() - started
        if waiting == 0:
            return f"task queue empty {spent:.1f} s after the load stopped"
        if spent > limit:
            return f"{waiting} tasks still queued {limit:.0f} s after the load stopped"
        time.sleep(1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path)
    parser.add_argument("--run", help="the LOADTEST_RUN tag of this run")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--wait-tasks", type=float, help="only wait for the task queue")
    args = parser.parse_args()
    if args.wait_tasks is not None:
        print(wait_for_tasks(args.wait_tasks))
        return 0
    if not (args.ledger and args.run and args.out):
        parser.error("--ledger, --run and --out are required")
    result = check(args.ledger, args.run)
    args.out.write_text(json.dumps(result, indent=1))
    bad = {k: len(result[k]) for k in ("lost", "duplicated", "misdirected", "key_problems")}
    print(
        f"exactly-once check: {result['accepted']} accepted of {result['submissions']} "
        f"submissions ({result['double_taps']} double taps or retries); "
        + ", ".join(f"{k} {v}" for k, v in bad.items())
        + f"; not accepted but filed {result['not_accepted_but_filed']}; "
        f"reports in the database {result['reports_in_db']}; tasks {result['tasks']}"
    )
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
