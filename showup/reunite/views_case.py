"""The decisions of a case, on the web: confirm, reject or undo a match; the hand-off with
the check of who takes the child and a coordinator's override; closing a report with its
outcome; transferring it; merging a duplicate.

Each view validates input and checks access, then calls the one service for the rule; a
`ReuniteError` becomes a message in the person's language, exactly as the API turns the same
code into an HTTP status (showup/api.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from showup.core.access import can_decide_matches, can_file_reports, can_hand_off
from showup.core.models import Role, User
from showup.reunite import selectors, services
from showup.reunite.access import access_report_by_id, visible_reports
from showup.reunite.forms_coord import (
    CloseForm,
    DecisionForm,
    HandoffForm,
    OverrideForm,
    TransferForm,
    missing_steps,
)
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.services import ReuniteError
from showup.reunite.views_coord import _is_htmx, _safe_next, _user, staff_required

# --- match decisions ----------------------------------------------------------------------


@require_POST
@staff_required
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not can_decide_matches(user):
        raise Http404("No such candidate")
    candidate = selectors.access_candidate_by_id(user, pk)  # 404 before reading any input
    form = DecisionForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"), reverse("reunite:board"))
    if not form.is_valid():
        messages.error(request, _("Choose confirm or reject."))
        return _back(request, next_url)
    decision = form.cleaned_data["decision"]
    refs = {"missing": candidate.missing.reference, "found": candidate.found.reference}
    try:
        if decision == "confirm":
            services.candidate_confirm(candidate=candidate, actor=user)
            done = _(
                "Match confirmed: %(missing)s and %(found)s. The officer can start the hand-off."
            )
        elif decision == "reject":
            services.candidate_reject(candidate=candidate, actor=user)
            done = _("Match rejected: %(missing)s and %(found)s will not be proposed again.")
        else:
            services.candidate_undo(
                candidate=candidate, actor=user, reason=form.cleaned_data.get("reason") or ""
            )
            done = _(
                "Confirmation undone: %(missing)s and %(found)s are open again. The guardian "
                "and the officer have been told."
            )
    except ReuniteError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % refs)
    return _back(request, next_url)


def _back(request: HttpRequest, url: str) -> HttpResponse:
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


# --- the hand-off -------------------------------------------------------------------------


def _handoff_candidate(user: User, pk: int) -> Candidate:
    if not can_hand_off(user):
        raise Http404("No such candidate")
    candidate = selectors.access_candidate_by_id(user, pk)
    if candidate.decision != Candidate.Decision.CONFIRMED:
        raise Http404("No such candidate")
    return candidate


def _initial(handoff: Handoff | None, missing: Report) -> dict[str, Any]:
    if handoff is None:
        return {}
    initial: dict[str, Any] = {
        name: getattr(handoff, name)
        for name in (
            "id_checked",
            "id_type",
            "id_last4",
            "child_recognises",
            "guardian_knowledge",
            "guardian_knowledge_note",
            "released_to",
            "collector",
            "collector_relationship",
        )
    }
    if handoff.collector == Handoff.Collector.LISTED:
        for index, adult in enumerate(missing.authorised_adults or []):
            if services.folded_name(str(adult.get("name", ""))) == services.folded_name(
                handoff.released_to
            ):
                initial["listed_adult"] = str(index)
    return initial


@require_http_methods(["GET", "POST"])
@staff_required
def handoff(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = _handoff_candidate(user, pk)
    missing = candidate.missing
    existing = selectors.handoff_for(candidate)
    status = 200
    if request.method == "POST":
        form = HandoffForm(request.POST, missing=missing)
        if form.is_valid():
            try:
                record = services.handoff_record(
                    candidate=candidate, officer=user, **form.service_values()
                )
            except ReuniteError as exc:
                messages.error(request, exc.message)
            else:
                _handoff_message(request, record, missing)
            return redirect("reunite:handoff", pk=candidate.pk)
        status = 400
    else:
        form = HandoffForm(initial=_initial(existing, missing), missing=missing)
    return _handoff_page(
        request,
        user,
        candidate,
        form,
        OverrideForm(initial={"collector_name": existing.released_to if existing else ""}),
        status,
    )


def _handoff_message(request: HttpRequest, record: Handoff, missing: Report) -> None:
    check = services.collector_check(record, missing)
    if record.completed_at is not None:
        messages.success(request, _("Reunited — both reports are closed."))
    elif check == "override":
        messages.warning(
            request,
            _(
                "%(name)s is not named on the report as someone who may collect the child. "
                "Keep the child with you: a coordinator must authorise the release, with a "
                "reason."
            )
            % {"name": record.released_to},
        )
    else:
        messages.info(request, _("Saved. The child stays with you until every step is done."))


def _handoff_page(
    request: HttpRequest,
    user: User,
    candidate: Candidate,
    form: HandoffForm,
    override_form: OverrideForm,
    status: int,
) -> HttpResponse:
    existing = selectors.handoff_for(candidate)
    missing, found = candidate.missing, candidate.found
    completed = existing is not None and existing.completed_at is not None
    active = missing.status == Report.Status.MATCHED and found.status == Report.Status.MATCHED
    check = services.collector_check(existing, missing) if existing else "unnamed"
    todo: list[str] = []
    if not completed:
        todo = missing_steps(_initial(existing, missing))
        if check == "override" and existing is not None:
            todo.append(
                _("A coordinator must authorise the release to %(name)s (not named on the report)")
                % {"name": existing.released_to}
            )
    for report in (found, missing):
        services.report_viewed(report=report, actor=user, where="handoff")
    ctx = {
        "candidate": candidate,
        "missing": missing,
        "found": found,
        "handoff": existing,
        "completed": completed,
        "active": active,
        "form": form,
        "todo": todo,
        "collector_check": check,
        "can_override": can_decide_matches(user) and active and not completed,
        "override_form": override_form,
    }
    return render(request, "reunite/coord/handoff.html", ctx, status=status)


@require_POST
@staff_required
def handoff_override(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = _handoff_candidate(user, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the marked items. Nothing you typed was lost."))
        existing = selectors.handoff_for(candidate)
        handoff_form = HandoffForm(
            initial=_initial(existing, candidate.missing), missing=candidate.missing
        )
        return _handoff_page(request, user, candidate, handoff_form, form, 400)
    try:
        record = services.handoff_override(
            candidate=candidate,
            actor=user,
            reason=form.cleaned_data["reason"],
            collector_name=form.cleaned_data["collector_name"],
        )
    except ReuniteError as exc:
        messages.error(request, exc.message)
    else:
        if record.completed_at is not None:
            messages.success(request, _("Release authorised. Reunited — both reports are closed."))
        else:
            messages.success(
                request,
                _(
                    "Release to %(name)s authorised. The officer completes the checklist to "
                    "release the child."
                )
                % {"name": form.cleaned_data["collector_name"]},
            )
    return redirect("reunite:handoff", pk=candidate.pk)


# --- closing, transfer, merge -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a report with its outcome ("taken home by the officer", "referred to child
    services"…). Partner staff may only say no report is needed or it was filed in error."""
    user = _user(request)
    report = access_report_by_id(user, pk)
    if not can_file_reports(user):
        raise Http404("No such report")
    partner = user.role == Role.PARTNER
    status = 200
    if request.method == "POST":
        form = CloseForm(request.POST, partner=partner)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.report_close(
                    report=report,
                    outcome=data["outcome"],
                    actor=user,
                    agency_name=data["agency"],
                    reference=data["reference"],
                    duplicate_of=_kept_report(user, data["duplicate_of"]),
                    reason=data["reason"],
                )
            except ReuniteError as exc:
                form.add_error(_error_field(exc.code), exc.message)
            else:
                messages.success(
                    request,
                    _("Report %(reference)s closed.") % {"reference": report.reference},
                )
                return redirect("reunite:report_detail", pk=report.pk)
        status = 400
    else:
        form = CloseForm(partner=partner)
    services.report_viewed(report=report, actor=user, where="close")
    ctx = {"form": form, "report": report}
    return render(request, "reunite/coord/close.html", ctx, status=status)


