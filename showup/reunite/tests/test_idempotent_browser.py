"""Exactly one report per submission, in real Chromium at phone size over a slow connection:
three taps on Send file one report, and Back after sending shows that report, not a blank
form."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from showup.e2e import conftest as e2e
from showup.reunite.models import Report

# The browser fixtures of the end-to-end suite (real Chromium, phone-size context).
browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
shot = e2e.shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_MS = 1500


def slow_network(page: Page) -> None:
    """Every request takes 1.5 s more, as on one bar of signal (Chromium's own throttling)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": SLOW_MS,
            "downloadThroughput": 50 * 1024,
            "uploadThroughput": 20 * 1024,
        },
    )


def fill_the_guardians_form(page: Page) -> None:
    page.locator('[name="given_name"]').fill("Mateo")
    page.locator('[name="age_years"]').fill("4")
    page.locator('[name="sex"][value="male"]').check()
    page.locator('[name="place"]').fill("Main St near the donut shop")
    page.locator('[name="guardian_name"]').fill("Lucia Alvarez")
    page.locator('[name="guardian_phone"]').fill("555-000-1111")
    relationship = page.locator('[name="reporter_relationship"]')
    if relationship.count():
        relationship.select_option("mother")
        page.locator('[name="reporter_has_custody"][value="yes"]').check()


def test_three_taps_on_send_over_a_slow_network_file_one_report_and_back_shows_it(
    page: Page, context: Any, live_server: Any, shot: Any, agency: Any
) -> None:
    e2e.offline_maps(context)
    url = f"{live_server.url}/missing/"
    page.goto(url)
    fill_the_guardians_form(page)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    slow_network(page)

    # By its place, not its name: the name changes to "Sending…".
    send = page.locator("form[data-submit-once] button[type=submit]")
    send.scroll_into_view_if_needed()
    box = send.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # What the page shows while the POST is on its way is recorded in the page itself (into
    # sessionStorage, which outlives the navigation): Playwright cannot read the page between
    # the tap and the answer, because a tap returns before the browser turns it into a click.
    page.evaluate(
        """() => {
            const form = document.querySelector("form[data-submit-once]");
            const b = form.querySelector("button[type=submit]");
            const live = form.querySelector("[data-once-status]");
            new MutationObserver(() => {
                if (b.disabled && !sessionStorage.getItem("once")) {
                    sessionStorage.setItem(
                        "once", JSON.stringify([b.disabled, b.textContent.trim(), live.textContent])
                    );
                }
            }).observe(form, {
                attributes: true, subtree: true, childList: true, characterData: true
            });
        }"""
    )
    started = time.monotonic()
    # Three impatient taps on the screen where the button is, as a thumb does (a locator would
    # wait for the navigation the first tap started).
    for _tap in range(3):
        page.touchscreen.tap(x, y)
    assert time.monotonic() - started < SLOW_MS / 1000  # all three before the answer came

    page.wait_for_url(f"{live_server.url}/status/**", timeout=15_000)
    assert time.monotonic() - started > SLOW_MS / 1000  # the network really was slow
    report = Report.objects.get()
    assert page.url.endswith(f"/status/{report.status_token}/")
    assert posts == [url]
    # While the POST was on its way the button was disabled and said so, aloud too.
    assert json.loads(page.evaluate("() => sessionStorage.getItem('once')")) == [
        True,
        "Sending…",
        "Sending…",
    ]

    # Back: the form page is fetched again and offers the report just sent, not a blank form.
    page.go_back()
    expect(page.get_by_role("heading", name="You already sent this report")).to_be_visible()
    expect(page.locator('[name="given_name"]')).to_have_count(0)
    link = page.get_by_role("link", name=f"Report {report.reference}")
    expect(link).to_have_attribute("href", f"/status/{report.status_token}/")
    shot(page, "idempotent-back")
    assert Report.objects.count() == 1

    # She can still report another child: a blank form.
    page.get_by_role("link", name="Report another child").tap()
    expect(page.locator('[name="given_name"]')).to_have_value("")
    expect(page.get_by_role("button", name="Send the report")).to_be_enabled()


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the test database is in-memory SQLite shared between threads, which refuses "
    "concurrent writers ('table is locked'); run under make test-postgres",
)
def test_three_identical_posts_racing_file_one_report(
    page: Page, context: Any, live_server: Any, agency: Any
) -> None:
    """Without the button's help (a retrying client, a script): the server alone keeps one."""
    e2e.offline_maps(context)
    page.goto(f"{live_server.url}/missing/")
    fill_the_guardians_form(page)
    finals = page.evaluate(
        """async () => {
            const form = document.querySelector("form[data-submit-once]");
            const body = () => new FormData(form);
            const sends = [0, 1, 2].map(() => fetch(form.action || location.href,
                {method: "POST", body: body(), credentials: "same-origin"}));
            const answers = await Promise.all(sends);
            return answers.map((r) => [r.status, r.url]);
        }"""
    )
    report = Report.objects.get()
    expected = f"{live_server.url}/status/{report.status_token}/"
    assert finals == [[200, expected]] * 3
