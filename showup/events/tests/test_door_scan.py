"""The door's camera check-in endpoint (events:door_scan, used by static/js/door-scanner.js):
a QR code's text with a scan id and time made on the phone, answered in JSON."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.events import services
from showup.events.models import CheckIn
from showup.events.tests.factories import make_event, register

pytestmark = pytest.mark.django_db
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor" / "barcode-detector"


def scan(client: Any, event: Any, payload: str, scan_id: str = "cam-1", **extra: Any) -> Any:
    body = {
        "payload": payload,
        "scan_id": scan_id,
        "scanned_at": timezone.now().isoformat(),
        **extra,
    }
    return client.post(
        reverse("events:door_scan", args=[event.pk]),
        json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def door(agency: Any, coordinator: Any) -> dict[str, Any]:
    event = make_event(agency, coordinator)
    family = register(event, adults=1, children=2, names=["Mateo", "Sofía"])
    return {"event": event, "family": family, "code": services.qr_payload(family)}


def test_a_valid_code_checks_the_family_in_once(client: Any, officer: Any, door: Any) -> None:
    client.force_login(officer)
    scanned_at = (timezone.now() - timedelta(minutes=3)).replace(microsecond=0)
    response = scan(client, door["event"], door["code"], scanned_at=scanned_at.isoformat())
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "checked_in" and data["scan_id"] == "cam-1"
    assert data["reference"] == door["family"].reference
    assert data["children_checked_in"] == 2
    children = {c.first_name: c for c in door["family"].children.all()}
    assert {c["first_name"] for c in data["children"]} == {"Mateo", "Sofía"}
    assert {c["badge_url"] for c in data["children"]} == {
        reverse("events:badge", args=[c.pk]) for c in children.values()
    }
    assert children["Mateo"].checked_in_at == scanned_at  # the phone's time, not the arrival
    checkin = CheckIn.objects.get()
    assert checkin.registration == door["family"] and checkin.by == officer
    assert AuditEntry.objects.filter(action="events.checkin.recorded").count() == 1


def test_a_scan_sent_twice_counts_once(client: Any, officer: Any, door: Any) -> None:
    client.force_login(officer)
    assert scan(client, door["event"], door["code"], "cam-twice").status_code == 201
    again = scan(client, door["event"], door["code"], "cam-twice")
    assert again.status_code == 200
    assert again.json()["status"] == "already"
    assert again.json()["children_checked_in"] == 2
    assert CheckIn.objects.count() == 1
    assert AuditEntry.objects.filter(action="events.checkin.recorded").count() == 1
    listed = AuditEntry.objects.filter(action="events.registration.listed").latest("pk")
    assert listed.data["where"] == "events.door_scan" and "Mateo" not in str(listed.data)


def test_a_second_phone_at_another_door_is_told_the_family_is_in(
    client: Any, officer: Any, officer2: Any, door: Any
) -> None:
    client.force_login(officer)
    assert scan(client, door["event"], door["code"], "cam-front").status_code == 201
    client.force_login(officer2)
    other = scan(client, door["event"], door["code"], "cam-side")
    assert other.status_code == 200
    assert other.json()["status"] == "already" and other.json()["children_checked_in"] == 2
    assert CheckIn.objects.count() == 1
    assert AuditEntry.objects.filter(action="events.checkin.recorded").count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),  # signature altered
        lambda code: "9999:" + code.split(":", 1)[1],  # another id, the same signature
        lambda code: "https://example.org/not-ours",
    ],
)
def test_a_forged_code_is_refused(client: Any, officer: Any, door: Any, forge: Any) -> None:
    client.force_login(officer)
    response = scan(client, door["event"], forge(door["code"]))
    assert response.status_code == 422
    assert response.json()["code"] == "bad_qr" and response.json()["status"] == "error"
    assert CheckIn.objects.count() == 0
    assert door["family"].children.filter(checked_in_at__isnull=False).count() == 0


def test_another_events_code_is_refused(
    client: Any, officer: Any, coordinator: Any, agency: Any, door: Any
) -> None:
    other = make_event(agency, coordinator, title="Open house")
    theirs = register(other, children=1)
    client.force_login(officer)
    response = scan(client, door["event"], services.qr_payload(theirs))
    assert response.status_code == 409 and response.json()["code"] == "wrong_event"
    assert CheckIn.objects.count() == 0 and theirs.children.get().checked_in_at is None


def test_a_waitlisted_family_is_not_confirmed(
    client: Any, officer: Any, coordinator: Any, agency: Any
) -> None:
    event = make_event(agency, coordinator, capacity=2)
    register(event, adults=1, children=1)
    waiting = register(event, adults=1, children=1)
    client.force_login(officer)
    response = scan(client, event, services.qr_payload(waiting))
    assert response.status_code == 409 and response.json()["code"] == "not_confirmed"
    assert CheckIn.objects.count() == 0


def test_bad_input_is_refused_with_a_code(client: Any, officer: Any, door: Any) -> None:
    client.force_login(officer)
    url = reverse("events:door_scan", args=[door["event"].pk])
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert client.post(url, "[1]", content_type="application/json").status_code == 400
    too_late = (timezone.now() + timedelta(hours=2)).isoformat()
    no_offset = timezone.now().replace(tzinfo=None).isoformat()
    for extra, code in [
        ({"scanned_at": too_late}, "bad_time"),
        ({"scanned_at": no_offset}, "bad_time"),
        ({"scanned_at": "0001-01-01T00:00:00+00:00"}, "bad_time"),
        ({"scan_id": "x" * 65}, "bad_scan_id"),
        ({"scan_id": "cam\u202e1"}, "bad_scan_id"),
        ({"payload": ""}, "bad_qr"),
    ]:
        body = {"payload": door["code"], "scan_id": "cam-bad", **extra}
        body.setdefault("scanned_at", timezone.now().isoformat())
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 422, extra
        assert response.json()["code"] == code, extra
    assert client.get(url).status_code == 405
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status", "code"),
    [
        ("anonymous", 401, "login"),
        ("partner", 403, "forbidden"),
        ("outsider", 404, "not_found"),
        ("coordinator", 201, None),
        ("officer", 201, None),
    ],
)
def test_staff_of_the_events_agency_only(
    client: Any, door: Any, role: str, status: int, code: str | None, request: Any
) -> None:
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = scan(client, door["event"], door["code"])
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    if code:
        assert response.json() == {
            "status": "error",
            "code": code,
            "message": response.json()["message"],
        }
        assert "Mateo" not in response.content.decode() and CheckIn.objects.count() == 0
    else:
        assert CheckIn.objects.count() == 1


def test_csrf_is_kept(officer: Any, door: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert scan(client, door["event"], door["code"]).status_code == 403
    assert CheckIn.objects.count() == 0
    client.get(reverse("events:door", args=[door["event"].pk]))  # sets the csrftoken cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("events:door_scan", args=[door["event"].pk]),
        json.dumps(
            {
                "payload": door["code"],
                "scan_id": "cam-csrf",
                "scanned_at": timezone.now().isoformat(),
            }
        ),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201 and CheckIn.objects.count() == 1


def test_the_door_page_offers_the_scanner_with_showups_own_decoder(
    client: Any, officer: Any, door: Any
) -> None:
    client.force_login(officer)
    response = client.get(reverse("events:door", args=[door["event"].pk]))
    body = response.content.decode()
    assert "data-door-scanner" in body and "Scan a code" in body
    assert f'data-scan-url="{reverse("events:door_scan", args=[door["event"].pk])}"' in body
    assert 'data-wasm-url="/static/vendor/barcode-detector/zxing_reader.wasm"' in body
    assert 'src="/static/js/door-scanner.js"' in body
    assert "jsdelivr" not in body and "unpkg" not in body
    # WebAssembly may be compiled; JavaScript may still not be eval()'d or inlined.
    policy = response["Content-Security-Policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script_src.split()[1:] == ["'self'", "'wasm-unsafe-eval'"]


def test_the_vendored_decoder_is_the_packages_reader() -> None:
    wasm = (VENDOR / "zxing_reader.wasm").read_bytes()
    assert wasm[:4] == b"\0asm"
    digest = hashlib.sha256(wasm).hexdigest()
    assert digest in (VENDOR / "ponyfill.js").read_text()  # the package's ZXING_WASM_SHA256
    assert digest in (VENDOR / "README.md").read_text()
    for licence in ("LICENSE-barcode-detector.txt", "LICENSE-zxing-wasm.txt"):
        assert "MIT License" in (VENDOR / licence).read_text()
    assert "Apache License" in (VENDOR / "LICENSE-zxing-cpp-Apache-2.0.txt").read_text()
    scanner = (Path(settings.BASE_DIR) / "static" / "js" / "door-scanner.js").read_text()
    assert "prepareZXingModule" in scanner and "locateFile" in scanner
