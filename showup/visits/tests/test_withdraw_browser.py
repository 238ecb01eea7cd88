"""In a real browser: the nurse withdraws her acceptance and the slot is proposed again; the
guest officer finds the return visit on "My day", marked as a guest, without the buttons."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from showup.visits import services
from showup.visits.models import Visit
from showup.visits.services import Guest

from .conftest import at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_withdraw_acceptance_and_the_guest_s_day(
    page: Page,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    visit_request: Any,
    other_partner: Any,
    coordinator: Any,
    officer: Any,
    officer2: Any,
) -> None:
    url = live_server.url
    page.set_default_timeout(8000)
    visit = services.slot_propose(
        request=visit_request,
        officer=officer,
        start=at(1, 10),
        end=at(1, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    services.slot_accept(visit=visit, actor=other_partner)

    staff_login(page, other_partner)
    page.goto(f"{url}/visits/requests/{visit_request.pk}/")
    expect(page.locator(".status-box")).to_contain_text("Scheduled")
    page.get_by_role("button", name="Withdraw acceptance").click()
    expect(page.locator(".messages")).to_contain_text("Acceptance withdrawn")
    expect(page.locator(".status-box")).to_contain_text("Slot proposed")
    expect(page.get_by_role("button", name="Accept this time")).to_be_visible()
    shot(page, "visits-withdrawn-acceptance")
    assert Visit.objects.get(pk=visit.pk).status == "proposed"

    page.context.clear_cookies()
    staff_login(page, officer2)
    page.goto(f"{url}/visits/my-day/")
    card = page.locator(f"#visit-{visit.pk}")
    expect(card.locator("[data-role=guest]")).to_have_text("Guest")
    expect(card).to_contain_text("Olivia leads this visit")
    expect(card.get_by_role("button")).to_have_count(0)
    shot(page, "visits-guest-my-day")
