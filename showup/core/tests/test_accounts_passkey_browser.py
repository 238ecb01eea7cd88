"""Passkeys in real Chromium, with its virtual authenticator (DevTools' WebAuthn domain): a
coordinator adds a passkey from the sign-in security page, logs out, and logs in again with the
passkey alone; and, after the password, the passkey answers the second-factor step.

WebAuthn needs a secure context whose host is a valid RP ID: the pages are opened on
http://localhost (which browsers and fido2 treat as secure), never on 127.0.0.1. The production
setting MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN stays off: the origin is really checked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from showup.e2e import conftest as e2e

browser_type_launch_args = e2e.browser_type_launch_args
browser_context_args = e2e.browser_context_args

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def base(live_server: Any, settings: Any) -> str:
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
    parts = urlsplit(live_server.url)
    return f"http://localhost:{parts.port}"


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    """A platform authenticator (fingerprint unlock) that always verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def watch_errors(page: Any) -> list[str]:
    """Script errors and CSP violations: a passkey button that silently does nothing shows up
    here, not as a timeout. (The browser's own favicon request may 404: not a page's error.)"""
    seen: list[str] = []

    def console(message: Any) -> None:
        where = (message.location or {}).get("url", "")
        if where.endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            seen.append(f"console: {message.text} ({where})")

    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    page.on("console", console)
    return seen


def signed_in_user_id(page: Any, base: str) -> int | None:
    """Whose session the browser holds, read from the server's session store."""
    cookie = next(
        (c for c in page.context.cookies(base) if c["name"] == "sessionid"),
        None,
    )
    if cookie is None:
        return None
    value = SessionStore(session_key=cookie["value"]).get("_auth_user_id")
    return int(value) if value is not None else None


def add_passkey(page: Any, base: str, user: Any) -> None:
    """From the start page: "Sign-in security", then Security keys' "Add" (confirming the
    password when allauth asks), named and passwordless."""
    page.get_by_role("link", name="Sign-in security").click()
    page.wait_for_url(f"{base}{reverse('mfa_index')}")
    page.get_by_role("link", name="Add", exact=True).click()
    if "/reauthenticate/" in page.url:
        # allauth asks to confirm access before adding a key (ACCOUNT_REAUTHENTICATION_TIMEOUT).
        from conftest import PASSWORD

        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{base}{reverse('mfa_add_webauthn')}")
    page.get_by_label("Name").fill("Work phone")
    page.get_by_label("Passwordless").check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: reverse("mfa_add_webauthn") not in url)


def log_out(page: Any, base: str) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}{reverse('home')}")


def test_a_coordinator_adds_a_passkey_then_logs_in_with_it_alone(
    page: Any, base: str, coordinator: Any
) -> None:
    errors = watch_errors(page)
    cdp, authenticator_id = virtual_authenticator(page)
    e2e.log_in(page, base, coordinator)
    assert signed_in_user_id(page, base) == coordinator.pk

    add_passkey(page, base, coordinator)
    passkey = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Work phone"
    assert passkey.wrap().is_passwordless is True
    # The credential lives on the (virtual) phone, resident, bound to this site's host.
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["isResidentCredential"] is True
    assert credentials["credentials"][0]["rpId"] == "localhost"

    log_out(page, base)
    assert signed_in_user_id(page, base) is None
    page.goto(f"{base}{reverse('login')}")
    page.get_by_role("button", name="Use a passkey instead").click()
    # No username, no password, no code: the passkey is both factors.
    page.wait_for_url(f"{base}{reverse('reunite:board')}")
    assert signed_in_user_id(page, base) == coordinator.pk
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert errors == []


def test_after_the_password_the_passkey_is_the_second_factor(
    page: Any, base: str, coordinator: Any
) -> None:
    from conftest import PASSWORD

    errors = watch_errors(page)
    virtual_authenticator(page)
    e2e.log_in(page, base, coordinator)
    add_passkey(page, base, coordinator)
    log_out(page, base)

    page.goto(f"{base}{reverse('login')}")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(f"{base}{reverse('mfa_authenticate')}")
    assert signed_in_user_id(page, base) is None  # the password alone opens nothing
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{base}{reverse('reunite:board')}")
    assert signed_in_user_id(page, base) == coordinator.pk
    assert errors == []
