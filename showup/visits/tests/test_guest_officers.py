"""A guest who is another officer of the agency is booked too: no overlapping bookings for
them either, as the visit's officer or as someone else's guest."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from showup.visits import services
from showup.visits.models import Visit, VisitGuest
from showup.visits.services import Guest, VisitError

from .conftest import at

FMT = "%Y-%m-%dT%H:%M"


def test_a_guest_officer_is_recorded_with_their_account(
    interrupted: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    back = services.visit_reschedule(
        request=interrupted.request,
        officer=officer,
        start=at(3, 10),
        end=at(3, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    guest = back.guests.get()
    assert (guest.kind, guest.officer, guest.name) == ("officer", officer2, "Oscar")


def test_it_refuses_a_guest_officer_who_is_booked_elsewhere(
    proposed: Any, make_request: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    """`proposed` books officer at day 1, 10-11: he cannot come along as a guest then."""
    other = make_request(child_first_name="Noa")
    with pytest.raises(VisitError) as err:
        services.slot_propose(
            request=other,
            officer=officer2,
            start=at(1, 10, 30),
            end=at(1, 11, 30),
            actor=coordinator,
            guests=[Guest(kind="officer", name="", officer=officer)],
        )
    assert err.value.code == "overlap"
    assert f"Guest officer {officer.display_name()} is already booked" in err.value.message
    assert proposed.request.reference in err.value.message
    other.refresh_from_db()
    assert other.status == "requested" and not other.visits.exists()


def test_an_officer_booked_as_a_guest_cannot_be_booked_again_then(
    visit_request: Any, make_request: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    services.slot_propose(
        request=visit_request,
        officer=officer,
        start=at(1, 10),
        end=at(1, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    other = make_request(child_first_name="Noa")
    with pytest.raises(VisitError) as err:
        services.slot_propose(
            request=other, officer=officer2, start=at(1, 10), end=at(1, 11), actor=coordinator
        )
    assert err.value.code == "overlap" and "as a guest" in err.value.message
    # Later the same day both are free again.
    third = make_request(child_first_name="Ivy")
    services.slot_propose(
        request=third,
        officer=officer,
        start=at(1, 12),
        end=at(1, 13),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )


def test_back_to_back_and_after_an_interruption_the_guest_is_free(
    visit_request: Any, make_request: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    first = services.slot_propose(
        request=visit_request,
        officer=officer,
        start=at(1, 10),
        end=at(1, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    other = make_request(child_first_name="Noa")
    services.slot_propose(
        request=other, officer=officer2, start=at(1, 11), end=at(1, 12), actor=coordinator
    )
    services.request_cancel(request=visit_request, actor=coordinator)
    third = make_request(child_first_name="Ivy")
    services.slot_propose(
        request=third, officer=officer2, start=first.start, end=first.end, actor=coordinator
    )


def test_it_refuses_the_visit_s_own_officer_or_an_outsider_as_guest(
    visit_request: Any, officer: Any, outsider: Any, officer2: Any, coordinator: Any
) -> None:
    cases = {
        "guest_is_officer": [Guest(kind="officer", name="", officer=officer)],
        "unknown_officer": [Guest(kind="officer", name="", officer=outsider)],
        "duplicate_guest": [
            Guest(kind="officer", name="", officer=officer2),
            Guest(kind="officer", name="", officer=officer2),
        ],
    }
    for code, guests in cases.items():
        with pytest.raises(VisitError) as err:
            services.slot_propose(
                request=visit_request,
                officer=officer,
                start=at(1, 10),
                end=at(1, 11),
                actor=coordinator,
                guests=guests,
            )
        assert err.value.code == code
    assert not Visit.objects.exists()


def test_the_slot_form_explains_a_guest_officer_s_clash_and_keeps_the_input(
    proposed: Any,
    make_request: Any,
    login: Any,
    coordinator: Any,
    officer: Any,
    officer2: Any,
) -> None:
    other = make_request(child_first_name="Noa")
    response = login(coordinator).post(
        reverse("visits:propose", args=[other.pk]),
        {
            "officer": officer2.pk,
            "start": at(1, 10).strftime(FMT),
            "end": at(1, 11).strftime(FMT),
            "guest_1_kind": "officer",
            "guest_1_officer": officer.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Guest officer {officer.display_name()} is already booked" in page
    assert f'<option value="{officer.pk}" selected>' in page
    assert not other.visits.exists()


def test_the_slot_form_books_a_guest_officer_and_availability_shows_it(
    visit_request: Any, login: Any, coordinator: Any, officer: Any, officer2: Any, shifts: Any
) -> None:
    client = login(coordinator)
    response = client.post(
        reverse("visits:propose", args=[visit_request.pk]),
        {
            "officer": officer.pk,
            "start": at(1, 10).strftime(FMT),
            "end": at(1, 11).strftime(FMT),
            "guest_1_officer": officer2.pk,
        },
    )
    assert response.status_code == 302
    assert VisitGuest.objects.get().officer == officer2
    page = client.get(
        reverse("visits:availability") + f"?date={at(1).date().isoformat()}"
    ).content.decode()
    assert "as a guest" in page


def test_the_form_refuses_an_officer_on_a_guest_of_another_kind(
    visit_request: Any, login: Any, coordinator: Any, officer: Any, officer2: Any, shifts: Any
) -> None:
    page = (
        login(coordinator)
        .post(
            reverse("visits:propose", args=[visit_request.pk]),
            {
                "officer": officer.pk,
                "start": at(1, 10).strftime(FMT),
                "end": at(1, 11).strftime(FMT),
                "guest_1_kind": "k9",
                "guest_1_name": "Rex",
                "guest_1_officer": officer2.pk,
            },
        )
        .content.decode()
    )
    assert "Only a guest who is another officer" in page and 'value="Rex"' in page
    assert not Visit.objects.exists()


def test_the_api_books_guest_officers_and_refuses_clashes(
    proposed: Any,
    make_request: Any,
    login: Any,
    coordinator: Any,
    officer: Any,
    officer2: Any,
    outsider: Any,
) -> None:
    other = make_request(child_first_name="Noa")
    client = login(coordinator)
    url = f"/api/visits/requests/{other.pk}/slots"

    def slot(guest_officer: Any, hour: int) -> Any:
        return client.post(
            url,
            {
                "officer_id": officer2.pk,
                "start": at(1, hour).isoformat(),
                "end": at(1, hour + 1).isoformat(),
                "allow_outside_shift": True,
                "guests": [{"kind": "officer", "name": "x", "officer_id": guest_officer.pk}],
            },
            content_type="application/json",
        )

    clash = slot(officer, 10)
    assert clash.status_code == 409 and clash.json()["code"] == "overlap"
    stranger = slot(outsider, 14)
    assert stranger.status_code == 422 and stranger.json()["code"] == "unknown_officer"
    ok = slot(officer, 14)
    assert ok.status_code == 201, ok.content
    assert ok.json()["guests"] == [{"kind": "officer", "name": "x", "officer_id": officer.pk}]
