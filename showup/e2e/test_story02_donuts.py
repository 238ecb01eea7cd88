"""Story 02, replayed as people would on their phones: a deputy finds a four-year-old walking
alone to the donut shop and files a found report before anyone knows he is gone; minutes later
his mother reports him missing on the public page; the match appears on the coordinator's
board within 2 s; the coordinator confirms; the mother gets a text (never the child's
whereabouts); the deputy completes the verified hand-off; her status link says reunited.

Three separate browser contexts: the deputy's phone (geolocation granted, so the found form's
automatic location capture is exercised), the mother's phone (anonymous) and the coordinator's.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from showup.core import sms
from showup.e2e.conftest import offline_maps, screen
from showup.reunite.models import Candidate, Handoff, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the deputy stands when he files the report (the phone's GPS, faked by the browser).
DEPUTY_POSITION = {"latitude": 34.0561, "longitude": -118.2489}
MOTHER_PHONE = "(555) 201-3344"
MOTHER_PHONE_E164 = "+15552013344"
SAFE_LOCATION = "Patrol car 7, outside Sunrise Donuts"
PLACE_FOUND = "Sidewalk on Oak Street by Sunrise Donuts"


def test_it_replays_story_02_the_boy_who_went_for_donuts(
    page: Page,
    context: Any,
    new_context: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    officer: Any,
    coordinator: Any,
    agency: Any,
) -> None:
    sms.outbox.clear()
    url = live_server.url
    deputy = page
    context.grant_permissions(["geolocation"])
    context.set_geolocation(DEPUTY_POSITION)

    # 1. The deputy, on his phone, taps "I found a child". Location and time fill themselves in.
    staff_login(deputy, officer)
    deputy.get_by_role("navigation").get_by_role("link", name="I found a child").click()
    expect(deputy.get_by_role("heading", level=1)).to_have_text("I found a child")
    expect(deputy.locator("[data-autolocate]")).to_have_text("Location: captured ✓")
    deputy.get_by_label("Where is the child being kept safe now?").fill(SAFE_LOCATION)
    deputy.get_by_label("Alone, welfare check").check()
    deputy.get_by_label("What the child says their name is").fill("Nico")
    deputy.get_by_label("Age from").fill("3")
    deputy.get_by_label("Age to").fill("5")
    deputy.get_by_label("Boy").check()
    deputy.get_by_label("Clothing").fill("blue sandals, green t-shirt with a dinosaur")
    deputy.get_by_label("Carrying").fill("a stuffed puppy")
    deputy.get_by_label("English").check()
    deputy.get_by_label("Where was the child found?").fill(PLACE_FOUND)
    shot(deputy, "story02-01-officer-found-form")
    screen(deputy, "readme-officer-found")
    deputy.get_by_role("button", name="File the report").first.click()
    filed = deputy.get_by_role("status").filter(has_text=" filed.")
    expect(filed).to_have_count(1)
    found = Report.objects.get(kind=Report.Kind.FOUND)
    assert found.lat == pytest.approx(DEPUTY_POSITION["latitude"], abs=1e-5)
    assert found.lon == pytest.approx(DEPUTY_POSITION["longitude"], abs=1e-5)
    assert found.age_min == 3 and found.age_max == 5 and found.given_name == "Nico"
    assert found.safe_location == SAFE_LOCATION
    assert found.holding_officer == officer
    shot(deputy, "story02-02-officer-filed")

    # 2. The coordinator has the board open before the mother reports anything.
    coord = new_context().new_page()
    staff_login(coord, coordinator)
    coord.goto(f"{url}/staff/board/")
    expect(coord.locator(f"#report-{found.pk}")).to_be_visible()
    expect(coord.locator(".candidate")).to_have_count(0)
    shot(coord, "story02-03-board-found-only")

    # 3. Minutes later, the mother fills in "My child is missing" on her own phone.
    mother_context = new_context()
    offline_maps(mother_context)
    mother = mother_context.new_page()
    mother.goto(f"{url}/")
    mother.get_by_role("main").get_by_role("link", name="My child is missing").click()
    expect(mother.get_by_role("heading", level=1)).to_have_text("My child is missing")
    mother.get_by_label("Child's first name").fill("Nicolás")
    mother.get_by_label("Child's family name").fill("Reyes")
    mother.get_by_label("What does your child call themself?").fill("Nico")
    mother.get_by_label("Age (years)").fill("4")
    mother.get_by_label("Boy").check()
    mother.get_by_label("Clothing").fill("green dinosaur t-shirt, blue sandals")
    mother.get_by_label("Carrying").fill("stuffed puppy")
    mother.get_by_label("English").check()
    mother.get_by_label("Where was your child last seen?").fill("Our house, 1200 Oak Street")
    mother.get_by_label("Anything else that could help").fill(
        "He said he wanted to buy me donuts. The front door did not latch."
    )
    mother.get_by_label("Your name").fill("Ana Reyes")
    mother.get_by_label("Your phone").fill(MOTHER_PHONE)
    mother.locator('select[name="reporter_relationship"]').select_option("mother")
    mother.locator('input[name="reporter_has_custody"][value="yes"]').check()
    shot(mother, "story02-04-guardian-form")
    screen(mother, "readme-guardian-form")

    started = time.monotonic()
    mother.get_by_role("button", name="Send the report").click()
    coord.locator(".candidate").first.wait_for(timeout=2000)
    elapsed = time.monotonic() - started
    print(f"match on the board {elapsed:.2f} s after the mother pressed send")
    assert elapsed < 2.0, f"the match took {elapsed:.2f} s to reach the board"

    missing = Report.objects.get(kind=Report.Kind.MISSING)
    candidate = Candidate.objects.get(missing=missing, found=found)
    expect(coord.locator(f"#cand-{found.pk}-{candidate.pk}")).to_be_visible()
    shot(coord, "story02-06-board-match")
    screen(coord, "readme-board-match", top=coord.locator("#board"))

    # Her phone shows the reference, a private link, and "searching".
    expect(mother.get_by_role("heading", name="Your report was sent")).to_be_visible()
    expect(mother.locator(".reference")).to_have_text(missing.reference)
    expect(mother.locator("[data-state]")).to_have_attribute("data-state", "searching")
    expect(mother.locator("[data-state]")).to_have_text("We are searching")
    status_url = mother.locator("a.status-link").get_attribute("href")
    assert status_url and missing.status_token in status_url
    shot(mother, "story02-05-guardian-status-searching")
    screen(mother, "readme-status-searching")

    # 4. The coordinator confirms in place.
    coord.locator(f"#review-{found.pk}-{candidate.pk}").click()
    coord.get_by_role("button", name="Confirm: this is the same child").click()
    expect(coord.locator(f"#cand-{found.pk}-{candidate.pk}")).to_contain_text(
        "Confirmed — awaiting hand-off"
    )
    shot(coord, "story02-07-board-confirmed")
    candidate.refresh_from_db()
    assert candidate.decision == Candidate.Decision.CONFIRMED

    # The mother gets a text: expect a call. Nothing about where her son is.
    # (Her first text, on filing, carried her status link.)
    texts = [m for m in sms.outbox if m.to == MOTHER_PHONE_E164]
    assert len(texts) == 2 and missing.status_token in texts[0].body, sms.outbox
    body = texts[1].body
    assert missing.reference in body and "call" in body
    for secret in ("Patrol car", "Sunrise", "Oak Street", "34.05", "-118.24", officer.first_name):
        assert secret not in body, f"the guardian's SMS leaks {secret!r}: {body}"

    mother.goto(status_url)
    expect(mother.locator("[data-state]")).to_have_attribute("data-state", "call")
    expect(mother.locator("[data-state]")).to_have_text("A coordinator will call you")
    shot(mother, "story02-08-guardian-status-call")

    # 5. The deputy sees the confirmed match in "My reports" and does the hand-off checklist.
    deputy.get_by_role("navigation").get_by_role("link", name="My reports").click()
    shot(deputy, "story02-09-officer-my-reports")
    deputy.get_by_role("link", name="Match confirmed — start hand-off").click()
    expect(deputy.get_by_role("heading", level=1)).to_contain_text("Hand-off")
    expect(deputy.get_by_text("Ana Reyes").first).to_be_visible()
    deputy.get_by_label("I checked the adult's photo identity document").check()
    deputy.get_by_label("Type of document").select_option(label="Driving licence")
    deputy.get_by_label("Last four characters of the document number").fill("4q7z")
    deputy.get_by_label("The child recognises the adult").check()
    deputy.get_by_label("The adult described something only a guardian would know").check()
    deputy.get_by_label("What did they describe?").fill("the stuffed puppy is called Biscuit")
    deputy.locator('input[name="collector"][value="reporter"]').check()
    shot(deputy, "story02-10-handoff-checklist")
    screen(deputy, "readme-handoff", top=deputy.locator("form.checklist"))
    deputy.get_by_role("button", name="Save checklist").click()
    expect(deputy.get_by_text("Reunited — reports closed")).to_be_visible()
    shot(deputy, "story02-11-handoff-reunited")
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.status == missing.status == Report.Status.REUNITED
    handoff = Handoff.objects.get(candidate=candidate)
    assert handoff.completed_at is not None and handoff.id_last4 == "4Q7Z"

    # 6. The mother's status page says so (it polls; a reload is what she would do anyway).
    mother.goto(status_url)
    expect(mother.locator("[data-state]")).to_have_attribute("data-state", "reunited")
    expect(mother.get_by_role("heading", level=1)).to_have_text(
        re.compile(re.escape(missing.reference))
    )
    expect(mother.locator("[data-state]")).to_have_text("Reunited")
    page_text = mother.locator("body").inner_text()
    for secret in ("Patrol car", "Sunrise", "Nico", officer.first_name):
        assert secret not in page_text, f"the status page shows {secret!r}"
    shot(mother, "story02-12-guardian-status-reunited")
    screen(mother, "readme-status-reunited")
