"""State changes of the events module: one transaction each, each audited (codes and ids only).

Views and the API check access and the shape of input; these functions enforce the rules that
need the database and raise EventError with a stable `code`, a message for people (in the
active language) and the HTTP status the API answers with. The rules (docs/events.md, "Rules"):

- Places are people: a registration takes `adults + children` places. Every change that
  counts places locks the Event row first (select_for_update), so two families can never take
  the last place together; a registration row is locked after its event, never before.
- A family that fits is CONFIRMED; one that does not fit waits, together, on the waitlist
  (WAITLISTED). When places free up (a cancellation, smaller counts, more capacity, an offer
  that expired or was declined), `offer_next` goes down the waitlist in registration order and
  offers them to each whole family that fits (first fit: a large family that does not fit yet
  keeps its turn; a smaller one behind it may be offered the places meanwhile). An offer holds
  the places for `event.offer_hours` (never past the event's start); `expire_offers` (run every
  few minutes by the scheduler) lets late offers go and moves on.
- A second registration for the same event with the same email or phone (among those still
  active) is a duplicate. Registrations close when the event starts, is cancelled or is not
  published.
- Check-in is idempotent by the scanning phone's `scan_id`; QR codes are signed (salt
  "events.checkin"), forged or altered ones are refused.

Notifications to families go through core's notifications after the commit (showup.events.
notify), in the family's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from showup.core.audit import audit
from showup.core.models import Agency, Role, User
from showup.core.phones import PhoneNumberError, parse_phone
from showup.core.registry import encounter
from showup.core.text import text_problem
from showup.events import notify
from showup.events.models import (
    Activity,
    CheckIn,
    Event,
    Feedback,
    Invitation,
    RegisteredChild,
    Registration,
    SafetyMaterial,
)

QR_SALT = "events.checkin"
MAX_CHILDREN = 10
MAX_ADULTS = 10
MAX_OFFER_HOURS = 14 * 24

EVENT_FIELDS = (
    "title",
    "description",
    "place_name",
    "address",
    "lat",
    "lon",
    "start",
    "end",
    "capacity",
    "accessibility",
    "staff_languages",
    "offer_hours",
)
REGISTRATION_FIELDS = (
    "contact_name",
    "email",
    "phone",
    "adults",
    "languages",
    "accessibility_needs",
)
# Text fields and whether they may hold line breaks (showup.core.text).
_MULTILINE = frozenset({"description", "accessibility", "accessibility_needs", "body", "liked"})
_NAMES = frozenset({"contact_name", "first_name", "family_name", "children_names"})

RStatus = Registration.Status
ACTIVE = (RStatus.CONFIRMED, RStatus.WAITLISTED, RStatus.OFFERED)


class EventError(ValueError):
    """A change the rules do not allow. `code` is stable (tests and the API use it); `message`
    is for people, in their language; `status` is the API's HTTP answer."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --- who may ----------------------------------------------------------------


