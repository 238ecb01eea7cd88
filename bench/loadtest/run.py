"""The load test's conductor, run by scripts/loadtest.sh inside its PostgreSQL cluster.

    migrate -> seed (agency, officers, coordinators, open reports, staff sessions)
    -> gunicorn (several processes) + `manage.py db_worker` (the task worker) + `match_worker`
    -> locust --headless (100 users, 60 s by default) -> wait for the task queue
    -> stop the servers -> exactly-once check -> the "Load test" section of docs/benchmarks.md

Everything runs as separate commands (locust in its own process: it patches the standard
library with gevent). The application runs with production settings: DEBUG off, its own
secret key, the database task backend, no external map tiles. The public forms' per-address
rate limits (all load comes from 127.0.0.1) and the login lockout are raised through their
settings' environment variables for this run only (RAISED below); nothing in the code is
switched off.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"

# Environment for this run only: limits that would throttle a hundred users who all come from
# 127.0.0.1. Names are the settings' environment variables (showup/settings.py); a variable the
# settings do not read is harmless.
RAISED = {
    # Per-device and per-address limits of the public forms ("count/seconds"; showup's
    # defaults are 5 per 10 minutes per device and 20 an hour per address). Raised, not
    # switched off ("0"), so that the counting itself is part of what is measured.
    "SHOWUP_PUBLIC_RATE_DEVICE": "1000000/60",
    "SHOWUP_PUBLIC_RATE_ADDRESS": "1000000/60",
    # Login throttling and lockout (allauth, axes). The load users do not log in through the
    # form (bench/loadtest/seed.py makes their sessions), so these only matter to a variant of
    # this test that does.
    "SHOWUP_LOGIN_RATE_IP": "100000/m/ip",
    "SHOWUP_LOGIN_FAILED_RATE": "100000/h/ip,1000/5m/key",
    "SHOWUP_LOCKOUT_FAILURES": "1000",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="showup.settings",
        # Production settings: `make` exports SHOWUP_DEV=1 for its development targets.
        SHOWUP_DEV="0",
        SHOWUP_DEMO="0",
        SHOWUP_HTTPS="0",  # plain HTTP on loopback: no redirect, cookies without Secure
        SHOWUP_DEBUG="0",
        SHOWUP_SECRET_KEY=secrets.token_urlsafe(50),
        SHOWUP_ALLOWED_HOSTS="127.0.0.1,localhost",
        SHOWUP_VAR_DIR=str(out / "var"),
        SHOWUP_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        SHOWUP_MAP_TILES="",
        SHOWUP_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        SHOWUP_LOG_LEVEL="WARNING",
        # Each web process keeps its database connection between requests, as a gunicorn
        # deployment should (docs/deployment.md); 0 would fork a PostgreSQL backend per request.
        SHOWUP_DB_CONN_MAX_AGE="60",
    )
    env.update(RAISED)
    # The application's role (no rights to rewrite the audit log); migrations run as the owner.
    env["PGUSER"] = os.environ.get("LOADTEST_PG_APP_USER", env.get("PGUSER", "postgres"))
    return env


def run(cmd: list[str], env: dict[str, str], **kwargs: Any) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)


def wait_ready(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")
        time.sleep(0.5)


def preflight(base: str, accounts: dict[str, Any]) -> None:
    """The seeded sessions must open the staff pages; stop early with a reason if not."""
    cookie = accounts["session_cookie"]
    for role, path in (("officer", "/staff/found/new/"), ("coordinator", "/staff/board/")):
        session = accounts["accounts"][role][0]["sessionid"]
        request = urllib.request.Request(base + path, headers={"Cookie": f"{cookie}={session}"})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as resp:
                status, where = resp.status, resp.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            status, where = exc.code, exc.headers.get("Location", "")
        if status != 200:
            raise SystemExit(
                f"preflight: the seeded {role} session got {status} {where} for {path}; "
                "the login flow changed: see bench/loadtest/seed.py (_session_for)."
            )


def warm_up(base: str, accounts: dict[str, Any], rounds: int = 3) -> None:
    """A few reads of every page before the clock starts, so that each web process has
    compiled its templates and opened its caches (a serving process runs for days); nothing
    is filed, so the exactly-once accounting sees only the load's reports."""
    cookie = accounts["session_cookie"]
    officer = accounts["accounts"]["officer"][0]["sessionid"]
    coordinator = accounts["accounts"]["coordinator"][0]["sessionid"]
    pages = [
        ("/missing/", ""),
        ("/staff/found/new/", officer),
        ("/staff/mine/", officer),
        ("/api/reunite/reports?limit=20", officer),
        ("/staff/board/", coordinator),
        ("/staff/board/live/?v=0", coordinator),
    ]
    opener = urllib.request.build_opener(NoRedirect)
    for _round in range(rounds):
        for path, session in pages:
            headers = {"Cookie": f"{cookie}={session}"} if session else {}
            try:
                with opener.open(urllib.request.Request(base + path, headers=headers)) as resp:
                    resp.read()
            except urllib.error.HTTPError:
                pass


