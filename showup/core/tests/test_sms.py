"""The SMS interface: number normalisation, the console and locmem backends, and the Twilio
adapter against a local fake of Twilio's HTTP API (a real server on 127.0.0.1, no mocks)."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from showup.core import sms
from showup.core.sms import SmsError, normalise_phone, send_sms

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "secret-auth-token"
FROM = "+15005550006"


class FakeTwilio(BaseHTTPRequestHandler):
    """Answers like Twilio's Messages API: 201 with a sid, or 400 for a bad number."""

    requests: list[dict[str, Any]]
    mode: str

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.server.requests.append(  # type: ignore[attr-defined]
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "form": form,
                "content_type": self.headers.get("Content-Type"),
            }
        )
        expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        mode = self.server.mode  # type: ignore[attr-defined]
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            self._reply(404, {"code": 20404, "message": "The requested resource was not found"})
        elif self.headers.get("Authorization") != expected_auth:
            self._reply(401, {"code": 20003, "message": "Authenticate"})
        elif mode == "broken":
            self._reply(500, None, raw=b"<html>Internal error</html>")
        elif form.get("To") == "+15005550001" or set(form) != {"To", "From", "Body"}:
            self._reply(
                400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}
            )
        else:
            self._reply(
                201,
                {
                    "sid": "SM" + "f" * 32,
                    "status": "queued",
                    "to": form["To"],
                    "from": form["From"],
                    "body": form["Body"],
                },
            )

    def _reply(self, status: int, payload: Any, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if raw is None else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def twilio(settings: Any) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    server.requests = []  # type: ignore[attr-defined]
    server.mode = "ok"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _empty_outbox() -> None:
    sms.outbox.clear()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(555) 201-3344", "+15552013344"),
        ("555.201.3344", "+15552013344"),
        ("1 555 201 3344", "+15552013344"),
        ("+52 55 1234 5678", "+525512345678"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1-555-201-3344", "+15552013344"),
    ],
)
def test_it_normalises_numbers_to_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "call me",
        "555-2013",
        "+1 555 CALL NOW",
        "12345678901234567",
        "+0123456789",
        "0555201334",
    ],
)
def test_it_refuses_nonsense_numbers(raw: str) -> None:
    with pytest.raises(SmsError):
        normalise_phone(raw)


def test_it_collects_messages_in_the_locmem_outbox(settings: Any) -> None:
    settings.SMS_BACKEND = "locmem"
    message_id = send_sms("555 201 3344", "Hello")
    assert sms.outbox == [sms.SmsMessage(to="+15552013344", body="Hello", message_id=message_id)]


def test_it_prints_with_the_console_backend(settings: Any, capsys: Any) -> None:
    settings.SMS_BACKEND = "console"
    message_id = send_sms("+15552013344", "Your child may have been found")
    out = capsys.readouterr().out
    assert message_id.startswith("console-")
    assert "+15552013344" in out and "Your child may have been found" in out
    assert sms.outbox == []


def test_it_refuses_an_unknown_backend_and_an_empty_body(settings: Any) -> None:
    settings.SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(SmsError, match="unknown SMS_BACKEND"):
        send_sms("+15552013344", "Hello")
    settings.SMS_BACKEND = "locmem"
    with pytest.raises(SmsError, match="empty"):
        send_sms("+15552013344", "  ")


def test_it_sends_through_twilio(twilio: Any) -> None:
    message_id = send_sms("(555) 201-3344", "Hola, ¿todo bien? 👋")
    assert message_id == "SM" + "f" * 32
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["content_type"].startswith("application/x-www-form-urlencoded")
    assert request["form"] == {"To": "+15552013344", "From": FROM, "Body": "Hola, ¿todo bien? 👋"}


def test_it_reports_twilios_refusal_with_its_message(twilio: Any) -> None:
    with pytest.raises(SmsError) as caught:
        send_sms("+15005550001", "Hello")
    text = str(caught.value)
    assert "HTTP 400" in text and "21211" in text
    assert "The 'To' number is not a valid phone number." in text
    assert len(twilio.requests) == 1


def test_it_reports_wrong_credentials(twilio: Any, settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(SmsError, match=r"HTTP 401.*Authenticate"):
        send_sms("+15552013344", "Hello")


def test_it_reports_a_provider_error_page(twilio: Any) -> None:
    twilio.mode = "broken"
    with pytest.raises(SmsError, match="HTTP 500"):
        send_sms("+15552013344", "Hello")


def test_it_reports_an_unreachable_provider(settings: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{port}"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = SID, TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    with pytest.raises(SmsError, match="could not be reached"):
        send_sms("+15552013344", "Hello")


def test_it_refuses_to_call_twilio_unconfigured(settings: Any) -> None:
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(SmsError, match="not configured"):
        send_sms("+15552013344", "Hello")
