"""Reads for the events module, and who may see what.

Staff (officers, coordinators, admins) see their own agency's events and, for those, the
families' registrations with names (an audited read); other agencies' events answer exactly
like ones that do not exist (404). The public sees published upcoming events with counts,
never a name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from showup.core.models import User
from showup.events.models import Event, Registration
from showup.events.services import is_agency_staff, is_event_manager


def is_staff(user: object) -> bool:
    return isinstance(user, User) and is_agency_staff(user, user.agency_id)


def is_manager(user: object) -> bool:
    return isinstance(user, User) and is_event_manager(user, user.agency_id)


def visible_events(user: object) -> QuerySet[Event]:
    if not is_staff(user):
        return Event.objects.none()
    assert isinstance(user, User)
    return Event.objects.filter(agency_id=user.agency_id or 0).select_related("agency")


def access_event(user: object, pk: int) -> Event:
    found = visible_events(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such event")
    return found


def public_events() -> QuerySet[Event]:
    """Published events that have not ended, soonest first."""
    return (
        Event.objects.filter(status=Event.Status.PUBLISHED, end__gt=timezone.now())
        .select_related("agency")
        .order_by("start", "pk")
    )


def public_event(reference: str) -> Event:
    """A published event by its reference (ended ones too: their page still says what it was)."""
    found = (
        Event.objects.filter(status=Event.Status.PUBLISHED, reference=reference)
        .select_related("agency")
        .first()
    )
    if found is None:
        raise Http404("No such event")
    return found


def event_counts(event: Event) -> dict[str, int]:
    """Counts only: people confirmed, people holding an offer, families waiting, places left."""
    rows = (
        Registration.objects.filter(event=event)
        .annotate(n=Count("children"))
        .values_list("status", "adults", "n")
    )
    confirmed = offered = waitlisted = families = children = 0
    for status, adults, n in rows:
        if status == Registration.Status.CONFIRMED:
            confirmed += adults + n
            families += 1
            children += n
        elif status == Registration.Status.OFFERED:
            offered += adults + n
        elif status == Registration.Status.WAITLISTED:
            waitlisted += 1
    return {
        "confirmed_people": confirmed,
        "confirmed_families": families,
        "confirmed_children": children,
        "offered_people": offered,
        "waitlisted_families": waitlisted,
        "places_left": max(0, event.capacity - confirmed - offered),
    }


def registrations_for(user: object, event: Event) -> QuerySet[Registration]:
    """An event's registrations with their children, for the agency's staff only."""
    if not (isinstance(user, User) and is_agency_staff(user, event.agency_id)):
        return Registration.objects.none()
    return (
        Registration.objects.filter(event=event)
        .select_related("invitation")
        .prefetch_related("children", "checkins")
        .order_by("created_at", "pk")
    )


def invitation_outcomes(event: Event) -> dict[str, Any]:
    """Which encounters led to attendance: per source kind, invitations sent, families
    registered from them and families checked in (counts only)."""
    out: dict[str, dict[str, int]] = {}
    for invitation in event.invitations.prefetch_related("registrations__checkins"):
        row = out.setdefault(
            invitation.source_kind or "", {"invited": 0, "registered": 0, "attended": 0}
        )
        row["invited"] += 1
        registrations = list(invitation.registrations.all())
        row["registered"] += sum(
            1 for r in registrations if r.status != Registration.Status.CANCELLED
        )
        row["attended"] += sum(1 for r in registrations if r.checkins.all())
    return out


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = (
        Registration.objects.filter(
            event_id=registration.event_id, status=Registration.Status.WAITLISTED
        )
        .filter(created_at__lt=registration.created_at)
        .count()
    )
    ahead += Registration.objects.filter(
        event_id=registration.event_id,
        status=Registration.Status.WAITLISTED,
        created_at=registration.created_at,
        pk__lt=registration.pk,
    ).count()
    return ahead + 1
