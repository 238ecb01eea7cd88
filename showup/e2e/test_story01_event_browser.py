"""Story 01 continues at the station: a week after the parking lot, the trooper invites the
mother to the community day from the reunited report; she registers her son and his little
sister through the invitation's link; another family fills the last places, a later family
waits on the waitlist and is offered the places when the second family cancels from its own
page, and accepts them; at the door an officer scans the QR code the mother's confirmation page
showed (a second Chromium whose fake camera is fed with that very image, as in
showup/events/tests/test_door_scan_browser.py) and her family is checked in once; the waitlisted
family is found by name and checked in; her son's junior badge is printed from the scan's
answer.

Real Chromium at phone size (390x844).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from showup.core import sms
from showup.e2e.conftest import screen
from showup.events import services
from showup.events.models import CheckIn, Event, Invitation, RegisteredChild, Registration
from showup.events.tests.test_door_scan_browser import (  # noqa: F401 (a fixture)
    camera_browser,
    door_page,
    y4m_from_png,
)
from showup.reunite import services as reunite
from showup.reunite.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOTHER = "Dana Brooks"
MOTHER_PHONE = "555-318-2040"
MOTHER_PHONE_E164 = "+15553182040"
SON, SISTER = "Darius", "Maya"


def reunited_report(
    agency: Any, officer: Any, coordinator: Any, report_data: Any, wait_for_candidate: Any
) -> Report:
    """Story 01's parking lot, already told in test_story01_parking_lot.py: the mother's
    missing report, the trooper's found report, the match confirmed and the hand-off done."""
    missing = reunite.report_create(
        agency=agency,
        kind="missing",
        filed_by=None,
        data=report_data(
            "missing",
            given_name=SON,
            family_name="Brooks",
            guardian_name=MOTHER,
            guardian_phone=MOTHER_PHONE_E164,
            guardian_email="",
            guardian_language="en",
            reporter_relationship="mother",
            reporter_has_custody=True,
        ),
    )
    found = reunite.report_create(
        agency=agency,
        kind="found",
        filed_by=officer,
        data=report_data("found", given_name=SON, safe_location="By my cruiser"),
    )
    candidate = wait_for_candidate(missing, found)  # the match worker writes it
    reunite.candidate_confirm(candidate=candidate, actor=coordinator)
    reunite.handoff_record(
        candidate=candidate,
        officer=officer,
        id_checked=True,
        id_type="state_id",
        id_last4="8812",
        child_recognises=True,
        guardian_knowledge=True,
        guardian_knowledge_note="his little sister's name",
        released_to=MOTHER,
        collector="reporter",
    )
    missing.refresh_from_db()
    assert missing.status == Report.Status.REUNITED
    return missing


def rsvp(page: Page, *, name: str, email: str, children: list[tuple[str, str]]) -> None:
    """Fill the RSVP form's fields that an invitation does not prefill, and send it."""
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    for i, (first_name, age) in enumerate(children):
        row = page.locator(".child-row").nth(i)
        row.get_by_label("Child's first name, as it should be printed on the badge").fill(
            first_name
        )
        row.get_by_label("Age").select_option(label=age)
    page.get_by_role("button", name="Register", exact=True).last.click()


