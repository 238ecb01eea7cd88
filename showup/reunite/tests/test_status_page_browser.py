"""The guardian's status page in real Chromium at phone size: it fits the screen, the unit's
number is one tap, a mistake moves the focus to the error summary, adding information works,
and the state updates by itself."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from showup.e2e import conftest as e2e
from showup.reunite import services
from showup.reunite.models import Candidate, TimelineNote

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args
shot = e2e.shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_guardians_page_on_a_phone(
    page: Page,
    live_server: Any,
    shot: Any,
    agency: Any,
    officer: Any,
    coordinator: Any,
    report_data: Any,
) -> None:
    agency.phone = "555-010-0100"
    agency.save()
    missing = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data(
            "missing",
            reporter_relationship="mother",
            reporter_has_custody=True,
            authorised_adults=[{"name": "Rosa Jiménez", "relationship": "neighbour"}],
        ),
        filed_by=None,
    )
    page.goto(f"{live_server.url}/status/{missing.status_token}/")
    expect(page.locator("[data-state]")).to_have_text("We are searching")

    # Nothing wider than the phone; the unit's number is a big tap target.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    call = page.get_by_role("link", name="Call (555) 010-0100")
    expect(call).to_have_attribute("href", "tel:+15550100100")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44

    # Sending nothing: the error summary takes the focus and links to the box.
    page.get_by_role("button", name="Add to my report").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#form-errors")).to_contain_text("Write something or choose a photo")
    shot(page, "status-add-error")

    page.get_by_label("What else should we know?").fill("She may be at the library on 5th.")
    page.get_by_role("button", name="Add to my report").click()
    expect(page.get_by_role("status").first).to_contain_text("Your information was added")
    note = TimelineNote.objects.get(report=missing)
    assert note.from_guardian and "library" in note.text

    # A confirmed match reaches her page by itself (the page polls), with who may collect.
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    services.candidate_confirm(
        candidate=Candidate.objects.get(missing=missing, found=found), actor=coordinator
    )
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "call", timeout=15_000)
    expect(page.locator(".collectors")).to_contain_text("Rosa Jiménez (Neighbour or family friend)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "status-matched-collectors")
