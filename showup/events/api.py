"""The events JSON API (django-ninja), mounted at /api/events/.

Staff endpoints use the staff session (CSRF on unsafe methods, as every router): an event of
another agency answers 404 exactly like one that does not exist; what a role may see but not
do is a 403. Coordinators and admins create and change events; officers read them, check
families in and send invitations. The public endpoints (`/public`) need no account and show
published events with counts, never a name; a family registers there (`POST
/public/{reference}/registrations`) and then reads, cancels, accepts or declines with its
private token (`/registrations/{token}`): no session, no CSRF (auth=None). Rules refused
by a service answer with the service's status and stable `code`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth

from showup.api_errors import ERROR_RESPONSES, ErrorOut, ObjectId
from showup.api_errors import idempotency_errors as _idempotency_errors
from showup.api_errors import json_body as _json_body
from showup.core import idempotency, ratelimit
from showup.core.models import User
from showup.events import selectors, services
from showup.events.models import CheckIn, Event, Invitation, Registration
from showup.events.schemas import (
    CheckInIn,
    CheckInOut,
    EventIn,
    EventOut,
    EventPatchIn,
    FamilyRegistrationOut,
    InvitationIn,
    InvitationOut,
    PublicEventOut,
    RegistrationIn,
    RegistrationOut,
)
from showup.events.services import EventError
from showup.events.views import RSVP_LIMIT_SCOPE


class EventsStaff(SessionAuth):
    """The Django session of an active officer, coordinator or admin with an agency."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated and user.is_active else None


router = Router(tags=["events"], auth=EventsStaff())

# An event's public reference, as new_event_reference makes them: "E-" and six characters.
Reference = Annotated[
    str,
    Path(min_length=8, max_length=8, pattern=r"^E-[A-Z0-9]{6}$", description="E-XXXXXX"),
]

# Every operation documents every error answer (showup.api_errors): 400 401 403 404 409 422 429.
ERRORS: dict[int, Any] = ERROR_RESPONSES


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if not selectors.is_staff(user):
        raise HttpError(403, _("Your account has no access to events."))
    return user


def _event(user: User, pk: int) -> Event:
    try:
        return selectors.access_event(user, pk)
    except Http404:
        raise HttpError(404, _("Not found")) from None


def _refused(exc: EventError) -> Status[Any]:
    if exc.status == 422:
        body: Any = {"detail": [{"type": exc.code, "loc": ["body"], "msg": exc.message}]}
        return Status(422, body)
    return Status(exc.status, ErrorOut(detail=exc.message, code=exc.code))


def _forbidden() -> Status[ErrorOut]:
    return Status(
        403, ErrorOut(detail=_("Only the agency's coordinators can do this."), code="forbidden")
    )


def _manage(request: HttpRequest, event_id: int, change: Callable[[Event, User], Event]) -> Any:
    """A coordinator's change to an event: 403 for other staff, the service's coded refusal,
    else the event as it now is."""
    user = _user(request)
    event = _event(user, event_id)
    if not selectors.is_manager(user):
        return _forbidden()
    try:
        event = change(event, user)
    except EventError as exc:
        return _refused(exc)
    return _out(event)


def _out(event: Event) -> EventOut:
    event = Event.objects.select_related("agency").prefetch_related("activities").get(pk=event.pk)
    return EventOut.of(event, selectors.event_counts(event))


# --- public ---------------------------------------------------------------------------------


@router.get(
    "/public",
    auth=None,
    response={200: list[PublicEventOut], **ERRORS},
    summary="Upcoming published events (public, counts only)",
)
def public_list(
    request: HttpRequest,
    limit: int = Query(100, ge=1, le=200, description="How many events, 1 to 200."),
) -> Any:
    """No account needed. Each event with its places left and how many families wait; never
    a name."""
    events = list(selectors.public_events().prefetch_related("activities")[:limit])
    return [PublicEventOut.of(e, selectors.event_counts(e)) for e in events]


@router.get(
    "/public/{reference}",
    auth=None,
    response={200: PublicEventOut, **ERRORS},
    summary="One published event (public, counts only)",
)
def public_detail(request: HttpRequest, reference: Reference) -> Any:
    try:
        event = selectors.public_event(reference)
    except Http404:
        return Status(404, ErrorOut(detail=_("Not found"), code="not_found"))
    return PublicEventOut.of(event, selectors.event_counts(event))


# --- public: the family's registration (no account) -------------------------------------------

# The family's private token (secrets.token_urlsafe(32): 43 URL-safe characters).
Token = Annotated[
    str,
    Path(
        min_length=20,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The registration's private token, from the confirmation",
    ),
]

