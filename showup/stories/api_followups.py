"""The follow-ups and thank-you notes API (django-ninja), mounted at /api/stories/.

Staff endpoints use the staff session (CSRF on unsafe methods): `/follow-ups` for officers,
coordinators and admins of an agency, `/notes` for coordinators and admins. A follow-up or a
note the caller may not see answers 404 exactly like one that does not exist; partners and
other roles get 403. Rules refused by a service answer with its status and stable `code` (the
same services the web pages call). `POST /notes/public` needs no account: rate limited per
address (429 with Retry-After) and made safe to retry with an `Idempotency-Key` header.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth

from showup.api_errors import ERROR_RESPONSES, CheckedIn, ErrorOut, ObjectId
from showup.api_errors import idempotency_errors as _idempotency_errors
from showup.api_errors import json_body as _json_body
from showup.core import idempotency, ratelimit
from showup.core.models import User, agency_by_slug
from showup.stories import followups, notes
from showup.stories.errors import StoryError
from showup.stories.models import FollowUp, ThankYouNote
from showup.stories.views_notes import NOTE_LIMIT_SCOPE


class Staff(SessionAuth):
    """The Django session of an active account (the role is checked per operation)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if isinstance(user, User) and user.is_authenticated and user.is_active else None


router = Router(tags=["stories"])
STAFF = Staff()
ERRORS: dict[int, Any] = ERROR_RESPONSES


# --- schemas -------------------------------------------------------------------------------------


class FollowUpIn(CheckedIn):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"note"})

    source_kind: str = Field(max_length=30, description='"reunite.report" or "visits.visit"')
    source_id: int = Field(ge=1, le=2**63 - 1)
    kind: Literal["visit", "call", "invitation", "other"]
    due_on: date
    note: str = Field("", max_length=followups.NOTE_MAX)
    owed_by: int | None = Field(None, ge=1, le=2**63 - 1, description="Coordinators only")


class FollowUpDoneIn(CheckedIn):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"outcome_note"})

    outcome_note: str = Field("", max_length=followups.NOTE_MAX)


class FollowUpOut(Schema):
    id: int
    kind: str
    status: str
    due_on: date
    overdue: bool
    source_kind: str
    source_id: int
    source_label: str
    owed_by: int
    note: str
    outcome_note: str
    done_at: datetime | None

    @classmethod
    def of(cls, f: FollowUp) -> FollowUpOut:
        return cls(
            id=f.pk,
            kind=f.kind,
            status=f.status,
            due_on=f.due_on,
            overdue=f.status == FollowUp.Status.OPEN and f.due_on < followups.today(),
            source_kind=f.source_kind,
            source_id=f.source_id,
            source_label=f.source_label,
            owed_by=f.owed_by_id,
            note=f.note,
            outcome_note=f.outcome_note,
            done_at=f.done_at,
        )


class NoteOut(Schema):
    id: int
    reference: str
    status: str
    body: str = Field(description="As sent: private to the unit's coordinators.")
    public_body: str
    flags: list[str]
    officer: int | None
    author_name: str
    author_email: str
    encounter_reference: str
    created_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, n: ThankYouNote) -> NoteOut:
        return cls(
            id=n.pk,
            reference=n.reference,
            status=n.status,
            body=n.body,
            public_body=n.public_body,
            flags=[str(f) for f in n.flags or []],
            officer=n.officer_id,
            author_name=n.author_name,
            author_email=n.author_email,
            encounter_reference=n.encounter_reference,
            created_at=n.created_at,
            published_at=n.published_at,
        )


class ModerateIn(CheckedIn):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"public_body"})

    action: Literal["save", "approve", "publish", "reject"]
    public_body: str | None = Field(None, max_length=notes.PUBLIC_MAX)
    officer: int | None = Field(
        None, ge=0, le=2**63 - 1, description="The officer thanked; 0: the whole unit"
    )


class PublicNoteIn(CheckedIn):
    NAMES: ClassVar[frozenset[str]] = frozenset({"author_name"})
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"body"})

    agency: str = Field(max_length=50, description="The unit's slug")
    body: str = Field(min_length=1, max_length=notes.BODY_MAX)
    officer_hint: str = Field("", max_length=notes.HINT_MAX)
    encounter_reference: str = Field("", max_length=notes.REFERENCE_MAX)
    author_name: str = Field("", max_length=notes.NAME_MAX)
    author_email: str = Field("", max_length=254)


class PublicNoteOut(Schema):
    reference: str
    status: str


