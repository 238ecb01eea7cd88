"""In a real browser at phone size: a nurse phoned, so the coordinator files her ward's visit
request from the queue, and it is on the coordinator's list (and on the ward's)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FMT = "%Y-%m-%dT%H:%M"


def test_a_coordinator_files_a_request_for_a_partner(
    page: Page,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    coordinator: Any,
    other_partner: Any,
    hospital: Any,
    place: Any,
) -> None:
    url = live_server.url
    page.set_default_timeout(8000)
    staff_login(page, coordinator)
    page.goto(f"{url}/visits/")
    page.get_by_role("link", name="New visit request for a partner").click()
    page.get_by_label("Partner organisation").select_option(label="Mercy Children's (Hospital)")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_escort_required")).to_be_checked()  # the ward's standing rules
    page.fill("#id_requested_by", "Ana, charge nurse")
    page.get_by_label("By phone").check()
    page.fill("#id_child_first_name", "Milo")
    page.fill("#id_child_age", "7")
    page.fill("#id_interests", "dinosaurs, sirens")
    page.select_option("#id_urgency", "soon")
    page.fill("#id_window_1_start", at(1, 10).strftime(FMT))
    page.fill("#id_window_1_end", at(1, 12).strftime(FMT))
    shot(page, "for-partner-1-form")
    page.get_by_role("button", name="File the request for the partner").click()

    expect(page.get_by_role("heading", name="Visit requests to schedule")).to_be_visible()
    card = page.locator(".card", has_text="Milo, 7")
    expect(card).to_contain_text("Mercy Children's")
    expect(card).to_contain_text("Filed by the unit for Ana, charge nurse (by phone)")
    shot(page, "for-partner-2-queue")

    page.context.clear_cookies()
    staff_login(page, other_partner)
    page.goto(f"{url}/visits/requests/")
    mine = page.locator(".card", has_text="Milo, 7")
    expect(mine).to_contain_text("Filed for you by the community-engagement unit")
