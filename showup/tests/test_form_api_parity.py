"""Web forms take the API's number ranges: for every number both accept, the value just beyond
the API's limit (read from the API's own JSON schema, not from the shared constants) is refused
by the web form, and the limit itself is not refused for being out of range.

The visits model's fields would take up to 32767 (PositiveSmallIntegerField): before the shared
ranges (showup.visits.limits), a web form took 366 days of notice that the API refuses."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django import forms

from showup.core.models import PartnerOrganisation
from showup.reunite import forms as reunite_forms
from showup.reunite import schemas as reunite_schemas
from showup.visits import forms as visits_forms
from showup.visits import schemas as visits_schemas
from showup.visits.models import MementoKind

pytestmark = pytest.mark.django_db


def api_range(schema: Any, name: str) -> tuple[Any, Any]:
    """The minimum and maximum the API documents (and pydantic enforces) for a field."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("minimum", "maximum"):
                if key in node:
                    found.setdefault(key, node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema.model_json_schema()["properties"][name])
    assert {"minimum", "maximum"} <= found.keys(), f"{schema.__name__}.{name} has no range"
    return found["minimum"], found["maximum"]


def api_accepts(schema: Any, name: str, value: Any, base: dict[str, Any]) -> bool:
    from pydantic import ValidationError

    try:
        schema.model_validate({**base, name: value})
    except ValidationError as error:
        return not any(e["loc"][:1] == (name,) for e in error.errors())
    return True


def refuses(make: Callable[[dict[str, Any]], forms.BaseForm], name: str, value: Any) -> bool:
    """Whether the web form, posted with this value, says the field is wrong."""
    form = make({name: str(value)})
    form.is_valid()
    return name in form.errors


def partners_form(data: dict[str, Any]) -> forms.BaseForm:
    return visits_forms.RequestForPartnerForm(data, partners=PartnerOrganisation.objects.none())


def slot_form(data: dict[str, Any]) -> forms.BaseForm:
    return visits_forms.CompleteForm(data, officers=[])


RULES = ["max_group_size", "min_visitor_age", "min_notice_days"]
VISITS_CASES = [
    *[("place", visits_forms.PlaceForm, visits_schemas.RulesIn, name) for name in RULES],
    *[("request", visits_forms.RequestForm, visits_schemas.RulesIn, name) for name in RULES],
    *[("for partner", partners_form, visits_schemas.RulesIn, name) for name in RULES],
    ("request", visits_forms.RequestForm, visits_schemas.RequestIn, "child_age"),
    ("for partner", partners_form, visits_schemas.RequestIn, "child_age"),
]
REUNITE_CASES = [
    *[
        ("missing", reunite_forms.MissingReportForm, name)
        for name in ("age_years", "height_cm", "lat", "lon")
    ],
    *[
        ("found", reunite_forms.FoundReportForm, name)
        for name in ("age_min", "age_max", "lat", "lon")
    ],
]


def step(value: Any) -> Any:
    """The smallest change the field can hold: whole numbers for counts, a tenth of a year for
    ages (the API's 1 decimal place), a millionth of a degree for coordinates."""
    if isinstance(value, int):
        return 1
    return Decimal("0.1") if isinstance(value, Decimal) else 1e-6


@pytest.mark.parametrize(("what", "make", "schema", "name"), VISITS_CASES)
def test_visits_forms_refuse_what_the_api_refuses(
    what: str, make: Any, schema: Any, name: str
) -> None:
    lowest, highest = api_range(schema, name)
    assert not api_accepts(schema, name, highest + 1, {})
    assert refuses(make, name, highest + 1), f"{what} form takes {name}={highest + 1}"
    assert refuses(make, name, lowest - 1), f"{what} form takes {name}={lowest - 1}"
    assert not refuses(make, name, highest), f"{what} form refuses {name}={highest}"
    assert not refuses(make, name, lowest), f"{what} form refuses {name}={lowest}"


@pytest.mark.parametrize(
    "make", [visits_forms.RequestForm, partners_form], ids=["request", "for partner"]
)
def test_the_group_size_stops_at_the_largest_group_the_api_allows(make: Any) -> None:
    # The API checks group_size against the request's own limit, which is at most the rules'
    # maximum: nothing above that maximum can ever pass, on the web either.
    _, largest_group = api_range(visits_schemas.RulesIn, "max_group_size")
    assert refuses(make, "group_size", largest_group + 1)
    assert refuses(make, "group_size", 0)
    assert not refuses(make, "group_size", largest_group)


@pytest.mark.parametrize(
    "make",
    [slot_form, visits_forms.GivenForm],
    ids=["complete", "given"],
)
def test_mementos_given_stop_where_the_api_stops(make: Any) -> None:
    _, most = api_range(visits_schemas.MementoIO, "quantity")
    for kind in MementoKind.values:
        name = f"given_{kind}"
        assert refuses(make, name, most + 1), name
        assert refuses(make, name, -1), name
        # 0 is "none of this kind" on the web (the API leaves the row out).
        assert not refuses(make, name, most) and not refuses(make, name, 0), name


@pytest.mark.parametrize(("what", "make", "name"), REUNITE_CASES)
def test_report_forms_refuse_what_the_api_refuses(what: str, make: Any, name: str) -> None:
    schema = reunite_schemas.ReportCreateIn
    lowest, highest = api_range(schema, name)
    kind = {"lat": float, "lon": float, "height_cm": int}.get(name, Decimal)
    lowest, highest = kind(str(lowest)), kind(str(highest))
    delta = step(highest)
    assert refuses(make, name, highest + delta), f"{what} form takes {name}={highest + delta}"
    assert refuses(make, name, lowest - delta), f"{what} form takes {name}={lowest - delta}"
    assert not refuses(make, name, highest), f"{what} form refuses {name}={highest}"
    assert not refuses(make, name, lowest), f"{what} form refuses {name}={lowest}"


def test_the_example_from_the_issue_a_years_notice_is_the_most_on_both() -> None:
    assert api_range(visits_schemas.RulesIn, "min_notice_days") == (0, 365)
    assert refuses(visits_forms.PlaceForm, "min_notice_days", 366)
    assert refuses(visits_forms.PlaceForm, "min_notice_days", 32767)
    form = visits_forms.PlaceForm()
    assert form.fields["min_notice_days"].widget.attrs["max"] == "365"
