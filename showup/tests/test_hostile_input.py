"""Hostile input: every answer is a clear 4xx (or a form error), never a server error, and
nothing bad is stored. Runs on SQLite and PostgreSQL (NUL bytes are a server error there if
they ever reach the database):

    scripts/with-postgres.sh .venv/bin/python -m pytest showup/tests/test_hostile_input.py -q
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from showup.reunite import services as reunite
from showup.reunite.forms import FoundReportForm, MissingReportForm
from showup.reunite.models import Report
from showup.visits import services as visits
from showup.visits.forms import RequestForm
from showup.visits.models import MementoGiven, MementoStock

REPORTS = "/api/reunite/reports"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE

REPORT_TEXT_FIELDS = [
    "given_name",
    "family_name",
    "hair",
    "clothing",
    "carrying",
    "description",
    "place",
    "safe_location",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
]


def api_report(kind: str = "missing", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "given_name": "Mateo",
        "sex": "male",
        "place": "Main St",
        "seen_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
    }
    if kind == "missing":
        body |= {
            "age_years": 4,
            "guardian_name": "Lucia Alvarez",
            "guardian_phone": "+15550001111",
            "reporter_relationship": "mother",
            "reporter_has_custody": True,
        }
    else:
        body |= {"age_min": 3, "age_max": 5, "safe_location": "Patrol car 12"}
    return body | overrides


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def problems(response: Any) -> str:
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else " ".join(d["msg"] for d in detail)


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seen_at", "says"),
    [
        ("9999-12-31T23:59:59+00:00", "year"),
        ("9999-12-31T23:59:59-23:59", "year"),
        ("0001-01-01T00:00:00+23:59", "year"),
        ("2025-05-01T10:00:00", "timezone"),  # naive: the API never guesses a time zone
        ("2025-05-01T10:00:00+23:59", "UTC offset"),
        ("2025-05-01T10:00:00+14:30", "UTC offset"),
        ("2025-05-01T10:00:00+99:00", "datetime"),
        ("not a time", "datetime"),
    ],
)
def test_the_api_refuses_impossible_times_with_a_message(
    client: Any, officer: Any, seen_at: str, says: str
) -> None:
    client.force_login(officer)
    response = post(client, REPORTS, api_report(seen_at=seen_at))
    assert response.status_code == 422, response.content
    assert says in problems(response)
    assert not Report.objects.exists()


def test_a_real_far_offset_is_accepted(client: Any, officer: Any) -> None:
    seen = (timezone.now() - timedelta(minutes=5)).astimezone(timezone.get_fixed_timezone(14 * 60))
    client.force_login(officer)
    response = post(client, REPORTS, api_report(seen_at=seen.isoformat()))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "start", ["9999-12-31T10:00:00+00:00", "2031-01-01T10:00", "1800-01-01T10:00Z"]
)
def test_visit_windows_out_of_range_or_naive_are_422(
    client: Any, other_partner: Any, start: str
) -> None:
    client.force_login(other_partner)
    body = {
        "child_first_name": "Milo",
        "child_age": 7,
        "windows": [{"start": start, "end": "9999-12-31T23:59:59-23:59"}],
    }
    response = post(client, "/api/visits/requests", body)
    assert response.status_code == 422, response.content


def test_the_web_form_refuses_year_9999_for_a_visit(other_partner: Any) -> None:
    form = RequestForm(
        data={
            "child_first_name": "Milo",
            "child_age": 7,
            "urgency": "routine",
            "group_size": 1,
            "max_group_size": 3,
            "min_notice_days": 0,
            "window_1_start": "9999-12-31T22:00",
            "window_1_end": "9999-12-31T23:59",
        }
    )
    assert not form.is_valid()
    assert "window_1_start" in form.errors or "window_1_end" in form.errors


# --- characters -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", REPORT_TEXT_FIELDS)
@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x85b"])
def test_control_characters_are_refused_in_every_api_text_field(
    client: Any, officer: Any, field: str, bad: str
) -> None:
    client.force_login(officer)
    response = post(client, REPORTS, api_report(**{field: bad}))
    assert response.status_code == 422, (field, response.content)
    assert any(field in d["loc"] for d in response.json()["detail"])
    assert not Report.objects.exists()


def test_nul_in_lists_and_nested_names_is_refused(client: Any, officer: Any) -> None:
    client.force_login(officer)
    for extra in (
        {"other_names": ["Teo\x00"]},
        {"languages": ["e\x00s"]},
        {"authorised_adults": [{"name": "Rosa\x00", "relationship": "neighbour"}]},
    ):
        assert post(client, REPORTS, api_report(**extra)).status_code == 422, extra
    assert not Report.objects.exists()


@pytest.mark.parametrize("form_class", [MissingReportForm, FoundReportForm])
def test_control_characters_are_refused_in_every_web_form_text_field(form_class: Any) -> None:
    probe = form_class()
    text_fields = [
        name
        for name, field in probe.fields.items()
        if field.__class__.__name__ == "CharField" and not field.widget.is_hidden
    ]
    assert len(text_fields) >= 6
    for bad in ("a\x00b", "a\x07b"):
        form = form_class(data=dict.fromkeys(text_fields, bad))
        assert not form.is_valid()
        for name in text_fields:
            assert name in form.errors, (name, bad)


def test_line_breaks_are_kept_in_multiline_text(client: Any, officer: Any) -> None:
    client.force_login(officer)
    response = post(client, REPORTS, api_report(description="Red cap.\r\nBlue\tshoes."))
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == "Red cap.\r\nBlue\tshoes."
    response = post(client, REPORTS, api_report(given_name="Ma\nteo"))
    assert response.status_code == 422


def test_bidi_controls_in_names_are_refused_at_input(client: Any, officer: Any) -> None:
    client.force_login(officer)
    for name in (f"{RLO}oetaM", "Ana\u2066x\u2069", "\u200fAna"):
        response = post(client, REPORTS, api_report(given_name=name))
        assert response.status_code == 422
        assert "direction" in problems(response)
    form = MissingReportForm(data={"given_name": f"{RLO}oetaM"})
    assert not form.is_valid() and "given_name" in form.errors


def test_a_stored_rtl_override_name_is_neutralised_on_the_board_and_the_case_page(
    client: Any, coordinator: Any, agency: Any, officer: Any, report_data: Any
) -> None:
    # Stored before names were checked (or imported): the board must not show it raw.
    report = reunite.report_create(
        agency=agency,
        kind="found",
        data=report_data("found", given_name=f"Ana{RLO}oetaM"),
        filed_by=officer,
    )
    client.force_login(coordinator)
    for url in (reverse("reunite:board"), reverse("reunite:report_detail", args=[report.pk])):
        page = client.get(url).content.decode()
        assert RLO not in page, url
        assert "<bdi>AnaoetaM</bdi>" in page, url


# --- sizes and numbers ------------------------------------------------------------------------


def test_a_100000_character_note_is_refused_on_the_web_and_in_the_api(
    client: Any, officer: Any, agency: Any, report_data: Any
) -> None:
    huge = "x" * 100_000
    form = RequestForm(data={"child_first_name": "Milo", "note": huge, "rules_notes": huge})
    assert not form.is_valid()
    assert "note" in form.errors and "rules_notes" in form.errors
    report = reunite.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    client.force_login(officer)
    response = post(client, f"{REPORTS}/{report.pk}/information", {"text": huge})
    assert response.status_code == 422
    assert post(client, REPORTS, api_report(description=huge)).status_code == 422
    assert post(client, "/api/visits/requests", {"note": huge}).status_code in (403, 422)


@pytest.mark.parametrize(
    "extra",
    [
        {"height_cm": -5},
        {"height_cm": 10**30},
        {"age_years": -1},
        {"age_years": 1e308},
        {"lat": 1e308, "lon": 0},
        {"lat": 45, "lon": -1e308},
        {"age_years": "four"},
        {"languages": "es"},
        {"other_names": [{"name": 1}]},
        {"reporter_has_custody": "perhaps"},
        {"given_name": 42},
    ],
)
def test_out_of_range_numbers_and_wrong_types_are_422(
    client: Any, officer: Any, extra: dict[str, Any]
) -> None:
    client.force_login(officer)
    response = post(client, REPORTS, api_report(**extra))
    assert response.status_code == 422, (extra, response.content)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        f"{REPORTS}/{2**63}",
        f"{REPORTS}/99999999999999999999999",
        f"{REPORTS}/-1",
        f"{REPORTS}/0",
        f"{REPORTS}?offset={2**64}",
        f"{REPORTS}?limit={2**64}",
        f"{REPORTS}?limit=0",
        f"/api/visits/requests/{2**70}",
        f"/api/visits/visits/{2**70}/accept",
    ],
)
def test_huge_and_negative_ids_and_pages_are_4xx(client: Any, officer: Any, url: str) -> None:
    client.force_login(officer)
    response = client.post(url) if url.endswith("accept") else client.get(url)
    assert response.status_code in (404, 422), (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")


def test_a_body_that_is_not_json_is_400_or_422(client: Any, officer: Any) -> None:
    client.force_login(officer)
    for body in ("{", "[]", '"text"', "\x00"):
        response = client.post(REPORTS, body, content_type="application/json")
        assert response.status_code in (400, 422), body


# --- mementos ---------------------------------------------------------------------------------


@pytest.fixture
def in_progress(
    agency: Any, officer: Any, coordinator: Any, other_partner: Any, hospital: Any
) -> Any:
    now = timezone.now()
    request = visits.request_create(
        actor=other_partner,
        partner_org=hospital,
        data={"child_first_name": "Milo", "child_age": 7, "group_size": 1},
        windows=[(now + timedelta(hours=1), now + timedelta(hours=2))],
    )
    visit = visits.slot_propose(
        request=request,
        officer=officer,
        start=now + timedelta(hours=1),
        end=now + timedelta(hours=2),
        actor=coordinator,
    )
    visits.slot_accept(visit=visit, actor=other_partner)
    return visits.visit_start(visit=visit, actor=officer)


def test_two_mementos_of_50_cannot_take_the_stock_below_zero(
    client: Any, officer: Any, agency: Any, in_progress: Any
) -> None:
    MementoStock.objects.create(agency=agency, kind="patch", quantity=60)
    client.force_login(officer)
    url = f"/api/visits/visits/{in_progress.pk}/given"
    twice = {"mementos": [{"kind": "patch", "quantity": 50}, {"kind": "patch", "quantity": 50}]}
    assert post(client, url, twice).status_code == 422  # one row per kind
    first = post(client, url, {"mementos": [{"kind": "patch", "quantity": 50}]})
    assert first.status_code == 200, first.content
    again = post(client, url, {"mementos": [{"kind": "patch", "quantity": 50}]})
    assert again.status_code == 409
    assert again.json()["code"] == "not_enough_stock"
    assert "(10 left)" in again.json()["detail"] and "recount" in again.json()["detail"]
    assert MementoStock.objects.get(agency=agency, kind="patch").quantity == 10
    assert MementoGiven.objects.get(visit=in_progress).quantity == 50
    for bad in (0, -1, 51, 10**9, "ten"):
        response = post(client, url, {"mementos": [{"kind": "patch", "quantity": bad}]})
        assert response.status_code == 422, bad
    listing = client.get("/api/visits/visits")
    assert listing.status_code == 200
    assert listing.json()[0]["mementos"] == [{"kind": "patch", "quantity": 50}]


def test_the_stock_cannot_be_negative_in_the_database(agency: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MementoStock.objects.create(agency=agency, kind="patch", quantity=-1)


def test_visit_references_are_random_not_sequential(
    agency: Any, other_partner: Any, hospital: Any
) -> None:
    now = timezone.now()
    refs = [
        visits.request_create(
            actor=other_partner,
            partner_org=hospital,
            data={"child_first_name": "Milo", "child_age": 7, "group_size": 1},
            windows=[(now + timedelta(hours=1), now + timedelta(hours=2))],
        ).reference
        for _ in range(3)
    ]
    assert len(set(refs)) == 3
    for ref, pk_ref in zip(refs, ("V-00001", "V-00002", "V-00003"), strict=True):
        assert ref.startswith("V-") and len(ref) == 11 and ref != pk_ref


@pytest.mark.parametrize(
    "url",
    [
        "/status/%00/",
        "/events/%00/",
        "/stories/s/%00/",
        "/stories/s/a%00b/m/1/file/",
        "/stories/consent/%00x/",
        "/stories/?agency=%00",
        "/events/?q=a%00b",
        "/missing/?x%00=1",
    ],
)
def test_a_nul_in_the_address_is_a_400_never_a_server_error(client: Any, db: Any, url: str) -> None:
    """PostgreSQL refuses a NUL in a query: without the middleware these were 500s there."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400, url
    assert "carácter" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_nul_in_an_api_query_is_a_json_400(client: Any, db: Any) -> None:
    response = client.get("/api/stories/public", {"agency": "x\x00"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_character"


def test_a_nul_in_a_form_comes_back_with_what_was_typed(client: Any, agency: Any) -> None:
    """Forms are not refused wholesale: the field says why and the rest is kept."""
    typed = {"agency": agency.slug, "body": "Gracias\x00", "author_name": "Ana Ruiz"}
    response = client.post("/stories/thanks/", typed)
    assert response.status_code == 400
    assert "Ana Ruiz" in response.content.decode()
