"""The reunite JSON API from every side: anonymous, officer, coordinator, partner staff of the
organisation that filed the report and of another one, and an officer of another agency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from showup.core import sms
from showup.core.models import AuditEntry, User
from showup.reunite import services
from showup.reunite.models import Candidate, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The shared fixtures create several accounts per test; the real hasher takes ~0.5 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROLES = ("anonymous", "officer", "coordinator", "partner", "other_partner", "outsider")
API = "/api/reunite"


@pytest.fixture
def users(
    officer: User, coordinator: User, partner: User, other_partner: User, outsider: User
) -> dict[str, User]:
    return {
        "officer": officer,
        "coordinator": coordinator,
        "partner": partner,
        "other_partner": other_partner,
        "outsider": outsider,
    }


def client_for(role: str, users: dict[str, User]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.fixture
def store_report(agency: Any, partner: User, store: Any, report_data: Any) -> Report:
    """A missing report taken by the store's security desk (partner staff)."""
    return services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=partner,
        partner_org=store,
    )


@pytest.fixture
def officer_report(agency: Any, officer: User, report_data: Any) -> Report:
    return services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )


@pytest.fixture
def candidate(store_report: Report, officer_report: Report) -> Candidate:
    cand, _ = Candidate.objects.update_or_create(
        missing=store_report,
        found=officer_report,
        defaults={"score": 0.91, "reasons": ["name Mateo ~ Mateo"]},
    )
    return cand


@pytest.fixture
def store_candidate(
    agency: Any, partner: User, store: Any, store_report: Report, report_data: Any
) -> Candidate:
    """A pair the store filed both halves of: its staff can see it but not decide it."""
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=partner, partner_org=store
    )
    cand, _ = Candidate.objects.update_or_create(
        missing=store_report, found=found, defaults={"score": 0.8, "reasons": []}
    )
    return cand


def found_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "found",
        "given_name": "Sam",
        "age_min": 3,
        "age_max": 5,
        "sex": "male",
        "clothing": "green raincoat",
        "safe_location": "Security office, north entrance",
        "place": "FreshMart, aisle 7",
        "seen_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
    }
    data.update(overrides)
    return data


def missing_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "missing",
        "given_name": "Sam",
        "family_name": "Okafor",
        "age_years": 4,
        "sex": "male",
        "clothing": "green raincoat",
        "place": "FreshMart",
        "lat": 34.05,
        "lon": -118.24,
        "seen_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "guardian_name": "Ada Okafor",
        "guardian_phone": "(555) 222-3333",
        "reporter_relationship": "mother",
        "guardian_language": "en",
    }
    data.update(overrides)
    return data


def viewed(report: Report, user: User) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action="reunite.report.viewed", actor=user, object_id=str(report.pk)
        )
    )


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_every_staff_member_file_a_report_in_their_own_agency(
    role: str, users: dict[str, User], store: Any
) -> None:
    response = client_for(role, users).post(
        f"{API}/reports", found_payload(), content_type="application/json"
    )
    if role == "anonymous":
        assert response.status_code == 401
        assert not Report.objects.exists()
        return
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    user = users[role]
    assert report.agency_id == user.agency_id and report.filed_by == user
    assert report.partner_org_id == user.partner_org_id
    assert body["partner_org"] == (user.partner_org.name if user.partner_org else None)
    assert body["holding_officer"] == (user.username if user.role == "officer" else None)
    assert "status_token" not in body
    assert AuditEntry.objects.filter(action="reunite.report.created.found", actor=user).exists()


def test_a_missing_report_filed_through_the_api_is_matched_at_once(
    login: Any, coordinator: User, officer_report: Report
) -> None:
    response = login(coordinator).post(
        f"{API}/reports",
        missing_payload(given_name="Mateo", clothing="red t-shirt"),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["guardian_phone"] == "+15552223333"
    assert body["status"] == "open" and body["kind"] == "missing"
    candidates = login(coordinator).get(f"{API}/reports/{body['id']}/candidates").json()
    assert [c["found_id"] for c in candidates] == [officer_report.pk]


# --- list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", {"store_report", "officer_report"}),
        ("coordinator", {"store_report", "officer_report"}),
        ("partner", {"store_report"}),
        ("other_partner", set()),
        ("outsider", set()),
    ],
)
def test_it_lists_only_the_reports_each_role_may_see(
    role: str,
    expected: set[str],
    users: dict[str, User],
    store_report: Report,
    officer_report: Report,
) -> None:
    names = {store_report.pk: "store_report", officer_report.pk: "officer_report"}
    response = client_for(role, users).get(f"{API}/reports")
    assert response.status_code == 200
    body = response.json()
    assert {names[item["id"]] for item in body["items"]} == expected
    assert body["count"] == len(expected)
    assert all("guardian_phone" not in item for item in body["items"])
    # A page of children's names is a read of their records: audited with what it showed.
    listed = AuditEntry.objects.filter(action="reunite.api.listed")
    if expected:
        entry = listed.get()
        assert entry.actor == users[role]
        assert {names[pk] for pk in entry.data["reports"]} == expected
    else:
        assert not listed.exists()


