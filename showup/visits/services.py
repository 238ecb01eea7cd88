"""State changes of the visits module. One transaction each, each writes its audit entry.

Views and the API check access and validate the shape of input (dates parse, windows are in
the future) before calling these. Services enforce the invariants that need the database:
a state transition must be allowed, an officer is never booked twice at once, a booking fits
the place's group limit. Those raise VisitError with a code and a message for people.

In-app notices are written inside the transaction (they are true exactly when the change is);
emails go out after commit (showup.visits.notify), so a slow mail server never holds a lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from showup.core.audit import audit
from showup.core.models import Agency, PartnerOrganisation, Role, User
from showup.core.text import text_problem
from showup.core.when import schedule_problem
from showup.visits import notify, selectors
from showup.visits.models import (
    FeedToken,
    MementoGiven,
    MementoKind,
    MementoStock,
    Place,
    ReceivedVia,
    Shift,
    Visit,
    VisitGuest,
    VisitRequest,
    VisitWindow,
    new_feed_token,
)

# What a request form or the API may set on a request; everything else is the system's.
REQUEST_FIELDS = (
    "child_first_name",
    "child_age",
    "interests",
    "asked_for",
    "ward",
    "group_size",
    "urgency",
    "requested_officer",
    "note",
    *VisitRequest.RULE_FIELDS,
)
CALLED_AWAY = "called away"

Status = VisitRequest.Status
VStatus = Visit.Status


class VisitError(ValueError):
    """A change the rules do not allow. `code` is stable (tests and the API use it); `message`
    is for people, in their language."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Guest:
    """Someone who comes along. A guest who is another officer of the agency names them
    (`officer`), so their time is booked too; a plain (kind, name) tuple is also accepted."""

    kind: str
    name: str
    officer: User | None = None


GuestLike = Guest | tuple[str, str]


def _guests(guests: Sequence[GuestLike]) -> list[Guest]:
    out = []
    for g in guests:
        guest = g if isinstance(g, Guest) else Guest(kind=g[0], name=g[1])
        if guest.officer is not None:
            guest = Guest(
                kind=VisitGuest.Kind.OFFICER,
                name=guest.name or guest.officer.display_name(),
                officer=guest.officer,
            )
        out.append(guest)
    return out


def _add_guests(visit: Visit, guests: Sequence[Guest]) -> None:
    for g in guests:
        VisitGuest.objects.create(visit=visit, kind=g.kind, name=g.name, officer=g.officer)


def _when(start: datetime, end: datetime) -> dict[str, str]:
    return {
        "start": timezone.localtime(start).strftime("%a %d %b %H:%M"),
        "end": timezone.localtime(end).strftime("%H:%M"),
    }


def officer_clash(officer: User, start: datetime, end: datetime) -> Visit | None:
    """A booked visit overlapping this time where the officer is the visit's officer or a
    guest."""
    return (
        Visit.objects.booked()
        .overlapping(start, end)
        .filter(Q(officer=officer) | Q(guests__officer=officer))
        .select_related("request")
        .distinct()
        .first()
    )


def _require(visit: Visit, *allowed: str) -> None:
    if visit.status not in allowed:
        raise VisitError(
            "bad_state",
            _("This visit is %(status)s; that cannot be done now.")
            % {"status": visit.get_status_display().lower()},
        )


def _lock_visit(visit: Visit) -> Visit:
    # Two taps (or a tap and a coordinator's click) on one visit must not both succeed.
    return Visit.objects.select_for_update().select_related("request").get(pk=visit.pk)


def _lock_request(request: VisitRequest) -> VisitRequest:
    return VisitRequest.objects.select_for_update().get(pk=request.pk)


# --- places ---------------------------------------------------------------------------------


