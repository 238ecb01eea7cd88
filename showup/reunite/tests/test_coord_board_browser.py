"""The live board in real Chromium at phone size: a new match appears by itself within 2 s,
polling keeps keyboard focus, and Confirm goes through the review page."""

from __future__ import annotations

import time
from typing import Any

import pytest

from showup.e2e import conftest as e2e
from showup.reunite import services
from showup.reunite.models import Candidate
from showup.reunite.tests.coord_helpers import fast_passwords  # noqa: F401 (autouse)

# The browser fixtures of the end-to-end suite (real Chromium, phone-size context).
browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
shot = e2e.shot
staff_login = e2e.staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_a_new_match_within_two_seconds_and_confirms_after_review(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    staff_login(page, coordinator)
    page.goto(f"{live_server.url}/staff/board/")
    page.wait_for_selector(f"#report-{found.pk}")
    assert page.locator(".candidate").count() == 0

    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    cand = Candidate.objects.get(missing=missing, found=found)
    started = time.monotonic()
    page.wait_for_selector(f"#cand-{found.pk}-{cand.pk}", timeout=2000)
    assert time.monotonic() - started < 2.0
    shot(page, "coord-board-new-match")

    # Polling an unchanged board swaps nothing: the focused control keeps its focus.
    review = page.locator(f"#review-{found.pk}-{cand.pk}")
    review.focus()
    page.wait_for_timeout(2500)
    assert page.evaluate("document.activeElement.id") == f"review-{found.pk}-{cand.pk}"

    # Confirm is never one tap: the review page shows both reports and asks once more.
    review.click()
    page.get_by_role("heading", level=1).filter(has_text="Is this the same child?").wait_for()
    cand.refresh_from_db()
    assert cand.decision == Candidate.Decision.PROPOSED
    page.get_by_role("button", name="Confirm: this is the same child").click()
    page.get_by_text("Confirmed — awaiting hand-off").first.wait_for(timeout=3000)
    assert page.url.endswith("/staff/board/")
    cand.refresh_from_db()
    assert cand.decision == Candidate.Decision.CONFIRMED
    shot(page, "coord-board-confirmed")


def test_it_walks_the_officer_through_the_hand_off_on_a_phone(
    page: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    officer: Any,
    agency: Any,
    report_data: Any,
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    cand = Candidate.objects.get(missing=missing, found=found)
    services.candidate_confirm(candidate=cand, actor=coordinator)

    staff_login(page, officer)
    page.goto(f"{live_server.url}/staff/mine/")
    page.get_by_role("link", name="Match confirmed — start hand-off").click()
    page.get_by_text("Lucia Alvarez").first.wait_for()
    shot(page, "coord-handoff-start")

    page.get_by_label("I checked the adult's photo identity document").check()
    page.get_by_label("Type of document").select_option("driving_licence")
    page.get_by_label("Last four characters of the document number").fill("7X3Q")
    page.get_by_label("The child recognises the adult").check()
    page.get_by_role("button", name="Save checklist").click()
    # The field app sends the checklist by script and then loads the saved page: wait for that
    # page (its message), or the next answers would be typed into the page being replaced.
    page.get_by_text("The child stays with you until every step is done").wait_for()
    page.get_by_text("Ask the adult something only a guardian would know").wait_for()

    page.get_by_label("The adult described something only a guardian would know").check()
    page.get_by_label("What did they describe?").fill("his toy truck is called Rayo")
    page.locator('input[name="collector"][value="reporter"]').check()
    page.get_by_role("button", name="Save checklist").click()
    page.get_by_text("Reunited — reports closed").wait_for()
    shot(page, "coord-handoff-reunited")
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.status == missing.status == "reunited"

    page.goto(f"{live_server.url}/staff/reports/{found.pk}/")
    page.get_by_label("Add a note").fill("Mother and son left together at 10:40.")
    page.get_by_role("button", name="Save note").click()
    page.locator("#timeline").get_by_text("Mother and son left together").wait_for()
    assert page.get_by_label("Add a note").input_value() == ""
    shot(page, "coord-report-detail")
