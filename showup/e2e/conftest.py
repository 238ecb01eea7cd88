"""Browser tests: real Chromium (Debian's package) driven by Playwright against live_server."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = os.environ.get("SHOWUP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def offline_maps(context: Any) -> None:
    """Keep browser tests hermetic: map tiles would come from the internet (the map stays
    grey, which the guardian's form is built to survive)."""
    context.route(re.compile(r"^https?://[^/]*tile\.openstreetmap\.org/"), lambda r: r.abort())


def screen(page: Page, name: str, top: Locator | None = None) -> Path:
    """A viewport-only phone screenshot (small enough for the README's tour), scrolled to the
    top of the page or to put `top` at the top of the screen, with no focus ring showing."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if top is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        top.evaluate("el => el.scrollIntoView({block: 'start'})")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-US",
        "timezone_id": "America/Los_Angeles",
    }


@pytest.fixture
def shot() -> Any:
    """Save a phone-size screenshot as a test artifact (kept in test-artifacts/screenshots)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Any, base_url: str, user: Any) -> None:
    """Log in through the real form, as a person would: username and password, then, for a
    role that needs a second factor, the authenticator code (computed from the test secret)."""
    from conftest import PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # A code typed as its 30-second window closes is refused (allauth allows no tolerance):
    # then the page asks again and a person types the next code, as this does once.
    for attempt in range(2):
        if "/accounts/2fa/authenticate/" not in page.url:
            return
        page.get_by_label("Code").fill(fresh_totp_code(user))
        page.get_by_role("button", name="Sign In").click()
        try:
            page.wait_for_url(
                lambda url: "/accounts/2fa/authenticate/" not in url,
                timeout=10_000 if attempt == 0 else 30_000,
            )
        except PlaywrightTimeoutError:
            if attempt == 1:
                raise


def fresh_totp_code(user: Any, secret: str | None = None) -> str:
    """The user's current TOTP code, usable again: allauth refuses a code already used in its
    window, and one test may log the same person in twice within 30 seconds."""
    from django.core.cache import cache

    from conftest import TOTP_SECRET
    from showup.core.accounts import totp_code

    code = totp_code(secret or TOTP_SECRET)
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return code


@pytest.fixture
def staff_login(live_server: Any) -> Any:
    def do(page: Any, user: Any) -> None:
        # Each role lands on its own start page (core.views.role_home), not on "/".
        log_in(page, live_server.url, user)

    return do


# --- matching: the real worker beside the live server ---------------------------------------


class _Turns:
    """One thread at a time on the in-memory SQLite connection that the test, the live server
    and the match worker share (the server's threads are handed the test's own connection).
    The test's thread holds the turn, except while it waits on the browser (every Playwright
    call) or on the worker (`wait_for_candidate`); the server takes it for each request and the
    worker for each step."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.test_thread = threading.get_ident()
        self.test_holds = False

    def hold(self) -> None:
        self.lock.acquire()
        self.test_holds = True

    def let_go(self) -> bool:
        """Release the test's turn if this is the test's thread holding it (not a Playwright
        call inside another, as a route handler makes)."""
        if threading.get_ident() != self.test_thread or not self.test_holds:
            return False
        self.test_holds = False
        self.lock.release()
        return True


def _share_turns(turns: _Turns, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright._impl._sync_base import SyncBase

    browser_call = SyncBase._sync

    def _sync(self: Any, awaitable: Any) -> Any:
        released = turns.let_go()
        try:
            return browser_call(self, awaitable)
        finally:
            if released:
                turns.hold()

    monkeypatch.setattr(SyncBase, "_sync", _sync)
    httpd = live_server.thread.httpd
    serve = httpd.finish_request

    def finish_request(request: Any, client_address: Any) -> None:
        with turns.lock:
            serve(request, client_address)

    monkeypatch.setattr(httpd, "finish_request", finish_request)


class _MatchWorkerThread(threading.Thread):
    """`showup match_worker`'s own loop (matching_service.Worker) in a thread of the test
    process: leases every shard, builds its index from the database, consumes the outbox."""

    def __init__(self, turns: _Turns | None) -> None:
        super().__init__(name="match-worker", daemon=True)
        from django.db import connections

        self.turns = turns
        # The test's own connection object (not the `connection` proxy, which would look
        # itself up in this thread).
        self.shared = connections["default"] if turns is not None else None
        self.error: BaseException | None = None
        self.worker: Any = None

    def _turn(self) -> AbstractContextManager[Any]:
        return self.turns.lock if self.turns is not None else nullcontext()

    def run(self) -> None:
        from django.db import connections

        from showup.reunite.matching_service import Worker

        try:
            if self.shared is not None:
                connections["default"] = self.shared
            self.worker = Worker("browser-tests")
            if self.turns is None:
                self.worker.run()  # PostgreSQL: LISTEN/NOTIFY, its own connection
                return
            while not self.worker.stopping:
                with self._turn():
                    result = self.worker.run_once()
                if not (result.rows or result.retried):
                    time.sleep(0.1)
            with self._turn():
                self.worker.leases.release_all()
        except BaseException as error:  # surfaced by the fixture, not lost in the thread
            self.error = error
        finally:
            if self.shared is None:
                connections.close_all()

    def stop(self) -> None:
        while self.worker is None and self.is_alive():
            time.sleep(0.05)
        if self.worker is not None:
            self.worker.stopping = True
        self.join(timeout=30)


_TURNS = pytest.StashKey["_Turns | None"]()


@pytest.fixture(autouse=True)
def match_worker(
    request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[_MatchWorkerThread | None]:
    """Browser tests run as production does: the web side only enqueues (SHOWUP_MATCHING =
    "worker"), and a match worker matches, here in a thread beside the live server. Tests that
    need a candidate wait for it (`wait_for_candidate`, or Playwright's `expect`)."""
    if "live_server" not in request.fixturenames:
        yield None
        return
    from django.db import connection

    live_server = request.getfixturevalue("live_server")
    settings.SHOWUP_MATCHING = "worker"
    turns = None
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    if in_memory:
        turns = _Turns()
        _share_turns(turns, live_server, monkeypatch)
        connection.inc_thread_sharing()
        turns.hold()
    thread = _MatchWorkerThread(turns)
    request.node.stash[_TURNS] = turns
    thread.start()
    try:
        yield thread
    finally:
        if turns is not None:
            turns.let_go()
        thread.stop()
        if turns is not None:
            connection.dec_thread_sharing()
    if thread.error is not None:
        raise thread.error
    assert not thread.is_alive(), "the match worker did not stop"


@pytest.fixture
def wait_for_candidate(request: pytest.FixtureRequest) -> Any:
    """`wait_for_candidate(missing, found)`: the pair's Candidate, once the worker wrote it."""
    from showup.reunite.models import Candidate

    def wait(missing: Any, found: Any, timeout: float = 15) -> Candidate:
        turns = request.node.stash.get(_TURNS, None)
        deadline = time.monotonic() + timeout
        while True:
            pair = Candidate.objects.filter(missing=missing, found=found).first()
            if pair is not None:
                return pair
            assert time.monotonic() < deadline, "the match worker wrote no candidate in time"
            released = turns.let_go() if turns is not None else False
            time.sleep(0.1)
            if released:
                turns.hold()

    return wait
