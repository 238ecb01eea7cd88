"""Text messages to guardians, through a small backend interface.

`send_sms(to, body, region=...)` reads the number with `showup.core.phones.parse_phone` (the
same reading the forms and the API use, so any number they accept can be texted), and hands
the E.164 form to the backend named by settings.SMS_BACKEND:

- "console": prints the message (the demo), like Django's console email backend;
- "locmem": appends to `outbox` (tests), like django.core.mail.outbox;
- "twilio": Twilio's Messages API over HTTPS (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
  TWILIO_FROM_NUMBER; TWILIO_API_BASE points tests at a local fake of the provider).

Every failure is an SmsError with a message an operator can act on; callers decide whether it
matters (notifications log and audit it, and never let it undo a state change).
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass

import httpx
from django.conf import settings

from showup.core.phones import DEFAULT_REGION, PhoneNumberError, parse_phone

TWILIO_TIMEOUT_SECONDS = 10.0


class SmsError(Exception):
    """A message could not be sent (bad number, provider refused, provider unreachable)."""


@dataclass(frozen=True, slots=True)
class SmsMessage:
    to: str
    body: str
    message_id: str


# The locmem backend's sent messages; tests empty it (django's mail.outbox does the same).
outbox: list[SmsMessage] = []


def normalise_phone(raw: str, region: str | None = DEFAULT_REGION) -> str:
    """Return the number in E.164, read as `parse_phone` reads it (a number without a country
    code belongs to `region`, the agency's phone region). Anything else is an SmsError."""
    try:
        return parse_phone(raw, region)
    except PhoneNumberError as exc:
        raise SmsError(f"not a phone number that can be texted ({exc.code})") from exc


def send_sms(to: str, body: str, *, region: str | None = DEFAULT_REGION) -> str:
    """Send one text message and return the backend's message id. `region` reads a number
    stored without its country code (pass the agency's `phone_region`)."""
    number = normalise_phone(to, region)
    if not body.strip():
        raise SmsError("refusing to send an empty message")
    backend = settings.SMS_BACKEND
    if backend == "console":
        return _send_console(number, body)
    if backend == "locmem":
        return _send_locmem(number, body)
    if backend == "twilio":
        return _send_twilio(number, body)
    raise SmsError(f"unknown SMS_BACKEND {backend!r} (use console, locmem or twilio)")


def _send_console(number: str, body: str) -> str:
    message_id = f"console-{secrets.token_hex(8)}"
    sys.stdout.write(f"--- SMS {message_id} to {number} ---\n{body}\n---\n")
    sys.stdout.flush()
    return message_id


def _send_locmem(number: str, body: str) -> str:
    message_id = f"locmem-{len(outbox) + 1}"
    outbox.append(SmsMessage(to=number, body=body, message_id=message_id))
    return message_id


def _send_twilio(number: str, body: str) -> str:
    sid = settings.TWILIO_ACCOUNT_SID
    token = settings.TWILIO_AUTH_TOKEN
    sender = settings.TWILIO_FROM_NUMBER
    if not (sid and token and sender):
        raise SmsError(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
            "TWILIO_FROM_NUMBER"
        )
    url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    try:
        response = httpx.post(
            url,
            data={"To": number, "From": sender, "Body": body},
            auth=(sid, token),
            timeout=TWILIO_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise SmsError(f"Twilio could not be reached: {exc.__class__.__name__}") from exc
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if response.status_code >= 400:
        message = payload.get("message") or response.reason_phrase
        code = payload.get("code")
        detail = f" (error {code})" if code else ""
        raise SmsError(
            f"Twilio refused the message, HTTP {response.status_code}{detail}: {message}"
        )
    message_id = payload.get("sid")
    if not isinstance(message_id, str) or not message_id:
        raise SmsError(f"Twilio answered HTTP {response.status_code} without a message sid")
    return message_id
