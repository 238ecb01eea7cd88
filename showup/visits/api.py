"""The visits JSON API (django-ninja), mounted at /api/visits/.

Session authentication like the rest of the API. Same access rules as the pages: what a user
may not see is a 404, what they may see but not do is a 403. The partner organisation of a new
request is always the caller's; naming another one is refused (403). Errors carry a stable
`code`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from showup.api_errors import ERROR_RESPONSES, ObjectId
from showup.core.models import User
from showup.visits import selectors, services
from showup.visits.forms import MAX_VISIT, check_window
from showup.visits.models import Place, Visit, VisitRequest
from showup.visits.schemas import (
    CompleteIn,
    ErrorOut,
    GivenIn,
    GuestIO,
    RequestForPartnerIn,
    RequestIn,
    RequestOut,
    SlotIn,
    VisitOut,
)
from showup.visits.services import VisitError

router = Router(auth=django_auth, tags=["visits"])

# Every operation documents every error answer (showup.api_errors): 400 401 403 404 409 422 429.
ERRORS: dict[int, Any] = ERROR_RESPONSES
CONFLICT_CODES = {"bad_state", "overlap", "not_enough_stock"}
NOT_DATA = {"rules", "windows", "partner_org_id", "requested_officer_id"}


def _user(request: HttpRequest) -> User:
    user = request.user
    if isinstance(user, User) and (selectors.is_agency_staff(user) or selectors.is_partner(user)):
        return user
    raise HttpError(403, "Your account has no access to visits.")


def _error(status: int, code: str, detail: str) -> Status[ErrorOut]:
    return Status(status, ErrorOut(code=code, detail=detail))


def _from_visit_error(exc: VisitError) -> Status[ErrorOut]:
    return _error(409 if exc.code in CONFLICT_CODES else 422, exc.code, exc.message)


def _forbidden() -> Status[ErrorOut]:
    return _error(403, "forbidden", "Your role cannot do this.")


def _request(user: User, pk: int) -> VisitRequest:
    found = selectors.visible_requests(user).filter(pk=pk).first()
    if found is None:
        raise HttpError(404, "Not found")
    return found


def _visit(user: User, pk: int) -> Visit:
    try:
        return selectors.access_visit_by_id(user, pk)
    except PermissionDenied:
        raise HttpError(403, "A guest officer cannot act on this visit.") from None
    except Http404:
        raise HttpError(404, "Not found") from None


def _request_out(pk: int) -> RequestOut:
    r = (
        VisitRequest.objects.select_related("partner_org")
        .prefetch_related("windows", "visits__guests", "visits__mementos", "visits__officer")
        .get(pk=pk)
    )
    return RequestOut.of(r)


def _visit_out(pk: int) -> VisitOut:
    visit = (
        Visit.objects.select_related("officer").prefetch_related("guests", "mementos").get(pk=pk)
    )
    return VisitOut.of(visit)


def _request_data(user: User, payload: RequestIn, place: Place | None) -> dict[str, Any]:
    """What the service needs from a new request, after the checks the partner's form makes
    (a bad one raises VisitError, answered with 422)."""
    if " " in payload.child_first_name.strip():
        raise VisitError("first_name_only", "First name only, please: no family name.")
    for window in payload.windows:
        problem = check_window(window.start, window.end)
        if problem:
            raise VisitError("bad_window", problem)
    data: dict[str, Any] = payload.dict(include=set(RequestIn.model_fields) - NOT_DATA)
    if payload.rules is not None:
        data.update({k: v for k, v in payload.rules.dict().items() if v is not None})
    limit = data.get("max_group_size") or (place.max_group_size if place else 3)
    if not 1 <= payload.group_size <= limit:
        raise VisitError(
            "group_size", f"Visitors wanted must be between 1 and the place's limit of {limit}."
        )
    if payload.requested_officer_id is not None:
        assert user.agency_id is not None
        officer = next(
            (
                o
                for o in selectors.agency_officers(user.agency_id)
                if o.pk == payload.requested_officer_id
            ),
            None,
        )
        if officer is None:
            raise VisitError("unknown_officer", "No such officer in this agency.")
        data["requested_officer"] = officer
    return data


# --- requests -----------------------------------------------------------------------------------


@router.get("/requests", response={200: list[RequestOut], **ERRORS}, summary="List visit requests")
def list_requests(request: HttpRequest, include_closed: bool = False) -> Any:
    """Partners get their organisation's requests; officers and coordinators the agency's
    queue, most urgent first. Viewing is audited."""
    user = _user(request)
    qs = selectors.queue(user, include_closed=include_closed).prefetch_related(
        "visits__guests", "visits__mementos"
    )
    items = list(qs[:500])
    services.request_viewed(actor=user, requests=items, where="api.visits.requests")
    return [RequestOut.of(r) for r in items]


@router.post("/requests", response={201: RequestOut, **ERRORS}, summary="Request a visit")
def create_request(request: HttpRequest, payload: RequestIn) -> Any:
    """Partner staff only. The child's first name only; no medical details anywhere. Rules not
    given are copied from the organisation's standing rules (its place)."""
    user = _user(request)
    if not selectors.is_partner(user):
        return _forbidden()
    if payload.partner_org_id is not None and payload.partner_org_id != user.partner_org_id:
        return _error(
            403, "wrong_organisation", "You can only request visits for your own organisation."
        )
    place = selectors.place_for(user)
    try:
        created = services.request_create(
            actor=user,
            partner_org=user.partner_org,  # type: ignore[arg-type]
            data=_request_data(user, payload, place),
            windows=[(w.start, w.end) for w in payload.windows],
            place=place,
        )
    except VisitError as exc:
        return _from_visit_error(exc)
    return Status(201, _request_out(created.pk))


