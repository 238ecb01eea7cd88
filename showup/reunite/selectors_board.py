"""Reads of the coordinator's board: one compact row per open report, ordered by urgency,
searched and filtered, with a per-row version so the live poll sends only changed rows.

Selectors never change state and never audit; views do that. Everything starts from
`visible_reports(user)`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from showup.core.models import User
from showup.reunite.access import visible_reports
from showup.reunite.forms_board import AGE_BANDS
from showup.reunite.models import Candidate, Report, ReportQuerySet
from showup.reunite.selectors import CandidateRow, age_label

BOARD_LIMIT = 100  # rows; the board is a live work list, not an archive
UNKNOWN_AGE_RANK = len(AGE_BANDS)


@dataclass
class BoardFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    age: str = ""
    area: str = ""
    partner: int | None = None
    bounds: tuple[float, float, float, float] | None = None

    @property
    def active(self) -> int:
        """How many filters narrow the board (the search box counts as one)."""
        values = (self.q, self.kind, self.status, self.age, self.area, self.partner, self.bounds)
        return sum(bool(v) for v in values)

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> BoardFilters:
        return cls(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            age=data.get("age") or "",
            area=data.get("area") or "",
            partner=data.get("partner"),
            bounds=data.get("bounds"),
        )


def short_name(report: Report) -> str:
    """ "Leo R.": enough for a coordinator to recognise the row, in the live region and map."""
    if report.given_name and report.family_name:
        return f"{report.given_name} {report.family_name[:1]}."
    return report.child_label()


@dataclass
class BoardRow:
    report: Report
    candidates: list[CandidateRow] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.report.pk

    @property
    def age(self) -> str:
        return age_label(self.report)

    @property
    def short_name(self) -> str:
        return short_name(self.report)

    @property
    def top(self) -> CandidateRow | None:
        """The candidate the row shows: the confirmed one, else the best-scored proposal."""
        confirmed = next((row for row in self.candidates if row.is_confirmed), None)
        return confirmed or (self.candidates[0] if self.candidates else None)

    @property
    def more(self) -> int:
        return max(0, len(self.candidates) - 1)

    @property
    def likely(self) -> bool:
        top = self.top
        return top is not None and (top.is_confirmed or top.candidate.engine_match)

    @property
    def version(self) -> str:
        """Changes whenever anything the row shows changes (the report, a candidate, the
        child on the other side of a candidate)."""
        return row_version(
            self.report.updated_at,
            self.report.status,
            self.report.possible_duplicate_of_id,
            [
                (row.candidate.pk, row.candidate.updated_at, row.candidate.decision, row.other)
                for row in self.candidates
            ],
        )


def row_version(
    updated_at: datetime,
    status: str,
    duplicate_of: int | None,
    candidates: list[tuple[int, datetime, str, Any]],
) -> str:
    """A row's version from the report's fields and, per live candidate best first, its pk,
    updated_at, decision and the other side's updated_at (a Report or the datetime itself)."""
    parts: list[Any] = [updated_at.isoformat(), status, duplicate_of]
    for pk, cand_updated, decision, other in candidates:
        other_updated = other.updated_at if isinstance(other, Report) else other
        parts += [pk, cand_updated.isoformat(), decision, other_updated.isoformat()]
    raw = "|".join(str(p) for p in parts)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


@dataclass
class BoardPage:
    rows: list[BoardRow]
    total: int

    @property
    def report_ids(self) -> list[int]:
        return [row.pk for row in self.rows]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def _likely_match() -> Q:
    return Q(decision=Candidate.Decision.CONFIRMED) | Q(
        decision=Candidate.Decision.PROPOSED, engine_match=True
    )


def _age_rank() -> Case:
    """0 for the youngest band; reports without an age come after every band."""
    whens = [
        When(**{"age_lo__lt": hi + 1}, then=Value(rank))
        for rank, (_v, _label, _lo, hi) in enumerate(AGE_BANDS)
    ]
    return Case(*whens, default=Value(UNKNOWN_AGE_RANK), output_field=IntegerField())


