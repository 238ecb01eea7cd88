"""Rate limits on the public forms: refused beyond the limit, nothing typed lost, a solved
proof-of-work lets one submission through."""

from __future__ import annotations

import base64
import html
import json
import re
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from altcha import Challenge, Payload, solve_challenge
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_migrate
from django.test import Client, RequestFactory

from showup.core import ratelimit
from showup.e2e import conftest as e2e
from showup.reunite import services
from showup.reunite.models import Report, TimelineNote
from showup.reunite.tests.intake_helpers import missing_post

URL = "/missing/"
browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args


@pytest.fixture(autouse=True)
def _cheap_pow(settings: Any) -> None:
    settings.SHOWUP_ALTCHA_COST = 10  # the tests solve challenges in Python
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "5/600"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "20/3600"


def post_report(client: Client, **overrides: Any) -> Any:
    return client.post(URL, {**missing_post(**overrides), "idempotency_key": str(uuid.uuid4())})


def challenge_in(response: Any) -> Challenge:
    found = re.search(r'data-pow-challenge="([^"]+)"', response.content.decode())
    assert found, "the refused form carries no challenge"
    return Challenge.from_dict(json.loads(html.unescape(found.group(1))))


def solved(challenge: Challenge) -> str:
    solution = solve_challenge(challenge, timeout=30)
    assert solution is not None
    return Payload(challenge, solution).to_base64()


def test_twenty_reports_in_a_burst_beyond_the_limit_are_refused_and_keep_what_was_typed(
    client: Client, agency: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency.phone = "+15550009999"
    agency.save()
    # The limits count in fixed windows: start at one's beginning, so the burst never
    # straddles two and the wait left is the whole window (ten minutes and a second).
    start_of_window = 1_800_000_000.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: start_of_window))
    client.get(URL)
    answers = [post_report(client, given_name=f"Child{i}") for i in range(20)]
    assert [r.status_code for r in answers] == [302] * 5 + [429] * 15
    assert sorted(Report.objects.values_list("given_name", flat=True)) == [
        f"Child{i}" for i in range(5)
    ]
    for i, refused in enumerate(answers[5:], start=5):
        body = refused.content.decode()
        assert int(refused["Retry-After"]) > 0
        assert f'value="Child{i}"' in body and 'value="Lucia Alvarez"' in body
        assert "toy truck" in body and "Main St near the donut shop" in body
        assert "Nothing you typed is lost" in body
        assert "minutes and send again" in body  # what a phone without JavaScript can do
        assert "tel:+15550009999" in body
        assert "call 911" in body