def is_agency_staff(user: object, agency_id: int | None) -> bool:
    """An active officer, coordinator or admin of the agency."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and agency_id is not None
        and user.agency_id == agency_id
        and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
    )


def is_event_manager(user: object, agency_id: int | None) -> bool:
    """A coordinator or admin of the agency: they create and change events."""
    return is_agency_staff(user, agency_id) and isinstance(user, User) and user.role != Role.OFFICER


def _require_manager(actor: User, agency_id: int) -> None:
    if not is_event_manager(actor, agency_id):
        raise EventError(
            "forbidden", _("Only the agency's coordinators can change its events."), 403
        )


def _require_staff(actor: User, agency_id: int) -> None:
    if not is_agency_staff(actor, agency_id):
        raise EventError("forbidden", _("Only the agency's staff can do this."), 403)


# --- locks and counts ----------------------------------------------------------------


def _lock_event(event: Event | int) -> Event:
    pk = event if isinstance(event, int) else event.pk
    return Event.objects.select_for_update().get(pk=pk)


def _lock_registration(registration: Registration) -> tuple[Event, Registration]:
    """The event first, then the registration: always in this order (no deadlock)."""
    event = _lock_event(registration.event_id)
    return event, Registration.objects.select_for_update().get(pk=registration.pk)


def people_of(registration: Registration) -> int:
    return registration.adults + registration.children.count()


def places_taken(event: Event, *, exclude_pk: int | None = None) -> int:
    """People holding places: confirmed families and those with an open offer."""
    qs = Registration.objects.filter(event=event, status__in=Registration.HOLDS_PLACES)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    taken = 0
    for adults, children in _counts(qs):
        taken += adults + children
    return taken


def _counts(qs: Any) -> list[tuple[int, int]]:
    from django.db.models import Count

    return list(qs.annotate(n=Count("children")).values_list("adults", "n"))


def places_left(event: Event) -> int:
    return max(0, event.capacity - places_taken(event))


def _is_open(event: Event, now: datetime | None = None) -> bool:
    return event.status == Event.Status.PUBLISHED and event.start > (now or timezone.now())


def _require_open(event: Event) -> None:
    if not _is_open(event):
        raise EventError(
            "event_closed",
            _("This event is not taking registrations: it has started, ended or was cancelled."),
            409,
        )


# --- checks of values ----------------------------------------------------------------


def _check_texts(values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        problem = text_problem(value, multiline=name in _MULTILINE, name=name in _NAMES)
        if problem:
            raise EventError("bad_text", f"{name}: {problem}", 422)


def _check_event(event: Event) -> None:
    if not (event.title or "").strip() or not (event.place_name or "").strip():
        raise EventError("missing_field", _("An event needs a title and a place."), 422)
    if event.start is None or event.end is None or event.end <= event.start:
        raise EventError("end_before_start", _("An event must end after it starts."), 422)
    if event.end - event.start > timedelta(days=14):
        raise EventError("too_long", _("An event cannot last more than two weeks."), 422)
    if not 1 <= int(event.capacity or 0) <= 100_000:
        raise EventError("capacity", _("Capacity must be from 1 to 100,000 people."), 422)
    if not 1 <= int(event.offer_hours or 0) <= MAX_OFFER_HOURS:
        raise EventError(
            "offer_hours",
            _("The time to accept a freed place must be from 1 hour to 14 days."),
            422,
        )
    if (event.lat is None) != (event.lon is None) or (
        event.lat is not None
        and event.lon is not None
        and not (-90 <= event.lat <= 90 and -180 <= event.lon <= 180)
    ):
        raise EventError("bad_pin", _("Give both latitude and longitude, or neither."), 422)


def _clean_contact(data: dict[str, Any], region: str) -> None:
    data["email"] = (data.get("email") or "").strip()
    data["phone"] = (data.get("phone") or "").strip()
    if not data["email"] and not data["phone"]:
        raise EventError(
            "no_contact", _("Give an email address or a phone number, so we can reach you."), 422
        )
    if data["email"]:
        try:
            validate_email(data["email"])
        except ValidationError:
            raise EventError("bad_email", _("This email address is not valid."), 422) from None
        data["email"] = data["email"].lower()
    if data["phone"]:
        try:
            data["phone"] = parse_phone(data["phone"], region)
        except PhoneNumberError as exc:
            raise EventError("bad_phone", exc.message, 422) from None


def _clean_registration(
    data: Mapping[str, Any], children: Sequence[Mapping[str, Any]], region: str
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    values = {k: data[k] for k in REGISTRATION_FIELDS if k in data and data[k] is not None}
    values["contact_name"] = (values.get("contact_name") or "").strip()
    if not values["contact_name"]:
        raise EventError("missing_field", _("Give your name."), 422)
    if len(values["contact_name"]) > 100:
        raise EventError("too_long", _("Your name can have at most 100 characters."), 422)
    try:
        values["adults"] = int(values.get("adults", 1))
    except (TypeError, ValueError):
        raise EventError("adults", _("Give the number of adults."), 422) from None
    if not 1 <= values["adults"] <= MAX_ADULTS:
        raise EventError(
            "adults", _("At least one adult comes with the children, at most 10."), 422
        )
    if not 1 <= len(children) <= MAX_CHILDREN:
        raise EventError("children_count", _("Register from 1 to 10 children."), 422)
    bands = {code for code, _label in RegisteredChild.AgeBand.choices}
    kids = []
    for child in children:
        first_name = (child.get("first_name") or "").strip()
        if not first_name:
            raise EventError("missing_field", _("Give each child's first name."), 422)
        if len(first_name) > 60:
            raise EventError(
                "name_too_long",
                _("A child's first name can have at most 60 characters (it goes on a badge)."),
                422,
            )
        if child.get("age_band") not in bands:
            raise EventError("age_band", _("Choose each child's age."), 422)
        _check_texts({"first_name": first_name})
        kids.append({"first_name": first_name, "age_band": child["age_band"]})
    _check_texts({k: v for k, v in values.items() if isinstance(v, str)})
    _clean_contact(values, region)
    return values, kids


def _duplicate(event: Event, email: str, phone: str, *, exclude_pk: int | None = None) -> bool:
    match = Q()
    if email:
        match |= Q(email__iexact=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return False
    qs = Registration.objects.filter(match, event=event, status__in=ACTIVE)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _duplicate_error() -> EventError:
    return EventError(
        "duplicate",
        _(
            "This family is already registered for this event with this email or phone. Use "
            "the private link in your confirmation to change it."
        ),
        409,
    )


# --- events ----------------------------------------------------------------


@transaction.atomic
def event_create(*, agency: Agency, actor: User, data: Mapping[str, Any]) -> Event:
    _require_manager(actor, agency.pk)
    values = {k: data[k] for k in EVENT_FIELDS if k in data and data[k] is not None}
    _check_texts({k: v for k, v in values.items() if isinstance(v, str)})
    event = Event(agency=agency, created_by=actor, status=Event.Status.DRAFT, **values)
    _check_event(event)
    event.save()
    audit("events.event.created", actor=actor, obj=event, agency_id=agency.pk)
    return event


@transaction.atomic
def event_update(*, event: Event, actor: User, data: Mapping[str, Any]) -> Event:
    """Change an event's details. More capacity offers the new places to the waitlist; less
    capacity never takes a confirmed place away (it only stops new confirmations)."""
    _require_manager(actor, event.agency_id)
    event = _lock_event(event)
    if event.status == Event.Status.CANCELLED:
        raise EventError("bad_state", _("This event is cancelled; it cannot be changed."), 409)
    values = {k: data[k] for k in EVENT_FIELDS if k in data}
    _check_texts({k: v for k, v in values.items() if isinstance(v, str)})
    for name, value in values.items():
        setattr(event, name, value if value is not None or name in ("lat", "lon") else "")
    _check_event(event)
    event.save()
    audit(
        "events.event.updated",
        actor=actor,
        obj=event,
        agency_id=event.agency_id,
        fields=sorted(values),
    )
    offer_next(event=event)
    return event


@transaction.atomic
def event_publish(*, event: Event, actor: User) -> Event:
    _require_manager(actor, event.agency_id)
    event = _lock_event(event)
    if event.status != Event.Status.DRAFT:
        raise EventError("bad_state", _("Only a draft can be published."), 409)
    if event.start <= timezone.now():
        raise EventError("event_past", _("This event has already started."), 409)
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status", "updated_at"])
    audit("events.event.published", actor=actor, obj=event, agency_id=event.agency_id)
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: User) -> Event:
    """Cancel the event: every active registration is cancelled and the family told."""
    _require_manager(actor, event.agency_id)
    event = _lock_event(event)
    if event.status == Event.Status.CANCELLED:
        raise EventError("bad_state", _("This event is already cancelled."), 409)
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    now = timezone.now()
    told = list(
        Registration.objects.select_for_update()
        .filter(event=event, status__in=ACTIVE)
        .values_list("pk", flat=True)
    )
    Registration.objects.filter(pk__in=told).update(
        status=RStatus.CANCELLED, cancelled_at=now, offer_expires_at=None, updated_at=now
    )
    audit(
        "events.event.cancelled",
        actor=actor,
        obj=event,
        agency_id=event.agency_id,
        registrations=len(told),
    )
    for pk in told:
        notify.event_cancelled(pk)
    return event


@transaction.atomic
def activity_add(
    *,
    event: Event,
    actor: User,
    title: str,
    start: datetime,
    end: datetime | None = None,
    place: str = "",
) -> Activity:
    _require_manager(actor, event.agency_id)
    _check_texts({"title": title, "place": place})
    if not title.strip():
        raise EventError("missing_field", _("Give the activity a title."), 422)
    if not event.start <= start <= event.end:
        raise EventError("activity_outside", _("An activity must start during the event."), 422)
    if end is not None and not start < end <= event.end:
        raise EventError(
            "end_before_start",
            _("An activity must end after it starts and by the event's end."),
            422,
        )
    activity = Activity.objects.create(
        event=event, title=title.strip(), start=start, end=end, place=place.strip()
    )
    audit("events.activity.added", actor=actor, obj=activity, agency_id=event.agency_id)
    return activity


def _remove_part(part: Activity | SafetyMaterial, actor: User, name: str) -> None:
    """Remove an event's activity or safety material: managers only, audited by id."""
    event = part.event
    _require_manager(actor, event.agency_id)
    ids: dict[str, Any] = {"event_id": event.pk, name: part.pk}
    audit(f"events.{name}.removed", actor=actor, agency_id=event.agency_id, **ids)
    part.delete()


