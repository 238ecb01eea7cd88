"""Two web processes and two match workers on one database, as production runs them.

Used by `test_match_service.py` (the proof that a dying worker loses nothing and the board
shows each match once) and by `bench/service.py` (how long a match takes to reach the board).
Everything runs as separate processes: gunicorn with deploy/gunicorn.conf.py and production
settings, and `showup match_worker`. The database is a fresh SQLite file (WAL) or, when
SHOWUP_DB=postgres (scripts/with-postgres.sh), a fresh PostgreSQL database on that server,
dropped afterwards. The harness reads the database with plain SQL, never through Django, so it
sees exactly what the processes committed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SHOWUP = Path(sys.executable).with_name("showup")
AGENCIES = ("north", "south", "east")
# A web log line that would mean a web process built a matching index.
WARM_UP_LINES = ("Matching index warm", "Warming the matching index")

# Migrate, then three agencies with an officer and a coordinator each, and a signed-in session
# for each person (made here, as a login would: the login form is the smoke test's business,
# and six password hashes would only slow this down).
SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from showup.core.models import Agency, Role, User
call_command("migrate", verbosity=0)
out = {"agencies": {}, "sessions": {}}
for slug in sys.argv[1].split(","):
    agency = Agency.objects.create(name=slug.title() + " Police", slug=slug)
    out["agencies"][slug] = agency.pk
    for role in (Role.OFFICER, Role.COORDINATOR):
        user = User.objects.create_user(
            f"{slug}-{role}", password=None, role=role, agency=agency,
            email=f"{slug}-{role}@example.org",
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out["sessions"][user.username] = [session.session_key, _get_new_csrf_string()]
print(json.dumps(out))
"""

# Fifty given names that share no sound, and families to go with them: the found child gives
# the same first name as the missing report, so each pair is unmistakable to the engine.
GIVEN = [
    "Aurelio", "Beatriz", "Cosimo", "Dagny", "Evander", "Fenella", "Gideon", "Hortense",
    "Ignatius", "Jolanda", "Kasimir", "Leocadia", "Marius", "Nerissa", "Octavian", "Perpetua",
    "Quillon", "Rosalind", "Severin", "Thomasina", "Ulrich", "Valentina", "Wendelin", "Xiomara",
    "Yannick", "Zenobia", "Anselm", "Brunhilde", "Cyprian", "Desdemona", "Emmerich", "Filippa",
    "Gottfried", "Hyacinth", "Isidore", "Jessamy", "Konstantin", "Ludmila", "Maximilian",
    "Ottoline", "Pankraz", "Radegund", "Sigismund", "Theodora", "Urbano", "Veronika",
    "Wilhelmina", "Zacharias", "Amadeus", "Clementine",
]  # fmt: skip
FAMILY = ["Okonkwo", "Lindqvist", "Castellanos", "Haddad", "Novak", "Brennan", "Takahashi"]
COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "white", "black"]
CENTRE = (34.05, -118.25)


@dataclass
class Pair:
    """A missing report and, later, the found report of the same child (or of a child nobody
    reported missing: `missing` is None)."""

    agency: str
    given: str
    family: str
    index: int
    missing: dict[str, Any] | None
    found: dict[str, Any]
    missing_id: int = 0
    found_id: int = 0
    found_reference: str = ""
    posted_at: float = 0.0  # monotonic, at the found report's 201
    posted_wall: float = 0.0  # time.time(), same moment

    @property
    def short_name(self) -> str:
        """How the board's announcement names the child (selectors_board.short_name)."""
        return f"{self.given} {self.family[:1]}."


