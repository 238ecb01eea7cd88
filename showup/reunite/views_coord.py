"""The coordinator's live board, a report's page, match decisions, the verified hand-off, and
each staff member's own list. Views validate input and check access; services change state;
selectors read. Every page that shows a child's record writes an audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from showup.core.access import (
    can_decide_matches,
    can_file_reports,
    can_hand_off,
    is_staff_user,
)
from showup.core.audit import audit
from showup.core.models import User
from showup.reunite import selectors, selectors_board, services
from showup.reunite.access import access_report_by_id
from showup.reunite.forms_board import BoardFilterForm
from showup.reunite.forms_coord import NoteForm
from showup.reunite.models import Candidate, Handoff, Report
from showup.reunite.selectors_board import BoardFilters

GONE = "gone"  # the version a placeholder row sends: it left the board, nothing to update

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


def _board_filters(request: HttpRequest | None, user: User) -> tuple[BoardFilterForm, BoardFilters]:
    """The board's filters from the query string; a value that does not validate is left out
    (and shown as an error beside its field), the others still apply."""
    data = request.GET if request is not None else None
    form = BoardFilterForm(data or None, user=user)
    if not form.is_bound:
        return form, BoardFilters()
    form.is_valid()
    return form, BoardFilters.from_cleaned(form.cleaned_data)


def _filter_query(form: BoardFilterForm) -> str:
    """The filters as a query string, so the live poll and "show" links keep them."""
    if not form.is_bound:
        return ""
    keep = {name: form.data.get(name, "") for name in form.fields}
    return urlencode({k: v for k, v in keep.items() if v and k in form.cleaned_data})


def _board_context(
    user: User,
    *,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    form, filters = _board_filters(request, user)
    now = timezone.now()  # before any read: the next poll announces what comes after it
    version = selectors.board_version(user)
    cursor = selectors_board.candidate_cursor(user)
    page = selectors_board.board_rows(user, filters)
    # One entry per rendering, listing every report shown (not one entry per report).
    audit("reunite.board.viewed", actor=user, agency_id=user.agency_id, reports=page.report_ids)
    query = _filter_query(form)
    return {
        "page": page,
        "rows": page.rows,
        "form": form,
        "filters": filters,
        "filter_query": query,
        "board_url": reverse("reunite:board") + (f"?{query}" if query else ""),
        "version": version,
        "since": f"{now.timestamp():.6f}:{cursor}",
        "can_decide": can_decide_matches(user),
        "can_hand_off": can_hand_off(user),
        "markers": selectors_board.map_markers(page),
    }


@require_GET
@staff_required
def board(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_board(user)
    return render(request, "reunite/coord/board.html", _board_context(user, request=request))


def _client_rows(request: HttpRequest) -> dict[int, str]:
    """The rows the page shows now, as the live poll sends them: r=<report id>.<version>."""
    rows: dict[int, str] = {}
    for value in request.GET.getlist("r")[: selectors_board.BOARD_LIMIT * 2]:
        pk, _sep, version = value.partition(".")
        if pk.isdigit():
            rows[int(pk)] = version
    return rows


def _client_since(request: HttpRequest) -> datetime:
    try:
        stamp = float(request.GET.get("t", "").split(":")[0])
        return datetime.fromtimestamp(stamp, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return timezone.now()


def _client_cursor(request: HttpRequest) -> int | None:
    """The newest candidate id the page has been told about ("<time>:<id>"), if it says."""
    _stamp, _colon, cursor = request.GET.get("t", "").partition(":")
    return int(cursor) if cursor.isdigit() else None


# Rows are built for announcements if their newest candidate is this recent: a superset (the
# cursor decides what is announced), wide enough for any matching transaction.
CANDIDATE_GRACE = timedelta(seconds=60)


@require_GET
@staff_required
def board_live(request: HttpRequest) -> HttpResponse:
    """The live poll. An unchanged agency answers 204 after two small aggregate queries.
    Otherwise it answers only out-of-band swaps: each changed row in place (same height, so
    nothing below it moves), a same-height placeholder for a row that left the board, a count
    of new reports behind a "show" link (never inserted under the finger), and sentences
    for the polite live region. What it shows is audited once, like the board."""
    user = _user(request)
    _require_board(user)
    now = timezone.now()
    version = selectors.board_version(user)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)
    form, filters = _board_filters(request, user)
    # Read after the version, before the rows: every candidate up to it is committed and will
    # be read below; one committed later has a larger id (a shard's matching transactions run
    # one at a time) and is announced by the next poll. Never twice, never lost.
    cursor = selectors_board.candidate_cursor(user)
    # The page's rows as versions only (plain values, no model built); then only the rows this
    # answer sends are built: the changed ones and those an announcement names. During a storm
    # the version moves on every poll, but few of the hundred rows shown have changed.
    outline = selectors_board.board_outline(user, filters)
    client = _client_rows(request)
    on_board = {row.pk for row in outline}
    changed_ids = [r.pk for r in outline if r.pk in client and client[r.pk] != r.version]
    gone = [pk for pk, v in client.items() if pk not in on_board and v != GONE]
    new_count = sum(1 for r in outline if r.pk not in client)
    since = _client_since(request) if "t" in request.GET else None
    wanted = set(changed_ids)
    if since is not None:
        wanted.update(
            r.pk
            for r in outline
            if (r.newest_candidate is not None and r.newest_candidate > since - CANDIDATE_GRACE)
            or (r.created_at > since and r.pk not in client)
        )
    page = selectors_board.board_rows_by_id(
        user, filters, [r.pk for r in outline if r.pk in wanted]
    )
    changed = [row for row in page.rows if row.pk in set(changed_ids)]
    announcements = (
        selectors_board.new_since(
            user, page, since, set(client), after=_client_cursor(request), upto=cursor
        )
        if since is not None
        else []
    )
    shown = {row.pk for row in changed}
    for note in announcements:
        shown.update(pk for pk in note.report_ids if pk in on_board)
    if shown:
        audit(
            "reunite.board.viewed",
            actor=user,
            agency_id=user.agency_id,
            reports=sorted(shown),
            live=True,
        )
    query = _filter_query(form)
    ctx = {
        "changed": changed,
        "gone": gone,
        "new_count": new_count,
        "announcements": announcements,
        "version": version,
        "since": f"{now.timestamp():.6f}:{cursor}",
        "board_url": reverse("reunite:board") + (f"?{query}" if query else ""),
        "can_decide": can_decide_matches(user),
        "can_hand_off": can_hand_off(user),
        "oob": True,
    }
    response = render(request, "reunite/coord/board.html#live", ctx)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_required
def candidate_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Both children's records side by side before a coordinator confirms, rejects or undoes
    a match. The decision itself is posted to candidate_decide."""
    user = _user(request)
    if not can_decide_matches(user):
        raise Http404("No such candidate")
    candidate = selectors.access_candidate_by_id(user, pk)
    for report in (candidate.missing, candidate.found):
        services.report_viewed(report=report, actor=user, where="review")
    back = _safe_next(request, request.GET.get("back"), reverse("reunite:board"))
    handed_off = Handoff.objects.filter(candidate=candidate, completed_at__isnull=False).exists()
    both_open = candidate.missing.is_open and candidate.found.is_open
    decision = candidate.decision
    ctx = {
        "candidate": candidate,
        "missing": candidate.missing,
        "found": candidate.found,
        "percent": round(candidate.score * 100),
        "facts": selectors_board.compare_facts(candidate.missing, candidate.found),
        "back": back,
        "can_confirm": both_open
        and decision == Candidate.Decision.PROPOSED
        and not selectors.has_other_confirmed(candidate),
        "other_confirmed": decision == Candidate.Decision.PROPOSED
        and selectors.has_other_confirmed(candidate),
        "can_reject": both_open and decision == Candidate.Decision.PROPOSED,
        "can_undo": both_open and decision == Candidate.Decision.CONFIRMED and not handed_off,
        "handed_off": handed_off,
    }
    return render(request, "reunite/coord/review.html", ctx)


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
        "matching_pending": agency_staff and selectors.matching_pending(report),
        "show_guardian": agency_staff
        or (user.partner_org_id is not None and report.partner_org_id == user.partner_org_id),
        "can_decide": can_decide_matches(user) and report.is_open,
        "can_edit": can_file_reports(user) and report.is_open,
        "can_decide_any": can_decide_matches(user),
        "can_merge": can_decide_matches(user),
        "can_transfer": agency_staff and report.is_open,
        "handoff_candidate": handoff_candidate,
        "timeline": selectors.report_timeline(report),
        "view_count": selectors.report_view_count(report),
        "note_form": note_form,
        "detail_url": request.path,
        "can_revoke_link": agency_staff
        and user.agency_id == report.agency_id
        and report.kind == Report.Kind.MISSING
        and report.purged_at is None,
        "new_status_url": _new_status_url(request, report),
    }