def _apply_filters(qs: ReportQuerySet, filters: BoardFilters) -> ReportQuerySet:
    if filters.q:
        text = filters.q.strip()
        ref = text.upper().replace(" ", "")
        if len(ref) == 6 and "-" not in ref:
            ref = f"{ref[:3]}-{ref[3:]}"
        name_q = Q()
        for word in text.split():
            name_q &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(other_names__icontains=word)
            )
        qs = qs.filter(name_q | Q(reference__icontains=ref))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.age:
        band = next((b for b in AGE_BANDS if b[0] == filters.age), None)
        if band is not None:
            _v, _label, lo, hi = band
            # The reported age (or range) overlaps the band: [lo, hi + 1).
            # (annotated by board_queryset: the youngest and oldest ends of the reported age)
            qs = qs.filter(**{"age_lo__lt": hi + 1, "age_hi__gte": lo})
    if filters.area:
        qs = qs.filter(place__icontains=filters.area)
    if filters.partner:
        qs = qs.filter(partner_org_id=filters.partner)
    if filters.bounds:
        south, west, north, east = filters.bounds
        qs = qs.filter(lat__gte=south, lat__lte=north)
        if west <= east:
            qs = qs.filter(lon__gte=west, lon__lte=east)
        else:  # the area crosses the antimeridian
            qs = qs.filter(Q(lon__gte=west) | Q(lon__lte=east))
    return qs


def _live_candidates() -> tuple[Prefetch[Any], Prefetch[Any]]:
    cands = Candidate.objects.exclude(decision=Candidate.Decision.REJECTED).order_by("-score", "pk")
    return (
        Prefetch("candidates_as_missing", queryset=cands.select_related("found")),
        Prefetch("candidates_as_found", queryset=cands.select_related("missing")),
    )


def _candidate_rows(report: Report) -> list[CandidateRow]:
    if report.kind == Report.Kind.MISSING:
        return [CandidateRow(c, c.found) for c in report.candidates_as_missing.all()]
    return [CandidateRow(c, c.missing) for c in report.candidates_as_found.all()]


def board_queryset(user: User, filters: BoardFilters) -> ReportQuerySet:
    """Open reports the user may see, filtered, in order of urgency: a likely match (the
    engine says match, or confirmed) first; then the youngest age band; then the longest
    missing (earliest last seen / found time)."""
    likely = Candidate.objects.filter(Q(missing=OuterRef("pk")) | Q(found=OuterRef("pk"))).filter(
        _likely_match()
    )
    qs = (
        visible_reports(user)
        .open()
        .annotate(
            age_lo=Coalesce(F("age_years"), F("age_min"), F("age_max")),
            age_hi=Coalesce(F("age_years"), F("age_max"), F("age_min")),
            likely=Exists(likely),
        )
        .annotate(age_rank=_age_rank())
    )
    filtered = _apply_filters(qs, filters)
    return filtered.order_by(F("likely").desc(), F("age_rank"), "seen_at", "pk")


def board_rows(user: User, filters: BoardFilters, *, limit: int = BOARD_LIMIT) -> BoardPage:
    qs = board_queryset(user, filters)
    reports = list(
        qs.select_related("holding_officer", "partner_org").prefetch_related(*_live_candidates())[
            :limit
        ]
    )
    total = len(reports) if len(reports) < limit else qs.count()
    return BoardPage(rows=[BoardRow(r, _candidate_rows(r)) for r in reports], total=total)


@dataclass(frozen=True)
class RowOutline:
    """What the live poll needs to know of a row before deciding to build it."""

    pk: int
    version: str
    created_at: datetime
    newest_candidate: datetime | None  # the latest created_at among its live candidates


