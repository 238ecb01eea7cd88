"""Staff filing, editing, cancelling and photos: flows, access from every side, the audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from showup.core.models import AuditEntry, User
from showup.reunite import services
from showup.reunite.models import Candidate, Report
from showup.reunite.tests.intake_helpers import (
    bomb_upload,
    found_post,
    jpeg_upload,
    missing_post,
)

pytestmark = pytest.mark.django_db


ROLES = ("officer", "coordinator", "partner", "other_partner", "outsider")


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


@pytest.fixture
def store_report(agency: Any, partner: User, store: Any, report_data: Any) -> Report:
    """A missing report filed by the store's partner staff, with a photo."""
    from PIL import Image

    return services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=partner,
        partner_org=store,
        photo=Image.new("RGB", (40, 30), (10, 200, 10)),
    )


def _client_for(role: str, users: dict[str, User]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


# --- the officer's "I found a child" -------------------------------------------------------


def test_it_prefills_time_and_asks_for_the_location(login: Any, officer: User) -> None:
    r = login(officer).get("/staff/found/new/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "data-autolocate" in body
    assert "Location: not captured — type the place" in body
    assert 'class="big"' in body
    assert 'name="seen_at"' in body and 'type="datetime-local"' in body
    assert r.context["form"].initial["seen_at"]
    assert 'inputmode="numeric"' in body
    assert "leaflet" not in body  # no map download on the officer's weak signal


def test_it_files_a_found_report_and_goes_to_its_page(login: Any, officer: User) -> None:
    r = login(officer).post("/staff/found/new/", found_post())
    report = Report.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/staff/reports/{report.pk}/"
    assert report.kind == "found"
    assert report.filed_by == officer and report.holding_officer == officer
    assert report.agency == officer.agency
    assert report.partner_org is None
    assert report.safe_location == "Patrol car 12"
    assert (report.age_min, report.age_max) == (3, 5)
    assert (report.lat, report.lon) == (34.0522, -118.2437)
    assert AuditEntry.objects.filter(
        action="reunite.report.created.found", actor=officer, object_id=str(report.pk)
    ).exists()


def test_it_files_with_only_the_safe_place_and_a_typed_place(login: Any, officer: User) -> None:
    data = {
        "situation": "alone",
        "safe_location": "Lobby of the library",
        "place": "5th and Pine",
        "seen_at": found_post()["seen_at"],
    }
    r = login(officer).post("/staff/found/new/", data)
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.situation == "alone" and report.given_name == "" and report.lat is None


def test_it_checks_the_age_range_and_keeps_the_input(login: Any, officer: User) -> None:
    r = login(officer).post(
        "/staff/found/new/", found_post(age_min="9", age_max="4", safe_location="")
    )
    assert r.status_code == 400
    assert not Report.objects.exists()
    body = r.content.decode()
    assert "upper age must not be below" in body
    assert "This field is required" in body
    assert 'value="9"' in body and "red t-shirt, blue shorts" in body
    assert 'value="34.0522"' in body  # the captured location is not lost either
    assert "Location: captured ✓" in body


def test_it_refuses_an_image_bomb_from_an_officer(login: Any, officer: User) -> None:
    r = login(officer).post("/staff/found/new/", {**found_post(), "photo": bomb_upload()})
    assert r.status_code == 400
    assert not Report.objects.exists()
    assert "dimensions are too large" in r.content.decode()


def test_it_stores_a_found_childs_photo(login: Any, officer: User) -> None:
    r = login(officer).post("/staff/found/new/", {**found_post(), "photo": jpeg_upload()})
    assert r.status_code == 302
    assert Report.objects.get().photo


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("officer", 200),
        ("coordinator", 302),
        ("partner", 302),
        ("other_partner", 302),
        ("outsider", 200),
    ],
)
def test_it_guards_the_found_form(users: dict[str, User], role: str, expected: int) -> None:
    r = _client_for(role, users).get("/staff/found/new/")
    assert r.status_code == expected
    if role == "anonymous":
        assert r["Location"].startswith("/accounts/login/") or "login" in r["Location"]
    elif expected == 302:
        assert r["Location"] == "/staff/reports/new/?kind=found"


def test_it_refuses_accounts_without_an_agency(make_user: Any, client: Client) -> None:
    loner = make_user("lone", "officer", None)
    client.force_login(loner)
    assert client.get("/staff/found/new/").status_code == 403
    assert client.post("/staff/found/new/", found_post()).status_code == 403
    assert client.get("/staff/reports/new/?kind=missing").status_code == 403
    assert not Report.objects.exists()


def test_it_files_outsiders_reports_in_their_own_agency(
    login: Any, outsider: User, other_agency: Any
) -> None:
    assert login(outsider).post("/staff/found/new/", found_post()).status_code == 302
    assert Report.objects.get().agency == other_agency


# --- partners and coordinators file either kind --------------------------------------------