def make_pairs(matched: int, unmatched: int) -> list[Pair]:
    """`matched` children reported missing then found, each at its own place a few kilometres
    from the others, spread over the agencies; then `unmatched` found children who match no
    one: teenagers found far away a minute ago, whom no young missing child could be."""
    assert matched + unmatched <= len(GIVEN)
    now = datetime.now(UTC)
    pairs = []
    for i in range(matched + unmatched):
        given, family = GIVEN[i], FAMILY[i % len(FAMILY)]
        agency = AGENCIES[i % len(AGENCIES)]
        sex = "female" if i % 2 else "male"
        colour = COLOURS[i % len(COLOURS)]
        lat, lon = CENTRE[0] + 0.02 * (i % 7), CENTRE[1] + 0.02 * (i // 7)
        clothing = f"{colour} hoodie, grey jeans"
        if i >= matched:  # nobody's child: far away, much older
            found = _found(given, sex, 16, 17, lat + 1.5, lon + 1.5, clothing, now)
            pairs.append(Pair(agency, given, family, i, None, found))
            continue
        age = 3 + i % 8
        missing = {
            "kind": "missing",
            "given_name": given,
            "family_name": family,
            "age_years": age,
            "sex": sex,
            "hair": "short brown",
            "clothing": clothing,
            "languages": ["en"],
            "lat": lat,
            "lon": lon,
            "place": f"Playground {i}",
            "seen_at": (now - timedelta(minutes=40)).isoformat(),
            "guardian_name": f"Parent {family}",
            "guardian_phone": f"+1213555{1000 + i:04d}",
            "reporter_relationship": "mother",
            "reporter_has_custody": True,
        }
        found = _found(given, sex, age - 1, age + 1, lat + 0.003, lon, clothing, now)
        pairs.append(Pair(agency, given, family, i, missing, found))
    return pairs


def _found(
    given: str, sex: str, low: int, high: int, lat: float, lon: float, clothing: str, now: datetime
) -> dict[str, Any]:
    return {
        "kind": "found",
        "situation": "lost",
        "given_name": given,
        "age_min": low,
        "age_max": high,
        "sex": sex,
        "hair": "short brown",
        "clothing": clothing,
        "languages": ["en"],
        "lat": lat,
        "lon": lon,
        "place": "Near the gate",
        "safe_location": "Patrol car 7",
        "seen_at": (now - timedelta(minutes=2)).isoformat(),
    }


# --- the database, read directly -----------------------------------------------------------


class Db:
    """Plain SQL on the cluster's database (`%s` placeholders on both backends)."""

    def __init__(self, backend: str, target: str) -> None:
        self.backend = backend
        self.target = target
        self._lock = threading.Lock()
        self._conn: Any = None

    def _connect(self) -> Any:
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.target, timeout=20, isolation_level=None)
            return conn
        import psycopg

        return psycopg.connect(self.target, autocommit=True)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()
            if self.backend == "sqlite":
                sql = sql.replace("%s", "?")
            cur = self._conn.execute(sql, tuple(params))
            return list(cur.fetchall())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backend_from_env() -> str:
    return "postgresql" if os.environ.get("SHOWUP_DB") == "postgres" else "sqlite"


@dataclass
class Web:
    name: str
    url: str
    log: Path
    proc: subprocess.Popen[bytes]


@dataclass
class Session:
    cookies: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.cookies["csrftoken"]}