def board_outline(
    user: User, filters: BoardFilters, *, limit: int = BOARD_LIMIT
) -> list[RowOutline]:
    """The board's first page in order, as versions only: two queries of plain values (the
    page's ordered reports, their live candidates), no model built. Same rows, same order and
    same versions as `board_rows` (the live poll then builds only the rows it sends)."""
    reports = list(
        board_queryset(user, filters).values_list(
            "pk", "kind", "updated_at", "status", "possible_duplicate_of_id", "created_at"
        )[:limit]
    )
    if not reports:
        return []
    ids = [r[0] for r in reports]
    cands: dict[tuple[int, str], list[tuple[int, datetime, str, datetime]]] = {}
    newest: dict[int, datetime] = {}
    rows = (
        Candidate.objects.filter(Q(missing_id__in=ids) | Q(found_id__in=ids))
        .exclude(decision=Candidate.Decision.REJECTED)
        .order_by("-score", "pk")
        .values_list(
            "pk",
            "missing_id",
            "found_id",
            "updated_at",
            "decision",
            "created_at",
            "missing__updated_at",
            "found__updated_at",
        )
    )
    for pk, missing_id, found_id, updated, decision, created, m_updated, f_updated in rows:
        cands.setdefault((missing_id, Report.Kind.MISSING), []).append(
            (pk, updated, decision, f_updated)
        )
        cands.setdefault((found_id, Report.Kind.FOUND), []).append(
            (pk, updated, decision, m_updated)
        )
        for report_id in (missing_id, found_id):
            if report_id not in newest or created > newest[report_id]:
                newest[report_id] = created
    return [
        RowOutline(
            pk=pk,
            version=row_version(updated, status, dup, cands.get((pk, kind), [])),
            created_at=created,
            newest_candidate=newest.get(pk),
        )
        for pk, kind, updated, status, dup, created in reports
    ]


def board_rows_by_id(user: User, filters: BoardFilters, ids: list[int]) -> BoardPage:
    """Only these rows of the board (still within the user's filtered board), in `ids` order."""
    if not ids:
        return BoardPage(rows=[], total=0)
    qs = board_queryset(user, filters).filter(pk__in=ids)
    found = {
        r.pk: r
        for r in qs.select_related("holding_officer", "partner_org").prefetch_related(
            *_live_candidates()
        )
    }
    rows = [BoardRow(found[pk], _candidate_rows(found[pk])) for pk in ids if pk in found]
    return BoardPage(rows=rows, total=len(rows))


@dataclass(frozen=True)
class Announcement:
    """A sentence for the polite live region, and the report it names (for the audit)."""

    text: str
    report_ids: tuple[int, ...]


def candidate_cursor(user: User) -> int:
    """The newest candidate id of the agency: the live poll's cursor for new matches."""
    agency_id = user.agency_id or 0  # the board is only for agency staff
    newest = Candidate.objects.filter(missing__agency_id=agency_id).aggregate(n=Max("pk"))
    return int(newest["n"] or 0)


def new_since(
    user: User,
    page: BoardPage,
    since: datetime,
    shown_ids: set[int],
    *,
    after: int | None = None,
    upto: int | None = None,
) -> list[Announcement]:
    """New matches and new reports since `since` among what the coordinator's filtered board
    holds, in words: "New likely match for Leo R., 92%"."""
    from django.utils.translation import gettext as _

    out: list[Announcement] = []
    seen_cands: set[int] = set()
    for row in page.rows:
        for crow in row.candidates:
            cand = crow.candidate
            if after is not None and upto is not None:
                fresh = after < cand.pk <= upto
            else:  # a page loaded before the cursor existed
                fresh = cand.created_at > since
            if cand.pk in seen_cands or not fresh:
                continue
            seen_cands.add(cand.pk)
            missing = cand.missing if row.report.kind == Report.Kind.FOUND else row.report
            named = missing if missing.given_name else row.report
            params = {"name": short_name(named), "percent": crow.percent}
            if cand.engine_match:
                text = _("New likely match for %(name)s, %(percent)s%%") % params
            else:
                text = _("New possible match (weak) for %(name)s, %(percent)s%%") % params
            out.append(Announcement(text, (cand.missing_id, cand.found_id)))
    for row in page.rows:
        if row.report.created_at > since and row.pk not in shown_ids:
            params = {"name": row.short_name}
            if row.report.kind == Report.Kind.MISSING:
                text = _("New missing-child report: %(name)s") % params
            else:
                text = _("New found-child report: %(name)s") % params
            out.append(Announcement(text, (row.pk,)))
    return out


