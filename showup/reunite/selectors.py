"""Reads of the reunite module: the coordinator's board, a report's candidates and timeline,
"my reports". Selectors never change state and never write the audit log; views do that.

Every selector starts from `visible_reports(user)`, so a caller cannot widen what a user sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from showup.core.models import AuditEntry, Role, User
from showup.core.registry import audit_label
from showup.reunite.access import visible_reports
from showup.reunite.models import (
    BoardVersion,
    Candidate,
    Handoff,
    MatchOutbox,
    Outcome,
    Report,
    ReportQuerySet,
    TimelineNote,
)

MY_REPORTS_LIMIT = 200
RECENTLY_CLOSED = timedelta(hours=24)

# Readable labels for reunite's audit action codes (pretix renders its log the same way);
# registered with core in ReuniteConfig.ready(), so any page can render any module's codes.
ACTION_LABELS: dict[str, Promise] = {
    "reunite.report.created.found": _("Found report filed"),
    "reunite.report.created.missing": _("Missing report filed"),
    "reunite.report.imported": _("Reports imported from a file"),
    "reunite.report.edited": _("Report edited"),
    "reunite.report.cancelled": _("Report cancelled"),
    "reunite.report.viewed": _("Report viewed"),
    "reunite.board.viewed": _("Seen on the board"),
    "reunite.mine.viewed": _("Seen in a staff member's list"),
    "reunite.api.listed": _("Seen in a list read through the API"),
    "reunite.note.added": _("Note added"),
    "reunite.match.confirmed": _("Match confirmed"),
    "reunite.match.rejected": _("Match rejected"),
    "reunite.handoff.id_checked": _("Hand-off: identity document checked"),
    "reunite.handoff.child_recognises": _("Hand-off: the child recognises the adult"),
    "reunite.handoff.guardian_knowledge": _("Hand-off: the adult knew what only a guardian knows"),
    "reunite.handoff.completed": _("Hand-off completed: reunited, reports closed"),
    "reunite.report.purged": _("Personal data purged"),
    "reunite.report.status_link_revoked": _("Guardian's status link revoked"),
    "reunite.report.closed": _("Report closed"),
    "reunite.report.transferred": _("Report transferred to another officer"),
    "reunite.report.merged": _("A duplicate report was merged into this one"),
    "reunite.report.information_added": _("Information added"),
    "reunite.match.undone": _("Match confirmation undone"),
    "reunite.handoff.collector": _("Hand-off: the adult taking the child recorded"),
    "reunite.handoff.override": _("Hand-off: a coordinator authorised the release"),
}
# Views of a record are audited but would drown the story of the case in the timeline.
TIMELINE_HIDDEN_ACTIONS = ("reunite.report.viewed", "reunite.note.added")


def action_label(code: str) -> str:
    return audit_label(code)


def _event_label(entry: AuditEntry) -> str:
    """The label, and for a closing the outcome it was closed with."""
    label = action_label(entry.action)
    outcome = entry.data.get("outcome") if entry.action == "reunite.report.closed" else None
    if outcome in Outcome.values:
        return f"{label}: {Outcome(outcome).label}"
    return label


def age_label(report: Report) -> str:
    def num(value: Decimal) -> str:
        return f"{value.normalize():f}"

    if report.age_years is not None:
        return num(report.age_years)
    if report.age_min is not None and report.age_max is not None:
        if report.age_min == report.age_max:
            return num(report.age_min)
        return f"{num(report.age_min)}–{num(report.age_max)}"
    if report.age_min is not None:
        return f"{num(report.age_min)}+"
    if report.age_max is not None:
        return f"≤{num(report.age_max)}"
    return ""


@dataclass(frozen=True)
class CandidateRow:
    """A candidate seen from one report: the pairing and the report on the other side."""

    candidate: Candidate
    other: Report

    @property
    def percent(self) -> int:
        return round(self.candidate.score * 100)

    @property
    def is_proposed(self) -> bool:
        return self.candidate.decision == Candidate.Decision.PROPOSED

    @property
    def is_confirmed(self) -> bool:
        return self.candidate.decision == Candidate.Decision.CONFIRMED


@dataclass
class ReportCard:
    report: Report
    candidates: list[CandidateRow] = field(default_factory=list)

    @property
    def age(self) -> str:
        return age_label(self.report)

    @property
    def confirmed(self) -> CandidateRow | None:
        return next((row for row in self.candidates if row.is_confirmed), None)


def _rows(report: Report) -> list[CandidateRow]:
    if report.kind == Report.Kind.MISSING:
        return [CandidateRow(c, c.found) for c in report.candidates_as_missing.all()]
    return [CandidateRow(c, c.missing) for c in report.candidates_as_found.all()]


def _with_candidates(
    qs: ReportQuerySet, kinds: tuple[str, ...] = (Report.Kind.MISSING, Report.Kind.FOUND)
) -> ReportQuerySet:
    """Prefetch each report's live candidates with the report on the other side (no N+1).
    Rejected pairs are left out: they are decided for good and never shown again."""
    cands = Candidate.objects.exclude(decision=Candidate.Decision.REJECTED).order_by("-score", "pk")
    lookups: list[Prefetch[Any]] = []
    if Report.Kind.MISSING in kinds:
        other = cands.select_related("found", "found__holding_officer", "found__partner_org")
        lookups.append(Prefetch("candidates_as_missing", queryset=other))
    if Report.Kind.FOUND in kinds:
        lookups.append(Prefetch("candidates_as_found", queryset=cands.select_related("missing")))
    return qs.prefetch_related(*lookups)


def board_version(user: User, *, extra: str = "") -> str:
    """A short fingerprint of what the agency's board could show, so the live poll can answer
    "nothing changed" after one primary-key read. It runs every second per open board, so it
    reads no report and no candidate: every change a board can show moves the agency's
    `BoardVersion` row in its own transaction (`matching_service.bump_board_version`)."""
    agency_id = user.agency_id or 0  # the board is only for agency staff
    version = (
        BoardVersion.objects.filter(pk=agency_id).values_list("version", flat=True).first() or 0
    )
    raw = f"{agency_id}|{version}|{extra}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def matching_pending(report: Report) -> bool:
    """Whether a matching worker has still to look at the report's latest change (an outbox
    row not yet done): the case page then says "Looking for matches…"."""
    return MatchOutbox.objects.filter(report_id=report.pk, done_at__isnull=True).exists()


def report_candidates(report: Report) -> list[CandidateRow]:
    """The report's live candidates, best first (rejected ones are left out)."""
    if report.kind == Report.Kind.MISSING:
        qs = (
            Candidate.objects.filter(missing=report)
            .exclude(decision=Candidate.Decision.REJECTED)
            .select_related("found")
            .order_by("-score", "pk")
        )
        return [CandidateRow(c, c.found) for c in qs]
    qs = (
        Candidate.objects.filter(found=report)
        .exclude(decision=Candidate.Decision.REJECTED)
        .select_related("missing")
        .order_by("-score", "pk")
    )
    return [CandidateRow(c, c.missing) for c in qs]


