"""The board at phone size in real Chromium: while a new report and a new match arrive, the
control under the coordinator's finger does not move, and the live region says what is new."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from showup.e2e import conftest as e2e
from showup.reunite import services
from showup.reunite.models import Candidate
from showup.reunite.tests.coord_helpers import (
    CHILDREN,
    child_data,
    fast_passwords,  # noqa: F401 (autouse)
)

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
shot = e2e.shot
staff_login = e2e.staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(agency: Any, officer: Any, kind: str, child: dict[str, Any]) -> Any:
    return services.report_create(
        agency=agency,
        kind=kind,
        data=child_data(kind, child),
        filed_by=officer if kind == "found" else None,
    )


def test_the_control_under_the_finger_stays_put_while_a_report_and_a_match_arrive(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
) -> None:
    sofia_found = _file(agency, officer, "found", CHILDREN[1])
    sofia = _file(agency, officer, "missing", CHILDREN[1])
    cand = Candidate.objects.get(missing=sofia, found=sofia_found)
    liam_found = _file(agency, officer, "found", CHILDREN[2])
    for child in CHILDREN[3:]:
        _file(agency, officer, "found", child)

    staff_login(page, coordinator)
    page.goto(f"{live_server.url}/staff/board/")
    control = page.locator(f"#review-{sofia.pk}-{cand.pk}")
    expect(control).to_be_visible()
    control.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the first polls and the time labels settle
    before = control.bounding_box()
    scroll_before = page.evaluate("window.scrollY")
    assert before is not None

    # Liam's mother reports him missing: a new report that would rank first (likely match)
    # and a new candidate on a row already on the screen.
    liam = _file(agency, officer, "missing", CHILDREN[2])
    new_cand = Candidate.objects.get(missing=liam, found=liam_found)
    assert new_cand.engine_match
    page.locator(f"#cand-{liam_found.pk}-{new_cand.pk}").wait_for(timeout=3000)
    announce = page.locator("#board-announce")
    expect(announce).to_contain_text(
        f"New likely match for Liam O., {round(new_cand.score * 100)}%", timeout=3000
    )
    expect(announce).to_have_attribute("aria-live", "polite")
    expect(page.locator("#board-news")).to_contain_text("1 new report — show")
    assert page.locator(f"#report-{liam.pk}").count() == 0  # not inserted under the finger

    after = page.locator(f"#review-{sofia.pk}-{cand.pk}").bounding_box()
    assert page.evaluate("window.scrollY") == scroll_before
    assert after == before
    shot(page, "board-stable-new-match")

    # "Show" brings the new report in, ordered by urgency, when the coordinator chooses.
    page.locator("#board-news a").click()
    expect(page.locator(f"#report-{liam.pk}")).to_be_visible()


def test_thirty_open_reports_fit_a_laptop_screen(
    browser: Any, live_server: Any, coordinator: Any, officer: Any, agency: Any
) -> None:
    for i in range(30):
        child = dict(CHILDREN[i % len(CHILDREN)], given_name=f"Child{i:02d}")
        _file(agency, officer, "found", child)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, live_server, coordinator)
    page.goto(f"{live_server.url}/staff/board/")
    rows = page.locator("#board-rows > li")
    expect(rows).to_have_count(30)
    box = page.locator("#board-rows").bounding_box()
    assert box is not None
    assert box["height"] <= 768, box
    context.close()


def _login(page: Any, live_server: Any, user: Any) -> None:
    from showup.e2e.conftest import log_in

    log_in(page, live_server.url, user)  # with the second factor a coordinator needs