def test_the_list_needs_a_login_and_filters_by_status_and_kind(
    login: Any, coordinator: User, store_report: Report, officer_report: Report
) -> None:
    assert Client().get(f"{API}/reports").status_code == 401
    services.report_cancel(report=officer_report, reason="duplicate", actor=coordinator)
    client = login(coordinator)
    assert [r["id"] for r in client.get(f"{API}/reports?kind=missing").json()["items"]] == [
        store_report.pk
    ]
    assert [r["id"] for r in client.get(f"{API}/reports?status=cancelled").json()["items"]] == [
        officer_report.pk
    ]
    assert client.get(f"{API}/reports?status=open&kind=found").json()["items"] == []
    assert client.get(f"{API}/reports?status=lost").status_code == 422


# --- one report -----------------------------------------------------------------------------

VISIBLE_STORE = {
    "anonymous": 401,
    "officer": 200,
    "coordinator": 200,
    "partner": 200,
    "other_partner": 404,
    "outsider": 404,
}
VISIBLE_OFFICER = {**VISIBLE_STORE, "partner": 404}


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_a_report_only_to_those_handling_it_and_audits_each_read(
    role: str, users: dict[str, User], store_report: Report, officer_report: Report
) -> None:
    client = client_for(role, users)
    for report, expected in ((store_report, VISIBLE_STORE), (officer_report, VISIBLE_OFFICER)):
        response = client.get(f"{API}/reports/{report.pk}")
        assert response.status_code == expected[role], (report, response.content)
        if expected[role] == 200:
            body = response.json()
            assert body["reference"] == report.reference and body["given_name"] == "Mateo"
            [entry] = viewed(report, users[role])
            assert entry.data == {"where": "api"}
        else:
            assert b"Mateo" not in response.content
    assert client.get(f"{API}/reports/999999").status_code == (401 if role == "anonymous" else 404)


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_those_handling_a_report_edit_it(
    role: str, users: dict[str, User], store_report: Report
) -> None:
    response = client_for(role, users).patch(
        f"{API}/reports/{store_report.pk}",
        {"clothing": "yellow raincoat", "height_cm": 100},
        content_type="application/json",
    )
    assert response.status_code == VISIBLE_STORE[role]
    store_report.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["clothing"] == "yellow raincoat"
        assert store_report.clothing == "yellow raincoat" and store_report.height_cm == 100
        # Untouched fields stay as they were.
        assert store_report.given_name == "Mateo" and store_report.guardian_phone
        entry = AuditEntry.objects.get(action="reunite.report.edited")
        assert entry.actor == users[role] and sorted(entry.data["fields"]) == [
            "clothing",
            "height_cm",
        ]
    else:
        assert store_report.clothing == "red t-shirt, blue shorts"
        assert not AuditEntry.objects.filter(action="reunite.report.edited").exists()


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_those_handling_a_report_cancel_it(
    role: str, users: dict[str, User], store_report: Report
) -> None:
    client = client_for(role, users)
    response = client.post(
        f"{API}/reports/{store_report.pk}/cancel",
        {"reason": "Found him at the neighbour's"},
        content_type="application/json",
    )
    assert response.status_code == VISIBLE_STORE[role]
    store_report.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["status"] == "cancelled"
        assert store_report.status == Report.Status.CANCELLED
        assert store_report.cancel_reason == "Found him at the neighbour's"
        again = client.post(
            f"{API}/reports/{store_report.pk}/cancel",
            {"reason": "again"},
            content_type="application/json",
        )
        assert again.status_code == 409
    else:
        assert store_report.status == Report.Status.OPEN


# --- candidates -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_candidates_only_when_both_reports_are_visible(
    role: str, users: dict[str, User], candidate: Candidate, store_report: Report
) -> None:
    response = client_for(role, users).get(f"{API}/reports/{store_report.pk}/candidates")
    assert response.status_code == VISIBLE_STORE[role]
    if response.status_code != 200:
        return
    body = response.json()
    if role == "partner":
        # The store sees its own report, not the officer's found child nor the reasons.
        assert body == []
    else:
        [item] = [c for c in body if c["id"] == candidate.pk]
        assert item["found_reference"] == candidate.found.reference
        assert item["reasons"] == ["name Mateo ~ Mateo"] and item["decision"] == "proposed"
    assert viewed(store_report, users[role])[0].data == {"where": "api.candidates"}


