"""The field app never loses a report, in real Chromium at phone size (docs/field-app.md).

(a) No connection at all (Playwright's offline mode): the officer's found report, photo
    included, is kept on the phone and the page says so; nothing reaches the server; when the
    connection returns it arrives exactly once and the page says "Sent" with a link.
(b) The server is killed mid-submit, after it committed the report: the page says where the
    report stands at each step; after a restart the phone sends it again with the same
    idempotency key and still exactly one report exists, with one photo.
(c) The page is reloaded with no connection: the kept copy of the form opens, the waiting
    report is still listed, and it is sent when the connection returns.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from showup.e2e import conftest as e2e
from showup.reunite.models import Report

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
FOUND = "/staff/found/new/"
SAVED = re.compile(r"Saved on this phone, not yet sent")
SENT = re.compile(r"Sent\. The server has it\.")


def a_session(user: Any) -> str:
    """The officer's session, made on the server (no login form: the login flow is not what is
    tested here)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def log_in_by_cookie(context: BrowserContext, base_url: str, user: Any, session: str = "") -> None:
    value = session or a_session(user)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}])


def a_photo(tmp_path: Path) -> Path:
    path = tmp_path / "found.png"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(path)
    return path


def open_the_found_form(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}{FOUND}")
    # The service worker has kept the blank form and the app shell on the phone.
    page.wait_for_selector("html[data-offline-ready]", state="attached", timeout=15_000)


def fill_the_found_form(page: Page, photo: Path, given: str = "Mateo") -> None:
    form = page.locator("form[data-outbox]")
    form.locator('[name="safe_location"]').fill("Patrol car 12")
    form.locator('[name="given_name"]').fill(given)
    form.locator('[name="age_min"]').fill("3")
    form.locator('[name="age_max"]').fill("5")
    form.locator('[name="clothing"]').fill("red t-shirt, blue shorts")
    form.locator('[name="place"]').fill("Main St near the donut shop")
    form.locator('[name="photo"]').set_input_files(str(photo))


def send(page: Page) -> None:
    page.locator("form[data-outbox] button[type=submit]").first.click()


def the_officer_reads(page: Page, text: re.Pattern[str]) -> None:
    expect(page.locator("#outbox-status")).to_have_text(text, timeout=20_000)
    expect(page.locator("#outbox-status")).to_have_attribute("aria-live", "polite")


def test_offline_found_report_is_kept_on_the_phone_and_sent_once_when_back_online(
    page: Page, context: BrowserContext, live_server: Any, officer: Any, tmp_path: Path
) -> None:
    e2e.offline_maps(context)
    log_in_by_cookie(context, live_server.url, officer)
    open_the_found_form(page, live_server.url)
    fill_the_found_form(page, a_photo(tmp_path))
    key = page.locator('form[data-outbox] [name="idempotency_key"]').input_value()
    assert key

    context.set_offline(True)
    send(page)
    the_officer_reads(page, SAVED)
    waiting = page.locator("[data-outbox-entry]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Found-child report")
    expect(waiting).to_contain_text("not yet sent")
    # The photo and the key are on the phone, in IndexedDB; the form is blank for the next
    # child, with a new key.
    kept = page.evaluate(
        """() => ShowupOutbox.list(document.getElementById("outbox").dataset.user)
            .then((es) => es.map((e) => [e.id, e.files.map((f) => [f[0], f[1].size])]))"""
    )
    assert kept[0][0] == key
    assert kept[0][1][0][0] == "photo" and kept[0][1][0][1] > 0
    expect(page.locator('form[data-outbox] [name="given_name"]')).to_have_value("")
    assert page.locator('form[data-outbox] [name="idempotency_key"]').input_value() != key
    time.sleep(1)
    assert Report.objects.count() == 0

    context.set_offline(False)
    the_officer_reads(page, SENT)
    report = Report.objects.get()
    expect(page.locator("[data-outbox-entry]")).to_have_count(0)
    expect(page.locator("[data-outbox-sent] a")).to_have_attribute(
        "href", f"/staff/reports/{report.pk}/"
    )
    assert report.given_name == "Mateo" and report.safe_location == "Patrol car 12"
    assert report.filed_by == officer
    assert report.photo
    time.sleep(1)  # a late duplicate (a second replay, Background Sync) would show by now
    assert Report.objects.count() == 1


def test_reloaded_offline_the_kept_form_lists_the_waiting_report_and_sends_it(
    page: Page, context: BrowserContext, live_server: Any, officer: Any, tmp_path: Path
) -> None:
    e2e.offline_maps(context)
    log_in_by_cookie(context, live_server.url, officer)
    open_the_found_form(page, live_server.url)
    context.set_offline(True)
    fill_the_found_form(page, a_photo(tmp_path), given="Lupe")
    send(page)
    the_officer_reads(page, SAVED)

    page.reload()
    # The copy kept on the phone, not the server's page: it says so, and makes a fresh key.
    expect(page.locator("html")).to_have_attribute("data-offline-copy", "")
    expect(page.locator("[data-offline-note]")).to_contain_text("No connection")
    assert page.locator('form[data-outbox] [name="idempotency_key"]').input_value()
    expect(page.locator("[data-outbox-entry]")).to_have_count(1)
    expect(page.locator("[data-outbox-entry]")).to_contain_text("not yet sent")
    assert Report.objects.count() == 0

    context.set_offline(False)
    the_officer_reads(page, SENT)
    report = Report.objects.get()
    assert report.given_name == "Lupe" and report.photo
    expect(page.locator("[data-outbox-entry]")).to_have_count(0)