def test_it_replays_story_01_at_the_community_day(
    page: Page,
    new_context: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    officer: Any,
    coordinator: Any,
    agency: Any,
    report_data: Any,
    wait_for_candidate: Any,
    camera_browser: Any,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    sms.outbox.clear()
    url = live_server.url
    report = reunited_report(agency, officer, coordinator, report_data, wait_for_candidate)
    start = timezone.localtime() + timedelta(days=5)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    event = services.event_create(
        agency=agency,
        actor=coordinator,
        data={
            "title": "Community day at the station",
            "description": "Cruiser tours, walkie-talkies, face painting and a bouncy house.",
            "place_name": "Station 4 parking lot",
            "start": start,
            "end": start + timedelta(hours=4),
            "capacity": 5,  # the mother's family (3) and one more family of 2
            "offer_hours": 24,
        },
    )
    services.activity_add(
        event=event, actor=coordinator, title="Cruiser tour", start=start, end=None, place="Lot"
    )
    services.event_publish(event=event, actor=coordinator)

    # 1. The trooper opens the reunited report and invites the family, by text.
    trooper = page
    staff_login(trooper, officer)
    trooper.goto(f"{url}/staff/reports/{report.pk}/")
    trooper.get_by_role("link", name="Invite the family to an event").click()
    expect(trooper.get_by_role("heading", level=1)).to_have_text("Invite the family to an event")
    trooper.get_by_label(re.compile("Community day at the station")).check()
    expect(trooper.get_by_label("Email or mobile phone")).to_have_value(
        re.compile(r"\+?1?[\s-]*\(?555\)?[\s-]*318[\s-]*2040")
    )
    children = trooper.get_by_label("Children's first names")
    expect(children).to_have_value(re.compile(SON))
    children.fill(f"{SON}, {SISTER}")
    trooper.get_by_role("button", name="Send the invitation").click()
    expect(trooper.get_by_text(re.compile("^Invitation sent"))).to_be_visible()
    invitation = Invitation.objects.get(event=event)
    assert (invitation.source_kind, invitation.source_id) == ("reunite.report", report.pk)
    texts = [m for m in sms.outbox if m.to == MOTHER_PHONE_E164]
    assert texts and f"?i={invitation.token}" in texts[-1].body, sms.outbox
    link = re.search(r"/events/\S+/rsvp/\?i=[\w-]+", texts[-1].body)
    assert link, texts[-1].body

    # 2. The mother opens the list of events on her phone, then her invitation's link: the
    #    form knows her name, her phone and both children.
    mother = new_context().new_page()
    mother.goto(f"{url}/events/")
    expect(
        mother.get_by_role("link", name="Community day at the station", exact=True)
    ).to_be_visible()
    shot(mother, "story01-event-01-events-list")
    screen(mother, "readme-events-list")
    mother.goto(url + link.group(0))
    expect(mother.get_by_role("heading", level=1)).to_have_text("Register your family")
    expect(mother.get_by_label("Your name")).to_have_value(MOTHER)
    rows = mother.locator(".child-row")
    label = "Child's first name, as it should be printed on the badge"
    expect(rows.nth(0).get_by_label(label)).to_have_value(SON)
    expect(rows.nth(1).get_by_label(label)).to_have_value(SISTER)
    rows.nth(0).get_by_label("Age").select_option(label="7 to 9")
    rows.nth(1).get_by_label("Age").select_option(label="Under 4")
    mother.get_by_label("Languages you speak at home").fill("English")
    shot(mother, "story01-event-02-rsvp-form")
    screen(mother, "readme-event-rsvp-form")
    mother.get_by_role("button", name="Register", exact=True).last.click()
    expect(mother.get_by_role("heading", level=1)).to_have_text("Thank you for registering")
    expect(mother.get_by_role("heading", name="You have a place")).to_be_visible()
    qr = mother.locator(".qr img")
    expect(qr).to_be_visible()
    mother.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle()
    )  # the QR image is a separate request: wait for it, then it must have decoded
    theirs = Registration.objects.get(event=event, contact_name=MOTHER)
    assert theirs.status == Registration.Status.CONFIRMED
    assert theirs.invitation_id == invitation.pk
    assert [c.first_name for c in theirs.children.all()] == [SON, SISTER]
    shot(mother, "story01-event-03-confirmation-qr")
    screen(mother, "readme-event-confirmation-qr", top=mother.locator(".status-box"))
    # The very image her page shows, fetched through her page (her cookies), becomes the door
    # camera's video.
    qr_src = qr.get_attribute("src")
    assert qr_src
    qr_response = mother.request.get(url + qr_src if qr_src.startswith("/") else qr_src)
    assert qr_response.status == 200
    assert qr_response.headers["content-type"] == "image/png"
    video = y4m_from_png(qr_response.body(), tmp_path / "confirmation-qr.y4m")

    # 3. Another family takes the last two places: the event is full.
    nguyen = new_context().new_page()
    nguyen.goto(f"{url}/events/{event.reference}/rsvp/")
    rsvp(nguyen, name="Linh Nguyen", email="linh@example.org", children=[("Bao", "4 to 6")])
    expect(nguyen.get_by_role("heading", name="You have a place")).to_be_visible()
    nguyen_url = nguyen.url

    # 4. A later family is waitlisted, together.
    okafor = new_context().new_page()
    okafor.goto(f"{url}/events/{event.reference}/")
    expect(okafor.locator("main")).to_contain_text("waitlist")
    okafor.goto(f"{url}/events/{event.reference}/rsvp/")
    rsvp(okafor, name="Ada Okafor", email="ada@example.org", children=[("Chidi", "10 to 12")])
    expect(okafor.get_by_role("heading", name="You are on the waitlist")).to_be_visible()
    expect(okafor.locator(".status-box")).to_contain_text("number 1 on the waitlist")
    waiting = Registration.objects.get(event=event, contact_name="Ada Okafor")
    assert waiting.status == Registration.Status.WAITLISTED
    okafor_url = okafor.url

    # 5. The second family cancels from its own page; the places are offered to the waitlist.
    nguyen.goto(nguyen_url)
    nguyen.get_by_role("link", name="Cancel the registration").click()
    nguyen.get_by_role("button", name="Yes, cancel it").click()
    expect(nguyen.get_by_role("heading", name="Cancelled")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED and waiting.offer_expires_at

    # 6. The waitlisted family accepts on its page.
    okafor.goto(okafor_url)
    expect(okafor.get_by_role("heading", name="A place is free for you")).to_be_visible()
    okafor.get_by_role("button", name="Accept the places").click()
    expect(okafor.get_by_role("heading", name="You have a place")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    event.refresh_from_db()
    assert services.places_left(event) == 0

    # 7. At the door the officer scans the code on the mother's phone: a second Chromium whose
    #    camera shows that image, logged in as the same officer.
    camera = camera_browser(video)
    door_context, door = door_page(camera, url, officer, event)
    status = door.locator("[data-scan-status]")
    door.get_by_role("button", name="Scan a code").click()
    expect(status).to_have_text(f"Checked in: {theirs.reference}, 2 children", timeout=45_000)
    assert CheckIn.objects.filter(registration=theirs).count() == 1
    assert CheckIn.objects.filter(registration=waiting).count() == 0
    assert theirs.children.filter(checked_in_at__isnull=False).count() == 2
    son = RegisteredChild.objects.get(registration=theirs, first_name=SON)
    assert son.checked_in_at is not None
    scanned = door.locator("[data-scan-results] li").first
    badge = scanned.get_by_role("button", name=re.compile(rf"^Print badge\s*:\s*{SON}$"))
    expect(badge).to_be_visible()
    shot(door, "story01-event-04-door-scan")
    assert not door.errors, door.errors  # type: ignore[attr-defined]

    # 8. The waitlisted family has no phone with them: the trooper finds them by name.
    trooper.goto(f"{url}/events/staff/{event.pk}/door/")
    trooper.get_by_label("Family or child's first name").fill("Chidi")
    trooper.get_by_role("button", name="Search").click()
    family = trooper.locator(f"#family-{waiting.pk}")
    expect(trooper.locator(".door-families > li.card")).to_have_count(1)
    expect(family).to_contain_text("Ada Okafor")
    family.get_by_role("button", name=re.compile(r"^Checked in\s*:\s*Chidi$")).click()
    expect(trooper.get_by_text("Checked in. Welcome!")).to_be_visible()
    expect(family.locator(".pill.ok")).to_have_count(1)
    assert CheckIn.objects.filter(registration=waiting).count() == 1
    assert CheckIn.objects.filter(registration=theirs).count() == 1  # still once
    shot(trooper, "story01-event-05-door")
    screen(trooper, "readme-event-door", top=family)

    # 9. Her son's junior badge, from the scan's answer at the door.
    # The button posts its form (printing marks the badge as given): the same request here,
    # from the page's own form, so the PDF can be read back.
    form = badge.locator("xpath=ancestor::form")
    action = form.get_attribute("action")
    assert action == f"/events/staff/children/{son.pk}/badge.pdf"
    token = form.locator("input[name=csrfmiddlewaretoken]").input_value()
    response = door.request.post(
        url + action, form={"csrfmiddlewaretoken": token}, headers={"Referer": door.url}
    )
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)
    assert SON in text and "Community day at the station" in text
    son.refresh_from_db()
    assert son.badge_printed_at is not None
    assert Event.objects.get(pk=event.pk).status == Event.Status.PUBLISHED
    door_context.close()
