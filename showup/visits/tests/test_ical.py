"""The iCalendar feeds parse with the `icalendar` package and carry the right events,
and never a child's name or anything the partner wrote about them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from icalendar import Calendar

from showup.visits import services

from .conftest import at


def events(content: bytes) -> list[Any]:
    cal = Calendar.from_ical(content)
    return list(cal.walk("VEVENT"))


def test_the_officer_s_feed_has_their_visits(
    login: Any, officer: Any, scheduled: Any, completed: Any
) -> None:
    response = login(officer).get(reverse("visits:calendar_feed"))
    assert response["Content-Type"].startswith("text/calendar")
    found = {str(e["UID"]): e for e in events(response.content)}
    assert set(found) == {f"visit-{scheduled.pk}@showup", f"visit-{completed.pk}@showup"}
    event = found[f"visit-{scheduled.pk}@showup"]
    assert event.decoded("DTSTART") == at(1, 10)
    assert event.decoded("DTEND") == at(1, 11)
    assert str(event["SUMMARY"]) == "Officer visit: Mercy Children's"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Escorted by staff" in str(event["DESCRIPTION"])
    assert "No photos of patients" in str(event["DESCRIPTION"])


def test_no_child_details_leave_in_a_feed(login: Any, officer: Any, scheduled: Any) -> None:
    text = login(officer).get(reverse("visits:calendar_feed")).content.decode()
    for private in ("Milo", "dinosaurs", "brave", "Room 12"):
        assert private not in text


def test_the_partner_feed_shows_their_organisation_s_visits(
    login: Any, other_partner: Any, partner: Any, proposed: Any, client: Any
) -> None:
    mine = events(login(other_partner).get(reverse("visits:calendar_feed")).content)
    assert len(mine) == 1
    assert str(mine[0]["SUMMARY"]) == "Proposed visit: Olivia"
    assert str(mine[0]["STATUS"]) == "TENTATIVE"
    client.logout()
    assert events(login(partner).get(reverse("visits:calendar_feed")).content) == []


def test_the_token_feed_works_without_a_session(client: Any, officer: Any, scheduled: Any) -> None:
    token = services.feed_token_for(officer).token
    response = client.get(reverse("visits:calendar_token_feed", args=[token]))
    assert [str(e["UID"]) for e in events(response.content)] == [f"visit-{scheduled.pk}@showup"]


def test_an_interrupted_visit_stays_in_the_calendar_marked(
    login: Any, officer: Any, interrupted: Any
) -> None:
    (event,) = events(login(officer).get(reverse("visits:calendar_feed")).content)
    assert str(event["SUMMARY"]).startswith("Visit (called away)")


def test_the_calendar_page_shows_the_subscription_link(login: Any, officer: Any) -> None:
    page = login(officer).get(reverse("visits:calendar")).content.decode()
    token = services.feed_token_for(officer).token
    assert f"/visits/calendar/{token}.ics" in page
