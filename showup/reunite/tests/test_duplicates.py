"""likely_duplicate: the same child from the same contact, hours apart, is flagged; anything
else is not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from showup.reunite import services
from showup.reunite.duplicates import fold_name, likely_duplicate, phone_digits
from showup.reunite.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(agency: Any, report_data: Any) -> Report:
    return services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )


def _missing(agency: Any, report_data: Any, **overrides: Any) -> Report | None:
    return likely_duplicate(
        agency_id=agency.pk, kind="missing", data=report_data("missing", **overrides)
    )


def test_it_folds_names_and_phones() -> None:
    assert fold_name("  MATEÍTO ") == "mateito"
    assert fold_name("José  Luis") == "jose luis"
    assert fold_name("") == ""
    assert phone_digits("(555) 000-1111") == phone_digits("+1 555 000 1111") == "5550001111"
    assert phone_digits("12-34") == ""  # too short to identify anyone


def test_it_flags_the_same_child_and_phone(first: Report, agency: Any, report_data: Any) -> None:
    found = _missing(
        agency, report_data, given_name="MATEO", guardian_phone="(555) 000-1111", guardian_email=""
    )
    assert found == first


def test_it_flags_the_same_child_and_email_with_accents_and_case(
    agency: Any, report_data: Any
) -> None:
    first = services.report_create(
        agency=agency,
        kind="missing",
        data=report_data("missing", given_name="Inés", guardian_phone=""),
        filed_by=None,
    )
    found = _missing(
        agency,
        report_data,
        given_name="ines",
        guardian_phone="",
        guardian_email="LUCIA@Example.org",
    )
    assert found == first


def test_it_returns_the_earliest_of_several(first: Report, agency: Any, report_data: Any) -> None:
    services.report_create(
        agency=agency, kind="missing", data=report_data("missing"), filed_by=None
    )
    assert _missing(agency, report_data) == first


def test_it_excludes_the_report_itself(first: Report, agency: Any, report_data: Any) -> None:
    data = report_data("missing")
    assert (
        likely_duplicate(agency_id=agency.pk, kind="missing", data=data, exclude_pk=first.pk)
        is None
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"given_name": "Lucas"},  # another child of the same guardian
        {"guardian_phone": "+15559998888", "guardian_email": "other@example.org"},
        {"guardian_phone": "", "guardian_email": ""},
        {"given_name": ""},
    ],
)
def test_it_does_not_flag_another_child_or_contact(
    first: Report, agency: Any, report_data: Any, overrides: dict[str, Any]
) -> None:
    assert _missing(agency, report_data, **overrides) is None


def test_it_ignores_old_closed_other_kind_and_other_agency(
    first: Report, agency: Any, other_agency: Any, report_data: Any
) -> None:
    assert _missing(agency, report_data) == first
    assert (
        likely_duplicate(agency_id=other_agency.pk, kind="missing", data=report_data("missing"))
        is None
    )
    assert likely_duplicate(agency_id=agency.pk, kind="found", data=report_data("missing")) is None

    Report.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=13))
    assert _missing(agency, report_data) is None

    Report.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=1), status=Report.Status.CANCELLED
    )
    assert _missing(agency, report_data) is None


def test_it_flags_a_found_child_filed_twice_by_the_same_officer(
    agency: Any, officer: Any, officer2: Any, report_data: Any
) -> None:
    first = services.report_create(
        agency=agency, kind="found", data=report_data("found"), filed_by=officer
    )
    assert first.holding_officer == officer
    data = report_data("found", given_name="mateo", age_min=4, age_max=6)
    assert (
        likely_duplicate(
            agency_id=agency.pk, kind="found", data=data, holding_officer_id=officer.pk
        )
        == first
    )
    # Another officer's child, another name, or ages that cannot be the same child.
    assert (
        likely_duplicate(
            agency_id=agency.pk, kind="found", data=data, holding_officer_id=officer2.pk
        )
        is None
    )
    other_name = report_data("found", given_name="Maya")
    assert (
        likely_duplicate(
            agency_id=agency.pk, kind="found", data=other_name, holding_officer_id=officer.pk
        )
        is None
    )
    older = report_data("found", age_min=9, age_max=11)
    assert (
        likely_duplicate(
            agency_id=agency.pk, kind="found", data=older, holding_officer_id=officer.pk
        )
        is None
    )
    # Without a holder to compare, nothing is flagged.
    assert likely_duplicate(agency_id=agency.pk, kind="found", data=data) is None


def test_it_flags_a_found_child_filed_twice_by_the_same_partner(
    agency: Any, partner: Any, store: Any, hospital: Any, report_data: Any
) -> None:
    first = services.report_create(
        agency=agency,
        kind="found",
        data=report_data("found", age_min=None, age_max=None),
        filed_by=partner,
        partner_org=store,
    )
    data = report_data("found", given_name="Matéo")
    assert (
        likely_duplicate(agency_id=agency.pk, kind="found", data=data, partner_org_id=store.pk)
        == first
    )
    assert (
        likely_duplicate(agency_id=agency.pk, kind="found", data=data, partner_org_id=hospital.pk)
        is None
    )
