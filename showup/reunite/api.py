"""The reunite JSON API: reports and candidate matches for staff, under /api/reunite/.

Authentication is the staff member's Django session (the same login as the web pages), so
every unsafe request needs the CSRF token (X-CSRFToken header), as ninja's cookie auth checks.
Like the HTML views, these functions validate input and check access, then call services;
a report the caller may not see answers 404 exactly like one that does not exist.
"""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import SessionAuth

from showup.core.access import (
    access_report_by_id,
    can_decide_matches,
    can_file_reports,
    is_staff_user,
    visible_reports,
)
from showup.core.models import User
from showup.core.photos import clean_photo
from showup.reunite import services
from showup.reunite.forms import FUTURE_TOLERANCE, MAX_REPORT_AGE
from showup.reunite.models import Candidate, Report
from showup.reunite.schemas import (
    CancelIn,
    CandidateOut,
    Message,
    ReportCreateIn,
    ReportOut,
    ReportPatchIn,
    ReportSummaryOut,
    ValidationErrorOut,
)


class StaffSession(SessionAuth):
    """The Django session of an active staff account (officer, coordinator, partner, admin)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if is_staff_user(user) else None


router = Router(tags=["reunite"], auth=StaffSession())

ERRORS: dict[int, Any] = {401: Message, 403: Message, 404: Message, 422: ValidationErrorOut}


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# --- validation shared by create and edit ---------------------------------------------------


def _field_error(errors: list[dict[str, Any]], field: str, message: str) -> None:
    errors.append({"type": "value_error", "loc": ["body", "payload", field], "msg": message})


def _check_report(kind: str, values: dict[str, Any], *, check_time: bool) -> list[dict[str, Any]]:
    """The rules the report forms apply across fields; `values` is the report as it would be."""
    errors: list[dict[str, Any]] = []
    if kind == Report.Kind.MISSING:
        if not values.get("given_name"):
            _field_error(errors, "given_name", _("The child's first name is required."))
        if values.get("age_years") is None:
            _field_error(errors, "age_years", _("The child's age is required (0 to 18)."))
        if not values.get("sex"):
            _field_error(errors, "sex", _("Choose male, female or unknown."))
        if not values.get("guardian_name"):
            _field_error(errors, "guardian_name", _("The guardian's name is required."))
        if not values.get("guardian_phone") and not values.get("guardian_email"):
            _field_error(
                errors,
                "guardian_phone",
                _("Give the guardian's phone number or email so the unit can reach them."),
            )
    else:
        if not values.get("safe_location"):
            _field_error(errors, "safe_location", _("Say where the child is being kept safe now."))
        low, high = values.get("age_min"), values.get("age_max")
        if low is not None and high is not None and low > high:
            _field_error(errors, "age_max", _("The upper age must not be below the lower age."))
    lat, lon = values.get("lat"), values.get("lon")
    if (lat is None) != (lon is None):
        _field_error(
            errors, "lon" if lon is None else "lat", _("Give both lat and lon, or neither.")
        )
    elif lat is None and not values.get("place"):
        _field_error(errors, "place", _("Give the place, or a position (lat and lon)."))
    seen_at: datetime | None = values.get("seen_at")
    if seen_at is None:
        _field_error(errors, "seen_at", _("The time is required."))
    elif check_time:
        now = timezone.now()
        if seen_at > now + FUTURE_TOLERANCE:
            _field_error(errors, "seen_at", _("This time is in the future."))
        elif seen_at < now - MAX_REPORT_AGE:
            _field_error(errors, "seen_at", _("This is more than 30 days ago."))
    return errors


def _fill_age_range(values: dict[str, Any]) -> None:
    # One given age becomes a range of one, as in the found-child form.
    if values.get("age_min") is None and values.get("age_max") is not None:
        values["age_min"] = values["age_max"]
    if values.get("age_max") is None and values.get("age_min") is not None:
        values["age_max"] = values["age_min"]


# --- reports --------------------------------------------------------------------------------


@router.post(
    "/reports",
    response={201: ReportOut, 401: Message, 403: Message, 422: ValidationErrorOut},
    summary="File a missing or found child report",
    description="Partners' reports belong to their organisation. Matching runs at once.",
)
def report_create(request: HttpRequest, payload: ReportCreateIn) -> Any:
    user = _user(request)
    if not can_file_reports(user) or user.agency is None:
        raise HttpError(403, "This account may not file reports.")
    data = payload.model_dump(exclude={"kind"})
    if payload.kind == Report.Kind.FOUND:
        _fill_age_range(data)
    errors = _check_report(payload.kind, data, check_time=True)
    if errors:
        raise ValidationError(errors)
    report = services.report_create(
        agency=user.agency,
        kind=payload.kind,
        data=data,
        filed_by=user,
        partner_org=user.partner_org if user.is_partner else None,
    )
    return Status(201, _reload(report.pk))


class ReportFilter(Schema):
    status: Literal["open", "matched", "reunited", "cancelled", "closed"] | None = None
    kind: Literal["missing", "found"] | None = None


@router.get(
    "/reports",
    response={200: list[ReportSummaryOut], 401: Message},
    summary="List the reports you may see",
    description="Newest first. Partner staff see only their organisation's reports.",
)
@paginate(LimitOffsetPagination)
def report_list(request: HttpRequest, filters: Query[ReportFilter]) -> Any:
    reports = visible_reports(_user(request)).select_related("partner_org")
    if filters.status:
        reports = reports.filter(status=filters.status)
    if filters.kind:
        reports = reports.filter(kind=filters.kind)
    return reports.order_by("-created_at", "-id")


@router.get(
    "/reports/{report_id}",
    response={200: ReportOut, **ERRORS},
    summary="Read one report",
    description="Every read is written to the audit log.",
)
def report_detail(request: HttpRequest, report_id: int) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    services.report_viewed(report=report, actor=user, where="api")
    return _reload(report.pk)


@router.patch(
    "/reports/{report_id}",
    response={200: ReportOut, 409: Message, **ERRORS},
    summary="Edit a report",
    description="Only the fields sent change. The edit is audited and the report re-matched.",
)
def report_update(request: HttpRequest, report_id: int, payload: ReportPatchIn) -> Any:
    user = _user(request)
    report = _editable_report(user, report_id)
    sent = payload.model_dump(exclude_unset=True)
    if "seen_at" in sent and sent["seen_at"] is None:
        raise ValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ["body", "payload", "seen_at"],
                    "msg": _("The time cannot be removed."),
                }
            ]
        )
    values = {name: getattr(report, name) for name in services.REPORT_FIELDS}
    values.update(sent)
    if report.kind == Report.Kind.FOUND:
        _fill_age_range(values)
        for name in ("age_min", "age_max"):
            if values[name] != getattr(report, name):
                sent[name] = values[name]
    time_changed = "seen_at" in sent and sent["seen_at"] != report.seen_at
    errors = _check_report(report.kind, values, check_time=time_changed)
    if errors:
        raise ValidationError(errors)
    services.report_update(report=report, data=sent, actor=user)
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/cancel",
    response={200: ReportOut, 409: Message, **ERRORS},
    summary="Cancel a report that is no longer needed",
    description="For example: the child was found at the neighbour's. A reason is required.",
)
def report_cancel(request: HttpRequest, report_id: int, payload: CancelIn) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    if not can_file_reports(user):
        raise HttpError(403, "This account may not cancel reports.")
    if report.status != Report.Status.OPEN:
        raise HttpError(409, f"Only an open report can be cancelled; this one is {report.status}.")
    services.report_cancel(report=report, reason=payload.reason, actor=user)
    return _reload(report.pk)


def _editable_report(user: User, report_id: int) -> Report:
    """The access rule for every change of a report's content: fields and photo alike."""
    report = access_report_by_id(user, report_id)
    if report.purged_at is not None:
        raise HttpError(409, "This report's personal data was purged; it cannot be edited.")
    return report