@transaction.atomic
def activity_remove(*, activity: Activity, actor: User) -> None:
    _remove_part(activity, actor, "activity")


@transaction.atomic
def material_add(
    *, event: Event, actor: User, title: str, body: str = "", url: str = ""
) -> SafetyMaterial:
    _require_manager(actor, event.agency_id)
    _check_texts({"title": title, "body": body, "url": url})
    if not title.strip():
        raise EventError("missing_field", _("Give the material a title."), 422)
    if url and not url.startswith(("https://", "http://")):
        raise EventError("bad_url", _("A link must start with https://."), 422)
    material = SafetyMaterial.objects.create(
        event=event, title=title.strip(), body=body.strip(), url=url.strip()
    )
    audit("events.material.added", actor=actor, obj=material, agency_id=event.agency_id)
    return material


@transaction.atomic
def material_remove(*, material: SafetyMaterial, actor: User) -> None:
    _remove_part(material, actor, "material")


# --- registrations ----------------------------------------------------------------


def registration_create(
    *,
    event: Event,
    data: Mapping[str, Any],
    children: Sequence[Mapping[str, Any]],
    language: str,
    invitation: Invitation | None = None,
) -> Registration:
    """A family registers (no account). CONFIRMED when its people fit the places left, else
    WAITLISTED, the whole family together. Idempotency of the request is the caller's
    (showup.core.idempotency)."""
    region = event.agency.phone_region
    values, kids = _clean_registration(data, children, region)
    with transaction.atomic():
        event = _lock_event(event)
        _require_open(event)
        people = values["adults"] + len(kids)
        if people > event.capacity:
            raise EventError(
                "family_too_large",
                _("This event has room for %(n)s people in all; your family is larger.")
                % {"n": event.capacity},
                422,
            )
        if _duplicate(event, values["email"], values["phone"]):
            raise _duplicate_error()
        if invitation is not None and invitation.event_id != event.pk:
            invitation = None  # an invitation to another event prefills nothing here
        fits = people <= places_left(event)
        registration = Registration.objects.create(
            event=event,
            language=(language or "en")[:10],
            invitation=invitation,
            status=RStatus.CONFIRMED if fits else RStatus.WAITLISTED,
            **values,
        )
        RegisteredChild.objects.bulk_create(
            [RegisteredChild(registration=registration, **kid) for kid in kids]
        )
        audit(
            "events.registration.created",
            actor=None,
            actor_label="public",
            obj=registration,
            agency_id=event.agency_id,
            event_id=event.pk,
            status=registration.status,
            people=people,
            invitation=invitation.pk if invitation else None,
        )
        if fits:
            notify.registration_confirmed(registration.pk)
        else:
            notify.registration_waitlisted(registration.pk)
    return registration