DECIDE = {
    "anonymous": 401,
    "officer": 403,
    "coordinator": 200,
    "partner": 404,
    "other_partner": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("action", ["confirm", "reject"])
@pytest.mark.parametrize("role", ROLES)
def test_only_coordinators_decide_matches(
    action: str,
    role: str,
    users: dict[str, User],
    candidate: Candidate,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(role, users).post(f"{API}/candidates/{candidate.pk}/{action}")
    assert response.status_code == DECIDE[role], response.content
    candidate.refresh_from_db()
    if response.status_code == 200:
        decision = "confirmed" if action == "confirm" else "rejected"
        assert response.json()["decision"] == decision and candidate.decision == decision
        assert AuditEntry.objects.filter(action=f"reunite.match.{decision}").count() == 1
        assert len(sms.outbox) == (1 if action == "confirm" else 0)
    else:
        assert candidate.decision == "proposed"
        assert sms.outbox == []
        assert b"Mateo" not in response.content


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_a_partner_who_can_see_a_pair_still_may_not_decide_it(
    action: str, login: Any, partner: User, other_partner: User, store_candidate: Candidate
) -> None:
    assert login(partner).post(f"{API}/candidates/{store_candidate.pk}/{action}").status_code == 403
    assert (
        login(other_partner).post(f"{API}/candidates/{store_candidate.pk}/{action}").status_code
        == 404
    )
    store_candidate.refresh_from_db()
    assert store_candidate.decision == "proposed"


def test_confirming_twice_notifies_once_and_a_closed_report_cannot_be_matched(
    login: Any,
    coordinator: User,
    candidate: Candidate,
    store_report: Report,
    agency: Any,
    officer: User,
    report_data: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sms.outbox.clear()
    client = login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{API}/candidates/{candidate.pk}/confirm").status_code == 200
        again = client.post(f"{API}/candidates/{candidate.pk}/confirm")
        assert (again.status_code, again.json()["code"]) == (409, "already_confirmed")
    assert len(sms.outbox) == 1
    # The missing report is now matched: another found child cannot be confirmed for it.
    other_found = services.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found", given_name="Mat")
    )
    other, _ = Candidate.objects.update_or_create(
        missing=store_report, found=other_found, defaults={"score": 0.5}
    )
    response = client.post(f"{API}/candidates/{other.pk}/confirm")
    assert response.status_code == 409
    assert response.json()["code"] == "other_confirmed"
    # Rejecting the confirmed pair reopens both reports.
    assert client.post(f"{API}/candidates/{candidate.pk}/reject").status_code == 200
    store_report.refresh_from_db()
    assert store_report.status == Report.Status.OPEN


# --- CSRF and the schema --------------------------------------------------------------------


def test_unsafe_requests_need_the_csrf_token(coordinator: User, store_report: Report) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = f"{API}/reports/{store_report.pk}/cancel"
    response = client.post(url, {"reason": "dup"}, content_type="application/json")
    assert response.status_code == 403
    assert Report.objects.get(pk=store_report.pk).status == Report.Status.OPEN
    token = "k" * 32
    client.cookies["csrftoken"] = token
    response = client.post(
        url, {"reason": "dup"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert client.get(f"{API}/reports").status_code == 200  # safe methods need no token


def test_the_openapi_schema_lists_every_endpoint_with_a_summary() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        ("/api/reunite/reports", "post"),
        ("/api/reunite/reports", "get"),
        ("/api/reunite/reports/import", "post"),
        ("/api/reunite/reports/{report_id}", "get"),
        ("/api/reunite/reports/{report_id}", "patch"),
        ("/api/reunite/reports/{report_id}/cancel", "post"),
        ("/api/reunite/reports/{report_id}/photo", "post"),
        ("/api/reunite/reports/{report_id}/photo", "delete"),
        ("/api/reunite/reports/{report_id}/candidates", "get"),
        ("/api/reunite/candidates/{candidate_id}/confirm", "post"),
        ("/api/reunite/candidates/{candidate_id}/reject", "post"),
        ("/api/reunite/candidates/{candidate_id}/undo", "post"),
        ("/api/reunite/candidates/{candidate_id}/handoff", "post"),
        ("/api/reunite/candidates/{candidate_id}/handoff/override", "post"),
        ("/api/reunite/reports/{report_id}/close", "post"),
        ("/api/reunite/reports/{report_id}/transfer", "post"),
        ("/api/reunite/reports/{report_id}/merge-into/{kept_id}", "post"),
        ("/api/reunite/reports/{report_id}/information", "post"),
    }
    listed = {
        (path, method)
        for path, ops in paths.items()
        for method in ops
        if path.startswith("/api/reunite/")
    }
    assert listed == expected
    for path, method in expected:
        operation = paths[path][method]
        assert operation["summary"] and operation["security"] == [{"StaffSession": []}]
        assert "401" in operation["responses"]
    assert schema["components"]["securitySchemes"]["StaffSession"]["in"] == "cookie"
    create = schema["components"]["schemas"]["ReportCreateIn"]
    assert set(create["required"]) == {"kind", "seen_at"}
    assert create["properties"]["age_years"]["anyOf"][0]["maximum"] == 18
