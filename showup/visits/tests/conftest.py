"""Visits fixtures: the hospital's standing rules, requests at each stage of their life, shifts.

`other_partner` (nina, hospital child-life staff) files the requests, so in access tests she is
"partner, own organisation" and `partner` (pat, store security) is "partner, other organisation".
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from showup.e2e.conftest import (  # noqa: F401
    browser_context_args,
    browser_type_launch_args,
    shot,
    staff_login,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Six accounts per test: the production hasher would spend most of the suite's time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(days: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local time `days` from today."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def place(hospital: Any, other_partner: Any) -> Any:
    from showup.visits import services

    return services.place_save(
        partner_org=hospital,
        actor=other_partner,
        data={
            "name": "Children's ward 4",
            "max_group_size": 3,
            "min_visitor_age": 16,
            "infection_screening": True,
            "flu_vaccination": True,
            "photos_allowed": False,
            "escort_required": True,
            "min_notice_days": 14,
            "rules_notes": "Check in at the child-life desk, level 2.",
        },
    )


@pytest.fixture
def shifts(officer: Any, officer2: Any, coordinator: Any) -> list[Any]:
    """Both officers on shift 08:00-18:00 for the next ten days."""
    from showup.visits.models import Shift

    out = []
    for o in (officer, officer2):
        for d in range(0, 10):
            out.append(
                Shift.objects.create(
                    agency_id=o.agency_id, officer=o, start=at(d, 8), end=at(d, 18)
                )
            )
    return out


@pytest.fixture
def make_request(other_partner: Any, hospital: Any, place: Any) -> Any:
    from showup.visits import services

    def make(**overrides: Any) -> Any:
        data = {
            "child_first_name": "Milo",
            "child_age": 7,
            "interests": "dinosaurs, sirens",
            "asked_for": "a real police officer, a brave one",
            "ward": "Room 12",
            "group_size": 2,
            "urgency": "soon",
        }
        windows = overrides.pop("windows", [(at(1, 10), at(1, 12)), (at(2, 14), at(2, 16))])
        data.update(overrides)
        return services.request_create(
            actor=other_partner, partner_org=hospital, data=data, windows=windows, place=place
        )

    return make


@pytest.fixture
def visit_request(make_request: Any) -> Any:
    return make_request()


@pytest.fixture
def proposed(visit_request: Any, officer: Any, coordinator: Any, shifts: Any) -> Any:
    from showup.visits import services

    return services.slot_propose(
        request=visit_request, officer=officer, start=at(1, 10), end=at(1, 11), actor=coordinator
    )


@pytest.fixture
def scheduled(proposed: Any, other_partner: Any) -> Any:
    from showup.visits import services

    return services.slot_accept(visit=proposed, actor=other_partner)


@pytest.fixture
def in_progress(scheduled: Any, officer: Any) -> Any:
    from showup.visits import services

    return services.visit_start(visit=scheduled, actor=officer)


@pytest.fixture
def interrupted(in_progress: Any, officer: Any) -> Any:
    from showup.visits import services

    return services.visit_interrupt(visit=in_progress, actor=officer)


@pytest.fixture
def completed(
    make_request: Any, officer: Any, coordinator: Any, other_partner: Any, shifts: Any
) -> Any:
    """A separate request whose visit (day 3) is done."""
    from showup.visits import services

    r = make_request(child_first_name="Ada", windows=[(at(3, 9), at(3, 12))])
    v = services.slot_propose(
        request=r, officer=officer, start=at(3, 9), end=at(3, 10), actor=coordinator
    )
    services.slot_accept(visit=v, actor=other_partner)
    # The stock never goes below zero: the unit has patches to give.
    services.stock_set(agency=r.agency, kind="patch", quantity=5, actor=coordinator)
    return services.visit_complete(
        visit=v, actor=officer, note="Loved the siren.", mementos={"patch": 1}
    )