# 429 carries Retry-After (seconds); ninja has no way to say so but openapi_extra. The key is
# the int 429, as in ninja's own responses, so the two merge into one entry (a "429" string
# would be a second key of the same name in the JSON, which Swagger UI refuses to parse).
RATE_LIMITED_DOC: dict[str, Any] = {
    "responses": {
        429: {
            "description": "Too many registrations from this address (or device): wait "
            "`Retry-After` seconds.",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until the limit frees",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
    }
}


def _anonymous_scope(request: HttpRequest) -> str:
    """Whose Idempotency-Keys these are. A signed-in caller: her user, as the staff create.
    An API caller without an account has no session to scope by (each call would get a new
    one and no repeat would ever be found): her keys are scoped by her client address (as the
    rate limit sees it, IPv6 per /64), salted and hashed (no address is stored in clear). A
    repeat from another address is a new request; a second registration is then refused as a
    duplicate (409), never created twice."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return idempotency.scope_for(request)
    digest = salted_hmac(
        "showup.events.api.idempotency", ratelimit.client_address(request), algorithm="sha256"
    ).hexdigest()
    return f"apiaddr:{digest[:64]}"


def _family_out(request: HttpRequest, registration: Registration) -> FamilyRegistrationOut:
    registration = Registration.objects.select_related("event").get(pk=registration.pk)
    event = registration.event
    return FamilyRegistrationOut(
        reference=registration.reference,
        status=registration.status,
        event_reference=event.reference,
        event_title=event.title,
        event_start=event.start,
        people=registration.people,
        waitlist_position=selectors.waitlist_position(registration),
        offer_expires_at=registration.offer_expires_at
        if registration.status == Registration.Status.OFFERED
        else None,
        manage_url=request.build_absolute_uri(reverse("events:manage", args=[registration.token])),
        token=registration.token,
    )


def _family(token: str) -> Registration | None:
    return (
        Registration.objects.select_related("event", "event__agency")
        .filter(token=token, purged_at__isnull=True)
        .first()
    )


def _not_found() -> Status[ErrorOut]:
    return Status(404, ErrorOut(detail=_("Not found"), code="not_found"))


@router.post(
    "/public/{reference}/registrations",
    auth=None,
    response={201: FamilyRegistrationOut, **ERRORS},
    summary="Register a family for a published event (public, no account)",
    description="No account, no session, no CSRF token. The family is `confirmed` when its "
    "people (adults and children) fit the places left, else `waitlisted`, together, and "
    "offered places in order when they free up. The answer carries the family's private "
    "`token` and `manage_url`: keep them, they are the only way back.\n\n"
    "Send an `Idempotency-Key` header (a UUID) to make retries safe: a repeat with the same "
    "key and body from the same client address answers 201 with the registration made the "
    "first time and creates nothing; the same key with another body is 422; a repeat while "
    "the first is still being processed is 409; a malformed key is 400. Without an account "
    "keys are scoped by the client's address.\n\n"
    "Errors: 404 no such published event; 409 `duplicate` (this email or phone is already "
    "registered), 409 `event_closed` (started, ended or cancelled); 422 the values (e.g. "
    "`family_too_large`, `no_contact`, `bad_phone`); 429 too many registrations from this "
    "address: wait `Retry-After` seconds.",
    openapi_extra=RATE_LIMITED_DOC,
)
def public_register(
    request: HttpRequest,
    response: HttpResponse,
    reference: Reference,
    payload: RegistrationIn,
    idempotency_key: str | None = Header(
        None,
        alias=idempotency.HEADER,
        description="Makes the request safe to retry: see the operation's description.",
    ),
) -> Any:
    try:
        event = selectors.public_event(reference)
    except Http404:
        return _not_found()
    with _idempotency_errors():
        claim = (
            idempotency.Claim(
                _anonymous_scope(request),
                idempotency.clean_key(idempotency_key),
                idempotency.fingerprint_json(_json_body(request, payload)),
            )
            if idempotency_key is not None
            else None
        )
        first = idempotency.replay(claim) if claim else None
    if first is not None and isinstance(first.obj, Registration):
        return Status(first.status_code, _family_out(request, first.obj))
    decision = ratelimit.check(request, RSVP_LIMIT_SCOPE)
    if not decision.allowed:
        response["Retry-After"] = str(decision.retry_after)
        return Status(
            429,
            ErrorOut(
                detail=_(
                    "Too many registrations from here. Please wait %(minutes)s minutes and "
                    "try again."
                )
                % {"minutes": decision.minutes},
                code="rate_limited",
            ),
        )
    invitation = None
    if payload.invitation:
        invitation = Invitation.objects.filter(
            token=payload.invitation, event=event, purged_at__isnull=True
        ).first()
    data = payload.model_dump(exclude={"children", "invitation", "language"})
    children = [child.model_dump() for child in payload.children]
    try:
        with _idempotency_errors():
            outcome = idempotency.run_once(
                claim,
                lambda: services.registration_create(
                    event=event,
                    data=data,
                    children=children,
                    language=payload.language,
                    invitation=invitation,
                ),
            )
    except EventError as exc:
        return _refused(exc)
    return Status(outcome.status_code, _family_out(request, outcome.obj))


@router.get(
    "/registrations/{token}",
    auth=None,
    response={200: FamilyRegistrationOut, **ERRORS},
    summary="The family's own registration, by its private token",
    description="Where the family stands: its status, its place on the waitlist, the "
    "deadline of an offer. Only this family's: an unknown or purged token is 404.",
)
def family_get(request: HttpRequest, token: Token) -> Any:
    registration = _family(token)
    if registration is None:
        return _not_found()
    return _family_out(request, registration)


def _family_act(request: HttpRequest, token: str, act: Any) -> Any:
    registration = _family(token)
    if registration is None:
        return _not_found()
    try:
        registration = act(registration=registration)
    except EventError as exc:
        return _refused(exc)
    return _family_out(request, registration)


@router.post(
    "/registrations/{token}/cancel",
    auth=None,
    response={200: FamilyRegistrationOut, **ERRORS},
    summary="The family cancels (its places go to the waitlist)",
    description="Cancelling again answers 200 and changes nothing. 409 `event_closed` once "
    "the event has started; 409 `bad_state` after an expired offer; 404 unknown token.",
)
def family_cancel(request: HttpRequest, token: Token) -> Any:
    return _family_act(request, token, services.registration_cancel)


@router.post(
    "/registrations/{token}/accept",
    auth=None,
    response={200: FamilyRegistrationOut, **ERRORS},
    summary="The family accepts the places offered to it",
    description="200 `confirmed` (again: no change). 409 `offer_expired` when too late (the "
    "places went to the next family); 409 `bad_state` when nothing is offered; 404 unknown "
    "token.",
)
def family_accept(request: HttpRequest, token: Token) -> Any:
    return _family_act(request, token, services.offer_accept)


@router.post(
    "/registrations/{token}/decline",
    auth=None,
    response={200: FamilyRegistrationOut, **ERRORS},
    summary="The family declines the places offered (they go to the next family)",
    description="200 `cancelled`. 409 `bad_state` when nothing is offered; 404 unknown token.",
)
def family_decline(request: HttpRequest, token: Token) -> Any:
    return _family_act(request, token, services.offer_decline)


# --- staff: events ----------------------------------------------------------------------------


@router.get("/", response={200: list[EventOut], **ERRORS}, summary="List the agency's events")
def list_events(request: HttpRequest) -> Any:
    user = _user(request)
    events = list(selectors.visible_events(user).prefetch_related("activities")[:500])
    return [EventOut.of(e, selectors.event_counts(e)) for e in events]


@router.post(
    "/",
    response={201: EventOut, **ERRORS},
    summary="Create an event (a draft)",
    description="Coordinators and admins. The event starts as a draft; publish it to open "
    "registrations.\n\nSend an `Idempotency-Key` header (a UUID: 1 to 120 printable ASCII "
    "characters) to make retries safe: a repeat with the same key and body answers 201 with "
    "the event created the first time and creates nothing; the same key with another body is "
    "422; a repeat while the first is still being processed is 409; a malformed key is 400.",
)
def create_event(
    request: HttpRequest,
    payload: EventIn,
    idempotency_key: str | None = Header(
        None,
        alias=idempotency.HEADER,
        description="Makes the request safe to retry: see the operation's description.",
    ),
) -> Any:
    user = _user(request)
    if not selectors.is_manager(user) or user.agency is None:
        return _forbidden()
    agency = user.agency
    with _idempotency_errors():
        claim = idempotency.header_claim(request, idempotency_key, _json_body(request, payload))
        first = idempotency.replay(claim) if claim else None
    if first is not None and isinstance(first.obj, Event):
        return Status(first.status_code, _out(first.obj))
    try:
        with _idempotency_errors():
            outcome = idempotency.run_once(
                claim,
                lambda: services.event_create(agency=agency, actor=user, data=payload.dict()),
            )
    except EventError as exc:
        return _refused(exc)
    return Status(outcome.status_code, _out(outcome.obj))


@router.get("/{event_id}", response={200: EventOut, **ERRORS}, summary="Read one event")
def get_event(request: HttpRequest, event_id: ObjectId) -> Any:
    return _out(_event(_user(request), event_id))


@router.patch("/{event_id}", response={200: EventOut, **ERRORS}, summary="Change an event")
def update_event(request: HttpRequest, event_id: ObjectId, payload: EventPatchIn) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return _manage(
        request,
        event_id,
        lambda event, user: services.event_update(event=event, actor=user, data=data),
    )


@router.post(
    "/{event_id}/publish",
    response={200: EventOut, **ERRORS},
    summary="Publish a draft event (opens registrations)",
)
def publish_event(request: HttpRequest, event_id: ObjectId) -> Any:
    return _manage(
        request, event_id, lambda event, user: services.event_publish(event=event, actor=user)
    )


@router.post(
    "/{event_id}/cancel",
    response={200: EventOut, **ERRORS},
    summary="Cancel an event (every registered family is told)",
)
def cancel_event(request: HttpRequest, event_id: ObjectId) -> Any:
    return _manage(
        request, event_id, lambda event, user: services.event_cancel(event=event, actor=user)
    )


# --- staff: registrations, check-in, invitations --------------------------------------------------


@router.get(
    "/{event_id}/registrations",
    response={200: list[RegistrationOut], **ERRORS},
    summary="The families registered (agency staff; an audited read)",
)
def list_registrations(request: HttpRequest, event_id: ObjectId) -> Any:
    user = _user(request)
    event = _event(user, event_id)
    items = list(selectors.registrations_for(user, event)[:2000])
    services.registrations_viewed(
        actor=user, event=event, count=len(items), where="api.events.registrations"
    )
    return [RegistrationOut.of(r) for r in items]


@router.post(
    "/{event_id}/checkins",
    response={200: CheckInOut, 201: CheckInOut, **ERRORS},
    summary="Check a family in at the door (idempotent by scan_id)",
    description="Give the QR code's text (`payload`) or the `registration_id` found by name. "
    "The same `scan_id` sent again (a scan kept offline and re-sent) answers 200 with the "
    "first check-in and records nothing; so does a new scan of a family whose children are "
    "all checked in already (a second phone at another door: the answer's `scan_id` is the "
    "first scan's). A check-in that records something answers 201. A forged or altered QR code "
    "is 422 `bad_qr`; another event's is 409 `wrong_event`; a family not confirmed is 409 "
    "`not_confirmed`.",
)
def record_checkin(request: HttpRequest, event_id: ObjectId, payload: CheckInIn) -> Any:
    user = _user(request)
    event = _event(user, event_id)
    given: str | int | None = payload.payload or payload.registration_id
    if given is None or (payload.payload and payload.registration_id):
        return Status(
            422,
            {
                "detail": [
                    {
                        "type": "payload_or_registration",
                        "loc": ["body", "payload"],
                        "msg": _("Give either the QR code's text or the registration's id."),
                    }
                ]
            },
        )
    existed = CheckIn.objects.filter(scan_id=payload.scan_id).exists()
    try:
        checkin = services.checkin_record(
            event=event,
            actor=user,
            payload_or_registration=given,
            scan_id=payload.scan_id,
            scanned_at=payload.scanned_at,
            children_ids=payload.children_ids,
        )
    except EventError as exc:
        return _refused(exc)
    registration = checkin.registration
    out = CheckInOut(
        id=checkin.pk,
        scan_id=checkin.scan_id,
        registration_id=registration.pk,
        registration_reference=registration.reference,
        scanned_at=checkin.scanned_at,
        children_checked_in=registration.children.filter(checked_in_at__isnull=False).count(),
    )
    existed = existed or checkin.scan_id != payload.scan_id  # already in, by another scan
    return Status(200 if existed else 201, out)


@router.post(
    "/{event_id}/invitations",
    response={201: InvitationOut, **ERRORS},
    summary="Invite a family met in an encounter (email or text)",
    description="`source_kind` and `source_id` name the encounter (e.g. `reunite.report` and a "
    "closed report's id, `visits.visit` and a completed visit's id); both or neither. An "
    "encounter still open, another agency's or unknown is 422 `bad_source`, so attendance is "
    "credited only to encounters that really led to it.",
)
def send_invitation(request: HttpRequest, event_id: ObjectId, payload: InvitationIn) -> Any:
    user = _user(request)
    event = _event(user, event_id)
    try:
        invitation = services.invitation_send(
            event=event,
            actor=user,
            channel=payload.channel,
            contact=payload.contact,
            family_name=payload.family_name,
            children_names=payload.children_names,
            language=payload.language,
            source_kind=payload.source_kind,
            source_id=payload.source_id,
        )
    except EventError as exc:
        return _refused(exc)
    return Status(
        201,
        InvitationOut(
            id=invitation.pk,
            channel=invitation.channel,
            language=invitation.language,
            source_kind=invitation.source_kind,
            source_id=invitation.source_id,
            sent_at=invitation.sent_at,
        ),
    )