def phase(message: str, started: float) -> None:
    print(f"loadtest [{time.monotonic() - started:5.1f} s] {message}", flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- CPU accounting ----------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, waited-for children's CPU s) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    own = (int(fields[11]) + int(fields[12])) / TICK
    children = (int(fields[13]) + int(fields[14])) / TICK
    return ppid, own, children


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by a process, its live descendants and the exited children
    they waited for (PostgreSQL's backends that ended, for instance)."""
    parents: dict[int, int] = {}
    usage: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat:
                parents[int(entry.name)] = stat[0]
                usage[int(entry.name)] = stat[1] + stat[2]
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += usage.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    cpu = {name: tree_cpu(pid) for name, pid in pids.items()}
    cpu["machine_busy"], cpu["machine_total"] = machine_busy()
    cpu["locust"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    )
    cpu["wall"] = time.monotonic()
    return cpu


# --- what the database connections wait on -------------------------------------------------

PG_SAMPLE = (
    "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, state) "
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND state <> 'idle' AND backend_type = 'client backend'"
)


class PgSampler:
    """Samples pg_stat_activity every half second while the load runs: how many connections
    were busy, and on what (a lock, the disk, the CPU), so a slow run can say why."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=10)
        per_sample = {k: round(v / max(1, self.samples), 2) for k, v in self.counts.items()}
        return {"samples": self.samples, "busy_connections": per_sample}

    def _run(self) -> None:
        cmd = ["psql", "-X", "-A", "-t", "-F", "|", "-U", "postgres",
               "-c", PG_SAMPLE]  # fmt: skip
        pgbin = os.environ.get("LOADTEST_PGBIN", "")
        if pgbin:
            cmd[0] = str(Path(pgbin) / "psql")
        while not self._stop.wait(0.5):
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout
            except (OSError, subprocess.TimeoutExpired):
                continue
            self.samples += 1
            for line in out.splitlines():
                if "|" in line:
                    kind, event = line.split("|", 1)
                    key = f"{kind}: {event}"
                    self.counts[key] = self.counts.get(key, 0) + 1


# --- the run ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description="showup load test (see scripts/loadtest.sh)")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--coordinators", type=int, default=10)
    parser.add_argument("--open", type=int, default=200, help="open reports seeded")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest")
    parser.add_argument("--no-doc", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument(
        "--py-spy", metavar="PATH", help="profile the web processes with this py-spy binary"
    )
    args = parser.parse_args()

    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    (out / "var").mkdir(parents=True)
    env = app_env(out)
    env["LOADTEST_CPU_LOG"] = str(out / "cpu.log")
    manage = [PY, "manage.py"]
    started = time.monotonic()
    phase("migrating the throwaway PostgreSQL database", started)
    run([*manage, "migrate", "--noinput", "-v0"], {**env, "PGUSER": os.environ["PGUSER"]})
    accounts_file = out / "accounts.json"
    run(
        [
            PY, str(HERE / "seed.py"), "--officers", str(args.officers),
            "--coordinators", str(args.coordinators), "--open", str(args.open),
            "--out", str(accounts_file),
        ],
        env,
    )  # fmt: skip
    accounts = json.loads(accounts_file.read_text())
    phase("starting gunicorn, the task worker and the match worker", started)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_cmd = [
        str(BIN / "gunicorn"), "showup.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--timeout", "60", "--graceful-timeout", "10",
        "--error-logfile", str(out / "gunicorn.log"), "--log-level", "warning",
        "--config", str(HERE / "gunicorn_conf.py"),
    ]  # fmt: skip
    if args.threads > 1:
        server_cmd += ["--worker-class", "gthread", "--threads", str(args.threads)]
    worker_log = (out / "worker.log").open("w")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        worker = subprocess.Popen(
            [*manage, "db_worker", "--no-startup-delay", "-v0"],
            env=env, cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(worker)
        # Matching runs in its own process, as in production (docs/operations.md).
        matcher = subprocess.Popen(
            [*manage, "match_worker", "--name", "loadtest"],
            env=env, cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(matcher)
        server = subprocess.Popen(server_cmd, env=env, cwd=ROOT)
        procs.append(server)
        wait_ready(base + "/missing/")
        preflight(base, accounts)
        warm_up(base, accounts)
        postmaster = int((Path(os.environ["LOADTEST_PG_DATA"]) / "postmaster.pid").read_text()
                         .split()[0])  # fmt: skip
        pids = {
            "web": server.pid,
            "worker": worker.pid,
            "match_worker": matcher.pid,
            "postgres": postmaster,
        }
        run_tag = secrets.token_hex(4)
        ledger = out / "ledger.jsonl"
        locust_cmd = [
            str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time,
            "--host", base, "--csv", str(out / "locust"), "--only-summary",
            "--stop-timeout", "15", "--loglevel", "WARNING",
        ]  # fmt: skip
        locust_env = dict(
            os.environ,
            LOADTEST_ACCOUNTS=str(accounts_file),
            LOADTEST_LEDGER=str(ledger),
            LOADTEST_RUN=run_tag,
        )
        loadavg_before = Path("/proc/loadavg").read_text().split()[:3]
        sampler = PgSampler()
        sampler.start()
        profilers = []
        if args.py_spy:
            for name, pid in (("web", server.pid), ("worker", worker.pid)):
                profilers.append(subprocess.Popen(
                    [args.py_spy, "record", "--pid", str(pid), "--subprocesses", "--idle",
                     "--format", "raw", "--rate", "50", "-o", str(out / f"py-spy-{name}.txt")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ))  # fmt: skip
        load_started_at = time.time()
        before = snapshot(pids)
        phase("locust " + " ".join(locust_cmd[1:]), started)
        locust = subprocess.run(locust_cmd, env=locust_env, cwd=ROOT)
        after = snapshot(pids)
        pg_activity = sampler.stop()
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        phase("load over; waiting for the task queue", started)
        loadavg_after = Path("/proc/loadavg").read_text().split()[:3]
        drain = subprocess.run(
            [PY, str(HERE / "check.py"), "--wait-tasks", "30"], env=env, cwd=ROOT,
            capture_output=True, text=True,
        )  # fmt: skip
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        worker_log.close()
    phase("checking that every accepted report is there exactly once", started)
    check_file = out / "check.json"
    checked = subprocess.run(
        [PY, str(HERE / "check.py"), "--ledger", str(ledger), "--run", run_tag,
         "--out", str(check_file)],
        env=env, cwd=ROOT,
    )  # fmt: skip
    meta = {
        "command": "make loadtest",
        "locust": " ".join(["locust", *locust_cmd[1:]]).replace(str(ROOT) + "/", ""),
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "time": args.time,
        "workers": args.workers,
        "threads": args.threads,
        "officers": args.officers,
        "coordinators": args.coordinators,
        "open_seeded": accounts["open_reports"],
        "locust_exit": locust.returncode,
        "drain": drain.stdout.strip(),
        "loadavg_before": loadavg_before,
        "loadavg_after": loadavg_after,
        "cpu_before": before,
        "cpu_after": after,
        "pg_version": os.environ.get("LOADTEST_PG_VERSION", ""),
        "pg_activity": pg_activity,
        "load_started_at": load_started_at,
        "raised": RAISED,
        "total_seconds": round(time.monotonic() - started, 1),
        "server_errors_logged": (out / "gunicorn.log").read_text().count("Traceback"),
        "worker_errors_logged": (out / "worker.log").read_text().count("Traceback"),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    report_cmd = [PY, str(HERE / "report.py"), "--dir", str(out)]
    if args.no_doc:
        report_cmd.append("--no-doc")
    subprocess.run(report_cmd, cwd=ROOT, check=True)
    return checked.returncode


if __name__ == "__main__":
    sys.exit(main())