@transaction.atomic
def registration_update(
    *,
    registration: Registration,
    data: Mapping[str, Any],
    children: Sequence[Mapping[str, Any]],
) -> Registration:
    """The family changes its registration from its private link. More people than the places
    it holds plus those left: it moves to the waitlist (together); fewer people free places,
    which are offered to the waitlist."""
    event, registration = _lock_registration(registration)
    _require_open(event)
    if registration.status not in ACTIVE:
        raise EventError(
            "bad_state", _("This registration was cancelled or its offer expired."), 409
        )
    merged = {k: getattr(registration, k) for k in REGISTRATION_FIELDS} | dict(data)
    values, kids = _clean_registration(merged, children, event.agency.phone_region)
    if _duplicate(event, values["email"], values["phone"], exclude_pk=registration.pk):
        raise _duplicate_error()
    people = values["adults"] + len(kids)
    if people > event.capacity:
        raise EventError(
            "family_too_large",
            _("This event has room for %(n)s people in all; your family is larger.")
            % {"n": event.capacity},
            422,
        )
    before = registration.status
    for name, value in values.items():
        setattr(registration, name, value)
    # Children keep their rows (and check-in marks) in order; extra ones are added or removed.
    existing = list(registration.children.order_by("pk"))
    for row, kid in zip(existing, kids, strict=False):
        row.first_name, row.age_band = kid["first_name"], kid["age_band"]
        row.save(update_fields=["first_name", "age_band"])
    for row in existing[len(kids) :]:
        row.delete()
    for kid in kids[len(existing) :]:
        RegisteredChild.objects.create(registration=registration, **kid)
    if registration.status in Registration.HOLDS_PLACES:
        free = event.capacity - places_taken(event, exclude_pk=registration.pk)
        if people > free:
            registration.status = RStatus.WAITLISTED
            registration.offered_at = registration.offer_expires_at = None
    registration.save()
    audit(
        "events.registration.updated",
        actor=None,
        actor_label="public",
        obj=registration,
        agency_id=event.agency_id,
        event_id=event.pk,
        status=registration.status,
        people=people,
    )
    if before != registration.status:
        notify.registration_waitlisted(registration.pk)
    offer_next(event=event)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """The family cancels: its places are offered to the waitlist. Cancelling again is a no-op."""
    event, registration = _lock_registration(registration)
    if registration.status == RStatus.CANCELLED:
        return registration
    if registration.status == RStatus.EXPIRED:
        raise EventError("bad_state", _("This registration's offer has expired."), 409)
    if event.start <= timezone.now():
        raise EventError("event_closed", _("This event has already started."), 409)
    held = registration.status in Registration.HOLDS_PLACES
    registration.status = RStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.offer_expires_at = None
    registration.save()
    audit(
        "events.registration.cancelled",
        actor=None,
        actor_label="public",
        obj=registration,
        agency_id=event.agency_id,
        event_id=event.pk,
        freed=people_of(registration) if held else 0,
    )
    if held:
        offer_next(event=event)
    return registration


