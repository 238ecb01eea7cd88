"""Shared helpers for the coordination, hand-off and service tests (not a test module)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from showup.core.models import AuditEntry
from showup.reunite import services
from showup.reunite.models import Candidate, Report


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Each test makes several accounts; the production hasher costs ~0.5 s apiece here.
    (Imported into each test module; belongs in the root conftest.py.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# A handful of distinct children for tests that need more than one pair; far apart in name,
# age, sex and place so the engine pairs each found child with its own missing report.
CHILDREN: list[dict[str, Any]] = [
    {
        "given_name": "Mateo",
        "family_name": "Alvarez",
        "sex": "male",
        "age": 4,
        "clothing": "red t-shirt, blue shorts",
        "lat": 34.0522,
        "lon": -118.2437,
    },
    {
        "given_name": "Sofia",
        "family_name": "Nguyen",
        "sex": "female",
        "age": 7,
        "clothing": "yellow raincoat, green boots",
        "lat": 34.1478,
        "lon": -118.1445,
    },
    {
        "given_name": "Liam",
        "family_name": "O'Brien",
        "sex": "male",
        "age": 10,
        "clothing": "black hoodie, grey jeans",
        "lat": 33.7701,
        "lon": -118.1937,
    },
    {
        "given_name": "Aisha",
        "family_name": "Bello",
        "sex": "female",
        "age": 3,
        "clothing": "pink dress, white sandals",
        "lat": 34.4208,
        "lon": -119.6982,
    },
    {
        "given_name": "Wei",
        "family_name": "Chen",
        "sex": "male",
        "age": 6,
        "clothing": "orange jacket, brown trousers",
        "lat": 33.6846,
        "lon": -117.8265,
    },
    {
        "given_name": "Olga",
        "family_name": "Ivanova",
        "sex": "female",
        "age": 12,
        "clothing": "purple sweater, blue jeans",
        "lat": 34.2694,
        "lon": -118.7815,
    },
]


def child_data(kind: str, child: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "given_name": child["given_name"],
        "sex": child["sex"],
        "clothing": child["clothing"],
        "lat": child["lat"],
        "lon": child["lon"],
        "place": "Fairground gate",
        "seen_at": now - timedelta(minutes=30 if kind == "missing" else 10),
    }
    if kind == "missing":
        data.update(
            family_name=child["family_name"],
            age_years=child["age"],
            guardian_name=f"Parent of {child['given_name']}",
            guardian_phone="+15550001111",
            guardian_email="parent@example.org",
        )
    else:
        data.update(
            age_min=child["age"] - 1, age_max=child["age"] + 1, safe_location="Patrol car 12"
        )
    data.update(overrides)
    return data


def file_pair(
    agency: Any,
    officer: Any,
    report_data: Any,
    *,
    missing_by: Any = None,
    partner_org: Any = None,
) -> tuple[Report, Report, Candidate]:
    """The officer files a found report, then a guardian (or a partner) the missing one."""
    found = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    missing = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing"),
        filed_by=missing_by,
        partner_org=partner_org,
    )
    candidate = Candidate.objects.get(missing=missing, found=found)
    return found, missing, candidate


def confirmed_pair(
    agency: Any, officer: Any, coordinator: Any, report_data: Any, **kwargs: Any
) -> tuple[Report, Report, Candidate]:
    found, missing, candidate = file_pair(agency, officer, report_data, **kwargs)
    services.candidate_confirm(candidate=candidate, actor=coordinator)
    candidate.refresh_from_db()
    return found, missing, candidate


def actions(**filters: Any) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True)
    )


def full_checklist(**overrides: Any) -> dict[str, str]:
    data = {
        "id_checked": "on",
        "id_type": "driving_licence",
        "id_last4": "7x3q",
        "child_recognises": "on",
        "guardian_knowledge": "on",
        "guardian_knowledge_note": "the name of his toy truck",
        "released_to": "Lucia Alvarez",
        "collector": "reporter",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
