"""Typed input and output of the visits API (django-ninja / pydantic).

Inputs share the web forms' limits: the same lengths (the model's and the forms' max_length),
the same character checks (showup.core.text: no control characters, no direction-changing
characters in names), times with a real UTC offset and a sensible year (showup.core.when),
ids and counts in range. Outputs accept whatever the database holds, so a listing never
breaks on an old row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from showup.api_errors import MAX_ID, CheckedIn, checked_time
from showup.api_errors import ErrorOut as ErrorOut  # the visits API's error answer
from showup.visits.limits import (
    CHILD_AGE,
    MAX_GROUP_SIZE,
    MEMENTO_QUANTITY,
    MIN_NOTICE_DAYS,
    MIN_VISITOR_AGE,
)
from showup.visits.models import Visit, VisitRequest

UrgencyCode = Literal["routine", "soon", "urgent"]
GuestKind = Literal["officer", "k9", "honouree", "other"]
ReceivedViaCode = Literal["phone", "email", "in_person"]
MementoCode = Literal["patch", "junior_badge", "toy_badge", "sticker", "other"]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class WindowIn(Schema):
    start: AwareDatetime = Field(description="ISO 8601 with a UTC offset (-12:00 to +14:00)")
    end: AwareDatetime = Field(description="ISO 8601 with a UTC offset; after `start`")

    _times = field_validator("start", "end")(checked_time)


class WindowOut(Schema):
    start: datetime
    end: datetime


class RulesIn(CheckedIn):
    """Leave a field out to keep the place's standing rule."""

    MULTILINE = frozenset({"rules_notes"})

    max_group_size: int | None = Field(None, ge=MAX_GROUP_SIZE[0], le=MAX_GROUP_SIZE[1])
    min_visitor_age: int | None = Field(None, ge=MIN_VISITOR_AGE[0], le=MIN_VISITOR_AGE[1])
    infection_screening: bool | None = None
    flu_vaccination: bool | None = None
    photos_allowed: bool | None = None
    escort_required: bool | None = None
    min_notice_days: int | None = Field(None, ge=MIN_NOTICE_DAYS[0], le=MIN_NOTICE_DAYS[1])
    rules_notes: str | None = Field(None, max_length=2000)


class RulesOut(Schema):
    max_group_size: int
    min_visitor_age: int | None
    infection_screening: bool
    flu_vaccination: bool
    photos_allowed: bool
    escort_required: bool
    min_notice_days: int
    rules_notes: str


class RequestIn(CheckedIn):
    NAMES = frozenset({"child_first_name", "requested_by"})
    MULTILINE = frozenset({"note"})

    partner_org_id: Id | None = Field(
        None, description="Optional; always the caller's organisation. Another id is refused."
    )
    child_first_name: str = Field(
        ..., min_length=1, max_length=60, description="First name only, never a family name"
    )
    child_age: int = Field(..., ge=CHILD_AGE[0], le=CHILD_AGE[1])
    interests: str = Field("", max_length=300)
    asked_for: str = Field("", max_length=300)
    ward: str = Field("", max_length=120)
    group_size: int = Field(1, description="Visitors wanted; 1 to the place's limit")
    urgency: UrgencyCode = Field("routine", description="How soon; never a medical detail")
    requested_officer_id: Id | None = None
    note: str = Field("", max_length=2000, description="Practical notes; no medical details")
    rules: RulesIn | None = Field(None, description="Overrides of the standing rules")
    windows: list[WindowIn] = Field(..., min_length=1, max_length=10)


class RequestForPartnerIn(RequestIn):
    """A request the unit files for a partner who phoned, wrote or came in."""

    partner_org_id: Id = Field(
        ..., description="The partner organisation the request is for; one of your agency's"
    )
    requested_by: str = Field(
        ...,
        min_length=1,
        max_length=120,
        description="Who at the partner asked (name and role), as they told the unit",
    )
    received_via: ReceivedViaCode = Field(..., description="How the request reached the unit")


class GuestIO(CheckedIn):
    NAMES = frozenset({"name"})

    kind: GuestKind
    name: str = Field(..., min_length=1, max_length=120)
    officer_id: Id | None = Field(
        None,
        description="For kind 'officer': the agency officer who comes along; their time is "
        "booked too (an overlapping booking is refused, 409 overlap)",
    )


class MementoIO(Schema):
    kind: MementoCode
    quantity: int = Field(
        ...,
        ge=MEMENTO_QUANTITY[0],
        le=MEMENTO_QUANTITY[1],
        description=f"{MEMENTO_QUANTITY[0]} to {MEMENTO_QUANTITY[1]} at a time, from the stock",
    )


