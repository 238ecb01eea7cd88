"""The reunite JSON API: reports and candidate matches for staff, under /api/reunite/.

Authentication is the staff member's Django session (the same login as the web pages), so
every unsafe request needs the CSRF token (X-CSRFToken header), as ninja's cookie auth checks.
Like the HTML views, these functions validate input and check access, then call services;
a report the caller may not see answers 404 exactly like one that does not exist.
"""

import hashlib
from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import SessionAuth

from showup.api_errors import ERROR_RESPONSES, ObjectId
from showup.api_errors import idempotency_errors as _idempotency_errors
from showup.api_errors import json_body as _json_body
from showup.core import idempotency
from showup.core.access import can_decide_matches, can_file_reports, can_hand_off, is_staff_user
from showup.core.audit import audit
from showup.core.models import AuditEntry, User
from showup.core.photos import clean_photo
from showup.reunite import imports, selectors, services
from showup.reunite.access import access_report_by_id, visible_reports
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.schemas import (
    CancelIn,
    CandidateOut,
    CloseIn,
    HandoffIn,
    HandoffOut,
    ImportOut,
    InformationIn,
    Message,
    OverrideIn,
    ReportCreateIn,
    ReportOut,
    ReportPatchIn,
    ReportSummaryOut,
    TransferIn,
    UndoIn,
)
from showup.reunite.validation import check_report, fill_age_range


class StaffSession(SessionAuth):
    """The Django session of an active staff account (officer, coordinator, partner, admin)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if is_staff_user(user) else None


router = Router(tags=["reunite"], auth=StaffSession())

# Every operation documents every error answer (showup.api_errors): 400 401 403 404 409 422 429.
ERRORS: dict[int, Any] = ERROR_RESPONSES


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


# --- rules and validation shared with the web ----------------------------------------------


def _check(
    report_kind: str, values: dict[str, Any], *, check_time: bool, creating: bool, user: User
) -> None:
    """The report rules the forms apply (showup.reunite.validation), as a 422 naming fields."""
    region = user.agency.phone_region if user.agency else None
    problems = check_report(
        report_kind, values, check_time=check_time, creating=creating, region=region
    )
    if problems:
        raise ValidationError([_field_error(p.field, p.code, p.message) for p in problems])


def _field_error(field: str, code: str, message: str) -> dict[str, Any]:
    """One 422 entry in ninja's shape, naming the body field."""
    return {"type": code, "loc": ["body", "payload", field], "msg": message}


# --- reports --------------------------------------------------------------------------------


@router.post(
    "/reports",
    response={201: ReportOut, **ERRORS},
    summary="File a missing or found child report",
    description="Partners' reports belong to their organisation. Matching runs at once.\n\n"
    "Send an `Idempotency-Key` header (a UUID: 1 to 120 printable ASCII characters) to make "
    "retries safe: a repeat with the same key and the same body answers 201 with the report "
    "filed the first time and files nothing; the same key with another body is 422; a repeat "
    "while the first is still being processed is 409 (retry shortly); a malformed key is 400. "
    "Keys are remembered for 24 hours, per staff account. Without the header every request "
    "files a report.",
)
def report_create(
    request: HttpRequest,
    payload: ReportCreateIn,
    idempotency_key: str | None = Header(
        None,
        alias=idempotency.HEADER,
        description="Makes the request safe to retry: see the operation's description.",
    ),
) -> Any:
    user = _user(request)
    if not can_file_reports(user) or user.agency is None:
        raise HttpError(403, "This account may not file reports.")
    agency = user.agency
    with _idempotency_errors():
        claim = idempotency.header_claim(request, idempotency_key, _json_body(request, payload))
        first = idempotency.replay(claim) if claim else None
    if first is not None and isinstance(first.obj, Report):
        return Status(first.status_code, _reload(first.obj.pk))
    data = payload.model_dump(exclude={"kind"})
    if payload.kind == Report.Kind.FOUND:
        fill_age_range(data)
    _check(payload.kind, data, check_time=True, creating=True, user=user)
    with _idempotency_errors():
        outcome = idempotency.run_once(
            claim,
            lambda: services.report_create(
                agency=agency,
                kind=payload.kind,
                data=data,
                filed_by=user,
                partner_org=user.partner_org if user.is_partner else None,
            ),
        )
    return Status(outcome.status_code, _reload(outcome.obj.pk))


