"""Write the "Load test" section of docs/benchmarks.md from one run's files.

    .venv/bin/python bench/loadtest/report.py --dir var/loadtest [--no-doc]

Reads locust's CSV (per endpoint), the ledger (every submission's own latency, so that the
submission percentiles are exact and not locust's rounded buckets), the exactly-once check and
the run's metadata (machine, CPU use). Replaces only its own section ("## Load test", up to
the next level-2 heading); a new section goes before "## What is weak". The hand-written
reading of the figures is bench/loadtest/notes.md, appended to the section.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from loadgen import PACE, USERS  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
NOTES = HERE / "notes.md"
HEADING = "## Load test"
SUBMISSION_P95_TARGET = 300.0


def _span(low_high: tuple[float, float]) -> str:
    return f"{low_high[0]:.0f}-{low_high[1]:.0f} s"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(value: float | str) -> str:
    number = float(value)
    return "–" if math.isnan(number) else f"{number:.0f} ms"


def machine(meta: dict[str, Any]) -> list[str]:
    cpu, mem = platform.processor() or "unknown CPU", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    server = f"gunicorn, {meta['workers']} worker processes" + (
        f" × {meta['threads']} threads (gthread)" if meta["threads"] > 1 else " (sync)"
    )
    return [
        f"- CPUs (nproc): {os.cpu_count()} ({cpu}); RAM {mem}",
        f"- Python {platform.python_version()}; {meta['pg_version'] or 'PostgreSQL'} "
        "(throwaway cluster on loopback, default durability: fsync and synchronous commit on)",
        f"- Web server: {server}; task worker: `manage.py db_worker` "
        "(`SHOWUP_TASKS_BACKEND=django_tasks_db.DatabaseBackend`); DEBUG off",
        f"- Load average before / after the run: {' '.join(meta['loadavg_before'])} / "
        f"{' '.join(meta['loadavg_after'])}",
    ]


def cpu_lines(meta: dict[str, Any]) -> list[str]:
    before, after = meta["cpu_before"], meta["cpu_after"]
    wall = after["wall"] - before["wall"]
    cores = os.cpu_count() or 1
    used = {k: after[k] - before[k] for k in ("web", "worker", "postgres", "locust")}
    busy = after["machine_busy"] - before["machine_busy"]
    others = max(0.0, busy - sum(used.values()))

    def share(seconds: float) -> str:
        return f"{seconds / wall:.2f}"

    activity = meta.get("pg_activity", {}).get("busy_connections", {})
    waits = ", ".join(
        f"{v:.1f} {k}" for k, v in sorted(activity.items(), key=lambda kv: -kv[1])[:5]
    )
    per_request = ""
    if meta.get("requests"):
        web_ms = used["web"] / meta["requests"] * 1000
        pg_ms = used["postgres"] / meta["requests"] * 1000
        per_request = (
            f" Per request served: {web_ms:.0f} ms of web CPU and {pg_ms:.0f} ms of "
            f"PostgreSQL CPU, so {cores} free cores would serve at most about "
            f"{cores * 1000 / (web_ms + pg_ms):.0f} requests/s of this mix."
        )
    return [
        f"Database connections busy at a time (pg_stat_activity every 0.5 s, mean): "
        f"{sum(activity.values()):.1f} ({waits or 'none'}).",
        "",
        f"CPU over the {wall:.0f} s of load, in cores busy on average (of {cores}): the whole "
        f"machine {share(busy)}; the web processes {share(used['web'])}, PostgreSQL "
        f"{share(used['postgres'])}, the task worker {share(used['worker'])}, locust itself "
        f"{share(used['locust'])}, and other work on the machine {share(others)}." + per_request,
    ]


def cpu_per_endpoint(out: Path, since: float) -> dict[str, list[float]]:
    """CPU ms the web process spent on each request during the load, per "METHOD path"
    (bench/loadtest/gunicorn_conf.py writes them)."""
    spent: dict[str, list[float]] = {}
    for log in out.glob("cpu.log.*"):
        for line in log.read_text().splitlines():
            at, method, name, cpu, _wall = line.split(" ")
            if float(at) >= since:
                spent.setdefault(f"{method} {name}", []).append(float(cpu))
    return spent


def _cpu_key(row: dict[str, str]) -> str:
    name = re.sub(r" \(.*\)$", "", row["Name"]).removeprefix(row["Type"] + " ")
    return f"{row['Type']} {name.split('?')[0]}"


def section(out: Path) -> tuple[str, dict[str, Any]]:
    meta = json.loads((out / "meta.json").read_text())
    check = json.loads((out / "check.json").read_text())
    ledger = [
        json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines() if line.strip()
    ]
    with (out / "locust_stats.csv").open() as f:
        rows = list(csv.DictReader(f))
    failures_file = out / "locust_failures.csv"
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    total = next(r for r in rows if r["Name"] == "Aggregated")
    with (out / "locust_stats_history.csv").open() as f:
        history = list(csv.DictReader(f))
    ramp = meta["users"] / max(1, meta.get("spawn_rate", 20))
    peak_users = max((int(h["User Count"]) for h in history), default=0)
    at_peak = [int(h["Timestamp"]) for h in history if int(h["User Count"]) == peak_users]
    held = (max(at_peak) - min(at_peak) + 1) if at_peak else 0
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    seconds = float(re.sub(r"[^\d.]", "", meta["time"]) or 60) * (
        60 if meta["time"].endswith("m") else 1
    )

    flows = {"public": "Guardian's form", "officer": "Officer's found form", "api": "API create"}
    sub_rows, all_ms = [], []
    for flow, label in flows.items():
        times = [e["ms"] for e in ledger if e["flow"] == flow]
        accepted = sum(1 for e in ledger if e["flow"] == flow and e["accepted"])
        all_ms += times
        sub_rows.append((label, len(times), accepted, times))
    sub_rows.append(("All submissions", len(all_ms), check["accepted"], all_ms))
    p95 = percentile(all_ms, 95)
    requests = int(total["Request Count"])
    meta["requests"] = requests
    failed = int(total["Failure Count"])
    lost, dup = len(check["lost"]), len(check["duplicated"])
    misdirected, keys = len(check["misdirected"]), len(check["key_problems"])

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    today = datetime.date.today().isoformat()

    def n(kind: str) -> int:
        """How many users of a kind locust runs (weights shared out, as locust does)."""
        return round(meta["users"] * USERS[kind] / sum(USERS.values()))

    lines = [
        HEADING,
        "",
        f"`make loadtest` (`scripts/loadtest.sh`, then `bench/loadtest/run.py`), run on {today} "
        f"in {meta['total_seconds']:.0f} s. Not part of `make test` or CI: it takes the whole "
        "machine for minutes. A throwaway PostgreSQL cluster, the production web server and "
        "the task worker on loopback; one agency with "
        f"{meta['officers']} officer and {meta['coordinators']} coordinator accounts and "
        f"{meta['open_seeded']} open reports to start with. Locust command:",
        "",
        "    " + re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", meta["locust"]),
        "",
        f"The users (bench/loadtest/locustfile.py, pacing in bench/loadtest/loadgen.py), "
        f"{meta['users']} at once: {n('guardian')} guardians (each time a new visitor: "
        f"the form page, {_span(PACE['guardian_typing'])} of typing, the multipart POST with "
        "the CSRF token and the hidden idempotency key, the status page; one in five with a "
        f"1280×960 photo), {n('officer')} officers (seeded sessions: the found form the "
        f"same way with {_span(PACE['officer_typing'])} of typing, then the report page; now "
        f"and then *My reports*), each pausing {_span(PACE['between_actions'])} before the "
        f"next report; {n('coordinator')} coordinators (the board, its live poll every "
        f"{PACE['board_poll']:.0f} s with the rows shown, a reload every 15 polls) and "
        f"{n('api')} API clients (officer sessions: `POST /api/reunite/reports` with "
        f"`Idempotency-Key`, and the list, {_span(PACE['api_between'])} apart). People take a "
        "minute or two for a form: this is a storm's worth of reports at once. One submission "
        "in twenty is double-tapped (a second identical POST while the first is in flight) "
        "or, on the API, retried with the same key; both answers must name the same report. "
        "Static files are not requested "
        "(a reverse proxy serves them in production).",
        "",
        "Machine:",
        "",
        *machine(meta),
        "",
        "| target | result | |",
        "|---|---|---|",
        f"| {meta['users']} concurrent users for {meta['time']} | {peak_users} users "
        f"(all of them for {held} s after the ramp-up), {requests:,} requests, "
        f"{float(total['Requests/s']):.1f} requests/s | "
        f"{met(peak_users >= meta['users'] and held >= seconds - ramp - 5)} |",
        f"| zero errors | {failed} failed requests of {requests:,} | {met(failed == 0)} |",
        f"| zero lost or duplicated reports | {check['accepted']:,} accepted reports: {lost} "
        f"lost, {dup} duplicated, {misdirected} answered with another report, {keys} "
        f"idempotency keys not pointing at their report | "
        f"{met(lost == dup == misdirected == keys == 0)} |",
        f"| submissions p95 under {SUBMISSION_P95_TARGET:.0f} ms | p95 {ms(p95)} | "
        f"{met(p95 < SUBMISSION_P95_TARGET)} |",
        "",
        "Submissions (the POST alone, first sends; each one's own time, from the ledger):",
        "",
        "| flow | sent | accepted | per second | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, sent, accepted, times in sub_rows:
        lines.append(
            f"| {label} | {sent:,} | {accepted:,} | {accepted / seconds:.1f} | "
            f"{ms(percentile(times, 50))} | {ms(percentile(times, 95))} | "
            f"{ms(percentile(times, 99))} | {ms(max(times) if times else math.nan)} |"
        )
    cpu = cpu_per_endpoint(out, meta.get("load_started_at", 0.0))
    all_cpu = [v for values in cpu.values() for v in values]
    lines += [
        "",
        "Every endpoint (locust's figures; its percentiles are rounded to two significant "
        "digits above 100 ms). *Web CPU* is the mean CPU time the web process spent on one "
        "such request (bench/loadtest/gunicorn_conf.py; the database's share is not in it): "
        "unlike the latencies, it hardly depends on how busy the machine is.",
        "",
        "| request | count | failures | per second | p50 | p95 | p99 | max | web CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(endpoints, key=lambda r: -int(r["Request Count"])):
        spent = cpu.get(_cpu_key(r), [])
        lines.append(
            f"| `{r['Type']} {r['Name'].removeprefix(r['Type'] + ' ')}` | "
            f"{int(r['Request Count']):,} | {r['Failure Count']} | "
            f"{float(r['Requests/s']):.1f} | {ms(r['50%'])} | {ms(r['95%'])} | "
            f"{ms(r['99%'])} | {ms(r['Max Response Time'])} | "
            f"{ms(sum(spent) / len(spent) if spent else math.nan)} |"
        )
    lines += [
        f"| **all** | **{requests:,}** | **{failed}** | **{float(total['Requests/s']):.1f}** | "
        f"{ms(total['50%'])} | {ms(total['95%'])} | {ms(total['99%'])} | "
        f"{ms(total['Max Response Time'])} | "
        f"{ms(sum(all_cpu) / len(all_cpu) if all_cpu else math.nan)} |",
        "",
    ]
    if failures:
        lines += ["Errors:", "", "| request | error | count |", "|---|---|---:|"]
        for f in sorted(failures, key=lambda f: -int(f["Occurrences"]))[:10]:
            error = f["Error"].replace("|", "/")[:120]
            lines.append(f"| `{f['Method']} {f['Name']}` | {error} | {f['Occurrences']} |")
        lines.append("")
    tasks = check.get("tasks", {})
    lines += [
        f"Exactly once: {check['submissions']:,} submissions, {check['accepted']:,} accepted "
        f"({check['double_taps']} of them double-tapped or retried); every accepted one was "
        "looked up by the tag written into its description, by its idempotency key and by "
        f"the answer it got (status page, report page or id). Not accepted: "
        f"{check['not_accepted']}, of which {check['not_accepted_but_filed']} were filed "
        f"anyway. Reports from this run in the database: {check['reports_in_db']:,}.",
        "",
        f"Task worker: {', '.join(f'{v:,} {k.lower()}' for k, v in sorted(tasks.items()))} "
        f"tasks; {meta['drain'] or 'queue not checked'}. Tracebacks logged: web "
        f"{meta['server_errors_logged']}, worker {meta['worker_errors_logged']}.",
        "",
        *cpu_lines(meta),
        "",
        "Limits raised for this run through the environment (bench/loadtest/run.py, RAISED): "
        + ", ".join(f"`{k}={v}`" for k, v in meta["raised"].items())
        + ". Staff sessions are made by the seed step (bench/loadtest/seed.py), not by "
        "logging in, so login throttling and lockout are not exercised here.",
    ]
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    summary = {
        "requests": requests,
        "failed": failed,
        "lost": lost,
        "duplicated": dup,
        "submission_p95_ms": p95,
    }
    return "\n".join(lines) + "\n", summary


def write(text: str) -> None:
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = old.find("\n" + HEADING + "\n")
    if start >= 0:
        end = old.find("\n## ", start + 1)
        tail = old[end:] if end >= 0 else "\n"
        new = old[: start + 1] + text.rstrip() + "\n" + tail
    else:
        weak = old.find("\n## What is weak")
        if weak >= 0:
            new = old[: weak + 1] + text.rstrip() + "\n\n" + old[weak + 1 :]
        else:
            new = old.rstrip() + "\n\n" + text
    DOC.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    text, summary = section(args.dir)
    (args.dir / "section.md").write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps(summary))
    if not args.no_doc:
        write(text)
        print(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