def offer_next(*, event: Event, now: datetime | None = None) -> list[Registration]:
    """Offer the free places to waitlisted families, in registration order, whole families
    only (first fit). Runs inside the caller's transaction; locks the event if the caller did
    not. Returns the families offered a place."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(event)
        if not _is_open(event, now):
            return []
        left = event.capacity - places_taken(event)
        offered: list[Registration] = []
        if left <= 0:
            return offered
        waiting = (
            Registration.objects.select_for_update()
            .filter(event=event, status=RStatus.WAITLISTED)
            .order_by("created_at", "pk")
        )
        expires = min(now + timedelta(hours=event.offer_hours), event.start)
        for registration in waiting:
            people = people_of(registration)
            if people > left:
                continue
            registration.status = RStatus.OFFERED
            registration.offered_at = now
            registration.offer_expires_at = expires
            registration.save(
                update_fields=["status", "offered_at", "offer_expires_at", "updated_at"]
            )
            left -= people
            offered.append(registration)
            audit(
                "events.offer.made",
                actor=None,
                actor_label="system",
                obj=registration,
                agency_id=event.agency_id,
                event_id=event.pk,
                people=people,
            )
            notify.offer_made(registration.pk)
            if left <= 0:
                break
        return offered


def _expire(registration: Registration, event: Event, now: datetime) -> None:
    registration.status = RStatus.EXPIRED
    registration.save(update_fields=["status", "updated_at"])
    audit(
        "events.offer.expired",
        actor=None,
        actor_label="system",
        obj=registration,
        agency_id=event.agency_id,
        event_id=event.pk,
    )
    notify.offer_expired(registration.pk)


def offer_accept(*, registration: Registration) -> Registration:
    """The family takes the offered places: CONFIRMED. Too late: the offer expires now (and
    moves on) and `offer_expired` is raised."""
    now = timezone.now()
    with transaction.atomic():
        event, registration = _lock_registration(registration)
        if registration.status == RStatus.CONFIRMED:
            return registration
        late = registration.status == RStatus.EXPIRED or (
            registration.status == RStatus.OFFERED
            and registration.offer_expires_at is not None
            and registration.offer_expires_at <= now
        )
        if not late:
            if registration.status != RStatus.OFFERED:
                raise EventError("bad_state", _("No place is offered to this registration."), 409)
            registration.status = RStatus.CONFIRMED
            registration.offer_expires_at = None
            registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
            audit(
                "events.offer.accepted",
                actor=None,
                actor_label="public",
                obj=registration,
                agency_id=event.agency_id,
                event_id=event.pk,
            )
            notify.registration_confirmed(registration.pk)
            return registration
        if registration.status == RStatus.OFFERED:
            _expire(registration, event, now)
            offer_next(event=event, now=now)
    # Raised after the commit: the expiry and the next offer stand.
    raise EventError(
        "offer_expired",
        _("Sorry, the time to accept this place has passed and it was offered to the next family."),
        409,
    )


@transaction.atomic
def offer_decline(*, registration: Registration) -> Registration:
    """The family cannot come after all: the registration is cancelled and the places move on."""
    event, registration = _lock_registration(registration)
    if registration.status != RStatus.OFFERED:
        raise EventError("bad_state", _("No place is offered to this registration."), 409)
    registration.status = RStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.offer_expires_at = None
    registration.save()
    audit(
        "events.offer.declined",
        actor=None,
        actor_label="public",
        obj=registration,
        agency_id=event.agency_id,
        event_id=event.pk,
    )
    offer_next(event=event)
    return registration


def expire_offers(now: datetime | None = None) -> int:
    """Scheduled every few minutes: offers past their time expire, and their places are offered
    to the next families. One transaction per event. Returns how many offers expired."""
    now = now or timezone.now()
    events = set(
        Registration.objects.filter(status=RStatus.OFFERED, offer_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    )
    expired = 0
    for event_id in sorted(events):
        with transaction.atomic():
            event = _lock_event(event_id)
            late = Registration.objects.select_for_update().filter(
                event=event, status=RStatus.OFFERED, offer_expires_at__lte=now
            )
            for registration in late:
                _expire(registration, event, now)
                expired += 1
            offer_next(event=event, now=now)
    return expired


# --- feedback ----------------------------------------------------------------


@transaction.atomic
def feedback_submit(
    *, event: Event, registration: Registration | None = None, data: Mapping[str, Any]
) -> Feedback:
    if event.status != Event.Status.PUBLISHED or event.start > timezone.now():
        raise EventError("too_early", _("Feedback opens when the event has begun."), 409)
    answers = {code for code, _label in Feedback.Answer.choices}
    if data.get("felt_welcome") not in answers or data.get("would_call_officer") not in answers:
        raise EventError("missing_field", _("Please answer both questions."), 422)
    liked = (data.get("liked") or "").strip()
    if len(liked) > 1000:
        raise EventError("too_long", _("At most 1000 characters, please."), 422)
    _check_texts({"liked": liked})
    if registration is not None:
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.event_id != event.pk:
            raise EventError("wrong_event", _("This registration is for another event."), 422)
        if Feedback.objects.filter(registration=registration).exists():
            raise EventError(
                "duplicate_feedback", _("Thank you: we already have your feedback."), 409
            )
    feedback = Feedback.objects.create(
        event=event,
        registration=registration,
        liked=liked,
        felt_welcome=data["felt_welcome"],
        would_call_officer=data["would_call_officer"],
    )
    audit(
        "events.feedback.submitted",
        actor=None,
        actor_label="public",
        obj=feedback,
        agency_id=event.agency_id,
        event_id=event.pk,
    )
    return feedback


# --- QR codes and check-in ---------------------------------------------------------------------


def qr_payload(registration: Registration) -> str:
    """What the confirmation's QR code carries: the registration's id, signed."""
    return signing.Signer(salt=QR_SALT).sign(str(registration.pk))


def _bad_qr() -> EventError:
    return EventError(
        "bad_qr",
        _("This QR code is not one of ours, or it was altered. Search the family by name."),
        422,
    )


def registration_from_qr(payload: str) -> Registration:
    try:
        value = signing.Signer(salt=QR_SALT).unsign((payload or "").strip())
        pk = int(value)
    except (signing.BadSignature, ValueError, TypeError):
        raise _bad_qr() from None
    registration = (
        Registration.objects.select_related("event").filter(pk=pk, purged_at__isnull=True).first()
    )
    if registration is None:
        raise _bad_qr()
    return registration


def checkin_record(
    *,
    event: Event,
    actor: User,
    payload_or_registration: str | int | Registration,
    scan_id: str,
    scanned_at: datetime,
    children_ids: list[int] | None = None,
) -> CheckIn:
    """Record a scan (or a search) at the door. A scan sent again with the same `scan_id`
    (kept offline, then re-sent) returns the first CheckIn and changes nothing. A new scan of
    a family whose children (those asked for) are all checked in already, say by a second
    phone at another door, records nothing either and returns the family's first CheckIn: a
    family counts once, and its children keep the time they came in. Callers tell a new
    check-in by comparing the returned `scan_id` with the one they sent."""
    _require_staff(actor, event.agency_id)
    scan_id = (scan_id or "").strip()
    if not scan_id or len(scan_id) > 64 or text_problem(scan_id):
        raise EventError("bad_scan_id", _("The scan has no valid id."), 422)
    first = CheckIn.objects.select_related("registration").filter(scan_id=scan_id).first()
    if first is not None:
        if first.registration.event_id != event.pk:
            raise EventError("scan_id_reused", _("This scan id belongs to another event."), 409)
        return first
    if isinstance(payload_or_registration, Registration):
        registration: Registration | None = payload_or_registration
    elif isinstance(payload_or_registration, int):
        registration = Registration.objects.filter(pk=payload_or_registration, event=event).first()
        if registration is None:
            raise EventError("not_found", _("No such registration for this event."), 404)
    else:
        registration = registration_from_qr(payload_or_registration)
    assert registration is not None
    if registration.event_id != event.pk:
        # No reference in the message: the other event may be another agency's.
        raise EventError("wrong_event", _("This QR code is for another event."), 409)
    try:
        with transaction.atomic():
            event = _lock_event(event)
            registration = Registration.objects.select_for_update().get(pk=registration.pk)
            if event.status == Event.Status.CANCELLED:
                raise EventError("event_closed", _("This event was cancelled."), 409)
            if registration.status != RStatus.CONFIRMED:
                raise EventError(
                    "not_confirmed",
                    _("This family is not confirmed (%(status)s).")
                    % {"status": registration.get_status_display()},
                    409,
                )
            children = registration.children.all()
            if children_ids is not None:
                wanted = set(children_ids)
                known = set(children.values_list("pk", flat=True))
                if not wanted <= known:
                    raise EventError(
                        "unknown_child", _("A child is not on this registration."), 422
                    )
                children = children.filter(pk__in=wanted)
            earlier = registration.checkins.order_by("scanned_at", "pk").first()
            if earlier is not None and not children.filter(checked_in_at__isnull=True).exists():
                return earlier
            checkin = CheckIn.objects.create(
                registration=registration, scan_id=scan_id, scanned_at=scanned_at, by=actor
            )
            marked = children.filter(checked_in_at__isnull=True).update(checked_in_at=scanned_at)
            audit(
                "events.checkin.recorded",
                actor=actor,
                obj=checkin,
                agency_id=event.agency_id,
                event_id=event.pk,
                registration=registration.pk,
                children=marked,
            )
            return checkin
    except IntegrityError:
        # The same scan arrived twice at once: the first one won.
        first = CheckIn.objects.filter(scan_id=scan_id).first()
        if first is None:
            raise
        return first


@transaction.atomic
def badge_printed(*, child: RegisteredChild, actor: User) -> RegisteredChild:
    registration = child.registration
    _require_staff(actor, registration.event.agency_id)
    child = RegisteredChild.objects.select_for_update().get(pk=child.pk)
    child.badge_printed_at = timezone.now()
    child.save(update_fields=["badge_printed_at"])
    audit(
        "events.badge.printed",
        actor=actor,
        agency_id=registration.event.agency_id,
        event_id=registration.event_id,
        child=child.pk,
    )
    return child


# --- invitations ----------------------------------------------------------------


@transaction.atomic
def invitation_send(
    *,
    event: Event,
    actor: User,
    channel: str,
    contact: str,
    family_name: str = "",
    children_names: str = "",
    language: str = "en",
    source_kind: str = "",
    source_id: int | None = None,
) -> Invitation:
    """An officer invites a family met in an encounter; the link prefills the RSVP form.

    The encounter (`source_kind`, `source_id`) must be one the registry gives this officer (a
    closed report, a completed visit of their agency...), so attendance is never credited to
    an open report or to another agency's. An invitation without one is allowed: the officer
    typed the contact."""
    _require_staff(actor, event.agency_id)
    event = _lock_event(event)
    _require_open(event)
    _require_encounter(actor, source_kind, source_id)
    _check_texts({"contact": contact, "family_name": family_name, "children_names": children_names})
    if len(family_name) > 100 or len(children_names) > 300:
        raise EventError("too_long", _("The names are too long."), 422)
    contact = (contact or "").strip()
    if channel == Invitation.Channel.EMAIL:
        try:
            validate_email(contact)
        except ValidationError:
            raise EventError("bad_email", _("This email address is not valid."), 422) from None
    elif channel == Invitation.Channel.SMS:
        try:
            contact = parse_phone(contact, event.agency.phone_region)
        except PhoneNumberError as exc:
            raise EventError("bad_phone", exc.message, 422) from None
    else:
        raise EventError("bad_channel", _("Send an invitation by email or text message."), 422)
    invitation = Invitation.objects.create(
        event=event,
        channel=channel,
        contact=contact,
        family_name=family_name.strip(),
        children_names=children_names.strip(),
        language=(language or "en")[:10],
        source_kind=(source_kind or "")[:30],
        source_id=source_id,
        sent_by=actor,
    )
    audit(
        "events.invitation.sent",
        actor=actor,
        obj=invitation,
        agency_id=event.agency_id,
        event_id=event.pk,
        channel=channel,
        source_kind=invitation.source_kind,
        source_id=source_id,
    )
    notify.invitation_sent(invitation.pk)
    return invitation


def _require_encounter(actor: User, kind: str, pk: int | None) -> None:
    if not kind and pk is None:
        return
    if not kind or pk is None or encounter(kind, actor, pk) is None:
        raise EventError(
            "bad_source",
            _(
                "This encounter cannot lead to an invitation: it is still open, or it is not "
                "one your agency closed."
            ),
            422,
        )


# --- reads that are audited ----------------------------------------------------------------


def registrations_viewed(*, actor: User, event: Event, count: int, where: str) -> None:
    """Staff read the names of an event's families: one audit entry (ids and counts only)."""
    audit(
        "events.registration.listed",
        actor=actor,
        obj=event,
        agency_id=event.agency_id,
        count=count,
        where=where,
    )


