"""The coordinator's board: what a page and a live poll cost as the open reports grow.

    .venv/bin/python bench/board.py [--sizes 30,300,1000]

Builds a throwaway SQLite database (migrations, one agency, an officer), files open
missing and found reports through the real service and drains the matching outbox with the
worker's own code (candidates are written), then times with Django's test client, warmed,
median of repeats:
- the full board page (what a coordinator opens),
- the live poll when nothing changed (every second, per open board: the hot path; one read
  of the agency's board version row),
- the live poll after one report changed through the service (one row swapped).
Writes docs/benchmarks-board.md.part (joined into docs/benchmarks.md by bench/run.py).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PART = REPO / "docs" / "benchmarks-board.md.part"
REPEATS = 25


def setup_django(workdir: Path) -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "showup.settings"
    os.environ["SHOWUP_SQLITE_PATH"] = str(workdir / "board.sqlite3")
    os.environ["SHOWUP_VAR_DIR"] = str(workdir)
    os.environ["SHOWUP_SMS_BACKEND"] = "locmem"
    os.environ["SHOWUP_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["SHOWUP_MATCHING"] = "worker"  # seed() drains the outbox itself, once
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int, rng: random.Random) -> Any:
    from django.utils import timezone

    from showup.core.models import Agency, User
    from showup.reunite import services
    from showup.reunite.matching_service import drain_outbox

    agency = Agency.objects.create(name=f"Bench {n}", slug=f"bench-{n}")
    officer = User.objects.create_user(
        username=f"officer-{n}", role="officer", agency=agency, password="x"
    )
    names = ["Mateo", "Sofia", "Liam", "Aisha", "Noah", "Emma", "Lucas", "Mia", "Leo", "Zoe"]
    now = timezone.now()
    for i in range(n):
        name = rng.choice(names)
        place = {"lat": 34.0 + rng.random() / 10, "lon": -118.3 + rng.random() / 10}
        seen = now - timedelta(minutes=rng.randint(5, 600))
        if i % 2:
            data = {
                "given_name": name,
                "age_years": rng.randint(2, 15),
                "sex": rng.choice(["male", "female"]),
                "clothing": "red t-shirt",
                "seen_at": seen,
                "guardian_name": "Parent",
                "guardian_phone": f"+1555020{i:04d}",
                "reporter_relationship": "mother",
                **place,
            }
            services.report_create(agency=agency, kind="missing", data=data, filed_by=None)
        else:
            age = rng.randint(2, 15)
            data = {
                "given_name": name if rng.random() < 0.5 else "",
                "age_min": age,
                "age_max": age + 1,
                "clothing": "red t-shirt",
                "seen_at": seen,
                "safe_location": "Patrol car",
                **place,
            }
            services.report_create(agency=agency, kind="found", data=data, filed_by=officer)
    drain_outbox()
    # An officer reads the board as a coordinator does, and needs no second factor to sign in
    # (a coordinator forced in without one is redirected to its setup on every page).
    return officer


def timed(fn: Any) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return statistics.median(times), len(queries)


def measure(n: int, rng: random.Random) -> list[str]:
    import re

    from django.test import Client

    from showup.reunite import services
    from showup.reunite.matching_service import drain_outbox
    from showup.reunite.models import Report

    reader = seed(n, rng)
    client = Client()
    client.force_login(reader)
    page = client.get("/staff/board/")
    html = page.content.decode()
    version = re.search(r'id="board"[^>]*data-version="([^"]+)"', html)
    rows = re.findall(r'id="report-(\d+)"[^>]*data-version="([^"]+)"', html)
    live = "/staff/board/live/?v=" + (version.group(1) if version else "")
    rows_query = "".join(f"&r={pk}.{v}" for pk, v in rows)

    board_ms, board_q = timed(lambda: client.get("/staff/board/"))
    idle = client.get(live + rows_query)
    idle_ms, idle_q = timed(lambda: client.get(live + rows_query))

    report = Report.objects.filter(agency__slug=f"bench-{n}").first()
    assert report is not None
    # Through the service, as a real edit: it moves the board's version row. Drained at once
    # (outside the timing), as a worker would within the poll's second.
    services.report_update(report=report, data={"clothing": "blue raincoat"}, actor=reader)
    drain_outbox()
    changed_ms, changed_q = timed(lambda: client.get(live + rows_query))
    return [
        f"| {n} | {len(rows)} | {board_ms:.1f} ms ({board_q} queries, {len(html) // 1024} KiB) "
        f"| {idle_ms:.2f} ms ({idle_q} queries, HTTP {idle.status_code}) "
        f"| {changed_ms:.1f} ms ({changed_q} queries) |"
    ]


def main() -> int:
    sizes = [30, 300, 1000]
    if "--sizes" in sys.argv:
        sizes = [int(x) for x in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    rng = random.Random(8)
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        lines = [
            "## The coordinator's board",
            "",
            "`.venv/bin/python bench/board.py` (SQLite, Django test client, warmed, median of "
            f"{REPEATS}). Open reports filed through the real service, half missing, half found; "
            "rows on the first page of the board.",
            "",
            "| open reports | rows shown | board page | live poll, nothing changed "
            "| live poll, one report changed |",
            "|---:|---:|---|---|---|",
        ]
        for n in sizes:
            lines += measure(n, rng)
    PART.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
