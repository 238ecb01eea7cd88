"""Typed input and output of the events API (django-ninja / pydantic).

Inputs share the model's limits and the shared checks: characters (showup.core.text through
`CheckedIn`: no control characters, no direction-changing characters in names) and times
with a real UTC offset and a sensible year (showup.core.when through `checked_time`). Outputs
accept whatever the database holds. Public outputs carry counts, never a name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from showup.api_errors import MAX_ID, CheckedIn, checked_time
from showup.events.models import Event, Registration

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class EventIn(CheckedIn):
    MULTILINE = frozenset({"description", "accessibility"})

    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    place_name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    start: AwareDatetime = Field(description="ISO 8601 with a UTC offset (-12:00 to +14:00)")
    end: AwareDatetime = Field(description="ISO 8601 with a UTC offset; after `start`")
    capacity: int = Field(ge=1, le=100_000, description="People: adults and children")
    accessibility: str = Field("", max_length=2000)
    staff_languages: str = Field("", max_length=200)
    offer_hours: int = Field(24, ge=1, le=336, description="Hours to accept a freed place")

    _times = field_validator("start", "end")(checked_time)


class EventPatchIn(CheckedIn):
    MULTILINE = frozenset({"description", "accessibility"})

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    place_name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = Field(None, max_length=300)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    accessibility: str | None = Field(None, max_length=2000)
    staff_languages: str | None = Field(None, max_length=200)
    offer_hours: int | None = Field(None, ge=1, le=336)

    _times = field_validator("start", "end")(checked_time)


class CountsOut(Schema):
    confirmed_people: int
    confirmed_families: int
    confirmed_children: int
    offered_people: int
    waitlisted_families: int
    places_left: int


class ActivityOut(Schema):
    title: str
    start: datetime
    end: datetime | None
    place: str


class PublicEventOut(Schema):
    """What anyone may read: the event and its counts, never a family's name."""

    reference: str
    title: str
    description: str
    place_name: str
    address: str
    lat: float | None
    lon: float | None
    start: datetime
    end: datetime
    capacity: int
    accessibility: str
    staff_languages: str
    agency_name: str
    activities: list[ActivityOut]
    counts: CountsOut

    @staticmethod
    def of(event: Event, counts: dict[str, int]) -> PublicEventOut:
        return PublicEventOut(
            reference=event.reference,
            title=event.title,
            description=event.description,
            place_name=event.place_name,
            address=event.address,
            lat=event.lat,
            lon=event.lon,
            start=event.start,
            end=event.end,
            capacity=event.capacity,
            accessibility=event.accessibility,
            staff_languages=event.staff_languages,
            agency_name=event.agency.name,
            activities=[
                ActivityOut(title=a.title, start=a.start, end=a.end, place=a.place)
                for a in event.activities.all()
            ],
            counts=CountsOut(**counts),
        )


class EventOut(PublicEventOut):
    id: int
    status: str
    offer_hours: int
    created_at: datetime

    @staticmethod
    def of(event: Event, counts: dict[str, int]) -> EventOut:
        public = PublicEventOut.of(event, counts)
        return EventOut(
            **public.dict(),
            id=event.pk,
            status=event.status,
            offer_hours=event.offer_hours,
            created_at=event.created_at,
        )


class ChildOut(Schema):
    id: int
    first_name: str
    age_band: str
    checked_in_at: datetime | None
    badge_printed_at: datetime | None