# Before /reports/{report_id}: the first path that fits a request is the one that answers.
@router.post(
    "/reports/import",
    response={201: ImportOut, 413: Message, **ERRORS},
    summary="Import many reports from a file (coordinators and admins)",
    description="Multipart form with one file field, `file`: JSON lines in the child-report "
    "schema (`format=jsonl`, the default) or CSV with the same field names (`format=csv`; "
    "columns in docs/board.md). At most 5 MB and 5,000 reports. Every line is checked as "
    "`POST /reports` checks one report; any problem answers 422 listing each one with "
    '`loc: ["file", <line>, <field>]`, and nothing is filed. Otherwise every report is '
    "filed for the caller's agency (201), audited once per 500 reports, and matched by the "
    "matching service after the request (`matching: pending`). `Idempotency-Key` works as for "
    "`POST /reports`: a repeat with the same file answers the first import again.",
)
def reports_import(
    request: HttpRequest,
    file: File[UploadedFile],
    format: Literal["jsonl", "csv"] = "jsonl",
    idempotency_key: str | None = Header(
        None,
        alias=idempotency.HEADER,
        description="Makes the request safe to retry: see the operation's description.",
    ),
) -> Any:
    user = _user(request)
    if not can_decide_matches(user) or user.agency is None:
        raise HttpError(403, _("Only the agency's coordinators and admins import reports."))
    agency = user.agency
    if (file.size or 0) > imports.MAX_FILE_BYTES:
        raise HttpError(413, _("The file is larger than 5 MB; split it."))
    content = file.read(imports.MAX_FILE_BYTES + 1)
    with _idempotency_errors():
        fingerprint = {"file": hashlib.sha256(content).hexdigest(), "format": format}
        claim = idempotency.header_claim(request, idempotency_key, fingerprint)
        first = idempotency.replay(claim) if claim else None
    if first is not None and isinstance(first.obj, AuditEntry):
        return Status(first.status_code, _import_answer(first.obj))
    result = imports.read_file(content, format, region=agency.phone_region)
    if not result.ok:
        raise ValidationError(
            [
                {
                    "type": "import_line",
                    "loc": ["file", p.line, p.field] if p.field else ["file", p.line],
                    "msg": p.message,
                }
                for p in result.problems
            ]
        )
    rows = [(row.kind, row.data) for row in result.rows]
    with _idempotency_errors():
        outcome = idempotency.run_once(
            claim,
            lambda: services.reports_import(agency=agency, rows=rows, filed_by=user, source="api")[
                0
            ],
        )
    return Status(outcome.status_code, _import_answer(outcome.obj))


def _import_answer(first_entry: AuditEntry) -> dict[str, Any]:
    """An import's answer, from its audit entries (so a repeated request gets the same)."""
    entries = AuditEntry.objects.filter(
        action="reunite.report.imported", data__batch=first_entry.data["batch"]
    ).order_by("pk")
    references = [ref for entry in entries for ref in entry.data["reports"]]
    return {
        "imported": len(references),
        "missing": sum(entry.data["missing"] for entry in entries),
        "found": sum(entry.data["found"] for entry in entries),
        "reports": [{"reference": ref} for ref in references],
    }


class ReportFilter(Schema):
    status: Literal["open", "matched", "reunited", "cancelled", "closed"] | None = None
    kind: Literal["missing", "found"] | None = None


