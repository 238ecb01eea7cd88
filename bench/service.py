"""The matching service end to end: how long from a found report's 201 to the coordinator's
board announcing the match, with the web processes and the match workers as separate processes.

    .venv/bin/python bench/service.py [--pairs 45] [--backends sqlite,postgres] [--poll 0.1]

For each backend: a fresh database (SQLite in WAL mode; PostgreSQL through
scripts/with-postgres.sh, a throwaway server), three agencies, two gunicorn web processes
(deploy/gunicorn.conf.py, one worker each) and two `showup match_worker` processes sharing 4
shards. Coordinators keep each agency's board open on both web processes, polling
/staff/board/live/ every `--poll` seconds as the page does (it polls every second: add up to
1 s for what a person sees). The missing reports are filed first through the JSON API, then
the found reports back to back, alternately to each web process; "second report to board" is
from the found report's 201 to the first poll that announces "New likely match".

Writes docs/benchmarks-service.md.part (joined into docs/benchmarks.md by bench/run.py).
The harness is showup/tests/match_service_harness.py, shared with the test that kills a worker.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PART = REPO / "docs" / "benchmarks-service.md.part"
sys.path.insert(0, str(REPO))

from showup.tests import match_service_harness as h  # noqa: E402


@dataclass
class Figures:
    backend: str
    pairs: int
    announced: int
    reports_per_s: float
    p50: float
    p95: float
    max: float


def measure(pairs_n: int, poll: float) -> Figures:
    """One run on the backend this process is pointed at (SHOWUP_DB): the figures."""
    pairs = h.make_pairs(pairs_n, 0)
    with tempfile.TemporaryDirectory() as tmp:
        workers: dict[str, dict[str, str]] = {"w1": {}, "w2": {}}
        with h.cluster(Path(tmp), workers=workers, lease=10, shards=4) as running:
            shared = h.wait_for(lambda: set(running.shard_owners().values()) == {"w1", "w2"}, 60)
            assert shared, running.logs()
            pollers = h.start_pollers(running, poll)
            try:
                h.post_all_missing(running, pairs)
                assert h.wait_for(lambda: running.pending() == 0, 60), running.logs()
                started = time.monotonic()
                for pair in pairs:
                    h.post_found(running, pair, running.webs[pair.index % 2])
                posting = time.monotonic() - started
                assert h.wait_for(lambda: running.pending() == 0, 60), running.logs()
                h.wait_for(lambda: len(h.latencies(pairs, pollers)) == len(pairs), 10)
            finally:
                for poller in pollers:
                    poller.stop()
            seconds = sorted(h.latencies(pairs, pollers).values())
    assert seconds, "no match reached a board"
    return Figures(
        backend=running.backend,
        pairs=len(pairs),
        announced=len(seconds),
        reports_per_s=round(len(pairs) / posting, 1),
        p50=statistics.median(seconds),
        p95=statistics.quantiles(seconds, n=20, method="inclusive")[-1]
        if len(seconds) > 1
        else seconds[0],
        max=seconds[-1],
    )


def run_backend(backend: str, args: argparse.Namespace) -> Figures:
    """Measure in a child process: PostgreSQL needs scripts/with-postgres.sh around it."""
    command = [sys.executable, __file__, "--one", "--pairs", str(args.pairs)]
    command += ["--poll", str(args.poll)]
    env = {k: v for k, v in os.environ.items() if k != "SHOWUP_DB"}
    if backend == "postgres":
        command = [str(REPO / "scripts" / "with-postgres.sh"), *command]
    done = subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, text=True)
    return Figures(**json.loads(done.stdout.strip().splitlines()[-1]))


def table(results: list[Figures], args: argparse.Namespace) -> list[str]:
    lines = [
        "## Matching service: second report to board",
        "",
        f"`.venv/bin/python bench/service.py --pairs {args.pairs}`: two gunicorn web processes "
        "(one worker each) and two `showup match_worker` processes (4 shards, 3 agencies) on "
        "one database; missing reports filed first through the JSON API, then the found "
        "reports back to back, alternately to each web process, while both workers run. "
        "Time from the found report's 201 to the first board poll announcing the match "
        f"(coordinators' boards open on both web processes, polled every {args.poll} s; the "
        "page polls every second, so a person sees it up to 1 s later).",
        "",
        "| database | pairs | announced | found reports/s | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.pairs} | {r.announced} | {r.reports_per_s} "
            f"| {r.p50:.2f} s | {r.p95:.2f} s | {r.max:.2f} s |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=45, help="children missing, then found")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between board polls")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # the child: measure on whatever SHOWUP_DB says, print JSON
        print(json.dumps(asdict(measure(args.pairs, args.poll))))
        return 0
    results = [run_backend(b.strip(), args) for b in args.backends.split(",") if b.strip()]
    lines = table(results, args)
    PART.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