def _kept_report(user: User, reference: str) -> Report | None:
    reference = (reference or "").strip().upper()
    if not reference:
        return None
    return visible_reports(user).filter(reference=reference).first()


def _error_field(code: str) -> str | None:
    return {
        "outcome_invalid": "outcome",
        "outcome_agency_required": "agency",
        "duplicate_invalid": "duplicate_of",
    }.get(code)


@require_http_methods(["GET", "POST"])
@staff_required
def report_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access_report_by_id(user, pk)
    if not user.is_agency_staff:
        raise Http404("No such report")
    staff = User.objects.filter(
        agency_id=report.agency_id,
        is_active=True,
        role__in=[Role.OFFICER, Role.COORDINATOR, Role.ADMIN],
    ).order_by("first_name", "last_name", "username")
    status = 200
    if request.method == "POST":
        form = TransferForm(request.POST, queryset=staff)
        if form.is_valid():
            target = form.cleaned_data["to"]
            try:
                services.report_transfer(report=report, to_officer=target, actor=user)
            except ReuniteError as exc:
                form.add_error("to", exc.message)
            else:
                messages.success(
                    request,
                    _("Report %(reference)s transferred to %(name)s.")
                    % {"reference": report.reference, "name": target.display_name()},
                )
                return redirect("reunite:report_detail", pk=report.pk)
        status = 400
    else:
        form = TransferForm(queryset=staff)
    services.report_viewed(report=report, actor=user, where="transfer")
    ctx = {"form": form, "report": report}
    return render(request, "reunite/coord/transfer.html", ctx, status=status)


@require_POST
@staff_required
def report_merge(request: HttpRequest, pk: int, into: int) -> HttpResponse:
    """Merge a likely duplicate (flagged on the board) into the report that is kept."""
    user = _user(request)
    if not can_decide_matches(user):
        raise Http404("No such report")
    duplicate = access_report_by_id(user, pk)
    kept = access_report_by_id(user, into)
    try:
        services.report_merge(duplicate=duplicate, into=kept, actor=user)
    except ReuniteError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Report %(duplicate)s merged into %(kept)s.")
            % {"duplicate": duplicate.reference, "kept": kept.reference},
        )
    return redirect("reunite:report_detail", pk=kept.pk)