def test_it_offers_both_kinds(login: Any, partner: User) -> None:
    body = login(partner).get("/staff/reports/new/").content.decode()
    assert "?kind=found" in body and "?kind=missing" in body


def test_it_gives_a_partners_report_their_organisation(
    login: Any, partner: User, store: Any
) -> None:
    client = login(partner)
    assert client.get("/staff/reports/new/?kind=missing").status_code == 200
    r = client.post("/staff/reports/new/?kind=missing", missing_post())
    report = Report.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/staff/reports/{report.pk}/"
    assert report.partner_org == store and report.filed_by == partner
    assert report.guardian_language == "es"
    r = client.post("/staff/reports/new/?kind=found", found_post())
    assert r.status_code == 302
    found = Report.objects.get(kind="found")
    assert found.partner_org == store and found.holding_officer is None


def test_it_does_not_let_a_form_choose_the_organisation(
    login: Any, partner: User, store: Any, hospital: Any, other_agency: Any
) -> None:
    data = {**found_post(), "partner_org": hospital.pk, "agency": other_agency.pk}
    login(partner).post("/staff/reports/new/?kind=found", data)
    report = Report.objects.get()
    assert report.partner_org == store and report.agency == partner.agency


def test_it_lets_a_coordinator_file_without_an_organisation(login: Any, coordinator: User) -> None:
    r = login(coordinator).post("/staff/reports/new/?kind=found", found_post())
    assert r.status_code == 302
    report = Report.objects.get()
    assert report.partner_org is None and report.filed_by == coordinator


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("officer", 200),
        ("coordinator", 200),
        ("partner", 200),
        ("other_partner", 200),
        ("outsider", 200),
    ],
)
def test_it_guards_the_staff_form(users: dict[str, User], role: str, expected: int) -> None:
    for kind in ("missing", "found", ""):
        assert _client_for(role, users).get(f"/staff/reports/new/?kind={kind}").status_code == (
            expected
        )


# --- editing -----------------------------------------------------------------------------


def test_it_prefills_the_edit_form_and_audits_the_view(
    login: Any, coordinator: User, store_report: Report
) -> None:
    r = login(coordinator).get(f"/staff/reports/{store_report.pk}/edit/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'value="Mateo"' in body and 'value="Lucia Alvarez"' in body
    assert "A photo is on file" in body
    entry = AuditEntry.objects.get(action="reunite.report.viewed", actor=coordinator)
    assert entry.data == {"where": "edit"} and entry.object_id == str(store_report.pk)


def test_it_saves_an_edit_and_rematches(
    login: Any, agency: Any, officer: User, coordinator: User, report_data: Any
) -> None:
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data(
            "missing",
            given_name="Aiko",
            family_name="Tanaka",
            sex="female",
            age_years=15,
            hair="long black",
            clothing="green school uniform",
            carrying="violin case",
            languages=["ja"],
            lat=47.6062,
            lon=-122.3321,
            place="Pike Place Market",
        ),
        filed_by=None,
    )
    assert not Candidate.objects.filter(missing=missing, found=found, engine_match=True).exists()

    post = missing_post(lat="34.0522", lon="-118.2437")
    r = login(coordinator).post(f"/staff/reports/{missing.pk}/edit/", post)
    assert r.status_code == 302 and r["Location"] == f"/staff/reports/{missing.pk}/"
    missing.refresh_from_db()
    assert missing.given_name == "Mateo" and missing.lat == 34.0522
    assert missing.status_token  # unchanged; the guardian's link still works
    entry = AuditEntry.objects.get(action="reunite.report.edited", actor=coordinator)
    assert "given_name" in entry.data["fields"]
    assert Candidate.objects.filter(missing=missing, found=found, engine_match=True).exists()


def test_it_replaces_the_photo_on_edit(login: Any, partner: User, store_report: Report) -> None:
    old = store_report.photo
    r = login(partner).post(
        f"/staff/reports/{store_report.pk}/edit/", {**missing_post(), "photo": jpeg_upload()}
    )
    assert r.status_code == 302
    store_report.refresh_from_db()
    assert store_report.photo and store_report.photo != old


def test_it_keeps_typed_values_on_an_edit_error(
    login: Any, officer: User, store_report: Report
) -> None:
    r = login(officer).post(
        f"/staff/reports/{store_report.pk}/edit/",
        missing_post(given_name="Mateo Jr", age_years="40"),
    )
    assert r.status_code == 400
    assert 'value="Mateo Jr"' in r.content.decode()
    store_report.refresh_from_db()
    assert store_report.given_name == "Mateo"
    assert not AuditEntry.objects.filter(action="reunite.report.edited").exists()


def test_it_refuses_to_edit_a_closed_report(
    login: Any, coordinator: User, store_report: Report
) -> None:
    services.report_cancel(report=store_report, reason="found", actor=coordinator)
    client = login(coordinator)
    r = client.get(f"/staff/reports/{store_report.pk}/edit/")
    assert r.status_code == 200
    assert "can no longer be changed" in r.content.decode()
    assert "<form" not in r.content.decode().split("<main", 1)[1]
    r = client.post(f"/staff/reports/{store_report.pk}/edit/", missing_post(given_name="X"))
    assert r.status_code == 409
    store_report.refresh_from_db()
    assert store_report.given_name == "Mateo"