# --- helpers -------------------------------------------------------------------------------------


def _user(request: HttpRequest, *, coordinator: bool = False) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    if coordinator and not followups.is_coordinator(user):
        raise HttpError(403, _("Only the agency's coordinators can do this."))
    if not followups.is_agency_staff(user):
        raise HttpError(403, _("Your account has no access to follow-ups."))
    return user


def _refused(exc: StoryError) -> Status[Any]:
    if exc.status == 422:
        body: Any = {"detail": [{"type": exc.code, "loc": ["body"], "msg": exc.message}]}
        return Status(422, body)
    return Status(exc.status, ErrorOut(detail=exc.message, code=exc.code))


def _not_found() -> Status[ErrorOut]:
    return Status(404, ErrorOut(detail=_("Not found"), code="not_found"))


def _followup(user: User, pk: int) -> FollowUp:
    try:
        return followups.access_followup(user, pk)
    except Http404:
        raise HttpError(404, _("Not found")) from None


# --- follow-ups ----------------------------------------------------------------------------------


@router.get(
    "/follow-ups",
    auth=STAFF,
    response={200: list[FollowUpOut], **ERRORS},
    summary="Follow-ups: mine (open, overdue first), or the agency's overdue (coordinators)",
)
def followup_list(
    request: HttpRequest,
    scope: Literal["mine", "agency_overdue", "done"] = Query("mine"),
) -> Any:
    user = _user(request)
    if scope == "agency_overdue":
        if not followups.is_coordinator(user):
            return Status(403, ErrorOut(detail=_("Coordinators only."), code="forbidden"))
        rows = list(followups.agency_overdue(user.agency_id or 0)[:500])
    elif scope == "done":
        rows = followups.done_recently(user)
    else:
        rows = followups.owed_list(user)
    return [FollowUpOut.of(f) for f in rows]


@router.post(
    "/follow-ups",
    auth=STAFF,
    response={201: FollowUpOut, **ERRORS},
    summary="Add a follow-up to an encounter",
    description="The encounter must be one the caller may see (a closed report, a completed "
    "visit): 404 otherwise. `owed_by` (another officer) is for coordinators: 403 otherwise. "
    "422 `bad_date` (past or more than two years ahead), `bad_officer`. An `Idempotency-Key` "
    "header makes retries safe.",
)
def followup_create(
    request: HttpRequest,
    payload: FollowUpIn,
    idempotency_key: str | None = Header(None, alias=idempotency.HEADER),
) -> Any:
    user = _user(request)
    owed_by = None
    if payload.owed_by is not None:
        owed_by = User.objects.filter(pk=payload.owed_by).first()
        if owed_by is None:
            message = _("Choose an active officer of your agency.")
            return _refused(StoryError("bad_officer", message, 422))
    with _idempotency_errors():
        claim = idempotency.header_claim(request, idempotency_key, _json_body(request, payload))
        try:
            outcome = idempotency.run_once(
                claim,
                lambda: followups.followup_create(
                    actor=user,
                    source_kind=payload.source_kind,
                    source_id=payload.source_id,
                    kind=payload.kind,
                    due_on=payload.due_on,
                    note=payload.note,
                    owed_by=owed_by,
                ),
            )
        except StoryError as exc:
            return _refused(exc)
    return Status(outcome.status_code, FollowUpOut.of(outcome.obj))


@router.get("/follow-ups/{pk}", auth=STAFF, response={200: FollowUpOut, **ERRORS})
def followup_get(request: HttpRequest, pk: ObjectId) -> Any:
    return FollowUpOut.of(_followup(_user(request), pk))


@router.post(
    "/follow-ups/{pk}/complete",
    auth=STAFF,
    response={200: FollowUpOut, **ERRORS},
    summary="Mark a follow-up done (409 already_done or cancelled; 403 not_yours)",
)
def followup_complete(request: HttpRequest, pk: ObjectId, payload: FollowUpDoneIn) -> Any:
    user = _user(request)
    followup = _followup(user, pk)
    try:
        row = followups.followup_done(
            followup=followup, actor=user, outcome_note=payload.outcome_note
        )
    except StoryError as exc:
        return _refused(exc)
    return FollowUpOut.of(row)


@router.post(
    "/follow-ups/{pk}/cancel",
    auth=STAFF,
    response={200: FollowUpOut, **ERRORS},
    summary="Cancel a follow-up",
)
def followup_cancel(request: HttpRequest, pk: ObjectId) -> Any:
    user = _user(request)
    followup = _followup(user, pk)
    try:
        row = followups.followup_cancel(followup=followup, actor=user)
    except StoryError as exc:
        return _refused(exc)
    return FollowUpOut.of(row)


