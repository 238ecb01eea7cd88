"""The coordinator's live board, a report's page, match decisions, the verified hand-off, and
each staff member's own list. Views validate input and check access; services change state;
selectors read. Every page that shows a child's record writes an audit entry."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from showup.core.access import (
    access_report_by_id,
    can_decide_matches,
    can_file_reports,
    can_hand_off,
    is_staff_user,
)
from showup.core.audit import audit
from showup.core.models import User
from showup.reunite import selectors, services
from showup.reunite.forms_coord import DecisionForm, HandoffForm, NoteForm, missing_steps
from showup.reunite.models import Candidate, Handoff, Report

View = Callable[..., HttpResponse]


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def staff_required(view: View) -> View:
    """Like login_required, but an HTMX request whose session expired is sent to the login
    page as a whole page instead of having the login form swapped into a fragment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            if _is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{reverse('login')}?next={reverse('reunite:board')}"
                return response
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # staff_required guarantees it
    return user


def _safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- the board --------------------------------------------------------------------------


def _require_board(user: User) -> None:
    # Officers, coordinators and admins of an agency; partner staff see only their own
    # submissions (my_reports), never the agency's board.
    if not user.is_agency_staff:
        raise PermissionDenied


def _board_context(user: User, *, flash: str = "", flash_ok: bool = False) -> dict[str, Any]:
    version = selectors.board_version(user)
    board = selectors.board(user)
    # One entry per rendering, listing every report shown (not one entry per report).
    audit(
        "reunite.board.viewed",
        actor=user,
        agency_id=user.agency_id,
        reports=board.report_ids,
    )
    return {
        "board": board,
        "version": version,
        "can_decide": can_decide_matches(user),
        "flash": flash,
        "flash_ok": flash_ok,
    }