def confirmed_candidate(report: Report) -> Candidate | None:
    """The confirmed pairing of this report, if any (whether or not handed off yet)."""
    field_name = "missing" if report.kind == Report.Kind.MISSING else "found"
    return (
        Candidate.objects.filter(**{field_name: report}, decision=Candidate.Decision.CONFIRMED)
        .select_related("missing", "found")
        .order_by("-decided_at")
        .first()
    )


def awaiting_handoff(report: Report) -> Candidate | None:
    """The confirmed candidate whose hand-off is still to be done (report status matched)."""
    if report.status != Report.Status.MATCHED:
        return None
    return confirmed_candidate(report)


def access_candidate_by_id(user: User, candidate_id: int) -> Candidate:
    """A candidate both of whose reports the user may see; anything else is a 404."""
    from django.http import Http404

    visible = visible_reports(user).values("pk")
    cand = (
        Candidate.objects.filter(pk=candidate_id, missing__in=visible, found__in=visible)
        .select_related("missing", "found", "found__holding_officer")
        .first()
    )
    if cand is None:
        raise Http404("No such candidate")
    return cand


def has_other_confirmed(candidate: Candidate) -> bool:
    """True when either side of this pair already has a different confirmed candidate."""
    return (
        Candidate.objects.filter(
            Q(missing_id=candidate.missing_id) | Q(found_id=candidate.found_id),
            decision=Candidate.Decision.CONFIRMED,
        )
        .exclude(pk=candidate.pk)
        .exists()
    )