@transaction.atomic
def place_save(
    *,
    partner_org: PartnerOrganisation,
    actor: User,
    data: Mapping[str, Any],
    place: Place | None = None,
) -> Place:
    """Create or update a partner's standing rules."""
    created = place is None
    if place is None:
        place = Place(partner_org=partner_org)
    for name in ("name", *Place.RULE_FIELDS):
        if name in data:
            setattr(place, name, data[name])
    place.save()
    audit(
        "visits.place.created" if created else "visits.place.updated",
        actor=actor,
        obj=place,
        agency_id=partner_org.agency_id,
    )
    return place


# --- requests -------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: User,
    partner_org: PartnerOrganisation,
    data: Mapping[str, Any],
    windows: Sequence[tuple[datetime, datetime]],
    place: Place | None = None,
    requested_by: str = "",
    received_via: str = "",
) -> VisitRequest:
    """A partner asks for a visit. Rules not given are copied from the place.
    (`requested_by` and `received_via`: see request_create_for_partner.)"""
    request = VisitRequest(
        agency_id=partner_org.agency_id,
        partner_org=partner_org,
        place=place,
        created_by=actor,
        requested_by=requested_by,
        received_via=received_via,
    )
    if place is not None:
        for name in VisitRequest.RULE_FIELDS:
            setattr(request, name, getattr(place, name))
    for name in REQUEST_FIELDS:
        if name in data and data[name] is not None:
            setattr(request, name, data[name])
    if request.group_size > request.max_group_size:
        raise VisitError(
            "group_too_large",
            _("The place allows at most %(n)s visitors.") % {"n": request.max_group_size},
        )
    request.save()
    if not windows:
        raise VisitError("no_windows", _("Give at least one time that would suit."))
    for start, end in windows:
        if end <= start:
            raise VisitError("end_before_start", _("A time window must end after it starts."))
        VisitWindow.objects.create(request=request, start=start, end=end)
    # Who at the partner asked stays on the request, not in the log.
    filed: dict[str, Any] = (
        {"filed_by_unit": True, "received_via": received_via} if received_via else {}
    )
    audit(
        "visits.request.created",
        actor=actor,
        obj=request,
        partner_org=partner_org.pk,
        urgency=request.urgency,
        windows=len(windows),
        **filed,
    )
    notify.request_created(request)
    return request


@transaction.atomic
def request_create_for_partner(
    *,
    actor: User,
    partner_org: PartnerOrganisation,
    data: Mapping[str, Any],
    windows: Sequence[tuple[datetime, datetime]],
    requested_by: str,
    received_via: str,
) -> VisitRequest:
    """The unit files a request for a partner who phoned, wrote or came in. It is the
    partner's request in every way (same state, same list, rules copied from the partner's
    place); the unit is `created_by`, and the request says who asked and how."""
    if not (
        actor.role in (Role.COORDINATOR, Role.ADMIN) and actor.agency_id == partner_org.agency_id
    ):
        raise VisitError(
            "wrong_organisation", _("You can only file requests for your agency's partners.")
        )
    requested_by = requested_by.strip()
    if not requested_by:
        raise VisitError("requested_by", _("Say who at the partner asked for the visit."))
    if received_via not in ReceivedVia.values:
        raise VisitError("received_via", _("Say how the request reached the unit."))
    request = request_create(
        actor=actor,
        partner_org=partner_org,
        data=data,
        windows=windows,
        place=selectors.place_of(partner_org.pk),
        requested_by=requested_by[:120],
        received_via=received_via,
    )
    notify.request_filed_for_partner(request)
    return request


@transaction.atomic
def request_cancel(*, request: VisitRequest, actor: User, reason: str = "") -> VisitRequest:
    request = _lock_request(request)
    if not request.is_open:
        raise VisitError("bad_state", _("This request is already closed."))
    problem = text_problem(reason)
    if problem or len(reason.strip()) > 200:
        raise VisitError("bad_reason", problem or _("Please keep the reason under 200 characters."))
    now = timezone.now()
    request.visits.filter(status__in=Visit.BOOKED_STATUSES).update(status=VStatus.CANCELLED)
    request.status = Status.CANCELLED
    request.closed_at = now
    request.cancel_reason = reason.strip()
    request.save(update_fields=["status", "closed_at", "cancel_reason"])
    # The reason is free text that may name a child: only whether one was given is audited
    # (the audit log outlives the request's retention period).
    audit("visits.request.cancelled", actor=actor, obj=request, has_reason=bool(reason.strip()))
    return request