# --- cancelling --------------------------------------------------------------------------


def test_it_closes_a_report_only_with_an_outcome(
    login: Any, officer: User, store_report: Report
) -> None:
    client = login(officer)
    url = f"/staff/reports/{store_report.pk}/close/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"reason": "Found him"})
    assert r.status_code == 400
    assert "Choose how the report ended." in r.content.decode()
    store_report.refresh_from_db()
    assert store_report.status == "open"

    r = client.post(url, {"outcome": "filed_in_error", "reason": "Filed twice by mistake"})
    assert r.status_code == 302 and r["Location"] == f"/staff/reports/{store_report.pk}/"
    store_report.refresh_from_db()
    assert (store_report.status, store_report.outcome) == ("cancelled", "filed_in_error")
    assert store_report.cancel_reason == "Filed twice by mistake"
    entry = AuditEntry.objects.get(action="reunite.report.closed", actor=officer)
    assert entry.data["outcome"] == "filed_in_error" and "Filed twice" not in str(entry.data)
    r = client.post(url, {"outcome": "taken_home"})
    assert r.status_code == 400
    assert "closed" in r.content.decode()


# --- access matrix for a partner's report ------------------------------------------------

MATRIX = [
    ("anonymous", 302),
    ("officer", 200),
    ("coordinator", 200),
    ("partner", 200),
    ("other_partner", 404),
    ("outsider", 404),
]


@pytest.mark.parametrize(("role", "expected"), MATRIX)
@pytest.mark.parametrize("action", ["edit", "close", "photo"])
def test_it_guards_each_report_view(
    users: dict[str, User], store_report: Report, role: str, expected: int, action: str
) -> None:
    client = _client_for(role, users)
    url = f"/staff/reports/{store_report.pk}/{action}/"
    before = AuditEntry.objects.filter(action="reunite.report.viewed").count()
    r = client.get(url)
    assert r.status_code == expected
    after = AuditEntry.objects.filter(action="reunite.report.viewed")
    if expected == 200:
        entry = after.first()
        assert entry is not None and entry.actor == users[role]
        assert entry.data["where"] == action and entry.object_id == str(store_report.pk)
        assert after.count() == before + 1
    else:
        assert after.count() == before


@pytest.mark.parametrize(("role", "expected"), MATRIX)
def test_it_guards_changes_to_a_report(
    users: dict[str, User], store_report: Report, role: str, expected: int
) -> None:
    client = _client_for(role, users)
    r = client.post(f"/staff/reports/{store_report.pk}/edit/", missing_post(given_name="Changed"))
    assert r.status_code == (302 if expected == 200 else expected)
    r = client.post(
        f"/staff/reports/{store_report.pk}/close/", {"outcome": "filed_in_error", "reason": "x"}
    )
    store_report.refresh_from_db()
    if expected == 200:
        assert store_report.given_name == "Changed" and store_report.status == "cancelled"
    else:
        assert r.status_code == expected
        assert store_report.given_name == "Mateo" and store_report.status == "open"


def test_it_hides_unknown_reports_like_forbidden_ones(login: Any, coordinator: User) -> None:
    client = login(coordinator)
    for action in ("edit", "cancel", "photo"):
        assert client.get(f"/staff/reports/999999/{action}/").status_code == 404


# --- photos --------------------------------------------------------------------------------


def test_it_serves_the_photo_privately(login: Any, coordinator: User, store_report: Report) -> None:
    r = login(coordinator).get(f"/staff/reports/{store_report.pk}/photo/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    data = b"".join(r.streaming_content)  # type: ignore[attr-defined]
    assert data[:3] == b"\xff\xd8\xff"


def test_it_answers_404_when_there_is_no_photo(
    login: Any, officer: User, agency: Any, report_data: Any
) -> None:
    report = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert login(officer).get(f"/staff/reports/{report.pk}/photo/").status_code == 404


def test_it_refuses_partner_staff_without_an_organisation(
    make_user: Any, agency: Any, client: Client
) -> None:
    client.force_login(make_user("stray", "partner", agency))
    assert client.get("/staff/reports/new/?kind=found").status_code == 403
    assert client.post("/staff/reports/new/?kind=found", found_post()).status_code == 403
    assert not Report.objects.exists()


def test_it_audits_a_partners_filing(login: Any, partner: User, store: Any) -> None:
    login(partner).post("/staff/reports/new/?kind=found", found_post())
    report = Report.objects.get()
    entry = AuditEntry.objects.get(action="reunite.report.created.found")
    assert entry.actor == partner and entry.object_id == str(report.pk)
    assert entry.data["channel"] == "staff"
