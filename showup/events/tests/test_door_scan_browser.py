"""Checking a family in at the door with the phone's camera, in real Chromium.

Chromium's fake camera is fed with the QR code of a real registration (the PNG the family's
confirmation page shows, events:qr), turned into a YUV4MPEG2 video. Chromium on Linux has no
built-in BarcodeDetector, so this runs the vendored decoder (ZXing-C++ in WebAssembly, served
by showup) under the real Content-Security-Policy.

The fake camera's file is a launch argument, and the suite's browser is launched once per
session (showup/e2e/conftest.py), so each test here launches its own browser: the others are
unaffected.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, expect

from showup.e2e.conftest import CHROMIUM, PHONE, log_in
from showup.events.models import CheckIn, Registration
from showup.events.tests.factories import make_event, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRAME = (640, 480)


def qr_png(registration: Registration, user: Any) -> bytes:
    """The QR code exactly as the family's page serves it."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("events:qr", args=[registration.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return b"".join(response.streaming_content) if response.streaming else response.content


def y4m_from_png(png: bytes, path: Path, frames: int = 5) -> Path:
    """A few identical frames of the code centred on white, as Chromium's fake camera reads
    them: `YUV4MPEG2 W H F10:1 Ip A1:1 C420jpeg`, then per frame `FRAME\\n`, the Y plane and
    the U and V planes at half size."""
    width, height = FRAME
    code = Image.open(io.BytesIO(png)).convert("L")
    side = min(width, height) - 80
    code = code.resize((side, side), Image.Resampling.NEAREST)
    canvas = Image.new("L", FRAME, 255)
    canvas.paste(code, ((width - side) // 2, (height - side) // 2))
    y, u, v = canvas.convert("RGB").convert("YCbCr").split()
    half = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path


@pytest.fixture
def camera_browser(playwright: Playwright) -> Iterator[Any]:
    """Launch Chromium whose camera shows the given .y4m; closed after the test."""
    launched: list[Browser] = []

    def launch(video: Path) -> Browser:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


def door_page(browser: Browser, base_url: str, officer: Any, event: Any) -> tuple[Any, Page]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id="America/Los_Angeles",
        permissions=["camera"],
    )
    context.grant_permissions(["camera"], origin=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.errors = errors  # type: ignore[attr-defined]
    log_in(page, base_url, officer)
    page.goto(base_url + reverse("events:door", args=[event.pk]))
    expect(page.get_by_role("heading", name="Scan the family’s code")).to_be_visible()
    # The decoder (WebAssembly from showup's static files) is compiled while online.
    expect(page.locator("[data-door-scanner][data-decoder=ready]")).to_have_count(1, timeout=45_000)
    return context, page


def test_scanning_the_confirmation_code_checks_the_family_in_once(
    live_server: Any,
    camera_browser: Any,
    tmp_path: Path,
    agency: Any,
    coordinator: Any,
    officer: Any,
) -> None:
    event = make_event(agency, coordinator)
    family = register(event, adults=1, children=2, names=["Darius", "Maya"])
    register(event, adults=2, children=1, names=["Leo"])  # someone else, never checked in
    video = y4m_from_png(qr_png(family, officer), tmp_path / "code.y4m")
    wasm_requests: list[str] = []
    browser = camera_browser(video)
    context, page = door_page(browser, live_server.url, officer, event)
    page.on("request", lambda r: wasm_requests.append(r.url) if ".wasm" in r.url else None)

    status = page.locator("[data-scan-status]")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    page.get_by_role("button", name="Scan a code").click()
    expect(status).to_have_text(f"Checked in: {family.reference}, 2 children", timeout=45_000)
    assert CheckIn.objects.filter(registration=family).count() == 1
    assert CheckIn.objects.count() == 1
    assert family.children.filter(checked_in_at__isnull=False).count() == 2
    results = page.locator("[data-scan-results] li").first
    darius = results.get_by_role("button", name=re.compile(r"^Print badge\s*: Darius$"))
    expect(darius.locator("xpath=ancestor::form")).to_have_attribute(
        "action", reverse("events:badge", args=[family.children.get(first_name="Darius").pk])
    )
    expect(darius.locator("xpath=ancestor::form")).to_have_attribute("method", "post")
    expect(
        results.get_by_role("button", name=re.compile(r"^Print badge\s*: Maya$"))
    ).to_be_visible()

    # The same code again (the camera stopped and started): announced, not recorded again.
    page.get_by_role("button", name="Stop the camera").click()
    page.get_by_role("button", name="Scan a code").click()
    expect(page.locator("[data-scan-status]")).to_have_text(
        f"Already checked in: {family.reference}, 2 children", timeout=45_000
    )
    assert CheckIn.objects.count() == 1
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    assert all(url.startswith(live_server.url) for url in wasm_requests)  # never a CDN
    context.close()


def test_a_scan_made_offline_is_kept_and_sent_when_back_online(
    live_server: Any,
    camera_browser: Any,
    tmp_path: Path,
    agency: Any,
    coordinator: Any,
    officer: Any,
) -> None:
    event = make_event(agency, coordinator)
    family = register(event, adults=1, children=1, names=["Eli"])
    video = y4m_from_png(qr_png(family, officer), tmp_path / "code.y4m")
    browser = camera_browser(video)
    context, page = door_page(browser, live_server.url, officer, event)

    context.set_offline(True)
    page.get_by_role("button", name="Scan a code").click()
    expect(page.locator("[data-scan-status]")).to_contain_text("No connection", timeout=45_000)
    expect(page.locator("[data-scan-pending]")).to_have_text("1 scan waiting to be sent.")
    assert CheckIn.objects.count() == 0
    page.get_by_role("button", name="Stop the camera").click()

    context.set_offline(False)
    expect(page.locator("[data-scan-status]")).to_have_text(
        f"Checked in: {family.reference}, 1 child", timeout=45_000
    )
    expect(page.locator("[data-scan-pending]")).to_be_hidden()
    assert CheckIn.objects.filter(registration=family).count() == 1
    assert family.children.get().checked_in_at is not None
    # Opening the page again sends nothing twice.
    page.reload()
    expect(page.locator("[data-door-scanner][data-decoder=ready]")).to_have_count(1, timeout=45_000)
    page.wait_for_timeout(500)
    assert CheckIn.objects.count() == 1
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    context.close()
