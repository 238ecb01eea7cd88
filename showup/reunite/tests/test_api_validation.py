"""Bad input to the reunite API: 422 naming the field and the reason; nothing saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from showup.core.models import User
from showup.reunite import services
from showup.reunite.models import Report

pytestmark = pytest.mark.django_db
API = "/api/reunite"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(login: Any, coordinator: User) -> Client:
    client: Client = login(coordinator)
    return client


def ago(**delta: Any) -> str:
    return (timezone.now() - timedelta(**delta)).isoformat()


def missing(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "missing",
        "given_name": "Sam",
        "age_years": 4,
        "sex": "male",
        "place": "FreshMart",
        "seen_at": ago(minutes=30),
        "guardian_name": "Ada Okafor",
        "guardian_phone": "555 222 3333",
        "reporter_relationship": "father",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def found(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "found",
        "age_min": 3,
        "age_max": 5,
        "safe_location": "Patrol car 4",
        "lat": 34.05,
        "lon": -118.24,
        "seen_at": ago(minutes=2),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}


def post(client: Client, data: dict[str, Any]) -> Any:
    return client.post(f"{API}/reports", data, content_type="application/json")


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        (missing(guardian_phone=""), "guardian_phone", "phone number or an email"),
        (missing(age_years=25), "age_years", "less than or equal to 18"),
        (missing(age_years=-1), "age_years", "greater than or equal to 0"),
        (missing(age_years=...), "age_years", "age is required"),
        (missing(given_name="  "), "given_name", "first name is required"),
        (missing(guardian_name=""), "guardian_name", "name is required"),
        (missing(sex="boy"), "sex", "'male', 'female', 'unknown'"),
        (missing(guardian_phone="call me maybe"), "guardian_phone", "only digits"),
        (missing(guardian_phone="123"), "guardian_phone", "not a phone number we can text"),
        (missing(guardian_email="ada@"), "guardian_email", "valid email"),
        (missing(guardian_language="fr"), "guardian_language", "en, es"),
        (missing(height_cm=400), "height_cm", "less than or equal to 220"),
        (missing(place="", lat=...), "place", "Give the place"),
        (
            missing(seen_at=(timezone.now() + timedelta(hours=2)).isoformat()),
            "seen_at",
            "in the future",
        ),
        (missing(seen_at=ago(days=45)), "seen_at", "more than 30 days ago"),
        (missing(seen_at="2025-06-01T14:30:00"), "seen_at", "timezone"),
        (missing(seen_at="yesterday"), "seen_at", "datetime"),
        (missing(seen_at=...), "seen_at", "Field required"),
        (missing(status="reunited"), "status", "Extra inputs are not permitted"),
        (missing(kind="lost"), "kind", "'missing' or 'found'"),
        (found(lat=95), "lat", "less than or equal to 90"),
        (found(lon=-190), "lon", "greater than or equal to -180"),
        (found(lon=...), "lon", "both lat and lon"),
        (found(age_min=6, age_max=4), "age_max", "upper age"),
        (found(safe_location=""), "safe_location", "kept safe"),
        (found(age_min=3.25), "age_min", "decimal place"),
        (found(clothing="x" * 501), "clothing", "at most 500 characters"),
        (found(situation="hungry"), "situation", "'lost' or 'alone'"),
    ],
)
def test_it_names_the_field_and_the_reason(
    client: Client, payload: dict[str, Any], field: str, reason: str
) -> None:
    errors = errors_of(post(client, payload))
    assert field in errors, errors
    assert reason in errors[field]
    assert not Report.objects.exists()


def test_it_reports_every_problem_at_once(client: Client) -> None:
    errors = errors_of(post(client, missing(given_name="", guardian_phone="", place="")))
    assert {"given_name", "guardian_phone", "place"} <= set(errors)


def test_an_email_alone_is_enough_contact_and_one_age_makes_a_range(client: Client) -> None:
    response = post(client, missing(guardian_phone="", guardian_email="ada@example.org"))
    assert response.status_code == 201
    response = post(client, found(age_min=..., age_max=6))
    assert response.status_code == 201
    assert (response.json()["age_min"], response.json()["age_max"]) == (6, 6)


def test_a_body_that_is_not_json_is_refused(client: Client) -> None:
    response = client.post(f"{API}/reports", "kind=found", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not Report.objects.exists()


@pytest.fixture
def old_report(agency: Any, officer: User, report_data: Any) -> Report:
    report = services.report_create(
        agency=agency, kind="found", filed_by=officer, data=report_data("found")
    )
    Report.objects.filter(pk=report.pk).update(seen_at=timezone.now() - timedelta(days=40))
    return Report.objects.get(pk=report.pk)


def test_an_edit_keeps_what_was_saved_when_it_is_refused(
    client: Client, old_report: Report
) -> None:
    url = f"{API}/reports/{old_report.pk}"
    errors = errors_of(client.patch(url, {"age_min": 9}, content_type="application/json"))
    assert "upper age" in errors["age_max"]
    errors = errors_of(client.patch(url, {"seen_at": None}, content_type="application/json"))
    assert "cannot be removed" in errors["seen_at"]
    errors = errors_of(client.patch(url, {"kind": "missing"}, content_type="application/json"))
    assert "kind" in errors
    old_report.refresh_from_db()
    assert (old_report.age_min, old_report.age_max, old_report.kind) == (3, 5, "found")


def test_an_edit_of_an_old_report_does_not_trip_over_its_unchanged_time(
    client: Client, old_report: Report
) -> None:
    url = f"{API}/reports/{old_report.pk}"
    response = client.patch(url, {"clothing": "green coat"}, content_type="application/json")
    assert response.status_code == 200
    response = client.patch(url, {"seen_at": ago(days=45)}, content_type="application/json")
    assert "more than 30 days" in errors_of(response)["seen_at"]


def test_a_cancel_needs_a_reason(client: Client, old_report: Report) -> None:
    url = f"{API}/reports/{old_report.pk}/cancel"
    for body in ({}, {"reason": "   "}, {"reason": "x" * 301}):
        response = client.post(url, body, content_type="application/json")
        assert "reason" in errors_of(response)
    assert Report.objects.get(pk=old_report.pk).status == Report.Status.OPEN


# --- the language of 422 answers ------------------------------------------------------------


def detail_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    detail: list[dict[str, Any]] = response.json()["detail"]
    return detail


SPANISH = [
    (missing(age_years=25), "age_years", "Debe ser menor o igual que 18"),
    (missing(height_cm=10), "height_cm", "Debe ser mayor o igual que 30"),
    (missing(seen_at=...), "seen_at", "Campo obligatorio"),
    (found(clothing="x" * 501), "clothing", "Debe tener como máximo 500 caracteres"),
    (missing(sex="boy"), "sex", "Debe ser 'male', 'female', 'unknown' o ''"),
    (missing(status="reunited"), "status", "No se permiten campos adicionales"),
    (missing(seen_at="yesterday"), "seen_at", "Debe ser una fecha y hora, o una fecha, válidas"),
    (missing(seen_at="2025-06-01T14:30:00"), "seen_at", "Debe incluir la zona horaria"),
    (missing(height_cm="tall"), "height_cm", "Debe ser un número entero válido"),
    (found(lat="north"), "lat", "Debe ser un número válido"),
    (found(age_min=3.25), "age_min", "no debe tener más de 1 decimal"),
    (
        missing(other_names=["x"] * 21),
        "other_names",
        "La lista debe tener como máximo 20 elementos",
    ),
    (missing(guardian_email="ada@"), "guardian_email", "Valor no válido: Introduzca una"),
    (missing(guardian_language="fr"), "guardian_language", "Use uno de estos: en, es."),
    (missing(guardian_phone="123"), "guardian_phone", "número de teléfono al que podamos"),
    (missing(given_name=""), "given_name", "El nombre del niño o la niña es obligatorio."),
    (found(lon=...), "lon", "Indique lat y lon, o ninguno de los dos."),
]


@pytest.mark.parametrize(("payload", "field", "expected"), SPANISH)
def test_it_answers_in_spanish_when_asked(
    client: Client, payload: dict[str, Any], field: str, expected: str
) -> None:
    response = client.post(
        f"{API}/reports", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="es"
    )
    errors = {str(e["loc"][-1]): e["msg"] for e in detail_of(response)}
    assert expected in errors[field], errors


def test_it_keeps_the_shape_and_the_english_of_pydantic_by_default(client: Client) -> None:
    detail = detail_of(post(client, found(clothing="x" * 501, age_min=3.25)))
    assert detail == [
        {
            "type": "decimal_max_places",
            "loc": ["body", "payload", "age_min"],
            "msg": "Decimal input should have no more than 1 decimal place",
            "ctx": {"decimal_places": 1},
        },
        {
            "type": "string_too_long",
            "loc": ["body", "payload", "clothing"],
            "msg": "String should have at most 500 characters",
            "ctx": {"max_length": 500},
        },
    ]


def test_it_translates_query_path_and_other_endpoints(client: Client) -> None:
    es = {"HTTP_ACCEPT_LANGUAGE": "es"}
    listing = detail_of(client.get(f"{API}/reports?status=lost&limit=ten", **es))
    assert [e["msg"] for e in listing] == [
        "Debe ser 'open', 'matched', 'reunited', 'cancelled' o 'closed'",
        "Debe ser un número entero válido; el texto no se puede leer como número entero",
    ]
    path = detail_of(client.get(f"{API}/reports/first", **es))
    assert path[0]["loc"] == ["path", "report_id"]
    assert path[0]["msg"].startswith("Debe ser un número entero válido")
    report = services.report_create(
        agency=client_agency(client), kind="found", data=found_data(), filed_by=None
    )
    cancel = detail_of(
        client.post(
            f"{API}/reports/{report.pk}/cancel",
            {"reason": ""},
            content_type="application/json",
            **es,
        )
    )
    assert cancel[0]["msg"] == "Debe tener al menos 1 carácter"
    english = detail_of(
        client.post(f"{API}/reports/{report.pk}/cancel", {"reason": ""}, "application/json")
    )
    assert english[0]["msg"] == "String should have at least 1 character"


def client_agency(client: Client) -> Any:
    return User.objects.get(username="cora").agency


def found_data() -> dict[str, Any]:
    return {"safe_location": "Patrol car 4", "place": "Main St", "seen_at": timezone.now()}