@router.post(
    "/requests/for-partner",
    response={201: RequestOut, **ERRORS},
    summary="File a visit request for a partner (coordinator)",
)
def create_request_for_partner(request: HttpRequest, payload: RequestForPartnerIn) -> Any:
    """Coordinators only: a partner phoned, wrote or came in, and the unit files the request
    for them. The same fields and checks as a partner's own request, plus the partner
    organisation (one of the caller's agency; another is refused, 403 wrong_organisation),
    who asked and how the request arrived. Rules not given are copied from that
    organisation's standing rules. The partner's staff see it as theirs and are told."""
    user = _user(request)
    if not selectors.is_coordinator(user):
        return _forbidden()
    partner_org = selectors.partners_for_filing(user).filter(pk=payload.partner_org_id).first()
    if partner_org is None:
        return _error(
            403, "wrong_organisation", "You can only file requests for your agency's partners."
        )
    place = selectors.place_of(partner_org.pk)
    try:
        created = services.request_create_for_partner(
            actor=user,
            partner_org=partner_org,
            data=_request_data(user, payload, place),
            windows=[(w.start, w.end) for w in payload.windows],
            requested_by=payload.requested_by,
            received_via=payload.received_via,
        )
    except VisitError as exc:
        return _from_visit_error(exc)
    return Status(201, _request_out(created.pk))


@router.get(
    "/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="Get one visit request"
)
def get_request(request: HttpRequest, request_id: ObjectId) -> Any:
    user = _user(request)
    found = _request(user, request_id)
    services.request_viewed(actor=user, requests=[found], where="api.visits.request")
    return _request_out(found.pk)


@router.post(
    "/requests/{request_id}/slots",
    response={201: VisitOut, **ERRORS},
    summary="Propose a slot (or reschedule an interrupted request)",
)
def propose_slot(request: HttpRequest, request_id: ObjectId, payload: SlotIn) -> Any:
    """Coordinators only. For an interrupted request the new visit is linked to the
    interrupted one. An overlapping booking for the officer is refused (409); a slot outside
    the officer's shifts needs `allow_outside_shift` (else 422, code outside_shift)."""
    user = _user(request)
    found = _request(user, request_id)
    if not selectors.is_coordinator(user):
        return _forbidden()
    assert user.agency_id is not None
    officer = next(
        (o for o in selectors.agency_officers(user.agency_id) if o.pk == payload.officer_id), None
    )
    if officer is None:
        return _error(422, "unknown_officer", "No such officer in this agency.")
    problem = check_window(payload.start, payload.end)
    if problem:
        return _error(422, "bad_window", problem)
    if payload.end - payload.start > MAX_VISIT:
        return _error(422, "too_long", "A visit cannot be longer than 8 hours.")
    if not payload.allow_outside_shift and selectors.outside_shifts(
        officer, payload.start, payload.end
    ):
        return _error(
            422,
            "outside_shift",
            "The officer is not on shift for all of this time; set "
            "allow_outside_shift to book anyway.",
        )
    try:
        guests = _guests(user, payload.guests)
    except VisitError as exc:
        return _from_visit_error(exc)
    try:
        if found.status == VisitRequest.Status.INTERRUPTED:
            visit = services.visit_reschedule(
                request=found,
                officer=officer,
                start=payload.start,
                end=payload.end,
                actor=user,
                guests=guests,
            )
        else:
            visit = services.slot_propose(
                request=found,
                officer=officer,
                start=payload.start,
                end=payload.end,
                actor=user,
                guests=guests,
            )
    except VisitError as exc:
        return _from_visit_error(exc)
    return Status(201, _visit_out(visit.pk))


# --- visits -------------------------------------------------------------------------------------


@router.get("/visits", response={200: list[VisitOut], **ERRORS}, summary="List visits")
def list_visits(request: HttpRequest) -> Any:
    """An officer's own visits and those they join as a guest officer (their id is then in
    `guests[].officer_id`; they cannot act on them), a partner's organisation's, or
    (coordinators) the agency's."""
    user = _user(request)
    qs = selectors.readable_visits(user).prefetch_related("guests", "mementos").order_by("start")
    return [VisitOut.of(v) for v in qs[:1000]]