def request_viewed(*, actor: User, requests: Iterable[VisitRequest], where: str) -> None:
    """Audit that a staff member saw these children's first names (a page, a list, the API)."""
    ids = [r.pk for r in requests]
    if not ids:
        return
    if len(ids) == 1:
        audit("visits.request.viewed", actor=actor, obj=next(iter(requests)), where=where)
    else:
        audit("visits.request.listed", actor=actor, requests=ids, where=where)


# --- booking --------------------------------------------------------------------------------


def _book(
    *,
    request: VisitRequest,
    officer: User,
    start: datetime,
    end: datetime,
    actor: User,
    guests: Sequence[GuestLike] = (),
    return_of: Visit | None = None,
) -> Visit:
    if end <= start:
        raise VisitError("end_before_start", _("The visit must end after it starts."))
    people = _guests(guests)
    if 1 + len(people) > request.max_group_size:
        raise VisitError(
            "group_too_large",
            _("The place allows at most %(n)s visitors; this booking has %(m)s.")
            % {"n": request.max_group_size, "m": 1 + len(people)},
        )
    guest_officers = [g.officer for g in people if g.officer is not None]
    for other in guest_officers:
        if other.pk == officer.pk:
            raise VisitError(
                "guest_is_officer",
                _("%(officer)s is already the visit's officer; they cannot also be a guest.")
                % {"officer": officer.display_name()},
            )
        if other.agency_id != request.agency_id or other.role != Role.OFFICER:
            raise VisitError("unknown_officer", _("A guest officer must be an officer here."))
    if len({o.pk for o in guest_officers}) != len(guest_officers):
        raise VisitError("duplicate_guest", _("The same officer is listed twice as a guest."))
    # Lock the officers' rows so two coordinators cannot book the same hour at once: the
    # overlap check and the insert below are then serialised per officer.
    everyone = [officer, *guest_officers]
    list(User.objects.select_for_update().filter(pk__in=[o.pk for o in everyone]).order_by("pk"))
    for person in everyone:
        clash = officer_clash(person, start, end)
        if clash is None:
            continue
        as_guest = clash.officer_id != person.pk
        if person.pk == officer.pk:
            text = (
                _(
                    "%(officer)s is already booked %(start)s–%(end)s as a guest (%(ref)s). "
                    "Choose another time or another officer."
                )
                if as_guest
                else _(
                    "%(officer)s is already booked %(start)s–%(end)s (%(ref)s). Choose another "
                    "time or another officer."
                )
            )
        else:
            text = (
                _(
                    "Guest officer %(officer)s is already booked %(start)s–%(end)s as a guest "
                    "(%(ref)s). Choose another time or another guest."
                )
                if as_guest
                else _(
                    "Guest officer %(officer)s is already booked %(start)s–%(end)s (%(ref)s). "
                    "Choose another time or another guest."
                )
            )
        raise VisitError(
            "overlap",
            text
            % {
                "officer": person.display_name(),
                "ref": clash.request.reference,
                **_when(clash.start, clash.end),
            },
        )
    visit = Visit.objects.create(
        request=request,
        officer=officer,
        start=start,
        end=end,
        proposed_by=actor,
        return_of=return_of,
    )
    _add_guests(visit, people)
    request.status = Status.PROPOSED
    request.closed_at = None
    request.save(update_fields=["status", "closed_at"])
    return visit


