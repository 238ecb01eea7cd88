"""Reads for the visits module, and who may see what.

A request or visit the user may not see answers exactly like one that does not exist (404).
Partner staff see only their organisation's requests; officers see the agency's queue and
their own visits; coordinators see everything in their agency; other agencies see nothing.
An officer booked as a guest on another officer's visit sees it on "My day" and in their
calendar feed, marked as a guest, but only the visit's own officer acts on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from showup.core.access import is_staff_user
from showup.core.models import PartnerOrganisation, Role, User
from showup.visits.models import (
    MementoGiven,
    MementoKind,
    MementoStock,
    Place,
    Shift,
    Visit,
    VisitGuest,
    VisitQuerySet,
    VisitRequest,
    VisitRequestQuerySet,
)

MY_DAY_AHEAD = timedelta(days=14)


# --- roles ----------------------------------------------------------------------------------


def is_coordinator(user: object) -> bool:
    return (
        is_staff_user(user)
        and isinstance(user, User)
        and user.agency_id is not None
        and user.role in (Role.COORDINATOR, Role.ADMIN)
    )


def is_officer(user: object) -> bool:
    return (
        is_staff_user(user)
        and isinstance(user, User)
        and user.agency_id is not None
        and user.role == Role.OFFICER
    )


def is_partner(user: object) -> bool:
    return (
        is_staff_user(user)
        and isinstance(user, User)
        and user.agency_id is not None
        and user.role == Role.PARTNER
        and user.partner_org_id is not None
    )


def is_agency_staff(user: object) -> bool:
    return is_coordinator(user) or is_officer(user)


# --- requests -------------------------------------------------------------------------------


def visible_requests(user: User) -> VisitRequestQuerySet:
    qs = VisitRequest.objects.select_related("partner_org", "place", "requested_officer")
    if is_agency_staff(user):
        return qs.filter(agency_id=user.agency_id or 0)
    if is_partner(user):
        return qs.filter(agency_id=user.agency_id or 0, partner_org_id=user.partner_org_id)
    return qs.none()


def access_request_by_id(user: User, pk: int) -> VisitRequest:
    found = visible_requests(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such visit request")
    return found


def queue(user: User, *, include_closed: bool = False) -> VisitRequestQuerySet:
    """The coordinator's queue: most urgent first, then the longest waiting."""
    qs = visible_requests(user)
    if not include_closed:
        qs = qs.open()
    return qs.by_urgency().prefetch_related("windows", "visits__officer")


def suggested_officer(request: VisitRequest) -> User | None:
    """Who to propose first: the officer the child asked for, else the one who came last."""
    if request.requested_officer_id is not None:
        return request.requested_officer
    last = request.visits.exclude(status=Visit.Status.DECLINED).order_by("-start").first()
    return last.officer if last is not None else None


def visit_to_reschedule(request: VisitRequest) -> Visit | None:
    return (
        request.visits.filter(status=Visit.Status.INTERRUPTED).order_by("-interrupted_at").first()
    )


def partners_for_filing(user: User) -> QuerySet[PartnerOrganisation]:
    """The partner organisations a coordinator may file a request for: their agency's only."""
    if not is_coordinator(user):
        return PartnerOrganisation.objects.none()
    return PartnerOrganisation.objects.filter(agency_id=user.agency_id or 0).order_by("name", "pk")


def place_of(partner_org_id: int) -> Place | None:
    """A partner organisation's standing rules (its first place), as place_for gives its staff."""
    return Place.objects.filter(partner_org_id=partner_org_id).order_by("pk").first()


# --- visits ---------------------------------------------------------------------------------


def visible_visits(user: User) -> VisitQuerySet:
    """Visits a user may act on or export: an officer's own, the partner's, the agency's."""
    qs = Visit.objects.select_related("request", "request__partner_org", "officer", "return_of")
    if is_coordinator(user):
        return qs.filter(request__agency_id=user.agency_id or 0)
    if is_officer(user):
        return qs.filter(request__agency_id=user.agency_id or 0, officer=user)
    if is_partner(user):
        return qs.filter(
            request__agency_id=user.agency_id or 0, request__partner_org_id=user.partner_org_id
        )
    return qs.none()


def led_or_guested_by(officer: User) -> Q:
    """Visits the officer leads, or joins as a guest officer. A subquery, not a join, so a visit
    is never returned twice."""
    as_guest = VisitGuest.objects.filter(officer=officer).values("visit_id")
    return Q(officer=officer) | Q(pk__in=as_guest)


def readable_visits(user: User) -> VisitQuerySet:
    """Visits a user may see in their own day and calendar: those they may act on, plus (for
    an officer) those they join as a guest. Guests read only: actions use visible_visits."""
    if not is_officer(user):
        return visible_visits(user)
    return Visit.objects.select_related(
        "request", "request__partner_org", "officer", "return_of"
    ).filter(led_or_guested_by(user), request__agency_id=user.agency_id or 0)


def mark_guest_of(visits: Iterable[Visit], user: User) -> None:
    """Set `as_guest` on each visit: True when the user comes along as a guest officer rather
    than leading it (the page then shows a "Guest" label and no buttons)."""
    officer = is_officer(user)
    for v in visits:
        setattr(v, "as_guest", officer and v.officer_id != user.pk)  # noqa: B010