def _guests(user: User, guests: list[GuestIO]) -> list[services.Guest]:
    """Guests with an `officer_id` name an officer of the caller's agency."""
    officers = {o.pk: o for o in selectors.agency_officers(user.agency_id or 0)}
    out = []
    for g in guests:
        officer = None
        if g.officer_id is not None:
            officer = officers.get(g.officer_id)
            if officer is None or g.kind != "officer":
                raise VisitError(
                    "unknown_officer", "A guest officer must be an officer of this agency."
                )
        out.append(services.Guest(kind=g.kind, name=g.name, officer=officer))
    return out


def _mementos(items: list[Any]) -> dict[str, int]:
    mementos: dict[str, int] = {}
    for m in items:
        mementos[m.kind] = mementos.get(m.kind, 0) + m.quantity
    return mementos


def _act(
    request: HttpRequest,
    visit_id: int,
    action: str,
    payload: CompleteIn | GivenIn | None = None,
) -> Any:
    user = _user(request)
    visit = _visit(user, visit_id)
    partner_action = action in ("accept", "decline", "withdraw")
    allowed = (
        selectors.is_partner(user)
        if partner_action
        else selectors.is_officer(user) or selectors.is_coordinator(user)
    )
    if not allowed:
        return _forbidden()
    try:
        if action == "accept":
            services.slot_accept(visit=visit, actor=user)
        elif action == "decline":
            services.slot_decline(visit=visit, actor=user)
        elif action == "withdraw":
            services.slot_withdraw_acceptance(visit=visit, actor=user)
        elif action == "start":
            services.visit_start(visit=visit, actor=user)
        elif action == "interrupt":
            services.visit_interrupt(visit=visit, actor=user)
        elif isinstance(payload, GivenIn):
            services.visit_record_given(
                visit=visit, actor=user, note=payload.note, mementos=_mementos(payload.mementos)
            )
        else:
            assert payload is not None
            services.visit_complete(
                visit=visit,
                actor=user,
                note=payload.note,
                mementos=_mementos(payload.mementos),
                guests=_guests(user, payload.guests),
                photo_consent=payload.photo_consent,
                can_feed_story=payload.can_feed_story,
            )
    except VisitError as exc:
        return _from_visit_error(exc)
    return Status(200, _visit_out(visit.pk))


@router.post(
    "/visits/{visit_id}/accept",
    response={200: VisitOut, **ERRORS},
    summary="Accept a proposed slot (partner)",
)
def accept_slot(request: HttpRequest, visit_id: ObjectId) -> Any:
    return _act(request, visit_id, "accept")


@router.post(
    "/visits/{visit_id}/decline",
    response={200: VisitOut, **ERRORS},
    summary="Decline a proposed slot (partner)",
)
def decline_slot(request: HttpRequest, visit_id: ObjectId) -> Any:
    return _act(request, visit_id, "decline")


@router.post(
    "/visits/{visit_id}/withdraw",
    response={200: VisitOut, **ERRORS},
    summary="Withdraw the acceptance of a slot (partner)",
)
def withdraw_acceptance(request: HttpRequest, visit_id: ObjectId) -> Any:
    """Until the visit starts: the visit is proposed again (the officers' time stays held)
    and waits for the partner to accept or decline; the coordinators and officers are told.
    Once started, completed or cancelled: 409 `bad_state`."""
    return _act(request, visit_id, "withdraw")


@router.post(
    "/visits/{visit_id}/start",
    response={200: VisitOut, **ERRORS},
    summary="Start a visit (officer)",
)
def start_visit(request: HttpRequest, visit_id: ObjectId) -> Any:
    return _act(request, visit_id, "start")


@router.post(
    "/visits/{visit_id}/interrupt",
    response={200: VisitOut, **ERRORS},
    summary="Called away: interrupt a visit (officer)",
)
def interrupt_visit(request: HttpRequest, visit_id: ObjectId) -> Any:
    """The request stays open as interrupted; the partner and coordinators are told."""
    return _act(request, visit_id, "interrupt")


@router.post(
    "/visits/{visit_id}/complete",
    response={200: VisitOut, **ERRORS},
    summary="Complete a visit (officer)",
)
def complete_visit(request: HttpRequest, visit_id: ObjectId, payload: CompleteIn) -> Any:
    """Record the private note, mementos given (taken from the unit's stock), guests, and the
    guardian's photo consent."""
    return _act(request, visit_id, "complete", payload)


@router.post(
    "/visits/{visit_id}/given",
    response={200: VisitOut, **ERRORS},
    summary="Record what was given on a visit in progress or interrupted (officer)",
)
def record_given(request: HttpRequest, visit_id: ObjectId, payload: GivenIn) -> Any:
    """Mementos given (taken from the unit's stock) and a short private note, for a visit in
    progress or one the officer was called away from; the next visit shows them as already
    given. Recording again adds to what was recorded."""
    return _act(request, visit_id, "given", payload)
