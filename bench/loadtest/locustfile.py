"""The load test's users: guardians, officers, coordinators and API clients (locust 2.x).

Run by scripts/loadtest.sh (`make loadtest`) as a command, never imported by another
process (locust monkey-patches the standard library with gevent):

    locust -f bench/loadtest/locustfile.py --headless -u 100 -r 20 -t 60s \
        --host http://127.0.0.1:PORT --csv var/loadtest/locust

Environment:
    LOADTEST_ACCOUNTS  the JSON written by bench/loadtest/seed.py (staff session cookies)
    LOADTEST_LEDGER    where every submission is written, one JSON line each, for the check
                       that every accepted report is in the database exactly once
    LOADTEST_RUN       a tag put into each submitted report's description ("load:<run>:<id>")

Each user behaves like a browser or an API client, only faster than a person:

- Guardian: a new visitor each time (no cookies), opens "My child is missing", takes 10-20 s
  to fill it (loadgen.PACE), sends it as the browser does (multipart, the CSRF token and
  the hidden idempotency key from the page), follows the redirect to the private status page. One in
  five attaches a photo; one in twenty double-taps "Send" (a second identical POST while the
  first is in flight), and both must end on the same status page.
- Officer (one seeded account each): opens "I found a child", 5-15 s, sends, follows the
  redirect to the report, now and then opens "My reports". Double taps as above.
- Coordinator: opens the board, then polls /staff/board/live/ every second as the page does
  (the version, the time and the rows shown), reloading the board every 15 polls.
- API client (an officer account): files a report with `Idempotency-Key` (one in twenty is
  retried with the same key and must get the same report back) and lists reports, 2-6 s
  apart.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from http.cookiejar import Cookie
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import gevent
from loadgen import (
    PACE,
    USERS,
    fill,
    first_error,
    found_form_fields,
    missing_form_fields,
    multipart,
    page_title,
    random_child,
    read_form,
)
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
LEDGER = Path(os.environ["LOADTEST_LEDGER"])
RUN = os.environ.get("LOADTEST_RUN", "run")
SESSION_COOKIE = ACCOUNTS.get("session_cookie", "sessionid")
CSRF_COOKIE = ACCOUNTS.get("csrf_cookie", "csrftoken")
DOUBLE_TAP = float(os.environ.get("LOADTEST_DOUBLE_TAP", "0.05"))
PHOTO_SHARE = float(os.environ.get("LOADTEST_PHOTO_SHARE", "0.2"))
STATUS_URL = re.compile(r"/status/[^/]+/$")
REPORT_URL = re.compile(r"/staff/reports/(\d+)/$")

_ledger = LEDGER.open("a", encoding="utf-8")
_next_account: dict[str, int] = {"officer": 0, "coordinator": 0}


def record(entry: dict[str, Any]) -> None:
    """One submission for the exactly-once check (gevent: no two writes interleave)."""
    _ledger.write(json.dumps(entry) + "\n")
    _ledger.flush()


@events.quitting.add_listener
def _close_ledger(environment: Any, **_kwargs: Any) -> None:
    _ledger.close()


def take_account(role: str) -> dict[str, str]:
    """Each simulated staff member gets a seeded account of its own, in turn."""
    accounts = ACCOUNTS["accounts"][role]
    n = _next_account[role]
    _next_account[role] = n + 1
    return accounts[n % len(accounts)]


def marker() -> str:
    return f"load:{RUN}:{uuid.uuid4().hex}"


def _photo() -> bytes:
    """A phone-like photo: 1280x960 JPEG of smooth colour (about 40 KB)."""
    from PIL import Image

    rng = random.Random(9)
    small = Image.frombytes("RGB", (32, 24), bytes(rng.randrange(256) for _ in range(32 * 24 * 3)))
    buffer = BytesIO()
    small.resize((1280, 960), Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = _photo()


# --- users ------------------------------------------------------------------------------------


class BrowserUser(FastHttpUser):
    abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never follow a redirect by itself: each user follows them explicitly, timed on their
        # own. (Locust's per-request allow_redirects=False swaps this setting on the shared
        # client, which two greenlets of one double tap would race on.)
        self.client.client.redirect_response_codes = frozenset()

    def set_cookie(self, name: str, value: str) -> None:
        host = urlparse(self.host).hostname or "127.0.0.1"
        cookie = Cookie(
            0, name, value, None, False, host, False, False, "/", True, False, None, False,
            None, None, {},
        )  # fmt: skip
        self.client.cookiejar.set_cookie(cookie)

    def get_ok(self, path: str, name: str) -> Any:
        """GET a page that must answer 200 (a redirect to the login or MFA page is a failure:
        redirects are not followed)."""
        with self.client.get(path, name=name, catch_response=True) as resp:
            if resp.status_code == 200:
                resp.success()
            else:
                where = resp.headers.get("Location", "") if resp.headers else ""
                resp.failure(f"{resp.status_code} {where}".strip())
            return resp

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.client.cookiejar if c.name == name), "")

    def submit_form(
        self,
        path: str,
        label: str,
        typed: dict[str, str | list[str]],
        expect: re.Pattern[str],
        flow: str,
        typing: tuple[float, float],
        photo: bool = False,
    ) -> str | None:
        """GET the form, think, POST it (sometimes twice at once), record the outcome.
        Returns where the server sent the browser, or None if the submission failed."""
        page = self.get_ok(path, f"GET {label}")
        if page.status_code != 200:
            return None
        form = read_form(page.text or "")
        if not form.found:
            return None
        time.sleep(random.uniform(*typing))  # filling the form in
        tag = marker()
        typed = {**typed, "description": f"{tag} (load test)"}
        fields = fill(form, typed)
        key = dict(fields).get("idempotency_key", "")
        chosen = ("photo.jpg", PHOTO) if photo else ("", b"")
        uploads = [(name, *chosen) for name in form.files]
        body, content_type = multipart(fields, uploads)
        headers = {"Content-Type": content_type, "Referer": self.host + path}
        name = f"POST {label}" + (" (photo)" if photo else "")
        double = random.random() < DOUBLE_TAP
        outcome: dict[str, Any] = {}

        def send(slot: str, request_name: str) -> None:
            started = time.perf_counter()
            with self.client.post(
                path, data=body, headers=headers, name=request_name,
                allow_redirects=False, catch_response=True,
            ) as resp:  # fmt: skip
                ms = (time.perf_counter() - started) * 1000
                location = resp.headers.get("Location", "") if resp.headers else ""
                if resp.status_code == 302 and expect.search(urlparse(location).path):
                    resp.success()
                    outcome[slot] = (location, ms)
                elif slot == "repeat" and resp.status_code == 409:
                    # The first tap still being saved after the view's wait: the page says so
                    # ("it will not be filed twice"), as designed; not an error.
                    resp.success()
                    outcome[slot] = (None, ms)
                else:
                    problem = first_error(resp.text or "") or page_title(resp.text or "")
                    resp.failure(f"{resp.status_code} {problem}".strip())
                    outcome[slot] = (None, ms)

        if double:
            taps = [
                gevent.spawn(send, "first", name),
                gevent.spawn(send, "repeat", f"{name} (double tap)"),
            ]
            gevent.joinall(taps)
        else:
            send("first", name)
        location, ms = outcome["first"]
        repeat = outcome.get("repeat", (None, 0.0))[0] if double else None
        if double and location and repeat and urlparse(repeat).path != urlparse(location).path:
            # Two reports for one tap: the check counts them; make it visible here too.
            events.request.fire(
                request_type="CHECK", name="double tap answered with another report",
                response_time=0, response_length=0, exception=Exception(repeat), context={},
            )  # fmt: skip
        record(
            {
                "flow": flow,
                "marker": tag,
                "key": key,
                "accepted": bool(location) or bool(repeat),
                "location": urlparse(location or repeat or "").path,
                "repeat_location": urlparse(repeat).path if repeat else None,
                "double_tap": double,
                "photo": photo,
                "ms": round(ms, 1),
            }
        )
        return location or repeat


class Guardian(BrowserUser):
    """A guardian on a phone: a new visitor each time."""

    weight = USERS["guardian"]
    wait_time = between(*PACE["between_actions"])

    @task
    def report_missing(self) -> None:
        self.client.cookiejar.clear()
        photo = random.random() < PHOTO_SHARE
        location = self.submit_form(
            "/missing/",
            "/missing/",
            missing_form_fields(random),
            STATUS_URL,
            "public",
            PACE["guardian_typing"],
            photo,
        )
        if location:
            self.get_ok(urlparse(location).path, "GET /status/[token]/")


class Officer(BrowserUser):
    """An officer with a child, logged in (a seeded session)."""

    weight = USERS["officer"]
    wait_time = between(*PACE["between_actions"])

    def on_start(self) -> None:
        self.account = take_account("officer")
        self.set_cookie(SESSION_COOKIE, self.account["sessionid"])

    @task(5)
    def report_found(self) -> None:
        location = self.submit_form(
            "/staff/found/new/", "/staff/found/new/", found_form_fields(random), REPORT_URL,
            "officer", PACE["officer_typing"],
        )  # fmt: skip
        if location:
            self.get_ok(urlparse(location).path, "GET /staff/reports/[id]/")

    @task(1)
    def my_reports(self) -> None:
        self.get_ok("/staff/mine/", "GET /staff/mine/")


class Coordinator(BrowserUser):
    """A coordinator watching the board: the page, then its live poll every second."""

    weight = USERS["coordinator"]
    wait_time = constant(PACE["board_poll"])
    POLLS_PER_RELOAD = 15

    def on_start(self) -> None:
        self.account = take_account("coordinator")
        self.set_cookie(SESSION_COOKIE, self.account["sessionid"])
        self.polls = 0
        self.load_board()

    def load_board(self) -> None:
        resp = self.get_ok("/staff/board/", "GET /staff/board/")
        html = resp.text or ""
        self.version = _input_value(html, "board-v")
        self.since = _input_value(html, "board-t")
        self.rows = dict(
            value.split(".", 1)
            for value in re.findall(r'<input type="hidden" name="r" value="([^"]+)"', html)
        )
        self.polls = 0

    @task
    def watch(self) -> None:
        if self.polls >= self.POLLS_PER_RELOAD:
            self.load_board()
            return
        self.polls += 1
        params = [("v", self.version), ("t", self.since)]
        params += [("r", f"{pk}.{version}") for pk, version in self.rows.items()]
        with self.client.get(
            "/staff/board/live/?" + urlencode(params), name="GET /staff/board/live/",
            headers={"HX-Request": "true", "HX-Target": "board"}, catch_response=True,
        ) as resp:  # fmt: skip
            if resp.status_code == 204:
                resp.success()
                return
            if resp.status_code != 200:
                resp.failure(str(resp.status_code))
                return
            html = resp.text or ""
            self.version = _input_value(html, "board-v") or self.version
            self.since = _input_value(html, "board-t") or self.since
            for value in re.findall(r'<input type="hidden" name="r" value="([^"]+)"', html):
                pk, version = value.split(".", 1)
                self.rows[pk] = version
            resp.success()


def _input_value(html: str, element_id: str) -> str:
    found = re.search(rf'<input[^>]*id="{element_id}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


class ApiClient(BrowserUser):
    """A staff app on the JSON API with an officer's session (CSRF header on writes)."""

    weight = USERS["api"]
    wait_time = between(*PACE["api_between"])

    def on_start(self) -> None:
        self.account = take_account("officer")
        self.set_cookie(SESSION_COOKIE, self.account["sessionid"])
        # The CSRF cookie, as an app gets it: from a page of the site.
        self.get_ok("/staff/mine/", "GET /staff/mine/")

    @task(2)
    def create(self) -> None:
        kind = random.choice(["missing", "found"])
        tag = marker()
        payload = random_child(random, kind=kind)
        payload.update(
            kind=kind,
            seen_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 600)),
            description=f"{tag} (load test)",
        )
        key = str(uuid.uuid4())
        headers = {
            "Idempotency-Key": key,
            "X-CSRFToken": self.cookie(CSRF_COOKIE),
            "Referer": self.host + "/staff/mine/",
        }
        report_id, ms = self._post(payload, headers, "POST /api/reunite/reports")
        retried = random.random() < DOUBLE_TAP
        again = None
        if retried:
            again, _ms = self._post(payload, headers, "POST /api/reunite/reports (retry)")
            if report_id and again and again != report_id:
                events.request.fire(
                    request_type="CHECK", name="API retry answered with another report",
                    response_time=0, response_length=0, exception=Exception(again), context={},
                )  # fmt: skip
        record(
            {
                "flow": "api",
                "marker": tag,
                "key": key,
                "accepted": bool(report_id or again),
                "report_id": report_id or again,
                "retry_report_id": again if retried else None,
                "double_tap": retried,
                "photo": False,
                "ms": round(ms, 1),
            }
        )

    def _post(self, payload: dict[str, Any], headers: dict[str, str], name: str) -> tuple:
        started = time.perf_counter()
        with self.client.post(
            "/api/reunite/reports", json=payload, headers=headers, name=name, catch_response=True
        ) as resp:
            ms = (time.perf_counter() - started) * 1000
            if resp.status_code == 201:
                resp.success()
                return resp.json().get("id"), ms
            resp.failure(f"{resp.status_code} {(resp.text or '')[:160]}")
            return None, ms

    @task(3)
    def list_reports(self) -> None:
        self.get_ok("/api/reunite/reports?limit=20", "GET /api/reunite/reports")