def access_visit_by_id(user: User, pk: int) -> Visit:
    found = visible_visits(user).filter(pk=pk).first()
    if found is None:
        if readable_visits(user).filter(pk=pk).exists():
            # A guest officer sees the visit on their day, but only its officer acts on it.
            raise PermissionDenied
        # An officer may see another officer's visit on the agency queue, but not act on it.
        raise Http404("No such visit")
    return found


def my_day(officer: User, *, now: datetime | None = None) -> tuple[list[Visit], list[Visit]]:
    """Today's visits, and those coming up in the next two weeks: those the officer leads and
    those they join as a guest (marked `as_guest`)."""
    now = now or timezone.now()
    day_start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    day_end = day_start + timedelta(days=1)
    qs = (
        readable_visits(officer)
        .exclude(status__in=[Visit.Status.DECLINED, Visit.Status.CANCELLED])
        .filter(
            Q(end__gte=day_start, start__lt=now + MY_DAY_AHEAD) | Q(status=Visit.Status.IN_PROGRESS)
        )
        .prefetch_related("guests", "mementos")
        .order_by("start")
    )
    visits = list(qs)
    mark_guest_of(visits, officer)
    today: list[Visit] = []
    later: list[Visit] = []
    for visit in visits:
        (today if visit.start < day_end else later).append(visit)
    return today, later


def officer_conflicts(
    officer: User, start: datetime, end: datetime, *, exclude_pk: int | None = None
) -> VisitQuerySet:
    qs = Visit.objects.booked().filter(officer=officer).overlapping(start, end)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def outside_shifts(officer: User, start: datetime, end: datetime) -> bool:
    """True when no shift of the officer covers the whole slot."""
    return not Shift.objects.filter(officer=officer, start__lte=start, end__gte=end).exists()


def agency_officers(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(agency_id=agency_id, role=Role.OFFICER, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
    )


@dataclass
class OfficerDay:
    officer: User
    shifts: list[Shift] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


def availability(agency_id: int, day: date) -> list[OfficerDay]:
    """Each officer's shifts and booked visits on one local day."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    rows = {o.pk: OfficerDay(officer=o) for o in agency_officers(agency_id)}
    for shift in Shift.objects.filter(agency_id=agency_id, start__lt=end, end__gt=start):
        if shift.officer_id in rows:
            rows[shift.officer_id].shifts.append(shift)
    visits = (
        Visit.objects.filter(request__agency_id=agency_id, start__lt=end, end__gt=start)
        .exclude(status__in=[Visit.Status.DECLINED, Visit.Status.CANCELLED])
        .select_related("request", "request__partner_org")
    )
    for visit in visits:
        if visit.officer_id in rows:
            rows[visit.officer_id].visits.append(visit)
    # Officers booked as another visit's guest are busy then too.
    guesting = visits.filter(guests__officer_id__in=list(rows)).distinct()
    for visit in guesting.prefetch_related("guests"):
        for guest in visit.guests.all():
            if guest.officer_id in rows and guest.officer_id != visit.officer_id:
                rows[guest.officer_id].visits.append(visit)
    for row in rows.values():
        row.visits.sort(key=lambda v: v.start)
    return list(rows.values())


# --- what was given -----------------------------------------------------------------------------


def given_by_request(request_ids: Iterable[int]) -> dict[int, list[MementoGiven]]:
    """Mementos given on each request's visits, oldest visit first."""
    out: dict[int, list[MementoGiven]] = defaultdict(list)
    rows = (
        MementoGiven.objects.filter(visit__request_id__in=list(request_ids), quantity__gt=0)
        .select_related("visit")
        .order_by("visit__start", "pk")
    )
    for m in rows:
        out[m.visit.request_id].append(m)
    return out


def attach_given(visits: Iterable[Visit]) -> None:
    """Set `given_before` (mementos given on the request's other visits, so the next visit
    builds on them) and `given_here` (on this visit) on each visit."""
    visits = list(visits)
    by_request = given_by_request({v.request_id for v in visits})
    for v in visits:
        mine = by_request.get(v.request_id, [])
        setattr(v, "given_before", [m for m in mine if m.visit_id != v.pk])  # noqa: B010
        setattr(v, "given_here", [m for m in mine if m.visit_id == v.pk])  # noqa: B010


def feed_visits(user: User) -> VisitQuerySet:
    """What a user's calendar shows: booked and past visits, not declined or cancelled ones;
    for an officer, also the visits they join as a guest."""
    return (
        readable_visits(user)
        .exclude(status__in=[Visit.Status.DECLINED, Visit.Status.CANCELLED])
        .prefetch_related("guests")
        .order_by("start")
    )


def place_for(user: User) -> Place | None:
    if not is_partner(user):
        return None
    return Place.objects.filter(partner_org_id=user.partner_org_id).order_by("pk").first()


def stock(agency_id: int) -> list[tuple[str, str, int]]:
    """(kind, label, quantity on hand) for every memento kind, zero when never counted."""
    have = dict(MementoStock.objects.filter(agency_id=agency_id).values_list("kind", "quantity"))
    return [(kind, str(label), have.get(kind, 0)) for kind, label in MementoKind.choices]