def test_the_address_limit_catches_a_client_that_drops_its_cookies(
    agency: Any, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "3/3600"
    codes = [post_report(Client()).status_code for _ in range(5)]
    assert codes == [302, 302, 302, 429, 429]
    assert Report.objects.count() == 3
    # Another address is not held back by this one's crowd.
    assert post_report(Client(REMOTE_ADDR="203.0.113.9")).status_code == 302


def test_a_solved_challenge_lets_one_report_through_once(client: Client, agency: Any) -> None:
    client.get(URL)
    for i in range(5):
        post_report(client, given_name=f"Child{i}")
    refused = post_report(client, given_name="Eli")
    assert refused.status_code == 429
    payload = solved(challenge_in(refused))
    key = str(uuid.uuid4())
    data = {**missing_post(given_name="Eli"), "idempotency_key": key, "altcha": payload}
    assert client.post(URL, data).status_code == 302
    assert Report.objects.filter(given_name="Eli").count() == 1
    # The same solution again, for another report: spent.
    again = {**missing_post(given_name="Noa"), "idempotency_key": str(uuid.uuid4())}
    reused = client.post(URL, {**again, "altcha": payload})
    assert reused.status_code == 429
    assert "The check did not finish or had expired" in reused.content.decode()
    assert not Report.objects.filter(given_name="Noa").exists()


@pytest.mark.parametrize("forgery", ["other_form", "tampered", "expired", "garbage", "test_mode"])
def test_a_forged_solution_is_refused(agency: Any, settings: Any, forgery: str) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "1/3600"
    post_report(Client())
    challenge = Challenge.from_dict(json.loads(ratelimit.new_challenge("reunite.missing_public")))
    if forgery == "other_form":
        challenge = Challenge.from_dict(json.loads(ratelimit.new_challenge("reunite.status")))
    payload = solved(challenge)
    if forgery == "tampered":
        challenge.parameters.cost = 1
        payload = Payload(challenge, solve_challenge(challenge, timeout=30)).to_base64()
    elif forgery == "expired":
        settings.SHOWUP_ALTCHA_EXPIRES_SECONDS = -10
        stale = Challenge.from_dict(json.loads(ratelimit.new_challenge("reunite.missing_public")))
        payload = solved(stale)
    elif forgery == "garbage":
        payload = "not-base64!" * 10
    elif forgery == "test_mode":  # what the widget sends in its test mode
        payload = base64.b64encode(b'{"challenge":null,"solution":null,"test":true}').decode()
    data = {**missing_post(), "idempotency_key": str(uuid.uuid4()), "altcha": payload}
    assert Client().post(URL, data).status_code == 429
    assert Report.objects.count() == 1


def test_the_status_page_forms_are_limited_and_keep_the_text(
    client: Client, agency: Any, report_data: Any, settings: Any
) -> None:
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "3/600"
    report = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    add = f"/status/{report.status_token}/add/"
    cancel = f"/status/{report.status_token}/cancel/"
    codes = [client.post(add, {"text": f"Note {i}"}).status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert TimelineNote.objects.filter(report=report).count() == 3
    refused = client.post(add, {"text": "Blue hair clip"})
    assert refused.status_code == 429 and "Blue hair clip" in refused.content.decode()
    assert refused["Cache-Control"] == "private, no-store"
    withdrawn = client.post(cancel, {"reason": "She was at the neighbour's"})
    assert withdrawn.status_code == 429
    assert "She was at the neighbour&#x27;s" in withdrawn.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


def test_logged_in_staff_are_not_limited(login: Any, officer: Any, agency: Any) -> None:
    client = login(officer)
    codes = {post_report(client, given_name=f"Child{i}").status_code for i in range(7)}
    assert codes == {302}


def test_the_device_cookie_is_signed_and_long_lived(client: Client, agency: Any) -> None:
    response = client.get(URL)
    cookie = response.cookies[ratelimit.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    # A forged id is ignored: the device gets a new signed one.
    client.cookies[ratelimit.DEVICE_COOKIE] = "chosen-by-attacker"
    assert ratelimit.DEVICE_COOKIE in client.get(URL).cookies


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2", "10.0.0.2"),  # no proxy trusted: the header is ignored
        (1, "6.6.6.6, 198.51.100.7", "10.0.0.2", "198.51.100.7"),  # a spoofed first entry
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "10.0.0.2", "198.51.100.7"),
        (1, "", "192.0.2.4", "192.0.2.4"),
        (0, "", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (0, "", "::ffff:192.0.2.8", "192.0.2.8"),
    ],
)
def test_the_client_address(
    settings: Any, proxies: int, forwarded: str, remote: str, expected: str
) -> None:
    settings.SHOWUP_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_address(request) == expected


def test_rates_are_read_from_settings() -> None:
    assert ratelimit.Rate.parse("5/600") == ratelimit.Rate(5, 600)
    assert ratelimit.Rate.parse("0") is None and ratelimit.Rate.parse("") is None


def test_counters_are_in_the_shared_database_cache(client: Client, agency: Any) -> None:
    post_report(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM showup_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert any(":rl:reunite.missing_public:device:" in key for key in keys)
    assert any(":rl:reunite.missing_public:address:" in key for key in keys)
    assert not any("127.0.0.1" in key for key in keys)  # addresses are hashed


def test_migrate_creates_the_cache_table(db: Any) -> None:
    from django.apps import apps

    receivers = post_migrate._live_receivers(apps.get_app_config("core"))
    assert ratelimit.create_cache_table in [r for group in receivers for r in group]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE showup_cache")
    ratelimit.create_cache_table(using="default")
    assert "showup_cache" in connection.introspection.table_names()
    cache.set("probe", 1)
    assert cache.get("probe") == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_widget_solves_the_challenge_and_the_report_goes_through(
    page: Any, live_server: Any, agency: Any, settings: Any
) -> None:
    """The vendored widget under the real Content-Security-Policy: no console error, the
    challenge solved in the browser, the second press of Send files the report."""
    from playwright.sync_api import expect

    settings.SHOWUP_ALTCHA_COST = 100
    settings.SHOWUP_PUBLIC_RATE_DEVICE = "0"
    settings.SHOWUP_PUBLIC_RATE_ADDRESS = "1/3600"
    Client(REMOTE_ADDR="127.0.0.1").post(
        URL, {**missing_post(), "idempotency_key": str(uuid.uuid4())}
    )
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}{URL}")
    page.get_by_label("Child's first name").fill("Eli")
    page.get_by_label("Age (years)").fill("4")
    page.get_by_label("Boy").check()
    page.get_by_label("Where was your child last seen?").fill("County fair, gate 3")
    page.get_by_label("Your name").fill("Ana Ruiz")
    page.get_by_label("Your phone").fill("(555) 000-2222")
    page.locator('select[name="reporter_relationship"]').select_option("mother")
    page.locator('input[name="reporter_has_custody"][value="yes"]').check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("#rate-limited")).to_be_visible()
    expect(page.get_by_label("Child's first name")).to_have_value("Eli")
    expect(page.locator("[data-pow-status]")).to_have_text(
        "Done: you can send the form now.", timeout=30_000
    )
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(re.compile(r"/status/"))
    assert Report.objects.filter(given_name="Eli").count() == 1
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