def map_markers(page: BoardPage) -> list[dict[str, Any]]:
    """The rows that have a position, with no more about the child than the row shows."""
    from django.urls import reverse

    markers = []
    for row in page.rows:
        r = row.report
        if r.lat is None or r.lon is None:
            continue
        markers.append(
            {
                "id": r.pk,
                "lat": r.lat,
                "lon": r.lon,
                "kind": r.kind,
                "likely": row.likely,
                "label": f"{row.short_name} · {r.reference}",
                "url": reverse("reunite:report_detail", args=[r.pk]),
            }
        )
    return markers


@dataclass(frozen=True)
class FactRow:
    """One fact of both reports, side by side; `differs` when both give it and they disagree."""

    label: str
    missing: str
    found: str
    differs: bool


def _age_range(report: Report) -> tuple[float, float] | None:
    lo = report.age_years if report.age_years is not None else report.age_min
    hi = report.age_years if report.age_years is not None else report.age_max
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    if lo is None or hi is None:
        return None
    return float(lo), float(hi)


def _words(text: str) -> set[str]:
    return {w for w in "".join(c if c.isalnum() else " " for c in text.casefold()).split() if w}


def compare_facts(missing: Report, found: Report) -> list[FactRow]:
    """The facts a coordinator weighs before confirming, with what differs marked. A text
    fact "differs" when both sides give it and they share no word; age when the ranges do not
    overlap; sex when both are known and differ. Nothing is marked for a fact one side lacks."""
    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from django.utils.translation import gettext as _

    def names(r: Report) -> str:
        return ", ".join(p for p in (r.child_label(), *(r.other_names or [])) if p)

    def sex(r: Report) -> str:
        return str(r.get_sex_display()) if r.sex else ""

    def when(r: Report) -> str:
        return date_format(localtime(r.seen_at), "SHORT_DATETIME_FORMAT")

    def text_differs(a: str, b: str) -> bool:
        return bool(a and b and not (_words(a) & _words(b)))

    age_m, age_f = _age_range(missing), _age_range(found)
    rows = [
        FactRow(
            _("Names"),
            names(missing),
            names(found),
            bool(missing.given_name and found.given_name)
            and text_differs(
                " ".join([missing.given_name, missing.family_name, *(missing.other_names or [])]),
                " ".join([found.given_name, found.family_name, *(found.other_names or [])]),
            ),
        ),
        FactRow(
            _("Age"),
            age_label(missing),
            age_label(found),
            age_m is not None
            and age_f is not None
            and (age_m[1] < age_f[0] or age_f[1] < age_m[0]),
        ),
        FactRow(
            _("Sex"),
            sex(missing),
            sex(found),
            missing.sex not in ("", "unknown")
            and found.sex not in ("", "unknown")
            and missing.sex != found.sex,
        ),
    ]
    for label, attr in (
        (_("Height (cm)"), "height_cm"),
        (_("Hair"), "hair"),
        (_("Clothing"), "clothing"),
        (_("Carrying"), "carrying"),
        (_("Place"), "place"),
    ):
        a = str(getattr(missing, attr) or "")
        b = str(getattr(found, attr) or "")
        if attr == "height_cm":
            differs = bool(a and b and abs(int(a) - int(b)) > 15)
        else:
            differs = text_differs(a, b)
        rows.append(FactRow(label, a, b, differs))
    langs_m = ", ".join(missing.languages or [])
    langs_f = ", ".join(found.languages or [])
    rows.append(
        FactRow(
            _("Languages"),
            langs_m,
            langs_f,
            bool(missing.languages and found.languages)
            and not (set(missing.languages) & set(found.languages)),
        )
    )
    rows.append(
        FactRow(
            _("Last seen / found at"),
            when(missing),
            when(found),
            found.seen_at < missing.seen_at - _HOUR,
        )
    )
    return rows


_HOUR = timedelta(hours=1)