class AuditedPage(LimitOffsetPagination):
    """A page of reports is a staff read of those children's records: one audit entry per
    page listing the reports shown, as the board writes one per rendering. `limit` and
    `offset` are bounded (a huge offset would overflow the database's integer)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500, description="How many reports, 1 to 500.")
        offset: int = Field(0, ge=0, le=1_000_000, description="How many to skip.")

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        page[self.items_attribute] = items
        if items:
            user = _user(request)
            audit(
                "reunite.api.listed",
                actor=user,
                agency_id=user.agency_id,
                reports=[report.pk for report in items],
            )
        return page


@router.get(
    "/reports",
    response={200: list[ReportSummaryOut], **ERRORS},
    summary="List the reports you may see",
    description="Newest first. Partner staff see only their organisation's reports. Each page "
    "read is written to the audit log with the reports it listed.",
)
@paginate(AuditedPage)
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
def report_detail(request: HttpRequest, report_id: ObjectId) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    services.report_viewed(report=report, actor=user, where="api")
    return _reload(report.pk)


@router.patch(
    "/reports/{report_id}",
    response={200: ReportOut, **ERRORS},
    summary="Edit a report",
    description="Only the fields sent change. The edit is audited and the report re-matched.",
)
def report_update(request: HttpRequest, report_id: ObjectId, payload: ReportPatchIn) -> Any:
    user = _user(request)
    report = _editable_report(user, report_id)
    sent = payload.model_dump(exclude_unset=True)
    if "seen_at" in sent and sent["seen_at"] is None:
        raise ValidationError(
            [_field_error("seen_at", "value_error", _("The time cannot be removed."))]
        )
    values = {name: getattr(report, name) for name in services.REPORT_FIELDS}
    values.update(sent)
    if report.kind == Report.Kind.FOUND:
        fill_age_range(values)
        for name in ("age_min", "age_max"):
            if values[name] != getattr(report, name):
                sent[name] = values[name]
    time_changed = "seen_at" in sent and sent["seen_at"] != report.seen_at
    _check(report.kind, values, check_time=time_changed, creating=False, user=user)
    if "guardian_phone" in sent:
        sent["guardian_phone"] = values["guardian_phone"]
    services.report_update(report=report, data=sent, actor=user)
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/cancel",
    response={200: ReportOut, **ERRORS},
    summary="Cancel a report filed in error",
    description="Closes the report with the outcome `filed_in_error`. A reason is required. "
    "For every other ending use `/close` with its outcome.",
)
def report_cancel(request: HttpRequest, report_id: ObjectId, payload: CancelIn) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    if not can_file_reports(user):
        raise HttpError(403, _("This account may not close reports."))
    services.report_cancel(report=report, reason=payload.reason, actor=user)
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/close",
    response={200: ReportOut, **ERRORS},
    summary="Close a report with its outcome",
    description="Outcomes: taken_home (by the officer), child_services and other_agency (with "
    "`agency` and their `reference`), no_report_needed (guardian found), duplicate (with "
    "`duplicate_of`, the kept report's reference), filed_in_error. A reunion is recorded by "
    "the hand-off, never here. A report with a confirmed match cannot be closed: undo the "
    "confirmation first (409 `report_matched`). Partner staff may only use no_report_needed "
    "and filed_in_error.",
)
def report_close(request: HttpRequest, report_id: ObjectId, payload: CloseIn) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    if not can_file_reports(user):
        raise HttpError(403, _("This account may not close reports."))
    duplicate_of = None
    if payload.duplicate_of:
        duplicate_of = visible_reports(user).filter(reference=payload.duplicate_of.upper()).first()
        if duplicate_of is None:
            raise ValidationError(
                [
                    _field_error(
                        "duplicate_of", "duplicate_invalid", _("No report with this reference.")
                    )
                ]
            )
    services.report_close(
        report=report,
        outcome=payload.outcome,
        actor=user,
        agency_name=payload.agency,
        reference=payload.reference,
        duplicate_of=duplicate_of,
        reason=payload.reason,
    )
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/transfer",
    response={200: ReportOut, **ERRORS},
    summary="Transfer a report to another officer",
    description="The officer (or coordinator) of the agency named by username becomes "
    "responsible; for a found report, the one with the child. They are notified.",
)
def report_transfer(request: HttpRequest, report_id: ObjectId, payload: TransferIn) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    if not user.is_agency_staff:
        raise HttpError(403, _("Only the agency's officers and coordinators transfer reports."))
    target = User.objects.filter(username=payload.to, agency_id=report.agency_id).first()
    if target is None:
        raise ValidationError(
            [
                _field_error(
                    "to", "transfer_invalid", _("No officer of the agency has this username.")
                )
            ]
        )
    services.report_transfer(report=report, to_officer=target, actor=user)
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/merge-into/{kept_id}",
    response={200: ReportOut, **ERRORS},
    summary="Merge a likely duplicate into the report that is kept (coordinators)",
    description="Closes this report as a duplicate of the kept one, whose timeline says so.",
)
def report_merge(request: HttpRequest, report_id: ObjectId, kept_id: ObjectId) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    kept = access_report_by_id(user, kept_id)
    if not can_decide_matches(user):
        raise HttpError(403, _("Only coordinators merge reports."))
    services.report_merge(duplicate=report, into=kept, actor=user)
    return _reload(report.pk)


@router.post(
    "/reports/{report_id}/information",
    response={200: ReportOut, **ERRORS},
    summary="Add information to an open report",
    description="The text becomes a timeline note and joins the description; matching runs "
    "again. Audited.",
)
def report_information(request: HttpRequest, report_id: ObjectId, payload: InformationIn) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    services.report_add_information(report=report, text=payload.text, actor=user)
    return _reload(report.pk)


def _editable_report(user: User, report_id: int) -> Report:
    """The access rule for every change of a report's content: fields and photo alike. The
    state rules (closed, purged) are the services'."""
    return access_report_by_id(user, report_id)


