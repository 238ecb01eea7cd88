"""A guest officer sees the visits they come along on, on "My day" and in both calendar
feeds, marked as a guest, with what the visit's officer sees and no more; only the visit's
officer acts on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from icalendar import Calendar

from showup.core.models import AuditEntry
from showup.visits import selectors, services
from showup.visits.models import VisitGuest
from showup.visits.services import Guest, VisitError

from .conftest import at

PRIVATE = ("Milo", "dinosaurs", "brave", "Room 12")


@pytest.fixture
def guested(
    visit_request: Any, officer: Any, officer2: Any, coordinator: Any, other_partner: Any
) -> Any:
    """Olivia leads, Oscar comes along as a guest officer; the hospital accepted."""
    visit = services.slot_propose(
        request=visit_request,
        officer=officer,
        start=at(1, 14),
        end=at(1, 15),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    return services.slot_accept(visit=visit, actor=other_partner)


def events(content: bytes) -> list[Any]:
    return list(Calendar.from_ical(content).walk("VEVENT"))


# --- selectors ------------------------------------------------------------------------------


def test_my_day_has_the_visit_for_its_officer_and_its_guest_marked(
    guested: Any, officer: Any, officer2: Any, coordinator: Any
) -> None:
    _today, lead_later = selectors.my_day(officer)
    _today, guest_later = selectors.my_day(officer2)
    assert [(v.pk, v.as_guest) for v in lead_later] == [(guested.pk, False)]
    assert [(v.pk, v.as_guest) for v in guest_later] == [(guested.pk, True)]


def test_a_visit_listed_twice_as_guest_shows_once(guested: Any, officer2: Any) -> None:
    VisitGuest.objects.create(visit=guested, kind="officer", name="Oscar", officer=officer2)
    _today, later = selectors.my_day(officer2)
    assert [v.pk for v in later] == [guested.pk]
    assert [v.pk for v in selectors.feed_visits(officer2)] == [guested.pk]


def test_declined_and_cancelled_guest_visits_leave_the_day_and_the_feed(
    guested: Any, officer2: Any, coordinator: Any
) -> None:
    services.request_cancel(request=guested.request, actor=coordinator)
    assert selectors.my_day(officer2) == ([], [])
    assert not selectors.feed_visits(officer2).exists()


def test_an_officer_who_is_not_a_guest_sees_nothing_of_it(
    guested: Any, make_user: Any, agency: Any, outsider: Any
) -> None:
    third = make_user("tess", "officer", agency)
    assert selectors.my_day(third) == ([], [])
    assert not selectors.feed_visits(third).exists()
    assert not selectors.feed_visits(outsider).exists()


# --- pages ----------------------------------------------------------------------------------


def test_the_guest_s_day_shows_the_visit_read_only(guested: Any, login: Any, officer2: Any) -> None:
    page = login(officer2).get(reverse("visits:my_day")).content.decode()
    assert 'data-role="guest"' in page
    assert "<bdi>Milo</bdi>, 7" in page  # what the visit's officer sees on their card, no more
    assert "You come along as a guest officer: Olivia leads this visit" in page
    assert reverse("visits:request_detail", args=[guested.request_id]) in page
    for action in ("visit_start", "visit_interrupt", "visit_complete", "visit_given"):
        assert reverse(f"visits:{action}", args=[guested.pk]) not in page
    seen = AuditEntry.objects.get(action="visits.request.viewed", actor=officer2)
    assert seen.data["where"] == "visits.my_day"


def test_the_lead_s_day_keeps_its_buttons_and_no_guest_mark(
    guested: Any, login: Any, officer: Any
) -> None:
    page = login(officer).get(reverse("visits:my_day")).content.decode()
    assert reverse("visits:visit_start", args=[guested.pk]) in page
    assert 'data-role="guest"' not in page


def test_the_guest_may_not_act_on_the_visit(
    guested: Any, login: Any, officer2: Any, client: Any
) -> None:
    login(officer2)
    for name in ("visit_start", "visit_interrupt"):
        assert client.post(reverse(f"visits:{name}", args=[guested.pk])).status_code == 403
    for name in ("visit_complete", "visit_given"):
        assert client.get(reverse(f"visits:{name}", args=[guested.pk])).status_code == 403
    response = client.post(f"/api/visits/visits/{guested.pk}/start")
    assert response.status_code == 403
    guested.refresh_from_db()
    assert guested.status == "scheduled"
    # ...but opens the request, read only, like any officer of the unit
    page = client.get(reverse("visits:request_detail", args=[guested.request_id])).content
    assert reverse("visits:visit_given", args=[guested.pk]).encode() not in page


def test_the_api_lists_the_guest_s_visit_with_them_among_the_guests(
    guested: Any, login: Any, officer2: Any
) -> None:
    (visit,) = login(officer2).get("/api/visits/visits").json()
    assert visit["id"] == guested.pk and visit["officer_id"] != officer2.pk
    assert [g["officer_id"] for g in visit["guests"]] == [officer2.pk]


# --- calendar feeds -------------------------------------------------------------------------


def test_the_guest_s_feed_has_the_visit_marked_and_no_child_details(
    guested: Any, login: Any, officer2: Any
) -> None:
    content = login(officer2).get(reverse("visits:calendar_feed")).content
    (event,) = events(content)
    assert str(event["UID"]) == f"visit-{guested.pk}@showup"
    assert event.decoded("DTSTART") == at(1, 14)
    assert str(event["SUMMARY"]) == "Officer visit (as a guest): Mercy Children's"
    description = str(event["DESCRIPTION"])
    assert "You come along as a guest officer." in description
    assert "Officer: Olivia" in description and "Escorted by staff" in description
    text = content.decode()
    for private in (*PRIVATE, "Oscar"):  # guests appear by kind, never by name
        assert private not in text


def test_the_guest_s_token_feed_has_it_too(guested: Any, client: Any, officer2: Any) -> None:
    token = services.feed_token_for(officer2).token
    response = client.get(reverse("visits:calendar_token_feed", args=[token]))
    assert [str(e["UID"]) for e in events(response.content)] == [f"visit-{guested.pk}@showup"]
    assert "(as a guest)" in str(events(response.content)[0]["SUMMARY"])


def test_the_lead_s_feed_is_not_marked_as_guest(guested: Any, login: Any, officer: Any) -> None:
    (event,) = events(login(officer).get(reverse("visits:calendar_feed")).content)
    assert str(event["SUMMARY"]) == "Officer visit: Mercy Children's"
    assert "guest officer" not in str(event["DESCRIPTION"])


# --- a guest's time is booked -----------------------------------------------------------------


def test_a_return_visit_guest_cannot_be_proposed_elsewhere_at_that_time(
    completed: Any,
    make_request: Any,
    make_user: Any,
    agency: Any,
    officer: Any,
    officer2: Any,
    coordinator: Any,
) -> None:
    """Story 04's return visit with a guest officer: the guest's time is held as firmly as
    the officer's, as lead or as someone else's guest."""
    back = services.return_visit_create(
        first_visit=completed,
        officer=officer,
        start=at(5, 10),
        end=at(5, 11),
        actor=coordinator,
        guests=[Guest(kind="officer", name="", officer=officer2)],
    )
    assert [v.pk for v in selectors.feed_visits(officer2)] == [back.pk]
    other = make_request(child_first_name="Noa")
    third = make_request(child_first_name="Ivy")
    with pytest.raises(VisitError) as as_lead:
        services.slot_propose(
            request=other, officer=officer2, start=at(5, 10, 30), end=at(5, 11), actor=coordinator
        )
    with pytest.raises(VisitError) as as_guest:
        services.slot_propose(
            request=third,
            officer=make_user("tess", "officer", agency),
            start=at(5, 9),
            end=at(5, 10, 15),
            actor=coordinator,
            guests=[Guest(kind="officer", name="", officer=officer2)],
        )
    assert as_lead.value.code == as_guest.value.code == "overlap"
    assert back.request.reference in as_lead.value.message
    assert "Guest officer Oscar is already booked" in as_guest.value.message
    assert not other.visits.exists() and not third.visits.exists()
