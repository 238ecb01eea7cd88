"""The load test's own parts, against the real forms and database (seconds, not minutes):

    .venv/bin/python -m pytest bench/loadtest -q -p no:cacheprovider

- the locust users fill the create forms exactly as they read them from the page, so a form
  change that would make every load submission a 400 fails here first;
- the seed step's sessions open the staff pages through every login middleware (allauth,
  axes, MFA required for coordinators, idle timeout);
- the exactly-once check reports lost, duplicated and misdirected reports.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

# bench/loadtest/ is on sys.path (pytest inserts the test file's folder)
import check
import pytest
import seed
from django.conf import settings
from django.test import Client
from django.utils import timezone
from loadgen import fill, found_form_fields, missing_form_fields, multipart, random_child, read_form

from showup.core.models import Agency, IdempotencyKey, Role, User
from showup.reunite import services
from showup.reunite.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency() -> Agency:
    return Agency.objects.create(name="Load Test PD", slug="loadtest", phone="+12135550100")


def _staff(agency: Agency, username: str, role: str) -> User:
    return User.objects.create_user(username, password="x" * 20, agency=agency, role=role)


def _session_client(user: User, *, mfa: bool = False) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = seed._session_for(user, mfa=mfa)
    return client


def _send(client: Client, path: str, typed: dict, tag: str) -> tuple[object, list]:
    page = client.get(path)
    assert page.status_code == 200
    form = read_form(page.content.decode())
    assert form.found, "the page has no form marked data-submit-once"
    fields = fill(form, {**typed, "description": f"{tag} (load test)"})
    assert dict(fields)["idempotency_key"], "the hidden idempotency key was not read"
    body, content_type = multipart(fields, [(name, "", b"") for name in form.files])
    return client.post(path, data=body, content_type=content_type), fields


def test_guardian_form_as_the_load_sends_it_files_one_report(agency: Agency) -> None:
    client = Client()
    tag = "load:test:" + "a" * 32
    answer, _fields = _send(client, "/missing/", missing_form_fields(random.Random(1)), tag)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert re.fullmatch(r"/status/[^/]+/", answer["Location"])
    report = Report.objects.get(description__startswith=tag)
    assert report.kind == Report.Kind.MISSING
    assert answer["Location"].endswith(f"/{report.status_token}/")


def test_double_tap_of_the_guardian_form_gives_the_same_report(agency: Agency) -> None:
    client = Client()
    tag = "load:test:" + "b" * 32
    first, fields = _send(client, "/missing/", missing_form_fields(random.Random(2)), tag)
    body, content_type = multipart(fields, [("photo", "", b"")])
    second = client.post("/missing/", data=body, content_type=content_type)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Report.objects.filter(description__startswith=tag).count() == 1


def test_seeded_officer_session_files_the_found_form(agency: Agency) -> None:
    officer = _staff(agency, "load-officer-001", Role.OFFICER)
    client = _session_client(officer)
    tag = "load:test:" + "c" * 32
    answer, _fields = _send(client, "/staff/found/new/", found_form_fields(random.Random(3)), tag)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    report = Report.objects.get(description__startswith=tag)
    assert answer["Location"] == f"/staff/reports/{report.pk}/"
    assert report.filed_by == officer


def test_seeded_coordinator_session_opens_the_board_past_the_mfa_check(agency: Agency) -> None:
    coordinator = _staff(agency, "load-coordinator-001", Role.COORDINATOR)
    assert seed._activate_totp(coordinator)
    client = _session_client(coordinator, mfa=True)
    assert client.get("/staff/board/").status_code == 200
    assert client.get("/staff/board/live/?v=0").status_code in (200, 204)


def test_seeded_api_session_creates_with_an_idempotency_key(agency: Agency) -> None:
    officer = _staff(agency, "load-officer-002", Role.OFFICER)
    client = _session_client(officer)
    payload = random_child(random.Random(4), kind="found")
    payload.update(kind="found", seen_at=timezone.now().isoformat())
    headers = {"Idempotency-Key": "k-1"}
    first = client.post("/api/reunite/reports", payload, "application/json", headers=headers)
    again = client.post("/api/reunite/reports", payload, "application/json", headers=headers)
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


def _ledger(path: Path, entries: list[dict]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def test_exactly_once_check_finds_lost_duplicated_and_misdirected(
    agency: Agency, tmp_path: Path
) -> None:
    officer = _staff(agency, "load-officer-003", Role.OFFICER)
    rng = random.Random(5)

    def filed(tag: str) -> Report:
        data = random_child(rng, kind="found")
        data.update(seen_at=timezone.now())
        data["description"] = f"{tag} (load test)"
        return services.report_create(agency=agency, kind="found", data=data, filed_by=officer)

    tags = {name: f"load:run1:{name * 32}" for name in "abcde"}
    good, dup1, _dup2, other = (
        filed(tags["a"]),
        filed(tags["c"]),
        filed(tags["c"]),
        filed(tags["d"]),
    )
    misdirected_target = filed(tags["e"])
    for key, report in (("ka", good), ("kc", dup1), ("kd", other), ("ke", misdirected_target)):
        IdempotencyKey.objects.create(
            scope=f"user:{officer.pk}", key=key, fingerprint="f", status_code=201,
            object_id=str(report.pk),
        )  # fmt: skip

    def entry(tag: str, key: str, report_id: int | None) -> dict:
        return {"flow": "api", "marker": tag, "key": key, "accepted": True, "report_id": report_id}

    ledger = _ledger(
        tmp_path / "ledger.jsonl",
        [
            entry(tags["a"], "ka", good.pk),  # fine
            entry(tags["b"], "kb", 999_999),  # accepted, never stored: lost
            entry(tags["c"], "kc", dup1.pk),  # stored twice: duplicated
            entry(tags["e"], "ke", other.pk),  # answered with another report: misdirected
        ],
    )
    result = check.check(ledger, "run1")
    assert result["accepted"] == 4
    assert result["lost"] == [tags["b"]]
    assert result["duplicated"] == [tags["c"]]
    assert result["misdirected"] == [tags["e"]]
    assert result["untracked_reports"] == 1  # the report tagged "d" is in no ledger entry
