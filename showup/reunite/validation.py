"""The rules a report's fields must meet, written once for the web forms and the API.

A form's `clean()` and the API view both call `check_report` with the report as it would be
after the change; each problem names its field, a stable code and a message in the active
language. Field-by-field limits (lengths, age and height ranges) come from the model and the
schema/form field declarations; what lives here are the rules across fields, the rules that
depend on the time of the request, and the reading of phone numbers with the agency's region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from showup.core.phones import PhoneNumberError, parse_phone
from showup.reunite.models import Relationship, Report

FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_REPORT_AGE = timedelta(days=30)
MAX_AUTHORISED_ADULTS = 5
ADULT_NAME_MAX = 200
# Number ranges, one place for the web forms (showup.reunite.forms) and the API's schemas
# (showup.reunite.schemas); showup/tests/test_form_api_parity.py checks both refuse the same.
AGE_YEARS = (0, 18)  # a missing child's age; a found child's age guess, both ends
HEIGHT_CM = (30, 220)
LATITUDE = (-90, 90)  # WGS 84
LONGITUDE = (-180, 180)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    message: str


def check_report(
    kind: str,
    values: dict[str, Any],
    *,
    check_time: bool,
    creating: bool,
    region: str | None,
) -> list[Problem]:
    """Problems with `values` (the report as it would be). Normalises `guardian_phone` to
    E.164 in place, read with the agency's phone `region`, so every stored number can be
    texted. `creating` adds what a new report must say that older ones may lack."""
    problems = list(_where_and_when(values, check_time=check_time))
    if kind == Report.Kind.MISSING:
        problems += _missing(values, creating=creating, region=region)
    else:
        problems += _found(values)
    return problems


def _missing(values: dict[str, Any], *, creating: bool, region: str | None) -> list[Problem]:
    problems = []
    if not str(values.get("given_name") or "").strip():
        problems.append(Problem("given_name", "required", _("The child's first name is required.")))
    if values.get("age_years") is None:
        problems.append(
            Problem("age_years", "required", _("The child's age is required (0 to 18)."))
        )
    if not values.get("sex"):
        problems.append(Problem("sex", "required", _("Choose boy, girl or not sure.")))
    if not str(values.get("guardian_name") or "").strip():
        problems.append(Problem("guardian_name", "required", _("The guardian's name is required.")))
    if creating and not values.get("reporter_relationship"):
        problems.append(
            Problem(
                "reporter_relationship",
                "required",
                _("Say who the reporting adult is to the child (mother, father, carer…)."),
            )
        )
    problems += _phone(values, region)
    problems += authorised_adults_problems(values.get("authorised_adults") or [])
    return problems


def _phone(values: dict[str, Any], region: str | None) -> list[Problem]:
    phone = str(values.get("guardian_phone") or "").strip()
    if phone:
        try:
            values["guardian_phone"] = parse_phone(phone, region)
        except PhoneNumberError as exc:
            return [Problem("guardian_phone", f"phone_{exc.code}", exc.message)]
    elif not str(values.get("guardian_email") or "").strip():
        return [
            Problem(
                "guardian_phone",
                "contact",
                _("Give a phone number or an email so the unit can reach the guardian."),
            )
        ]
    return []


def authorised_adults_problems(adults: Iterable[Any]) -> list[Problem]:
    """Each adult allowed to collect the child has a name and a relationship."""
    adults = list(adults)
    if len(adults) > MAX_AUTHORISED_ADULTS:
        return [
            Problem(
                "authorised_adults",
                "too_many",
                _("List at most %(n)d adults.") % {"n": MAX_AUTHORISED_ADULTS},
            )
        ]
    for adult in adults:
        name = str(adult.get("name", "") if isinstance(adult, dict) else "").strip()
        relationship = adult.get("relationship", "") if isinstance(adult, dict) else ""
        if not name or relationship not in Relationship.values:
            return [
                Problem(
                    "authorised_adults",
                    "incomplete",
                    _("Give each adult's full name and their relationship to the child."),
                )
            ]
        if len(name) > ADULT_NAME_MAX:
            return [
                Problem("authorised_adults", "too_long", _("A name is at most 200 characters."))
            ]
    return []


def _found(values: dict[str, Any]) -> list[Problem]:
    problems = []
    if not str(values.get("safe_location") or "").strip():
        problems.append(
            Problem("safe_location", "required", _("Say where the child is being kept safe now."))
        )
    low, high = values.get("age_min"), values.get("age_max")
    if low is not None and high is not None and low > high:
        problems.append(
            Problem("age_max", "age_range", _("The upper age must not be below the lower age."))
        )
    return problems


def _where_and_when(values: dict[str, Any], *, check_time: bool) -> list[Problem]:
    problems = []
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        field = "lon" if lon is None else "lat"
        problems.append(Problem(field, "position", _("Give both lat and lon, or neither.")))
    elif lat is None and not str(values.get("place") or "").strip():
        problems.append(
            Problem(
                "place",
                "where",
                _("Give the place: type it, drop a pin on the map or use your location."),
            )
        )
    seen_at: datetime | None = values.get("seen_at")
    if seen_at is None:
        problems.append(Problem("seen_at", "required", _("The time is required.")))
    elif check_time:
        problems += _time_problems(seen_at)
    return problems


def _time_problems(seen_at: datetime) -> list[Problem]:
    now = timezone.now()
    if seen_at > now + FUTURE_TOLERANCE:
        return [Problem("seen_at", "future", _("This time is in the future."))]
    if seen_at < now - MAX_REPORT_AGE:
        return [
            Problem(
                "seen_at",
                "too_old",
                _("This is more than 30 days ago. Please call the police directly."),
            )
        ]
    return []


def fill_age_range(values: dict[str, Any]) -> None:
    """One given age of a found child becomes a range of one."""
    if values.get("age_min") is None and values.get("age_max") is not None:
        values["age_min"] = values["age_max"]
    if values.get("age_max") is None and values.get("age_min") is not None:
        values["age_max"] = values["age_min"]
