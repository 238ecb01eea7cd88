"""Importing many reports: one service behind a command, an API endpoint and a web page; all
or nothing; every line checked like one report; hostile files answered, never a 500."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.reunite import imports, services
from showup.reunite.matching_service import board_version_of
from showup.reunite.models import Candidate, MatchOutbox, Report
from showup.reunite.tests.coord_helpers import fast_passwords  # noqa: F401 (autouse)

API = "/api/reunite/reports/import"
PAGE = reverse("reunite:import_reports")


def _when(minutes: int = 30) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).isoformat()


def missing_line(n: int = 0, **over: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": f"M-{n}",
        "kind": "missing",
        "given_name": ["Mateo", "Sofia", "Liam", "Aisha"][n % 4],
        "family_name": "Alvarez",
        "age_years": 4 + n % 10,
        "sex": "male",
        "clothing": "red t-shirt, blue shorts",
        "lat": 34.0522,
        "lon": -118.2437,
        "place": "Fairground gate",
        "time": _when(40),
        "guardian": {"name": "Lucia Alvarez", "phone": "+15550001111"},
        "reporter_relationship": "mother",
    }
    line.update(over)
    return line


def found_line(n: int = 0, **over: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "id": f"F-{n}",
        "kind": "found",
        "given_name": "Mateo",
        "age_min": 3,
        "age_max": 5,
        "sex": "male",
        "clothing": "red t-shirt, blue shorts",
        "lat": 34.0523,
        "lon": -118.2436,
        "place": "Main St",
        "time": _when(10),
        "safe_location": "Patrol car 12",
    }
    line.update(over)
    return line


def jsonl(*lines: Any) -> bytes:
    return "\n".join(json.dumps(x) if not isinstance(x, str) else x for x in lines).encode()


def _read(content: bytes, fmt: str = "jsonl") -> imports.ReadResult:
    return imports.read_file(content, fmt, region="US")


# --- reading --------------------------------------------------------------------------------


def test_it_reads_child_report_lines_and_csv_the_same_way() -> None:
    result = _read(jsonl(missing_line(0), "", found_line(1)))
    assert result.ok and [r.line for r in result.rows] == [1, 3]
    assert result.rows[0].data["seen_at"].tzinfo is not None
    assert result.rows[0].data["guardian_name"] == "Lucia Alvarez"
    assert result.rows[1].data["safe_location"] == "Patrol car 12"

    cells = missing_line(0)
    header = "kind,given_name,age_years,sex,lat,lon,time,guardian_name,guardian_phone,"
    header += "reporter_relationship,other_names,languages"
    row = f"missing,Mateo,4,male,34.05,-118.24,{cells['time']},Lucia,+15550001111,mother,"
    row += "Teo; Mat,es;en"
    result = _read(f"{header}\n{row}\n".encode(), "csv")
    assert result.ok, result.problems
    data = result.rows[0].data
    assert data["other_names"] == ["Teo", "Mat"] and data["languages"] == ["es", "en"]
    assert data["guardian_phone"] == "+15550001111"


@pytest.mark.parametrize(
    ("content", "fmt", "line", "field"),
    [
        (b"{not json", "jsonl", 1, ""),
        (b"[1, 2]", "jsonl", 1, ""),
        (b"\xff\xfe{}", "jsonl", 1, ""),
        (b'{"kind": "missing"}\x00', "jsonl", 0, ""),
        (b"[" * 100_000 + b"]" * 100_000, "jsonl", 1, ""),  # longer than a line may be
        (b"[" * 5_000 + b"]" * 5_000, "jsonl", 1, ""),  # deep nesting
        (b'{"age_years": ' + b"9" * 5_000 + b"}", "jsonl", 1, ""),  # an int too long
        (jsonl(missing_line(time="9999-12-31T23:59:59-05:00")), "jsonl", 1, "time"),
        (jsonl(missing_line(time="2026-06-01T10:00:00")), "jsonl", 1, "time"),
        (jsonl(missing_line(age_years="four")), "jsonl", 1, "age_years"),
        (jsonl(missing_line(lat=float("nan"))), "jsonl", 1, "lat"),
        (jsonl(missing_line(given_name="Ma\u0007teo")), "jsonl", 1, "given_name"),
        (jsonl(missing_line(given_name="Ma\u0000teo")), "jsonl", 1, "given_name"),
        (jsonl(missing_line(given_name="x" * 101)), "jsonl", 1, "given_name"),
        (jsonl(missing_line(guardian="Lucia")), "jsonl", 1, "guardian"),
        (jsonl(missing_line(favourite_colour="red")), "jsonl", 1, "favourite_colour"),
        (b"kind,shoe_size\nmissing,4\n", "csv", 1, ""),
        (b"given_name\nMateo\n", "csv", 1, ""),
        (b'kind,given_name\nmissing,"Mateo\n', "csv", 2, ""),
        (b"kind,given_name\nmissing,Mateo,extra\n", "csv", 2, ""),
        (b"", "jsonl", 0, ""),
    ],
)
def test_it_names_the_line_of_every_hostile_or_wrong_input(
    content: bytes, fmt: str, line: int, field: str
) -> None:
    result = _read(content, fmt)
    assert not result.ok and not result.rows
    assert result.problems[0].line == line
    assert result.problems[0].field == field
    assert result.problems[0].message


def test_it_refuses_files_too_large_or_too_long(monkeypatch: Any) -> None:
    big = b" " * (imports.MAX_FILE_BYTES + 1)
    assert "5 MB" in _read(big).problems[0].message
    monkeypatch.setattr(imports, "MAX_REPORTS", 2)
    result = _read(jsonl(missing_line(0), missing_line(1), missing_line(2)))
    assert not result.ok and result.problems[-1].line == 3


def test_it_lists_every_wrong_line_not_only_the_first() -> None:
    result = _read(jsonl(missing_line(0), "{", missing_line(2, sex="robot"), found_line(3)))
    assert [(p.line, p.field) for p in result.problems] == [(2, ""), (3, "sex")]


# --- the service ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_files_in_chunks_with_one_outbox_row_each_and_one_board_move(
    agency: Any, coordinator: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.SHOWUP_MATCHING = "worker"  # nothing drains: see what the request leaves
    monkeypatch.setattr(services, "IMPORT_CHUNK", 2)
    rows = _read(jsonl(*(missing_line(i) for i in range(5)))).rows
    before = board_version_of(agency.pk)
    entries = services.reports_import(
        agency=agency, rows=[(r.kind, r.data) for r in rows], filed_by=coordinator, source="api"
    )
    reports = list(Report.objects.filter(agency=agency))
    assert len(reports) == 5 and len({r.reference for r in reports}) == 5
    outbox = MatchOutbox.objects.filter(report__in=reports, done_at__isnull=True)
    assert outbox.count() == 5
    assert set(outbox.values_list("reason", flat=True)) == {MatchOutbox.Reason.IMPORTED}
    assert len(entries) == 3  # 2 + 2 + 1
    logged = AuditEntry.objects.filter(action="reunite.report.imported").order_by("pk")
    assert [e.data["missing"] for e in logged] == [2, 2, 1]
    assert "Alvarez" not in json.dumps([e.data for e in logged])  # codes and counts only
    assert board_version_of(agency.pk) == before + 1
    assert not Candidate.objects.exists()  # nothing matched in the request


@pytest.mark.django_db
def test_imported_reports_are_matched_by_the_service(agency: Any, coordinator: Any) -> None:
    """In the tests' inline mode the worker's own code drains the outbox after the import."""
    found = services.report_create(
        agency=agency,
        kind="found",
        data=_read(jsonl(found_line(0))).rows[0].data,
        filed_by=coordinator,
    )
    rows = _read(jsonl(missing_line(0))).rows
    services.reports_import(
        agency=agency, rows=[(r.kind, r.data) for r in rows], filed_by=coordinator, source="web"
    )
    assert Candidate.objects.filter(found=found, missing__given_name="Mateo").exists()
    assert not MatchOutbox.objects.filter(done_at__isnull=True).exists()


# --- the command ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_imports_a_file_or_nothing(agency: Any, tmp_path: Path) -> None:
    good = tmp_path / "reports.jsonl"
    good.write_bytes(jsonl(missing_line(0), found_line(1)))
    out = io.StringIO()
    call_command("import_reports", str(good), agency="county", stdout=out)
    assert "2 report(s)" in out.getvalue()
    assert Report.objects.filter(agency=agency).count() == 2

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(missing_line(2), missing_line(3, time="9999-01-01T00:00:00Z")))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_reports", str(bad), agency="county", stderr=err)
    assert exit_.value.code == 2
    assert "line 2: time:" in err.getvalue() and "Nothing was imported." in err.getvalue()
    assert Report.objects.filter(agency=agency).count() == 2


# --- the API --------------------------------------------------------------------------------


def _upload(
    client: Any, content: bytes, *, name: str = "r.jsonl", query: str = "", **kw: Any
) -> Any:
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(API + query, {"file": upload}, **kw)


@pytest.mark.django_db
def test_the_api_imports_for_the_coordinators_agency_once_per_key(
    login: Any, coordinator: Any, agency: Any
) -> None:
    client = login(coordinator)
    content = jsonl(missing_line(0), found_line(1))
    key: dict[str, Any] = {"headers": {"Idempotency-Key": "b1c2"}}
    response = _upload(client, content, **key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["imported"], body["missing"], body["found"]) == (2, 1, 1)
    assert body["matching"] == "pending"
    references = [r["reference"] for r in body["reports"]]
    assert set(references) == set(Report.objects.values_list("reference", flat=True))

    again = _upload(client, content, **key)
    assert again.status_code == 201 and again.json() == body
    assert Report.objects.count() == 2  # nothing filed twice
    other = _upload(client, jsonl(missing_line(5)), **key)
    assert other.status_code == 422
    assert other.json()["detail"][0]["type"] == "idempotency_key_reused"

    csv_body = b"kind,given_name,age_min,age_max,sex,lat,lon,time,safe_location\n"
    csv_body += f"found,Liam,6,8,male,34.1,-118.1,{_when(5)},Station\n".encode()
    answer = _upload(client, csv_body, name="r.csv", query="?format=csv")
    assert answer.status_code == 201 and answer.json()["found"] == 1


@pytest.mark.django_db
def test_the_api_lists_each_wrong_line_and_files_nothing(login: Any, coordinator: Any) -> None:
    client = login(coordinator)
    content = jsonl(missing_line(0), missing_line(1, age_years=99), "\u0000")
    response = _upload(client, content)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["file", 0]  # a NUL byte: the whole file is refused
    content = jsonl(missing_line(0), missing_line(1, age_years=99), "[]")
    detail = _upload(client, content).json()["detail"]
    assert [d["loc"] for d in detail] == [["file", 2, "age_years"], ["file", 3]]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_file_too_large(login: Any, coordinator: Any) -> None:
    response = _upload(login(coordinator), b"x" * (imports.MAX_FILE_BYTES + 1))
    assert response.status_code == 413
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "partner", "outsider"])
def test_the_api_refuses_everyone_but_coordinators_and_admins(
    request: Any, login: Any, who: str
) -> None:
    response = _upload(login(request.getfixturevalue(who)), jsonl(missing_line(0)))
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_the_public(client: Any) -> None:
    assert _upload(client, jsonl(missing_line(0))).status_code == 401
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_an_admin_imports_for_their_own_agency_only(
    login: Any, make_user: Any, other_agency: Any, agency: Any
) -> None:
    admin = make_user("ada", "admin", other_agency)
    assert _upload(login(admin), jsonl(missing_line(0))).status_code == 201
    assert list(Report.objects.values_list("agency_id", flat=True)) == [other_agency.pk]


# --- the web page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_imports_and_sends_the_coordinator_to_the_board(
    login: Any, coordinator: Any
) -> None:
    client = login(coordinator)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and "guardian_phone" in html  # columns
    assert f'href="{PAGE}"' in client.get(reverse("reunite:board")).content.decode()
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    upload = io.BytesIO(jsonl(missing_line(0), found_line(1)))
    upload.name = "list.jsonl"
    response = client.post(PAGE, {"file": upload, "idempotency_key": key}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reunite:board")
    assert "2 reports imported: 1 missing, 1 found." in response.content.decode()
    upload.seek(0)
    again = client.post(PAGE, {"file": upload, "idempotency_key": key}, follow=True)
    assert "already imported" in again.content.decode()
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_the_page_lists_each_wrong_line_in_a_focused_summary(login: Any, coordinator: Any) -> None:
    client = login(coordinator)
    upload = io.BytesIO(b"kind,given_name,age_years\nmissing,Mateo,4\nmissing,Sofia,x\n")
    upload.name = "list.csv"
    response = client.post(PAGE, {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    summary = (
        html.split('id="error-summary"')[0].rsplit("<div", 1)[1]
        + html.split('id="error-summary"')[1].split(">")[0]
    )
    assert 'role="alert"' in summary and "autofocus" in summary and 'tabindex="-1"' in summary
    assert "Line 2" in html and "Line 3" in html and "<code>age_years</code>" in html
    assert "Nothing was imported" in html
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_page_speaks_the_users_language(login: Any, coordinator: Any) -> None:
    client = login(coordinator)
    upload = io.BytesIO(b"kind,given_name,age_years\nmissing,Mateo,x\nmissing,Sofia,\n")
    upload.name = "list.csv"
    response = client.post(PAGE, {"file": upload}, headers={"Accept-Language": "es"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Debe ser un número decimal válido" in html  # line 2, the schema's words
    assert "Campo obligatorio" in html  # line 3 has no time
    assert "Input should be a valid decimal" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer", "partner", "outsider"])
def test_the_page_is_for_coordinators_and_admins_only(request: Any, login: Any, who: str) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    upload = io.BytesIO(jsonl(missing_line(0)))
    upload.name = "x.jsonl"
    assert client.post(PAGE, {"file": upload}).status_code == 403
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_page_sends_the_public_to_log_in(client: Any) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_plain_child_report_line_imports_without_the_intake_only_questions() -> None:
    """Files from other systems lack what only the intake forms ask; they still import."""
    content = jsonl(missing_line(reporter_relationship=""), found_line(safe_location=""))
    result = _read(content, "jsonl")
    assert result.ok, result.problems
    assert [r.kind for r in result.rows] == ["missing", "found"]
    assert result.rows[1].data["safe_location"] == ""