class MementoOut(Schema):
    kind: str
    quantity: int = Field(description="All recorded for the visit so far")


class GuestOut(Schema):
    kind: str
    name: str
    officer_id: int | None


def _one_row_per_kind(mementos: list[MementoIO]) -> list[MementoIO]:
    kinds = [m.kind for m in mementos]
    if len(set(kinds)) != len(kinds):
        raise ValueError(_("Each memento once, with its quantity; this list names one twice."))
    return mementos


class VisitOut(Schema):
    id: int
    request_id: int
    officer_id: int
    officer_name: str
    start: datetime
    end: datetime
    status: str
    status_label: str
    return_of_id: int | None
    interrupted_at: datetime | None
    interrupt_reason: str
    completed_at: datetime | None
    guests: list[GuestOut]
    mementos: list[MementoOut]
    photo_consent: bool
    can_feed_story: bool

    @staticmethod
    def of(visit: Visit) -> VisitOut:
        return VisitOut(
            id=visit.pk,
            request_id=visit.request_id,
            officer_id=visit.officer_id,
            officer_name=visit.officer.display_name(),
            start=visit.start,
            end=visit.end,
            status=visit.status,
            status_label=str(visit.get_status_display()),
            return_of_id=visit.return_of_id,
            interrupted_at=visit.interrupted_at,
            interrupt_reason=visit.interrupt_reason,
            completed_at=visit.completed_at,
            guests=[
                GuestOut(kind=g.kind, name=g.name, officer_id=g.officer_id)
                for g in visit.guests.all()
            ],
            mementos=[MementoOut(kind=m.kind, quantity=m.quantity) for m in visit.mementos.all()],
            photo_consent=visit.photo_consent,
            can_feed_story=visit.can_feed_story,
        )


class RequestOut(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    partner_org_id: int
    partner_org_name: str
    child_first_name: str
    child_age: int
    interests: str
    asked_for: str
    ward: str
    group_size: int
    urgency: str
    requested_officer_id: int | None
    note: str
    rules: RulesOut
    windows: list[WindowOut]
    visits: list[VisitOut]
    created_at: datetime
    filed_by_unit: bool = Field(description="The unit filed it for the partner")
    requested_by: str = Field(description="Who at the partner asked, when the unit filed it")
    received_via: str = Field(description="phone, email or in_person; empty if the partner filed")

    @staticmethod
    def of(r: VisitRequest) -> RequestOut:
        return RequestOut(
            id=r.pk,
            reference=r.reference,
            status=r.status,
            status_label=str(r.get_status_display()),
            partner_org_id=r.partner_org_id,
            partner_org_name=str(r.partner_org),
            child_first_name=r.child_first_name,
            child_age=r.child_age,
            interests=r.interests,
            asked_for=r.asked_for,
            ward=r.ward,
            group_size=r.group_size,
            urgency=r.urgency,
            requested_officer_id=r.requested_officer_id,
            note=r.note,
            rules=RulesOut(**r.rules()),  # type: ignore[arg-type]
            windows=[WindowOut(start=w.start, end=w.end) for w in r.windows.all()],
            visits=[VisitOut.of(v) for v in r.visits.all()],
            created_at=r.created_at,
            filed_by_unit=r.filed_by_unit,
            requested_by=r.requested_by,
            received_via=r.received_via,
        )


class SlotIn(Schema):
    officer_id: Id
    start: AwareDatetime = Field(description="ISO 8601 with a UTC offset (-12:00 to +14:00)")
    end: AwareDatetime = Field(description="ISO 8601 with a UTC offset; after `start`")
    guests: list[GuestIO] = Field(default_factory=list, max_length=5)
    allow_outside_shift: bool = Field(
        False, description="Book even if the officer is not on shift for the whole slot"
    )

    _times = field_validator("start", "end")(checked_time)


class CompleteIn(CheckedIn):
    MULTILINE = frozenset({"note"})

    note: str = Field("", max_length=2000, description="Private note for the unit")
    mementos: list[MementoIO] = Field(
        default_factory=list, max_length=5, description="Each kind once"
    )
    guests: list[GuestIO] = Field(default_factory=list, max_length=5)
    photo_consent: bool = False
    can_feed_story: bool = False

    _kinds = field_validator("mementos")(_one_row_per_kind)


class GivenIn(CheckedIn):
    MULTILINE = frozenset({"note"})

    note: str = Field("", max_length=500, description="Short private note for the unit")
    mementos: list[MementoIO] = Field(
        default_factory=list, max_length=5, description="Each kind once"
    )

    _kinds = field_validator("mementos")(_one_row_per_kind)