@require_GET
@staff_required
def board(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_board(user)
    return render(request, "reunite/coord/board.html", _board_context(user))


@require_GET
@staff_required
def board_live(request: HttpRequest) -> HttpResponse:
    """The polled fragment. An unchanged board answers 204 (HTMX swaps nothing, so focus and
    scroll stay put) after two aggregate queries; nothing is shown, so nothing is audited."""
    user = _user(request)
    _require_board(user)
    if request.GET.get("v") and request.GET["v"] == selectors.board_version(user):
        return HttpResponse(status=204)
    response = render(request, "reunite/coord/board.html#board", _board_context(user))
    response["Cache-Control"] = "no-store"
    return response


# --- one report -------------------------------------------------------------------------


def _detail_context(
    request: HttpRequest, user: User, report: Report, note_form: NoteForm
) -> dict[str, Any]:
    agency_staff = user.is_agency_staff
    handoff_candidate = selectors.awaiting_handoff(report) if can_hand_off(user) else None
    return {
        "report": report,
        "age": selectors.age_label(report),
        "candidates": selectors.report_candidates(report) if agency_staff else [],
        "show_candidates": agency_staff,
        "show_guardian": agency_staff
        or (user.partner_org_id is not None and report.partner_org_id == user.partner_org_id),
        "can_decide": can_decide_matches(user) and report.is_open,
        "can_edit": can_file_reports(user) and report.is_open,
        "handoff_candidate": handoff_candidate,
        "timeline": selectors.report_timeline(report),
        "view_count": selectors.report_view_count(report),
        "note_form": note_form,
        "detail_url": request.path,
    }


@require_GET
@staff_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access_report_by_id(user, pk)
    services.report_viewed(report=report, actor=user, where="detail")
    return render(
        request,
        "reunite/coord/report_detail.html",
        _detail_context(request, user, report, NoteForm()),
    )


@require_POST
@staff_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access_report_by_id(user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.note_add(report=report, author=user, text=form.cleaned_data["text"])
        if not _is_htmx(request):
            messages.success(request, _("Note added."))
            return redirect("reunite:report_detail", pk=report.pk)
        form = NoteForm()
    if _is_htmx(request):
        ctx = {
            "report": report,
            "timeline": selectors.report_timeline(report),
            "note_form": form,
        }
        return render(request, "reunite/coord/report_detail.html#timeline", ctx)
    services.report_viewed(report=report, actor=user, where="detail")
    ctx = _detail_context(request, user, report, form)
    return render(request, "reunite/coord/report_detail.html", ctx, status=400)


# --- decisions --------------------------------------------------------------------------


def _decision_refusal(candidate: Candidate, decision: str) -> str:
    """Why this decision cannot be taken now, or "" when it can."""
    missing, found = candidate.missing, candidate.found
    if not (missing.is_open and found.is_open):
        return _("One of these reports is no longer open, so the match cannot be changed.")
    if decision == "confirm":
        if candidate.decision == Candidate.Decision.CONFIRMED:
            return _("This match is already confirmed.")
        if candidate.decision == Candidate.Decision.REJECTED:
            return _("This match was rejected; it cannot be confirmed now.")
        if selectors.has_other_confirmed(candidate):
            return _(
                "One of these reports already has a confirmed match. Reject that match first "
                "if it was wrong."
            )
    elif candidate.decision == Candidate.Decision.REJECTED:
        return _("This match is already rejected.")
    elif Handoff.objects.filter(candidate=candidate, completed_at__isnull=False).exists():
        return _("The hand-off of this match is complete; it cannot be rejected.")
    return ""


@require_POST
@staff_required
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not can_decide_matches(user):
        raise Http404("No such candidate")
    selectors.access_candidate_by_id(user, pk)  # 404 before reading any input
    form = DecisionForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"), reverse("reunite:board"))
    if form.is_valid():
        refusal, done = _decide(user, pk, form.cleaned_data["decision"])
    else:
        refusal, done = _("Choose confirm or reject."), ""
    if _is_htmx(request) and request.headers.get("HX-Target") == "board":
        ctx = _board_context(user, flash=refusal or done, flash_ok=not refusal)
        return render(request, "reunite/coord/board.html#board", ctx)
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(next_url)


def _decide(user: User, pk: int, decision: str) -> tuple[str, str]:
    """Take the decision if it still makes sense; returns (refusal, confirmation)."""
    with transaction.atomic():
        candidate = selectors.access_candidate_by_id(user, pk)
        # Lock both reports so two coordinators cannot confirm two rivals at once.
        pair = [candidate.missing_id, candidate.found_id]
        list(Report.objects.select_for_update().filter(pk__in=pair))
        candidate = selectors.access_candidate_by_id(user, pk)
        refusal = _decision_refusal(candidate, decision)
        if refusal:
            return refusal, ""
        refs = {"missing": candidate.missing.reference, "found": candidate.found.reference}
        if decision == "confirm":
            services.candidate_confirm(candidate=candidate, actor=user)
            return "", _(
                "Match confirmed: %(missing)s and %(found)s. The officer can start the hand-off."
            ) % refs
        services.candidate_reject(candidate=candidate, actor=user)
        return "", _("Match rejected: %(missing)s and %(found)s will not be proposed again.") % refs


# --- hand-off ---------------------------------------------------------------------------


def _handoff_candidate(user: User, pk: int) -> Candidate:
    if not can_hand_off(user):
        raise Http404("No such candidate")
    candidate = selectors.access_candidate_by_id(user, pk)
    if candidate.decision != Candidate.Decision.CONFIRMED:
        raise Http404("No such candidate")
    return candidate


def _initial(handoff: Handoff | None) -> dict[str, Any]:
    if handoff is None:
        return {}
    return {
        "id_checked": handoff.id_checked,
        "id_type": handoff.id_type,
        "id_last4": handoff.id_last4,
        "child_recognises": handoff.child_recognises,
        "guardian_knowledge": handoff.guardian_knowledge,
        "guardian_knowledge_note": handoff.guardian_knowledge_note,
        "released_to": handoff.released_to,
    }


@require_http_methods(["GET", "POST"])
@staff_required
def handoff(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = _handoff_candidate(user, pk)
    existing = selectors.handoff_for(candidate)
    completed = existing is not None and existing.completed_at is not None
    active = (
        candidate.missing.status == Report.Status.MATCHED
        and candidate.found.status == Report.Status.MATCHED
    )
    status = 200
    if request.method == "POST" and not completed and active:
        form = HandoffForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            record = services.handoff_record(
                candidate=candidate,
                officer=user,
                id_checked=data["id_checked"],
                id_type=data["id_type"] if data["id_checked"] else "",
                id_last4=data["id_last4"] if data["id_checked"] else "",
                child_recognises=data["child_recognises"],
                guardian_knowledge=data["guardian_knowledge"],
                guardian_knowledge_note=data["guardian_knowledge_note"]
                if data["guardian_knowledge"]
                else "",
                released_to=data["released_to"],
            )
            if record.completed_at is not None:
                messages.success(request, _("Reunited — both reports are closed."))
            else:
                messages.info(
                    request, _("Saved. The child stays with you until every step is done.")
                )
            return redirect("reunite:handoff", pk=candidate.pk)
        status = 400
    elif request.method == "POST":
        messages.error(request, _("This hand-off can no longer be changed."))
        return redirect("reunite:handoff", pk=candidate.pk)
    else:
        form = HandoffForm(initial=_initial(existing))
    for report in (candidate.found, candidate.missing):
        services.report_viewed(report=report, actor=user, where="handoff")
    ctx = {
        "candidate": candidate,
        "missing": candidate.missing,
        "found": candidate.found,
        "handoff": existing,
        "completed": completed,
        "active": active,
        "form": form,
        "todo": missing_steps(_initial(existing)) if not completed else [],
    }
    return render(request, "reunite/coord/handoff.html", ctx, status=status)


# --- my reports -------------------------------------------------------------------------


@require_GET
@staff_required
def my_reports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = selectors.my_reports(user)
    if mine.cards:
        audit(
            "reunite.mine.viewed",
            actor=user,
            agency_id=user.agency_id,
            reports=[card.report.pk for card in mine.cards],
        )
    ctx = {"mine": mine, "can_hand_off": can_hand_off(user), "is_partner": user.is_partner}
    return render(request, "reunite/coord/my_reports.html", ctx)
