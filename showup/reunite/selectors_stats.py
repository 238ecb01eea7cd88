"""The unit's statistics: reports closed per week by outcome, open reports now, and the median
time to reunion. Nothing here names a child: only counts and durations.

Counts are aggregated in the database (TruncWeek works on SQLite and PostgreSQL); the median
is computed in Python over the reunited missing reports of the weeks shown, a bounded set (two
timestamps per report)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext

from showup.reunite.models import Outcome, Report

WEEKS = 12
NOT_RECORDED = ""  # closed before outcomes existed, or without one


@dataclass
class WeekRow:
    start: date  # a Monday, in the agency's time zone
    counts: list[int]  # one per UnitStats.outcomes column, in that order
    total: int
    reunions: int  # reunited missing reports closed this week
    median_to_reunion: timedelta | None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


@dataclass
class UnitStats:
    weeks: list[WeekRow]  # newest first
    outcomes: list[tuple[str, str]]  # (value, label) columns shown
    totals: list[int]  # per outcome column over all weeks
    total_closed: int
    open_missing: int
    open_found: int
    reunions: int
    median_to_reunion: timedelta | None
    since: date
    until: date

    @property
    def open_total(self) -> int:
        return self.open_missing + self.open_found


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    seconds = statistics.median(d.total_seconds() for d in durations)
    return timedelta(seconds=round(seconds))


def unit_stats(*, agency_id: int, now: datetime | None = None, weeks: int = WEEKS) -> UnitStats:
    now = now or timezone.now()
    this_monday = _monday(timezone.localtime(now).date())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first_monday, time.min))
    mondays = [this_monday - timedelta(weeks=i) for i in range(weeks)]  # newest first

    agency_reports = Report.objects.filter(agency_id=agency_id)
    closed = agency_reports.filter(closed_at__gte=since, closed_at__lte=now)

    per_week: dict[tuple[date, str], int] = {}
    for row in (
        closed.annotate(week=TruncWeek("closed_at"))
        .values("week", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        key = (_as_local_date(row["week"]), row["outcome"] or NOT_RECORDED)
        per_week[key] = per_week.get(key, 0) + row["n"]

    outcomes: list[tuple[str, str]] = [(value, str(label)) for value, label in Outcome.choices]
    if any(outcome == NOT_RECORDED for _, outcome in per_week):
        outcomes.append((NOT_RECORDED, gettext("Not recorded")))

    durations: dict[date, list[timedelta]] = {monday: [] for monday in mondays}
    for created_at, closed_at in closed.filter(
        kind=Report.Kind.MISSING, outcome=Outcome.REUNITED
    ).values_list("created_at", "closed_at"):
        if closed_at is None or closed_at < created_at:
            continue
        week = _monday(_as_local_date(closed_at))
        if week in durations:
            durations[week].append(closed_at - created_at)

    rows: list[WeekRow] = []
    for monday in mondays:
        counts = [per_week.get((monday, value), 0) for value, _label in outcomes]
        rows.append(
            WeekRow(
                start=monday,
                counts=counts,
                total=sum(counts),
                reunions=len(durations[monday]),
                median_to_reunion=_median(durations[monday]),
            )
        )

    open_counts = {
        row["kind"]: row["n"]
        for row in agency_reports.open().values("kind").annotate(n=Count("id")).order_by()
    }
    all_durations = [d for week in durations.values() for d in week]
    return UnitStats(
        weeks=rows,
        outcomes=outcomes,
        totals=[sum(r.counts[i] for r in rows) for i in range(len(outcomes))],
        total_closed=sum(r.total for r in rows),
        open_missing=open_counts.get(Report.Kind.MISSING, 0),
        open_found=open_counts.get(Report.Kind.FOUND, 0),
        reunions=len(all_durations),
        median_to_reunion=_median(all_durations),
        since=first_monday,
        until=timezone.localtime(now).date(),
    )


def duration_label(value: timedelta | None) -> str:
    """A duration as a coordinator reads it: "45 min", "2 h 5 min", "3 d 4 h"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return gettext("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return gettext("%(d)d d %(h)d h") % {"d": days, "h": hours}