def test_logging_out_on_a_shared_phone_warns_then_deletes_what_is_kept(
    page: Page, context: BrowserContext, live_server: Any, officer: Any, tmp_path: Path
) -> None:
    e2e.offline_maps(context)
    log_in_by_cookie(context, live_server.url, officer)
    open_the_found_form(page, live_server.url)
    context.set_offline(True)
    fill_the_found_form(page, a_photo(tmp_path))
    send(page)
    the_officer_reads(page, SAVED)

    log_out = page.locator("form[data-logout] button")
    log_out.click()  # first: a warning, nothing deleted
    the_officer_reads(
        page, re.compile(r"Reports saved only on this phone: 1\. Logging out deletes")
    )
    expect(page.locator("[data-outbox-entry]")).to_have_count(1)
    here = page.url
    log_out.click()  # again: deleted (the logout itself needs the connection)
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        # The logout POST leaves (after the deletion) and meets no connection.
        page.wait_for_url(lambda url: url != here, timeout=10_000)
    context.set_offline(False)
    page.goto(f"{live_server.url}/offline/")
    # (The POST never arrived: she is still logged in there. What the phone kept is gone.)
    left = page.evaluate("(user) => ShowupOutbox.list(user).then((es) => es.length)", officer.pk)
    assert left == 0
    page.wait_for_timeout(3000)  # nothing left to send: nothing arrives
    assert Report.objects.count() == 0


# --- (b) a real server process, killed mid-submit ---------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """showup in its own process (offline_server.py), on a fixed port so that the phone's
    origin, service worker and outbox stay the same across a restart. Started in two steps:
    `load` (Django set up and warm, seconds) and `listen` (at once), so that the restarted
    server can be made ready while the first one still runs."""

    def __init__(self, env: dict[str, str], port: int, **extra: str) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("offline_server.py")),
                str(port),
                "--wait",
            ],
            cwd=ROOT,
            env={**env, **extra},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def load(self) -> Server:
        assert self._line() == "loaded", "the server process died while starting"
        return self

    def listen(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        assert self._line() == "ready"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def shared_database(tmp_path: Path, officer: Any) -> Iterator[tuple[dict[str, str], Path, str]]:
    """The test database, reachable from another process: on SQLite a file copy of the
    in-memory test database (already migrated, with the officer and his session in it); on
    PostgreSQL the test database itself."""
    session = a_session(officer)
    media = tmp_path / "private"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "showup.settings",
        "SHOWUP_DEV": "1",
        "SHOWUP_PRIVATE_MEDIA": str(media),
        "SHOWUP_SMS_BACKEND": "locmem",
    }
    db_file = tmp_path / "shared.sqlite3"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(db_file)
        connection.connection.backup(target)
        target.close()
        env["SHOWUP_SQLITE_PATH"] = str(db_file)
    else:
        env["SHOWUP_DB"] = "postgres"
        env["PGDATABASE"] = str(connection.settings_dict["NAME"])
    yield env, media, session


def count_reports(db_file: Path) -> int:
    if connection.vendor == "sqlite":
        with sqlite3.connect(db_file) as db:
            return int(db.execute("SELECT count(*) FROM reunite_report").fetchone()[0])
    return Report.objects.count()


def test_server_killed_mid_submit_the_report_is_sent_again_and_exists_once(
    page: Page,
    context: BrowserContext,
    officer: Any,
    shared_database: tuple[dict[str, str], Path, str],
    tmp_path: Path,
) -> None:
    env, media, session = shared_database
    db_file = Path(env.get("SHOWUP_SQLITE_PATH", ""))
    mark = tmp_path / "committed"
    port = free_port()
    server = Server(env, port, SHOWUP_TEST_HOLD_PATH=FOUND, SHOWUP_TEST_HOLD_MARK=str(mark))
    restarted = Server(env, port)  # the same site after the crash, loading meanwhile
    try:
        server.load().listen()
        e2e.offline_maps(context)
        log_in_by_cookie(context, server.url, officer, session)
        open_the_found_form(page, server.url)
        fill_the_found_form(page, a_photo(tmp_path), given="Tomás")
        send(page)

        # The server has filed the report and is about to answer: the phone still waits, and
        # says so.
        deadline = time.monotonic() + 15
        while not mark.exists():
            assert time.monotonic() < deadline, "the POST never reached the server"
            time.sleep(0.05)
        # (the answer it holds: the report's address, as JSON for the script)
        status, answer = mark.read_text().split("\n", 1)
        assert status == "200 OK" and '"redirect": "/staff/reports/' in answer
        expect(page.locator("form[data-outbox] [data-once-status]")).to_have_text("Sending…")
        assert count_reports(db_file) == 1

        server.kill()  # the answer never leaves
        the_officer_reads(page, SAVED)
        expect(page.locator("[data-outbox-entry]")).to_contain_text("not yet sent")

        restarted.load().listen()
        # The phone tries again by itself (every few seconds while anything waits): the same
        # key brings back the report filed before the crash, not a new one.
        the_officer_reads(page, SENT)
        expect(page.locator("[data-outbox-entry]")).to_have_count(0)
        link = page.locator("[data-outbox-sent] a")
        expect(link).to_have_attribute("href", re.compile(r"^/staff/reports/\d+/$"))
        assert count_reports(db_file) == 1
        photos = [p for p in media.rglob("*") if p.is_file()]
        assert len(photos) == 1, photos
        # The link opens the one report, with its reference.
        link.click()
        expect(page.locator("main")).to_contain_text("Tomás")
    finally:
        server.kill()
        restarted.kill()