# --- retention ----------------------------------------------------------------


def purge_due(now: datetime) -> tuple[list[int], list[int]]:
    """The registrations and invitations whose event ended longer ago than the agency's
    retention period and that still hold personal details."""
    registrations: list[int] = []
    invitations: list[int] = []
    for agency in Agency.objects.all():
        cutoff = now - timedelta(days=agency.retention_days)
        registrations += list(
            Registration.objects.filter(
                event__agency=agency, event__end__lt=cutoff, purged_at__isnull=True
            ).values_list("pk", flat=True)
        )
        invitations += list(
            Invitation.objects.filter(
                event__agency=agency, event__end__lt=cutoff, purged_at__isnull=True
            ).values_list("pk", flat=True)
        )
    return registrations, invitations


def purge_expired_registrations(now: datetime | None = None) -> dict[str, int]:
    """Clear families' contact, names, children's first names and accessibility needs (and
    invitations' contact and names) once the agency's retention period after the event has
    passed. Statuses, counts, age bands, check-in times and feedback answers stay."""
    now = now or timezone.now()
    registrations, invitations = purge_due(now)
    for pk in registrations:
        with transaction.atomic():
            registration = Registration.objects.select_for_update().get(pk=pk)
            if registration.purged_at is not None:
                continue
            registration.contact_name = ""
            registration.email = ""
            registration.phone = ""
            registration.languages = ""
            registration.accessibility_needs = ""
            registration.purged_at = now
            registration.save()
            registration.children.update(first_name="")
            Feedback.objects.filter(registration=registration).update(liked="")
            audit(
                "events.registration.purged",
                actor=None,
                actor_label="retention",
                obj=registration,
                agency_id=registration.event.agency_id,
            )
    for pk in invitations:
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().get(pk=pk)
            if invitation.purged_at is not None:
                continue
            invitation.contact = ""
            invitation.family_name = ""
            invitation.children_names = ""
            invitation.purged_at = now
            invitation.save()
            audit(
                "events.invitation.purged",
                actor=None,
                actor_label="retention",
                obj=invitation,
                agency_id=invitation.event.agency_id,
            )
    return {"registrations": len(registrations), "invitations": len(invitations)}