@router.post(
    "/reports/{report_id}/photo",
    response={200: ReportOut, 413: Message, **ERRORS},
    summary="Add or replace a report's photo",
    description="Multipart form with one file field, `photo`: JPEG, PNG, WebP or GIF, up to "
    "10 MB. The photo is checked and re-encoded without its metadata (no EXIF, no GPS) exactly "
    "as the web forms do, and stored privately: staff see it at /staff/reports/{id}/photo/. "
    "A previous photo is deleted. 413 when too large; 422 when not a readable image or its "
    "dimensions are too large. Audited; matching does not run again (photos are not matched).",
)
def report_photo_upload(
    request: HttpRequest, report_id: ObjectId, photo: File[UploadedFile]
) -> Any:
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
    response={200: ReportOut, **ERRORS},
    summary="Remove a report's photo",
    description="The file is deleted and the removal audited. Removing a photo that is not "
    "there changes nothing and is not an error.",
)
def report_photo_delete(request: HttpRequest, report_id: ObjectId) -> Any:
    user = _user(request)
    report = _editable_report(user, report_id)
    services.report_photo_set(report=report, photo=None, actor=user)
    return _reload(report.pk)


def _reload(pk: int) -> Report:
    return Report.objects.select_related(
        "partner_org", "filed_by", "holding_officer", "possible_duplicate_of", "duplicate_of"
    ).get(pk=pk)


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
    description="Best first, with the engine's score and reasons. Audited as a view. "
    "Matching runs in the matching service, a moment after a report is filed or changed: "
    "each candidate's `matching` and the `Showup-Matching` header say `pending` until it has "
    "looked at the report's latest change (poll again), then `done`.",
)
def report_candidates(request: HttpRequest, response: HttpResponse, report_id: ObjectId) -> Any:
    user = _user(request)
    report = access_report_by_id(user, report_id)
    services.report_viewed(report=report, actor=user, where="api.candidates")
    matching = "pending" if selectors.matching_pending(report) else "done"
    response["Showup-Matching"] = matching
    candidates = list(
        _candidates(user).filter(Q(missing=report) | Q(found=report)).order_by("-score", "pk")
    )
    for candidate in candidates:
        candidate.matching = matching  # read by CandidateOut
    return candidates