@router.post(
    "/reports/{report_id}/photo",
    response={200: ReportOut, 400: Message, 409: Message, 413: Message, **ERRORS},
    summary="Add or replace a report's photo",
    description="Multipart form with one file field, `photo`: JPEG, PNG, WebP or GIF, up to "
    "10 MB. The photo is checked and re-encoded without its metadata (no EXIF, no GPS) exactly "
    "as the web forms do, and stored privately: staff see it at /staff/reports/{id}/photo/. "
    "A previous photo is deleted. 413 when too large; 422 when not a readable image or its "
    "dimensions are too large. Audited; matching does not run again (photos are not matched).",
)
def report_photo_upload(request: HttpRequest, report_id: int, photo: File[UploadedFile]) -> Any:
    user = _user(request)
    report = _editable_report(user, report_id)
    try:
        image = clean_photo(photo)
    except DjangoValidationError as exc:
        message = " ".join(exc.messages)
        if exc.code == "too_big":
            raise HttpError(413, message) from exc
        raise ValidationError(
            [{"type": f"photo_{exc.code}", "loc": ["file", "photo"], "msg": message}]
        ) from exc
    services.report_photo_set(report=report, photo=image, actor=user)
    return _reload(report.pk)


@router.delete(
    "/reports/{report_id}/photo",
    response={200: ReportOut, 409: Message, **ERRORS},
    summary="Remove a report's photo",
    description="The file is deleted and the removal audited. Removing a photo that is not "
    "there changes nothing and is not an error.",
)
def report_photo_delete(request: HttpRequest, report_id: int) -> Any:
    user = _user(request)
    report = _editable_report(user, report_id)
    services.report_photo_set(report=report, photo=None, actor=user)
    return _reload(report.pk)


