"""iCalendar (RFC 5545) feeds of visits, written with the `icalendar` package.

A feed leaves showup for phones and third-party calendar services, so it never carries the
child's name, age, interests or anything the partner wrote about them: only the organisation,
the place, the officer, the time, the rules visitors must follow, and a link back into showup
(where viewing the child's details is access-checked and audited). An officer's feed also has
the visits they join as a guest officer, marked as such, with exactly the same content.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from showup.core.models import User
from showup.visits import selectors
from showup.visits.models import Visit, VisitRequest

PRODID = "-//showup//visits//EN"
ICAL_STATUS: dict[str, str] = {
    Visit.Status.PROPOSED: "TENTATIVE",
    Visit.Status.SCHEDULED: "CONFIRMED",
    Visit.Status.IN_PROGRESS: "CONFIRMED",
    Visit.Status.INTERRUPTED: "CONFIRMED",
    Visit.Status.COMPLETED: "CONFIRMED",
}


def rules_summary(request: VisitRequest) -> list[str]:
    lines = [_("Group of at most %(n)s visitors") % {"n": request.max_group_size}]
    if request.min_visitor_age:
        lines.append(_("Visitors aged %(n)s or over") % {"n": request.min_visitor_age})
    if request.infection_screening:
        lines.append(_("Infection screening at the door"))
    if request.flu_vaccination:
        lines.append(_("Flu vaccination required in season"))
    lines.append(_("Photos allowed") if request.photos_allowed else _("No photos of patients"))
    if request.escort_required:
        lines.append(_("Escorted by staff"))
    return lines


def _summary(visit: Visit, viewer: User) -> str:
    org = str(visit.request.partner_org)
    if visit.status == Visit.Status.PROPOSED:
        prefix = _("Proposed visit")
    elif visit.status == Visit.Status.INTERRUPTED:
        prefix = _("Visit (called away)")
    elif visit.return_of_id:
        prefix = _("Return visit")
    else:
        prefix = _("Officer visit")
    if selectors.is_partner(viewer):
        return f"{prefix}: {visit.officer.display_name()}"
    if _as_guest(visit, viewer):
        return _("%(kind)s (as a guest): %(org)s") % {"kind": prefix, "org": org}
    return f"{prefix}: {org}"


def _as_guest(visit: Visit, viewer: User) -> bool:
    return selectors.is_officer(viewer) and visit.officer_id != viewer.pk


def event_for(visit: Visit, viewer: User) -> Event:
    request = visit.request
    event = Event()
    event.add("uid", f"visit-{visit.pk}@showup")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", visit.start)
    event.add("dtend", visit.end)
    event.add("summary", _summary(visit, viewer))
    place = request.place.name if request.place else ""
    event.add("location", ", ".join(p for p in (str(request.partner_org), place) if p))
    link = settings.SITE_URL.rstrip("/") + reverse("visits:request_detail", args=[request.pk])
    guests = [str(g.get_kind_display()) for g in visit.guests.all()]
    lines = [
        _("Request %(ref)s") % {"ref": request.reference},
        _("Officer: %(name)s") % {"name": visit.officer.display_name()},
        *rules_summary(request),
    ]
    if _as_guest(visit, viewer):
        lines.insert(2, _("You come along as a guest officer."))
    if guests:
        lines.append(_("Guests: %(list)s") % {"list": ", ".join(guests)})
    lines.append(_("Details (sign-in needed): %(link)s") % {"link": link})
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("status", ICAL_STATUS.get(visit.status, "CONFIRMED"))
    event.add(
        "last-modified",
        visit.completed_at or visit.interrupted_at or visit.accepted_at or visit.created_at,
    )
    return event


def feed_for(user: User) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("showup visits"))
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for visit in selectors.feed_visits(user).select_related("request__place")[:1000]:
        cal.add_component(event_for(visit, user))
    return cal.to_ical()