@dataclass
class Cluster:
    backend: str
    env: dict[str, str]
    tmp: Path
    db: Db
    agency_ids: dict[str, int]
    webs: list[Web] = field(default_factory=list)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    officers: dict[str, Session] = field(default_factory=dict)
    coordinators: dict[str, Session] = field(default_factory=dict)

    def start_worker(self, name: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"worker-{name}.log").open("w")
        proc = subprocess.Popen(
            [str(SHOWUP), "match_worker", "--name", name],
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.workers[name] = proc
        return proc

    def kill_worker(self, name: str) -> None:
        """SIGKILL: no clean-up at all, as when a machine dies."""
        proc = self.workers[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def worker_log(self, name: str) -> str:
        return (self.tmp / f"worker-{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        """Every process's log, for an assertion's message."""
        parts = [f"--- {w.name}\n{w.log.read_text(errors='replace')[-3000:]}" for w in self.webs]
        parts += [f"--- {n}\n{self.worker_log(n)[-3000:]}" for n in self.workers]
        return "\n".join(parts)

    def shard_of(self, agency: str) -> int:
        return self.agency_ids[agency] % int(self.env["SHOWUP_MATCH_SHARDS"])

    def shard_owners(self) -> dict[int, str]:
        """Shards whose lease is still running, and their owner."""
        rows = self.db.rows("SELECT shard, owner, lease_until FROM reunite_matchshard")
        now = datetime.now(UTC)
        return {
            shard: owner
            for shard, owner, until in rows
            if owner and until is not None and _aware(until) > now
        }

    def pending(self) -> int:
        return int(
            self.db.rows("SELECT count(*) FROM reunite_matchoutbox WHERE done_at IS NULL")[0][0]
        )

    def post_report(self, web: Web, agency: str, payload: dict[str, Any]) -> dict[str, Any]:
        session = self.officers[agency]
        answer = httpx.post(
            web.url + "/api/reunite/reports",
            json=payload,
            cookies=session.cookies,
            headers=session.headers,
            timeout=30,
        )
        assert answer.status_code == 201, (answer.status_code, answer.text[:500])
        return dict(answer.json())


def _aware(value: Any) -> datetime:
    """SQLite hands back text, PostgreSQL an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _base_env(tmp: Path, backend: str, lease: int, shards: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOWUP_", "PG", "DJANGO_", "GUNICORN_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "showup.settings",
            "SHOWUP_SECRET_KEY": "service-" + "k" * 50,
            "SHOWUP_ALLOWED_HOSTS": "127.0.0.1",
            "SHOWUP_VAR_DIR": str(tmp / "var"),
            "SHOWUP_PRIVATE_MEDIA": str(tmp / "private"),
            "SHOWUP_SMS_BACKEND": "locmem",
            # Coordinators poll the board from a script, which has no authenticator app.
            "SHOWUP_MFA_REQUIRED_ROLES": "admin",
            "SHOWUP_LOG_LEVEL": "INFO",
            "SHOWUP_MATCHING": "worker",
            "SHOWUP_MATCH_SHARDS": str(shards),
            "SHOWUP_MATCH_LEASE_SECONDS": str(lease),
            "GUNICORN_WORKERS": "1",
            "GUNICORN_ACCESS_LOG": "/dev/null",
        }
    )
    if backend == "postgresql":
        env["SHOWUP_DB"] = "postgres"
        for key in ("PGHOST", "PGPORT", "PGPASSWORD"):
            if key in os.environ:
                env[key] = os.environ[key]
    return env


@contextmanager
def _database(tmp: Path, backend: str) -> Iterator[tuple[dict[str, str], Db]]:
    """The environment variables that point a process at a fresh database, and a reader."""
    if backend == "sqlite":
        path = tmp / "var" / "showup.sqlite3"
        db = Db("sqlite", str(path))
        try:
            yield {"SHOWUP_SQLITE_PATH": str(path)}, db
        finally:
            db.close()
        return
    import psycopg

    name = f"showup_service_{uuid.uuid4().hex[:10]}"
    owner = os.environ.get("PGUSER", "postgres")
    app = os.environ.get("SHOWUP_PG_APP_USER", owner)
    admin = psycopg.connect(dbname=os.environ.get("PGDATABASE", "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')  # the name is ours: no user input
    host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
    db = Db("postgresql", f"host={host} port={port} dbname={name} user={owner}")
    try:
        yield {"PGDATABASE": name, "PGUSER": owner, "SHOWUP_PG_RUNTIME_USER": app}, db
    finally:
        db.close()
        with suppress(psycopg.Error):
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def _start_gunicorn(cluster: Cluster, name: str) -> Web:
    port = free_port()
    env = {
        **cluster.env,
        "SHOWUP_SITE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    log = cluster.tmp / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "showup.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Web(name, f"http://127.0.0.1:{port}", log, proc)


def _wait_until_serving(web: Web) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(web.url + "/", timeout=2)
            return
        except httpx.TransportError:
            assert web.proc.poll() is None, web.log.read_text()
            assert time.monotonic() < deadline, f"{web.name} did not answer in 60 s"
            time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@contextmanager
def cluster(
    tmp: Path, *, workers: dict[str, dict[str, str]], lease: int = 2, shards: int = 4
) -> Iterator[Cluster]:
    """A migrated database with three agencies (an officer and a coordinator each), the match
    `workers` (name: extra environment; started first, as they take longest to be ready), two
    web processes and logged-in sessions."""
    backend = backend_from_env()
    (tmp / "var").mkdir(parents=True, exist_ok=True)
    env = _base_env(tmp, backend, lease, shards)
    with _database(tmp, backend) as (db_env, db):
        env.update(db_env)
        runtime_user = env.pop("SHOWUP_PG_RUNTIME_USER", "")
        setup = subprocess.run(
            [sys.executable, "-c", SETUP, ",".join(AGENCIES)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
            text=True,
        )
        made = json.loads(setup.stdout.strip().splitlines()[-1])
        if runtime_user:  # migrations ran as the owner; the processes connect as the app
            env["PGUSER"] = runtime_user
        running = Cluster(backend, env, tmp, db, made["agencies"])
        for slug in AGENCIES:
            for role, sessions in (
                ("officer", running.officers),
                ("coordinator", running.coordinators),
            ):
                key, csrf = made["sessions"][f"{slug}-{role}"]
                sessions[slug] = Session({"sessionid": key, "csrftoken": csrf})
        try:
            # Everything starts at once; the workers take longest (the engine's dictionaries).
            for name, extra in workers.items():
                running.start_worker(name, **extra)
            running.webs = [_start_gunicorn(running, "web-a"), _start_gunicorn(running, "web-b")]
            for web in running.webs:
                _wait_until_serving(web)
            yield running
        finally:
            for web in running.webs:
                _stop(web.proc)
            for proc in running.workers.values():
                _stop(proc)


# --- the board, polled as the page polls it -------------------------------------------------

ANNOUNCEMENT = re.compile(r"<p>New likely match for (.+?), \d+%</p>")


@dataclass
class Sighting:
    name: str
    at: float  # monotonic
    sent_t: str  # the `t` the poll sent ...
    answered_t: str  # ... and the one its answer gave back (the server's time at its start)


class BoardPoller:
    """One coordinator's open board on one web process: polls /staff/board/live/ the way
    board.html does (sending back the `v` and `t` of the last answer; no rows on the page, so
    every new report stays behind the "new reports" bar) and notes each "New likely match"
    announcement with the time it arrived."""

    def __init__(self, web: Web, agency: str, session: Session, interval: float) -> None:
        self.web, self.agency, self.session, self.interval = web, agency, session, interval
        self.sightings: list[Sighting] = []
        self.errors: list[str] = []
        self.polls = 0
        self._stop = threading.Event()
        self._v = ""
        self._t = f"{time.time():.6f}"
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BoardPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with httpx.Client(cookies=self.session.cookies, timeout=20) as client:
            while not self._stop.is_set():
                self._poll(client)
                self._stop.wait(self.interval)

    def _poll(self, client: httpx.Client) -> None:
        try:
            answer = client.get(
                self.web.url + "/staff/board/live/", params={"v": self._v, "t": self._t}
            )
        except httpx.TransportError as exc:
            self.errors.append(repr(exc))
            return
        arrived = time.monotonic()
        self.polls += 1
        if answer.status_code == 204:
            return
        if answer.status_code != 200:
            self.errors.append(f"{answer.status_code}: {answer.text[:200]}")
            return
        version = re.search(r'id="board-v" name="v" value="([^"]*)"', answer.text)
        since = re.search(r'id="board-t" name="t" value="([^"]*)"', answer.text)
        sent = self._t
        if version and since:
            self._v, self._t = version.group(1), since.group(1)
        for name in ANNOUNCEMENT.findall(answer.text):
            self.sightings.append(Sighting(name, arrived, sent, self._t))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sightings:
            out[s.name] = out.get(s.name, 0) + 1
        return out

    def first_seen(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in self.sightings:
            out.setdefault(s.name, s.at)
        return out


def start_pollers(running: Cluster, interval: float) -> list[BoardPoller]:
    return [
        BoardPoller(web, slug, running.coordinators[slug], interval).start()
        for web in running.webs
        for slug in AGENCIES
    ]


def wait_for(condition: Any, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def post_all_missing(running: Cluster, pairs: list[Pair]) -> None:
    """The missing reports, alternately through each web process (both at once)."""
    missing = [p for p in pairs if p.missing is not None]

    def post(web: Web, mine: list[Pair]) -> None:
        for pair in mine:
            assert pair.missing is not None
            pair.missing_id = int(running.post_report(web, pair.agency, pair.missing)["id"])

    threads = [
        threading.Thread(target=post, args=(web, missing[n::2]))
        for n, web in enumerate(running.webs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(p.missing_id for p in missing), "a missing report was not filed"


def post_found(running: Cluster, pair: Pair, web: Web) -> None:
    out = running.post_report(web, pair.agency, pair.found)
    pair.posted_at, pair.posted_wall = time.monotonic(), time.time()
    pair.found_id, pair.found_reference = int(out["id"]), str(out["reference"])


def latencies(pairs: list[Pair], pollers: list[BoardPoller]) -> dict[str, float]:
    """For each found child with a missing report: seconds from the found report's 201 to the
    first board poll (on either web process) that announced the match; absent if none did."""
    first: dict[str, float] = {}
    for poller in pollers:
        for name, at in poller.first_seen().items():
            first[name] = min(at, first.get(name, at))
    return {
        p.short_name: first[p.short_name] - p.posted_at
        for p in pairs
        if p.missing is not None and p.short_name in first
    }