def _new_status_url(request: HttpRequest, report: Report) -> str:
    """Right after a revocation, its author sees the new link once (to read to the guardian)."""
    if request.session.get(NEW_STATUS_LINK_SESSION_KEY) != report.pk:
        return ""
    del request.session[NEW_STATUS_LINK_SESSION_KEY]
    return request.build_absolute_uri(
        reverse("reunite:status", kwargs={"token": report.status_token})
    )


NEW_STATUS_LINK_SESSION_KEY = "reunite.new_status_link"


@require_POST
@staff_required
def status_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the guardian's status link (a new one replaces it; audited by the service)."""
    user = _user(request)
    report = access_report_by_id(user, pk)
    try:
        services.report_status_link_revoke(report=report, actor=user)
    except services.ReuniteError as exc:
        messages.error(request, exc.message)
        return redirect("reunite:report_detail", pk=report.pk)
    request.session[NEW_STATUS_LINK_SESSION_KEY] = report.pk
    messages.success(request, _("The old status link no longer works."))
    return redirect("reunite:report_detail", pk=report.pk)


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


@require_GET
@staff_required
def report_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page's "Looking for matches…" poll (every second, htmx). While a matching
    worker has still to see the report's latest change: 204, one small read, nothing swapped.
    Then the candidates, which replace the polling element (so the polling stops), and a
    sentence for the page's live region. Candidates shown are a view of the record: audited."""
    user = _user(request)
    report = access_report_by_id(user, pk)
    if not user.is_agency_staff:
        raise Http404("No such report")  # partner staff never see candidates
    if selectors.matching_pending(report):
        response = HttpResponse(status=204)
    else:
        services.report_viewed(report=report, actor=user, where="detail.matches")
        ctx = {
            "report": report,
            "candidates": selectors.report_candidates(report),
            "matching_pending": False,
            "matching_done": True,
            "can_decide": can_decide_matches(user) and report.is_open,
            "can_decide_any": can_decide_matches(user),
            "detail_url": reverse("reunite:report_detail", kwargs={"pk": report.pk}),
        }
        response = render(request, "reunite/coord/report_detail.html#candidates", ctx)
    response["Cache-Control"] = "no-store"
    return response


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