def _reload(pk: int) -> Report:
    return Report.objects.select_related("partner_org", "filed_by", "holding_officer").get(pk=pk)


# --- candidate matches ----------------------------------------------------------------------


def _candidates(user: User) -> Any:
    """Candidates whose two reports this user may both see."""
    visible = visible_reports(user)
    return Candidate.objects.select_related("missing", "found").filter(
        missing__in=visible, found__in=visible
    )


def _access_candidate_by_id(user: User, candidate_id: int) -> Candidate:
    candidate = _candidates(user).filter(pk=candidate_id).first()
    if candidate is None:
        raise Http404("No such candidate")
    return candidate


@router.get(
    "/reports/{report_id}/candidates",
    response={200: list[CandidateOut], **ERRORS},
    summary="Candidate matches of a report",
    description="Best first, with the engine's score and reasons. Audited as a view.",
)
def report_candidates(request: HttpRequest, report_id: int) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    services.report_viewed(report=report, actor=user, where="api.candidates")
    return list(
        _candidates(user).filter(Q(missing=report) | Q(found=report)).order_by("-score", "pk")
    )


@router.post(
    "/candidates/{candidate_id}/confirm",
    response={200: CandidateOut, 409: Message, **ERRORS},
    summary="Confirm a candidate match (coordinators)",
    description="Both reports become 'matched'; the officer with the child, the coordinators "
    "and the guardian are notified (the guardian never learns where the child is).",
)
def candidate_confirm(request: HttpRequest, candidate_id: int) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    if not can_decide_matches(user):
        raise HttpError(403, "Only coordinators confirm or reject matches.")
    if candidate.decision == Candidate.Decision.CONFIRMED:
        return candidate
    for side in (candidate.missing, candidate.found):
        if side.status != Report.Status.OPEN:
            raise HttpError(
                409, f"Report {side.reference} is {side.status}; only open reports can be matched."
            )
    return services.candidate_confirm(candidate=candidate, actor=user)


@router.post(
    "/candidates/{candidate_id}/reject",
    response={200: CandidateOut, 409: Message, **ERRORS},
    summary="Reject a candidate match (coordinators)",
    description="A rejected pair is never proposed again. Rejecting a confirmed match reopens "
    "both reports, unless the hand-off is already done.",
)
def candidate_reject(request: HttpRequest, candidate_id: int) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    if not can_decide_matches(user):
        raise HttpError(403, "Only coordinators confirm or reject matches.")
    if candidate.decision == Candidate.Decision.REJECTED:
        return candidate
    for side in (candidate.missing, candidate.found):
        if side.status not in Report.OPEN_STATUSES:
            raise HttpError(409, f"Report {side.reference} is already {side.status}.")
    return services.candidate_reject(candidate=candidate, actor=user)