@transaction.atomic
def slot_propose(
    *,
    request: VisitRequest,
    officer: User,
    start: datetime,
    end: datetime,
    actor: User,
    guests: Sequence[GuestLike] = (),
) -> Visit:
    """The coordinator proposes an officer and a time; the partner then accepts or declines."""
    request = _lock_request(request)
    if request.status not in (Status.REQUESTED, Status.INTERRUPTED):
        raise VisitError(
            "bad_state", _("This request already has a slot; reschedule or cancel it first.")
        )
    visit = _book(
        request=request, officer=officer, start=start, end=end, actor=actor, guests=guests
    )
    audit(
        "visits.slot.proposed",
        actor=actor,
        obj=visit,
        request=request.pk,
        officer=officer.pk,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    notify.slot_proposed(visit)
    return visit


@transaction.atomic
def slot_accept(*, visit: Visit, actor: User) -> Visit:
    visit = _lock_visit(visit)
    _require(visit, VStatus.PROPOSED)
    visit.status = VStatus.SCHEDULED
    visit.accepted_at = timezone.now()
    visit.save(update_fields=["status", "accepted_at"])
    VisitRequest.objects.filter(pk=visit.request_id).update(status=Status.SCHEDULED)
    audit("visits.slot.accepted", actor=actor, obj=visit, request=visit.request_id)
    notify.slot_accepted(visit)
    return visit


STARTED_STATUSES = (VStatus.IN_PROGRESS, VStatus.INTERRUPTED, VStatus.COMPLETED)


@transaction.atomic
def slot_withdraw_acceptance(*, visit: Visit, actor: User) -> Visit:
    """The partner takes back their acceptance before the visit starts: the slot is proposed
    again (still holding the officers' time) and waits for them to accept or decline."""
    visit = _lock_visit(visit)
    if visit.status in STARTED_STATUSES:
        raise VisitError(
            "bad_state",
            _("This visit has already started; its acceptance can no longer be withdrawn."),
        )
    _require(visit, VStatus.SCHEDULED)
    visit.status = VStatus.PROPOSED
    visit.accepted_at = None
    visit.save(update_fields=["status", "accepted_at"])
    VisitRequest.objects.filter(pk=visit.request_id).update(status=Status.PROPOSED)
    audit("visits.slot.withdrawn", actor=actor, obj=visit, request=visit.request_id)
    notify.slot_acceptance_withdrawn(visit)
    return visit


@transaction.atomic
def slot_decline(*, visit: Visit, actor: User) -> Visit:
    """The partner cannot take this time; the request goes back to the coordinator."""
    visit = _lock_visit(visit)
    _require(visit, VStatus.PROPOSED)
    visit.status = VStatus.DECLINED
    visit.save(update_fields=["status"])
    interrupted = visit.request.visits.filter(status=VStatus.INTERRUPTED).exists()
    VisitRequest.objects.filter(pk=visit.request_id).update(
        status=Status.INTERRUPTED if interrupted else Status.REQUESTED
    )
    audit("visits.slot.declined", actor=actor, obj=visit, request=visit.request_id)
    notify.slot_declined(visit)
    return visit


# --- the visit itself -------------------------------------------------------------------------


@transaction.atomic
def visit_start(*, visit: Visit, actor: User, at: datetime | None = None) -> Visit:
    visit = _lock_visit(visit)
    _require(visit, VStatus.SCHEDULED)
    visit.status = VStatus.IN_PROGRESS
    visit.started_at = at or timezone.now()
    visit.save(update_fields=["status", "started_at"])
    VisitRequest.objects.filter(pk=visit.request_id).update(status=Status.IN_PROGRESS)
    audit("visits.visit.started", actor=actor, obj=visit)
    return visit


@transaction.atomic
def visit_interrupt(
    *, visit: Visit, actor: User, reason: str = CALLED_AWAY, at: datetime | None = None
) -> Visit:
    """One tap: the officer was called away. The request stays open for rescheduling."""
    visit = _lock_visit(visit)
    _require(visit, VStatus.SCHEDULED, VStatus.IN_PROGRESS)
    visit.status = VStatus.INTERRUPTED
    visit.interrupted_at = at or timezone.now()
    visit.interrupt_reason = reason[:120]
    visit.save(update_fields=["status", "interrupted_at", "interrupt_reason"])
    VisitRequest.objects.filter(pk=visit.request_id).update(status=Status.INTERRUPTED)
    # The reason stays on the visit (free text, purged with it); the log keeps a code.
    audit(
        "visits.visit.interrupted",
        actor=actor,
        obj=visit,
        called_away=visit.interrupt_reason == CALLED_AWAY,
        has_reason=bool(visit.interrupt_reason),
    )
    notify.visit_interrupted(visit)
    return visit


@transaction.atomic
def visit_reschedule(
    *,
    request: VisitRequest,
    officer: User,
    start: datetime,
    end: datetime,
    actor: User,
    guests: Sequence[GuestLike] = (),
) -> Visit:
    """A new slot for an interrupted request, linked to the interrupted visit."""
    request = _lock_request(request)
    if request.status != Status.INTERRUPTED:
        raise VisitError("bad_state", _("Only an interrupted request is rescheduled."))
    first = request.visits.filter(status=VStatus.INTERRUPTED).order_by("-interrupted_at").first()
    visit = _book(
        request=request,
        officer=officer,
        start=start,
        end=end,
        actor=actor,
        guests=guests,
        return_of=first,
    )
    audit(
        "visits.visit.rescheduled",
        actor=actor,
        obj=visit,
        request=request.pk,
        return_of=first.pk if first else None,
        officer=officer.pk,
        same_officer=bool(first and first.officer_id == officer.pk),
    )
    notify.slot_proposed(visit)
    return visit


@transaction.atomic
def return_visit_create(
    *,
    first_visit: Visit,
    officer: User,
    start: datetime,
    end: datetime,
    actor: User,
    guests: Sequence[GuestLike] = (),
) -> Visit:
    """Another visit that builds on an earlier one (often with guests)."""
    first_visit = _lock_visit(first_visit)
    _require(first_visit, VStatus.COMPLETED, VStatus.INTERRUPTED)
    request = _lock_request(first_visit.request)
    if request.status in (Status.PROPOSED, Status.SCHEDULED, Status.IN_PROGRESS):
        raise VisitError("bad_state", _("This request already has a visit booked."))
    if request.status == Status.CANCELLED:
        raise VisitError("bad_state", _("This request was cancelled."))
    visit = _book(
        request=request,
        officer=officer,
        start=start,
        end=end,
        actor=actor,
        guests=guests,
        return_of=first_visit,
    )
    audit(
        "visits.visit.return_created",
        actor=actor,
        obj=visit,
        return_of=first_visit.pk,
        guests=[g.kind for g in _guests(guests)],
    )
    notify.slot_proposed(visit)
    return visit


@transaction.atomic
def visit_complete(
    *,
    visit: Visit,
    actor: User,
    note: str = "",
    mementos: Mapping[str, int] | None = None,
    guests: Sequence[GuestLike] = (),
    photo_consent: bool = False,
    can_feed_story: bool = False,
    at: datetime | None = None,
) -> Visit:
    """Close the visit with what happened: a private note, what was given, who came along,
    and whether the guardian consented to photos (and so the visit may feed a story)."""
    visit = _lock_visit(visit)
    _require(visit, VStatus.SCHEDULED, VStatus.IN_PROGRESS)
    request = visit.request
    if photo_consent and not request.photos_allowed:
        raise VisitError("photos_not_allowed", _("This place does not allow photos of patients."))
    if can_feed_story and not photo_consent:
        raise VisitError(
            "no_consent", _("A visit can feed a story only with the guardian's consent.")
        )
    now = at or timezone.now()
    visit.status = VStatus.COMPLETED
    visit.started_at = visit.started_at or now
    visit.completed_at = now
    # A note recorded earlier on this visit (see visit_record_given) stays unless replaced.
    visit.officer_note = note or visit.officer_note
    visit.photo_consent = photo_consent
    visit.can_feed_story = can_feed_story
    visit.save(
        update_fields=[
            "status",
            "started_at",
            "completed_at",
            "officer_note",
            "photo_consent",
            "can_feed_story",
        ]
    )
    _add_guests(visit, _guests(guests))
    given = _give(visit, mementos)
    VisitRequest.objects.filter(pk=request.pk).update(status=Status.COMPLETED, closed_at=now)
    audit(
        "visits.visit.completed",
        actor=actor,
        obj=visit,
        mementos=given,
        guests=[g.kind for g in _guests(guests)],
        photo_consent=photo_consent,
        can_feed_story=can_feed_story,
    )
    return visit


GIVEN_NOTE_MAX = 500


@transaction.atomic
def visit_record_given(
    *,
    visit: Visit,
    actor: User,
    mementos: Mapping[str, int] | None = None,
    note: str = "",
) -> Visit:
    """What the officer gave (and a short private note) on a visit in progress or one they
    were called away from, so the next visit builds on it. Stock goes down as on completion;
    recording again adds to what was recorded."""
    visit = _lock_visit(visit)
    _require(visit, VStatus.IN_PROGRESS, VStatus.INTERRUPTED)
    if visit.request.purged_at is not None:
        raise VisitError("bad_state", _("This request's details were removed; nothing to add."))
    note = note.strip()[:GIVEN_NOTE_MAX]
    if not note and not any(qty for qty in (mementos or {}).values()):
        raise VisitError("nothing_given", _("Enter what you gave, or a note."))
    given = _give(visit, mementos)
    if note:
        visit.officer_note = f"{visit.officer_note}\n{note}" if visit.officer_note else note
        visit.save(update_fields=["officer_note"])
    audit(
        "visits.visit.given_recorded",
        actor=actor,
        obj=visit,
        status=visit.status,
        mementos=given,
        note=bool(note),
    )
    return visit


# What one call may record for one kind (a form row, an API item), and for one visit in all.
MAX_GIVEN_AT_ONCE = 50
MAX_GIVEN_PER_VISIT = 500
MAX_STOCK = 100_000  # the stock form's limit


def check_mementos(mementos: Mapping[str, int] | None) -> dict[str, int]:
    """What was given, kind by kind, once each quantity is a whole number from 0 to
    MAX_GIVEN_AT_ONCE and each kind is one the unit stocks. Zeroes are dropped."""
    given: dict[str, int] = {}
    for kind, qty in (mementos or {}).items():
        if kind not in MementoKind.values:
            raise VisitError("bad_kind", _("Unknown memento."))
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= MAX_GIVEN_AT_ONCE:
            raise VisitError(
                "bad_quantity",
                _("Give a number from 0 to %(n)s for each memento.") % {"n": MAX_GIVEN_AT_ONCE},
            )
        if qty:
            given[kind] = qty
    return given


def _give(visit: Visit, mementos: Mapping[str, int] | None) -> dict[str, int]:
    """Record mementos given on a visit (one row per kind, added to) and take them from the
    agency's stock, which never goes below zero: what is not in stock cannot have been given,
    so the count is wrong and the coordinator recounts. Returns what was given. Runs inside
    the caller's transaction: a refusal saves none of it."""
    given = check_mementos(mementos)
    for kind, qty in sorted(given.items()):  # one lock order for every caller
        row, _created = MementoGiven.objects.select_for_update().get_or_create(
            visit=visit, kind=kind, defaults={"quantity": 0}
        )
        if row.quantity + qty > MAX_GIVEN_PER_VISIT:
            raise VisitError(
                "too_many_given",
                _("At most %(n)s of one memento can be recorded for one visit.")
                % {"n": MAX_GIVEN_PER_VISIT},
            )
        _stock_take(agency_id=visit.request.agency_id, kind=kind, quantity=qty)
        MementoGiven.objects.filter(pk=row.pk).update(quantity=F("quantity") + qty)
    return given


# --- stock, shifts, calendar tokens ------------------------------------------------------------


def _stock_take(*, agency_id: int, kind: str, quantity: int) -> None:
    row, _created = MementoStock.objects.select_for_update().get_or_create(
        agency_id=agency_id, kind=kind
    )
    if row.quantity < quantity:
        raise VisitError(
            "not_enough_stock",
            _("Not enough %(kind)s in stock (%(n)s left); recount the stock.")
            % {"kind": MementoKind(kind).label.lower(), "n": row.quantity},
        )
    # The row is locked: the check above and this update cannot interleave with another's.
    MementoStock.objects.filter(pk=row.pk).update(quantity=F("quantity") - quantity)


@transaction.atomic
def stock_set(*, agency: Agency, kind: str, quantity: int, actor: User) -> MementoStock:
    """The coordinator records a count (a delivery arrived, or a recount)."""
    if kind not in MementoKind.values:
        raise VisitError("bad_kind", _("Unknown memento."))
    if not 0 <= quantity <= MAX_STOCK:
        raise VisitError(
            "bad_quantity", _("Give a count from 0 to %(n)s.") % {"n": f"{MAX_STOCK:,}"}
        )
    row, _created = MementoStock.objects.select_for_update().get_or_create(agency=agency, kind=kind)
    before = row.quantity
    row.quantity = quantity
    row.save(update_fields=["quantity", "updated_at"])
    audit(
        "visits.stock.set",
        actor=actor,
        obj=row,
        agency_id=agency.pk,
        kind=kind,
        before=before,
        after=quantity,
    )
    return row


@transaction.atomic
def shift_add(*, officer: User, start: datetime, end: datetime, actor: User) -> Shift:
    problem = schedule_problem(start) or schedule_problem(end)
    if problem:
        raise VisitError("bad_time", str(problem))
    if end <= start:
        raise VisitError("end_before_start", _("A shift must end after it starts."))
    if end - start > timedelta(hours=16):
        raise VisitError("too_long", _("A shift cannot be longer than 16 hours."))
    assert officer.agency_id is not None
    shift = Shift.objects.create(agency_id=officer.agency_id, officer=officer, start=start, end=end)
    audit(
        "visits.shift.added",
        actor=actor,
        obj=shift,
        agency_id=officer.agency_id,
        officer=officer.pk,
    )
    return shift


def feed_token_for(user: User) -> FeedToken:
    token, _created = FeedToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def feed_token_rotate(*, user: User) -> FeedToken:
    """A new secret URL; calendars subscribed with the old one stop updating."""
    token, _created = FeedToken.objects.get_or_create(user=user)
    token.token = new_feed_token()
    token.save(update_fields=["token", "created_at"])
    audit("visits.feed.rotated", actor=user)
    return token


# --- retention ----------------------------------------------------------------------------------


def purge_expired_visits(now: datetime | None = None) -> int:
    """Clear the personal details of requests completed or cancelled longer ago than their
    agency's retention period: the child's first name, interests, what they asked for, the
    ward, notes, the officer's private notes and guests' names. Dates, statuses, rules and
    mementos stay as a non-identifying record. Returns how many requests were purged."""
    now = now or timezone.now()
    purged = 0
    for agency in Agency.objects.all():
        cutoff = now - timedelta(days=agency.retention_days)
        ids = list(
            VisitRequest.objects.filter(
                agency=agency,
                status__in=VisitRequest.CLOSED_STATUSES,
                closed_at__lt=cutoff,
                purged_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        for pk in ids:
            with transaction.atomic():
                request = VisitRequest.objects.select_for_update().get(pk=pk)
                request.child_first_name = ""
                request.interests = ""
                request.asked_for = ""
                request.ward = ""
                request.note = ""
                request.requested_by = ""
                request.cancel_reason = ""
                request.purged_at = now
                request.save(
                    update_fields=[
                        "child_first_name",
                        "interests",
                        "asked_for",
                        "ward",
                        "note",
                        "requested_by",
                        "cancel_reason",
                        "purged_at",
                    ]
                )
                Visit.objects.filter(request=request).update(officer_note="")
                VisitGuest.objects.filter(visit__request=request).update(name="")
                audit(
                    "visits.request.purged",
                    actor=None,
                    actor_label="retention",
                    obj=request,
                    retention_days=agency.retention_days,
                )
            purged += 1
    return purged