class RegistrationOut(Schema):
    """For the agency's staff only: the family's names and how to reach them."""

    id: int
    reference: str
    status: str
    contact_name: str
    email: str
    phone: str
    adults: int
    languages: str
    accessibility_needs: str
    language: str
    children: list[ChildOut]
    offer_expires_at: datetime | None
    invited: bool
    checked_in: bool
    created_at: datetime

    @staticmethod
    def of(r: Registration) -> RegistrationOut:
        return RegistrationOut(
            id=r.pk,
            reference=r.reference,
            status=r.status,
            contact_name=r.contact_name,
            email=r.email,
            phone=r.phone,
            adults=r.adults,
            languages=r.languages,
            accessibility_needs=r.accessibility_needs,
            language=r.language,
            children=[
                ChildOut(
                    id=c.pk,
                    first_name=c.first_name,
                    age_band=c.age_band,
                    checked_in_at=c.checked_in_at,
                    badge_printed_at=c.badge_printed_at,
                )
                for c in r.children.all()
            ],
            offer_expires_at=r.offer_expires_at,
            invited=r.invitation_id is not None,
            checked_in=bool(r.checkins.all()),
            created_at=r.created_at,
        )


class CheckInIn(CheckedIn):
    payload: str | None = Field(
        None, max_length=200, description="The QR code's text; or give registration_id"
    )
    registration_id: Id | None = Field(None, description="Found by searching the name")
    scan_id: str = Field(
        min_length=1, max_length=64, description="Made by the scanning phone; a re-send is a no-op"
    )
    scanned_at: AwareDatetime = Field(description="When it was scanned (ISO 8601 with offset)")
    children_ids: list[Id] | None = Field(
        None, max_length=10, description="Only these children (default: all of the family)"
    )

    _times = field_validator("scanned_at")(checked_time)


class CheckInOut(Schema):
    id: int
    scan_id: str
    registration_id: int
    registration_reference: str
    scanned_at: datetime
    children_checked_in: int


class InvitationIn(CheckedIn):
    NAMES = frozenset({"family_name", "children_names"})

    channel: Literal["email", "sms"]
    contact: str = Field(min_length=1, max_length=254, description="Email address or phone")
    family_name: str = Field("", max_length=100)
    children_names: str = Field("", max_length=300, description="Comma-separated, to prefill")
    language: Literal["en", "es"] = "en"
    source_kind: str = Field("", max_length=30, description="The encounter's kind, e.g. report")
    source_id: Id | None = None


class InvitationOut(Schema):
    id: int
    channel: str
    language: str
    source_kind: str
    source_id: int | None
    sent_at: datetime


# --- the family's own API (no account: the public create and the private token) ---------------

AgeBand = Literal["0-3", "4-6", "7-9", "10-12", "13-17"]


class ChildIn(CheckedIn):
    NAMES = frozenset({"first_name"})

    first_name: str = Field(min_length=1, max_length=60, description="As it should be printed")
    age_band: AgeBand


class RegistrationIn(CheckedIn):
    """A family registers: one adult's contact (an email or a phone, or both), the number of
    adults, each child. `invitation` is the token of the officer's invitation, if any."""

    NAMES = frozenset({"contact_name"})
    MULTILINE = frozenset({"accessibility_needs"})

    contact_name: str = Field(min_length=1, max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    adults: int = Field(1, ge=1, le=10)
    languages: str = Field("", max_length=200, description="Languages spoken at home")
    accessibility_needs: str = Field("", max_length=1000)
    language: Literal["en", "es"] = Field("en", description="For the messages to the family")
    children: list[ChildIn] = Field(min_length=1, max_length=10)
    invitation: str | None = Field(
        None, min_length=1, max_length=64, description="The invitation's token, if invited"
    )


class FamilyRegistrationOut(Schema):
    """What the family may know about its own registration: no other family, ever."""

    reference: str
    status: str = Field(description="confirmed, waitlisted, offered, cancelled or expired")
    event_reference: str
    event_title: str
    event_start: datetime
    people: int = Field(description="Adults and children: the places it takes")
    waitlist_position: int | None = Field(description="1 = next in line; null unless waitlisted")
    offer_expires_at: datetime | None = Field(description="Accept before this, when offered")
    manage_url: str = Field(description="The family's private page (keep it private)")
    token: str = Field(description="The private token of the /registrations/{token} calls")