def _coordinator(user: User) -> None:
    if not can_decide_matches(user):
        raise HttpError(403, _("Only coordinators confirm, reject or undo matches."))


@router.post(
    "/candidates/{candidate_id}/confirm",
    response={200: CandidateOut, **ERRORS},
    summary="Confirm a candidate match (coordinators)",
    description="Both reports become 'matched'; the officer with the child, the coordinators "
    "and the guardian are notified (the guardian never learns where the child is). 409 with "
    "a `code`: already_confirmed, pair_rejected, other_confirmed, not_open.",
)
def candidate_confirm(request: HttpRequest, candidate_id: ObjectId) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    _coordinator(user)
    services.candidate_confirm(candidate=candidate, actor=user)
    return _access_candidate_by_id(user, candidate_id)


@router.post(
    "/candidates/{candidate_id}/reject",
    response={200: CandidateOut, **ERRORS},
    summary="Reject a candidate match (coordinators)",
    description="A rejected pair is never proposed again. Rejecting a confirmed match reopens "
    "both reports, unless the hand-off is already done (409 handoff_done).",
)
def candidate_reject(request: HttpRequest, candidate_id: ObjectId) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    _coordinator(user)
    services.candidate_reject(candidate=candidate, actor=user)
    return _access_candidate_by_id(user, candidate_id)


@router.post(
    "/candidates/{candidate_id}/undo",
    response={200: CandidateOut, **ERRORS},
    summary="Undo a confirmation before the hand-off (coordinators)",
    description="The pair goes back to proposed, both reports reopen, the guardian and the "
    "officer are told plainly. 409 not_confirmed or handoff_done.",
)
def candidate_undo(request: HttpRequest, candidate_id: ObjectId, payload: UndoIn) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    _coordinator(user)
    services.candidate_undo(candidate=candidate, actor=user, reason=payload.reason)
    return _access_candidate_by_id(user, candidate_id)


@router.post(
    "/candidates/{candidate_id}/handoff",
    response={200: HandoffOut, **ERRORS},
    summary="Record the hand-off checklist (officers and coordinators)",
    description="Any subset of steps. Both reports close as reunited only when every step is "
    "done and the adult is the reporting guardian (with custody), an adult the report lists, "
    "or one a coordinator authorised (`collector_check`: ok, unnamed or override).",
)
def candidate_handoff(request: HttpRequest, candidate_id: ObjectId, payload: HandoffIn) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    if not can_hand_off(user):
        raise HttpError(403, _("Partner staff never release a child; an officer does."))
    handoff = services.handoff_record(candidate=candidate, officer=user, **payload.model_dump())
    return _reload_handoff(handoff.pk)


@router.post(
    "/candidates/{candidate_id}/handoff/override",
    response={200: HandoffOut, **ERRORS},
    summary="Authorise a release to an adult the report does not name (coordinators)",
    description="With a reason, kept on the hand-off; the override is audited. When the "
    "checklist is otherwise complete for that adult, the hand-off completes.",
)
def candidate_override(request: HttpRequest, candidate_id: ObjectId, payload: OverrideIn) -> Any:
    user = _user(request)
    candidate = _access_candidate_by_id(user, candidate_id)
    handoff = services.handoff_override(
        candidate=candidate,
        actor=user,
        reason=payload.reason,
        collector_name=payload.collector_name,
    )
    return _reload_handoff(handoff.pk)


def _reload_handoff(pk: int) -> Handoff:
    return Handoff.objects.select_related("candidate__missing", "override_by").get(pk=pk)