# --- notes (coordinators) ------------------------------------------------------------------------


@router.get(
    "/notes",
    auth=STAFF,
    response={200: list[NoteOut], **ERRORS},
    summary="The unit's thank-you notes by status (coordinators)",
)
def note_list(
    request: HttpRequest,
    status: Literal["pending", "approved", "published", "rejected"] = Query("pending"),
) -> Any:
    user = _user(request, coordinator=True)
    return [NoteOut.of(n) for n in notes.moderated_notes(user).filter(status=status)[:200]]


@router.post(
    "/notes/{pk}/moderate",
    auth=STAFF,
    response={200: NoteOut, **ERRORS},
    summary="Edit the public text, choose the officer, approve, publish or reject a note",
)
def note_moderate(request: HttpRequest, pk: ObjectId, payload: ModerateIn) -> Any:
    user = _user(request, coordinator=True)
    try:
        note = notes.access_note(user, pk)
    except Http404:
        return _not_found()
    try:
        if payload.public_body is not None or payload.officer is not None:
            officer: Any = ...
            if payload.officer is not None:
                officer = (
                    User.objects.filter(pk=payload.officer).first() if payload.officer else None
                )
                if payload.officer and officer is None:
                    message = _("Choose an active officer of your unit.")
                    raise StoryError("bad_officer", message, 422)
            note = notes.note_edit(
                note=note,
                actor=user,
                public_body=(
                    note.public_body if payload.public_body is None else payload.public_body
                ),
                officer=officer,
            )
        if payload.action == "approve":
            note = notes.note_approve(note=note, actor=user)
        elif payload.action == "publish":
            note = notes.note_publish(note=note, actor=user)
        elif payload.action == "reject":
            note = notes.note_reject(note=note, actor=user)
    except StoryError as exc:
        return _refused(exc)
    return NoteOut.of(ThankYouNote.objects.get(pk=note.pk))


# --- public --------------------------------------------------------------------------------------


def _anonymous_scope(request: HttpRequest) -> str:
    """As events' public API: a caller without an account has her keys scoped by her client
    address, salted and hashed."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return idempotency.scope_for(request)
    digest = salted_hmac(
        "showup.stories.api.idempotency", ratelimit.client_address(request), algorithm="sha256"
    ).hexdigest()
    return f"apiaddr:{digest[:64]}"


@router.post(
    "/notes/public",
    auth=None,
    response={201: PublicNoteOut, **ERRORS},
    summary="Send a thank-you note (public, no account)",
    description="No account, no session, no CSRF token. The note waits for the unit's "
    "moderation; nothing is shown before a coordinator publishes its public text. Send an "
    "`Idempotency-Key` header to make retries safe (a repeat with the same key and body from "
    "the same address answers 201 with the note sent first). 404 no such unit; 422 the values; "
    "429 too many notes from this address: wait `Retry-After` seconds.",
)
def public_note(
    request: HttpRequest,
    response: HttpResponse,
    payload: PublicNoteIn,
    idempotency_key: str | None = Header(None, alias=idempotency.HEADER),
) -> Any:
    agency = agency_by_slug(payload.agency)
    if agency is None:
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
    if first is not None and isinstance(first.obj, ThankYouNote):
        return Status(first.status_code, _note_received(first.obj))
    decision = ratelimit.check(request, NOTE_LIMIT_SCOPE)
    if not decision.allowed:
        response["Retry-After"] = str(decision.retry_after)
        return Status(
            429,
            ErrorOut(
                detail=_("Too many notes from here. Please wait %(minutes)s minutes and try again.")
                % {"minutes": decision.minutes},
                code="rate_limited",
            ),
        )
    try:
        with _idempotency_errors():
            outcome = idempotency.run_once(
                claim,
                lambda: notes.note_create(
                    agency=agency,
                    body=payload.body,
                    author_name=payload.author_name,
                    author_email=payload.author_email,
                    officer_hint=payload.officer_hint,
                    encounter_reference=payload.encounter_reference,
                    language=(get_language() or settings.LANGUAGE_CODE)[:2],
                ),
            )
    except StoryError as exc:
        return _refused(exc)
    return Status(outcome.status_code, _note_received(outcome.obj))


def _note_received(note: ThankYouNote) -> PublicNoteOut:
    return PublicNoteOut(reference=note.reference, status="received")