def handoff_for(candidate: Candidate) -> Handoff | None:
    return Handoff.objects.filter(candidate=candidate).first()


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # "note" or "event"
    label: str
    actor: str
    text: str = ""


def report_timeline(report: Report) -> list[TimelineItem]:
    """Notes and audited events of a report (and of its candidates), oldest first."""
    items: list[TimelineItem] = [
        TimelineItem(
            at=note.created_at,
            kind="note",
            label=str(_("Note")),
            actor=note.author.display_name() if note.author else "",
            text=note.text,
        )
        for note in TimelineNote.objects.filter(report=report).select_related("author")
    ]
    field_name = "missing" if report.kind == Report.Kind.MISSING else "found"
    cand_pks = list(Candidate.objects.filter(**{field_name: report}).values_list("pk", flat=True))
    entries = (
        AuditEntry.objects.filter(
            Q(object_type="report", object_id=str(report.pk))
            | Q(object_type="candidate", object_id__in=[str(pk) for pk in cand_pks])
            # Hand-off steps are logged on the found report; the missing side shows them too.
            | Q(action__startswith="reunite.handoff.", data__candidate__in=cand_pks)
        )
        .exclude(action__in=TIMELINE_HIDDEN_ACTIONS)
        .order_by("at", "id")
    )
    for entry in entries:
        items.append(
            TimelineItem(
                at=entry.at, kind="event", label=_event_label(entry), actor=entry.actor_label
            )
        )
    items.sort(key=lambda item: item.at)
    return items


def report_view_count(report: Report) -> int:
    return AuditEntry.objects.filter(
        object_type="report", object_id=str(report.pk), action="reunite.report.viewed"
    ).count()


@dataclass
class MyReports:
    title: Promise
    cards: list[ReportCard]


def my_reports(user: User) -> MyReports:
    """Officer: reports they filed or hold (open ones, and those closed in the last day).
    Partner: their organisation's submissions, nothing else.
    Coordinator/admin: reports they filed plus every open report that needs a decision."""
    base = visible_reports(user)
    if user.role == Role.OFFICER:
        recent = timezone.now() - RECENTLY_CLOSED
        qs = base.filter(Q(filed_by=user) | Q(holding_officer=user)).filter(
            Q(status__in=Report.OPEN_STATUSES) | Q(closed_at__gte=recent)
        )
        title = _("Today: children you found or hold")
    elif user.role == Role.PARTNER:
        qs = base
        title = _("Reports from your organisation")
    else:
        needs_decision = Q(status=Report.Status.OPEN) & (
            Q(candidates_as_missing__decision=Candidate.Decision.PROPOSED)
            | Q(candidates_as_found__decision=Candidate.Decision.PROPOSED)
        )
        qs = base.filter(Q(filed_by=user) | needs_decision).distinct()
        title = _("Reports you filed and reports that need a decision")
    qs = qs.select_related("holding_officer", "partner_org").order_by("-created_at", "-id")
    if user.role == Role.PARTNER:
        # Partners never see the other side of a pairing: it is another organisation's child.
        reports = list(qs[:MY_REPORTS_LIMIT])
        return MyReports(title, [ReportCard(r) for r in reports])
    reports = list(_with_candidates(qs)[:MY_REPORTS_LIMIT])
    return MyReports(title, [ReportCard(r, _rows(r)) for r in reports])
