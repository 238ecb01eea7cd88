"""Browser tests: real Chromium (Debian's package) driven by Playwright against live_server."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = os.environ.get("SHOWUP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def offline_maps(context: Any) -> None:
    """Keep browser tests hermetic: map tiles would come from the internet (the map stays
    grey, which the guardian's form is built to survive)."""
    context.route(re.compile(r"^https?://[^/]*tile\.openstreetmap\.org/"), lambda r: r.abort())


def screen(page: Page, name: str, top: Locator | None = None) -> Path:
    """A viewport-only phone screenshot (small enough for the README's tour), scrolled to the
    top of the page or to put `top` at the top of the screen, with no focus ring showing."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    if top is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        top.evaluate("el => el.scrollIntoView({block: 'start'})")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-US",
        "timezone_id": "America/Los_Angeles",
    }


@pytest.fixture
def shot() -> Any:
    """Save a phone-size screenshot as a test artifact (kept in test-artifacts/screenshots)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page: Any, base_url: str, user: Any) -> None:
    """Log in through the real form, as a person would: username and password, then, for a
    role that needs a second factor, the authenticator code (computed from the test secret)."""
    from conftest import PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # A code typed as its 30-second window closes is refused (allauth allows no tolerance):
    # then the page asks again and a person types the next code, as this does once.
    for attempt in range(2):
        if "/accounts/2fa/authenticate/" not in page.url:
            return
        page.get_by_label("Code").fill(fresh_totp_code(user))
        page.get_by_role("button", name="Sign In").click()
        try:
            page.wait_for_url(
                lambda url: "/accounts/2fa/authenticate/" not in url,
                timeout=10_000 if attempt == 0 else 30_000,
            )
        except PlaywrightTimeoutError:
            if attempt == 1:
                raise


def fresh_totp_code(user: Any, secret: str | None = None) -> str:
    """The user's current TOTP code, usable again: allauth refuses a code already used in its
    window, and one test may log the same person in twice within 30 seconds."""
    from django.core.cache import cache

    from conftest import TOTP_SECRET
    from showup.core.accounts import totp_code

    code = totp_code(secret or TOTP_SECRET)
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return code


@pytest.fixture
def staff_login(live_server: Any) -> Any:
    def do(page: Any, user: Any) -> None:
        # Each role lands on its own start page (core.views.role_home), not on "/".
        log_in(page, live_server.url, user)

    return do
