"""iCalendar (RFC 5545) for public events, written with the `icalendar` package: one event's
"Add to calendar" file and a feed of the upcoming ones.

Public data only: the title, the place, the times, the description, the activities and a link
to the event's page. Never anyone's registration. Times are written in UTC (the `Z` form), so
every calendar app places them right whatever its own time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as ICalEvent

from showup.events.models import Event

PRODID = "-//showup//events//EN"


def event_url(event: Event) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("events:detail", args=[event.reference])


def location(event: Event) -> str:
    return ", ".join(part for part in (event.place_name, event.address) if part)


def description(event: Event) -> str:
    lines: list[str] = []
    if event.description:
        lines.append(event.description)
    activities = list(event.activities.all())
    if activities:
        lines.append("")
        lines.append(_("Activities:"))
        for activity in activities:
            when = timezone.localtime(activity.start).strftime("%H:%M")
            place = f" ({activity.place})" if activity.place else ""
            lines.append(f"{when} {activity.title}{place}")
    if event.accessibility:
        lines.append("")
        lines.append(_("Accessibility: %(notes)s") % {"notes": event.accessibility})
    lines.append("")
    lines.append(_("Details and registration: %(link)s") % {"link": event_url(event)})
    return "\n".join(lines)


def component(event: Event) -> ICalEvent:
    item = ICalEvent()
    item.add("uid", f"event-{event.reference}@showup")
    item.add("dtstamp", timezone.now().astimezone(UTC))
    item.add("dtstart", event.start.astimezone(UTC))
    item.add("dtend", event.end.astimezone(UTC))
    item.add("summary", event.title)
    place = location(event)
    if place:
        item.add("location", place)
    if event.lat is not None and event.lon is not None:
        item.add("geo", (event.lat, event.lon))
    item.add("description", description(event))
    item.add("url", event_url(event))
    item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    item.add("last-modified", event.updated_at.astimezone(UTC))
    return item


def calendar_for(events: Iterable[Event], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(component(event))
    return cal.to_ical()


def one_event(event: Event) -> bytes:
    return calendar_for([event], name=event.title)


def feed(events: Iterable[Event]) -> bytes:
    return calendar_for(events, name=_("Community events"))
