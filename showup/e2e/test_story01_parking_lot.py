"""Story 01, replayed from the guardian's side first, in Spanish: a mother loses sight of her
seven-year-old in a store's parking lot, switches the site to Spanish and reports him missing,
pinning the place with "use my location"; a trooper who has the boy files a found report; the
coordinator confirms the match from the board; the mother gets a text in Spanish (never where
the boy is); the trooper, alerted by an in-app notice, completes the hand-off; her status page
says "Reunidos".
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from showup.core import sms
from showup.e2e.conftest import offline_maps, screen
from showup.reunite.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARKING_LOT = {"latitude": 34.0701, "longitude": -118.2920}
NEAR_THE_DOORS = {"latitude": 34.0703, "longitude": -118.2917}
MOTHER_PHONE = "555-318-2040"
MOTHER_PHONE_E164 = "+15553182040"
SAFE_LOCATION = "With me at the FreshMart entrance, by my cruiser"


def test_it_replays_story_01_the_parking_lot_from_the_mothers_side_in_spanish(
    page: Page,
    context: Any,
    new_context: Any,
    live_server: Any,
    staff_login: Any,
    shot: Any,
    officer: Any,
    coordinator: Any,
    agency: Any,
    store: Any,
    wait_for_candidate: Any,
) -> None:
    sms.outbox.clear()
    url = live_server.url
    mother = page
    offline_maps(context)
    context.grant_permissions(["geolocation"])
    context.set_geolocation(PARKING_LOT)

    # 1. The mother opens the site and switches it to Spanish with the switcher on the page.
    mother.goto(f"{url}/")
    expect(mother.locator("html")).to_have_attribute("lang", "en")
    mother.get_by_label("Language", exact=True).select_option("es")
    mother.get_by_role("button", name="Change").click()
    expect(mother.locator("html")).to_have_attribute("lang", "es")
    mother.get_by_role("main").get_by_role("link", name="Mi hijo o hija ha desaparecido").click()
    expect(mother.get_by_role("heading", level=1)).to_have_text("Mi hijo o hija ha desaparecido")

    mother.get_by_label("Nombre del niño o la niña").fill("Darius")
    mother.get_by_label("Apellido del niño o la niña").fill("Brooks")
    mother.get_by_label("Edad (años)").fill("7")
    mother.get_by_label("Niño", exact=True).check()
    mother.get_by_label("Cabello").fill("rizado, negro, corto")
    mother.get_by_label("Ropa").fill("camiseta roja, pantalón de mezclilla, tenis blancos")
    mother.get_by_label("English").check()
    mother.get_by_label("Español").check()
    mother.get_by_role("button", name="Usar mi ubicación").click()
    expect(mother.locator("[data-location-status]")).to_have_text("Ubicación: marcada ✓")
    mother.get_by_label("¿Dónde vio a su hijo o hija por última vez?").fill(
        "Estacionamiento de FreshMart, junto a los carritos"
    )
    mother.get_by_label("Su nombre").fill("Dana Brooks")
    mother.get_by_label("Su teléfono").fill(MOTHER_PHONE)
    mother.locator('select[name="reporter_relationship"]').select_option("mother")
    mother.locator('input[name="reporter_has_custody"][value="yes"]').check()
    expect(mother.get_by_label("Idioma en el que debemos hablarle")).to_have_value("es")
    shot(mother, "story01-01-guardian-form-es")
    screen(mother, "readme-guardian-form-es")
    mother.get_by_role("button", name="Enviar el reporte").click()

    expect(mother.get_by_role("heading", name="Su reporte fue enviado")).to_be_visible()
    missing = Report.objects.get(kind=Report.Kind.MISSING)
    assert missing.guardian_language == "es"
    assert missing.lat == pytest.approx(PARKING_LOT["latitude"], abs=1e-5)
    expect(mother.locator(".reference")).to_have_text(missing.reference)
    expect(mother.locator("[data-state]")).to_have_text("Estamos buscando")
    status_url = mother.locator("a.status-link").get_attribute("href")
    assert status_url and missing.status_token in status_url
    shot(mother, "story01-02-guardian-status-searching-es")
    screen(mother, "readme-status-searching-es")

    # 2. The trooper has the boy by the store doors and files a found report on his phone.
    trooper_context = new_context(permissions=["geolocation"], geolocation=NEAR_THE_DOORS)
    trooper = trooper_context.new_page()
    staff_login(trooper, officer)
    # Officers land on their own list; the nav offers "I found a child" on every page.
    trooper.get_by_role("navigation", name="Main").get_by_role(
        "link", name="I found a child"
    ).click()
    expect(trooper.locator("[data-autolocate]")).to_have_text("Location: captured ✓")
    trooper.get_by_label("Where is the child being kept safe now?").fill(SAFE_LOCATION)
    trooper.get_by_label("What the child says their name is").fill("Darius")
    trooper.get_by_label("Age from").fill("6")
    trooper.get_by_label("Age to").fill("8")
    trooper.get_by_label("Boy").check()
    trooper.get_by_label("Clothing").fill("red t-shirt, jeans, white sneakers")
    trooper.get_by_label("Carrying").fill("holding my badge")
    trooper.get_by_label("English").check()
    trooper.get_by_role("button", name="File the report").first.click()
    filed = trooper.get_by_role("status").filter(has_text=" filed.")
    expect(filed).to_have_count(1)
    found = Report.objects.get(kind=Report.Kind.FOUND)
    shot(trooper, "story01-03-trooper-filed")

    # 3. The coordinator sees the proposed match on the board and confirms it.
    coord = new_context().new_page()
    staff_login(coord, coordinator)
    coord.get_by_role("navigation").get_by_role("link", name="Board").click()
    candidate = wait_for_candidate(missing, found)  # the match worker writes it
    row = coord.locator(f"#cand-{missing.pk}-{candidate.pk}")
    expect(row).to_contain_text("likely match")
    shot(coord, "story01-04-board-match")
    # Confirm opens the review: both reports side by side, the reasons, and one more question.
    coord.locator(f"#review-{missing.pk}-{candidate.pk}").click()
    expect(coord.locator(".reasons")).to_contain_text("Darius")
    coord.get_by_role("button", name="Confirm: this is the same child").click()
    expect(coord.get_by_role("status").first).to_contain_text("Match confirmed")
    expect(row).to_contain_text("Confirmed — awaiting hand-off")
    shot(coord, "story01-05-board-confirmed")

    # The mother's text is in Spanish, and says nothing of where her son is.
    # (Her first text, on filing, carried her status link.)
    texts = [m for m in sms.outbox if m.to == MOTHER_PHONE_E164]
    assert len(texts) == 2 and missing.status_token in texts[0].body, sms.outbox
    body = texts[1].body
    assert missing.reference in body and "le llamará" in body
    for secret in ("FreshMart", "cruiser", "34.07", "-118.29", officer.first_name, "badge"):
        assert secret not in body, f"the guardian's SMS leaks {secret!r}: {body}"

    mother.goto(status_url)
    expect(mother.locator("html")).to_have_attribute("lang", "es")
    expect(mother.locator("[data-state]")).to_have_text("Un coordinador le llamará")
    shot(mother, "story01-06-guardian-status-call-es")

    # 4. The trooper follows his in-app notice to the hand-off and completes the checklist.
    trooper.get_by_role("navigation").get_by_role("link", name=re.compile("Notices")).click()
    notice = re.compile("Match confirmed for the child you are with")
    trooper.get_by_role("link", name=notice).click()
    expect(trooper.get_by_role("heading", level=1)).to_contain_text("Hand-off")
    expect(trooper.get_by_text("Dana Brooks").first).to_be_visible()
    trooper.get_by_label("I checked the adult's photo identity document").check()
    trooper.get_by_label("Type of document").select_option(label="State ID card")
    trooper.get_by_label("Last four characters of the document number").fill("8812")
    trooper.get_by_label("The child recognises the adult").check()
    trooper.get_by_role("button", name="Save checklist").click()
    # Part of the checklist is saved; the child stays until every step is done.
    expect(trooper.get_by_role("status").first).to_contain_text("The child stays with you")
    found.refresh_from_db()
    assert found.status == Report.Status.MATCHED
    trooper.get_by_label("The adult described something only a guardian would know").check()
    trooper.get_by_label("What did they describe?").fill("his little sister's name")
    trooper.locator('input[name="collector"][value="reporter"]').check()
    trooper.get_by_role("button", name="Save checklist").click()
    expect(trooper.get_by_text("Reunited — reports closed")).to_be_visible()
    shot(trooper, "story01-07-handoff-reunited")
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.status == missing.status == Report.Status.REUNITED

    # 5. Her status link now says so, in Spanish.
    mother.goto(status_url)
    expect(mother.locator("[data-state]")).to_have_attribute("data-state", "reunited")
    expect(mother.locator("[data-state]")).to_have_text("Reunidos")
    text = mother.locator("body").inner_text()
    for secret in ("Darius", "FreshMart entrance", "cruiser", officer.first_name):
        assert secret not in text, f"the status page shows {secret!r}"
    shot(mother, "story01-08-guardian-status-reunited-es")
    screen(mother, "readme-status-reunited-es")


def test_it_lets_the_mother_call_off_the_search_from_her_status_page(
    page: Page, live_server: Any, shot: Any, agency: Any
) -> None:
    """She spots him herself before anyone else does: "found him by the carts"."""
    page.goto(f"{live_server.url}/missing/")
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Nombre del niño o la niña").fill("Darius")
    page.get_by_label("Edad (años)").fill("7")
    page.get_by_label("Niño", exact=True).check()
    page.get_by_label("¿Dónde vio a su hijo o hija por última vez?").fill("FreshMart")
    page.get_by_label("Su nombre").fill("Dana Brooks")
    page.get_by_label("Su teléfono").fill(MOTHER_PHONE)
    page.locator('select[name="reporter_relationship"]').select_option("mother")
    page.locator('input[name="reporter_has_custody"][value="yes"]').check()
    page.get_by_role("button", name="Enviar el reporte").click()
    expect(page.locator("[data-state]")).to_have_text("Estamos buscando")

    # Her own page's forms work in a real browser (its strict referrer policy once made
    # browsers send `Origin: null`, which the CSRF check refused).
    page.get_by_label("Idioma", exact=True).select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Why is this report no longer needed?").fill("Found him by the carts.")
    page.get_by_role("button", name="My child is safe — cancel the report").click()
    expect(page.get_by_role("status").first).to_contain_text("Your report is cancelled")
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "no_report_needed")
    report = Report.objects.get(kind=Report.Kind.MISSING)
    assert (report.status, report.outcome) == (Report.Status.CLOSED, "no_report_needed")
    assert report.cancel_reason == "Found him by the carts."
    shot(page, "story01-09-guardian-cancelled")
