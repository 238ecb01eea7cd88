"""Each process's in-memory matching index of open reports, kept in step with the database.

The database is the one truth. Every web process and worker holds a `matching` index of the
open reports (per agency and kind) so that one query against a million reports costs
milliseconds, and before each query it catches up on what any process changed: it reads the
reports whose `updated_at` is at or after the newest change it has applied, less an overlap
that covers clock skew between machines and transactions that committed late. Rows already
applied at the same `updated_at` are skipped, so the overlap costs one indexed query, not
re-indexing. A full reload every RESYNC_EVERY heals anything the overlap could miss.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Max

from matching import Candidate, ChildReport, Matcher
from matching.engine import ReportIndex
from showup.reunite.models import Report

OVERLAP = timedelta(seconds=30)
RESYNC_EVERY = 300.0  # seconds


def _as_float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def to_child_report(report: Report) -> ChildReport:
    return ChildReport(
        id=str(report.pk),
        kind=report.kind,  # type: ignore[arg-type]
        time=report.seen_at,
        lat=report.lat,
        lon=report.lon,
        given_name=report.given_name,
        family_name=report.family_name,
        other_names=tuple(report.other_names or ()),
        age_years=_as_float(report.age_years),
        age_min=_as_float(report.age_min),
        age_max=_as_float(report.age_max),
        sex=report.sex,
        height_cm=_as_float(report.height_cm),
        hair=report.hair,
        clothing=report.clothing,
        carrying=report.carrying,
        languages=tuple(report.languages or ()),
        place=report.place,
    )


class ProcessIndex:
    def __init__(self, matcher: Matcher) -> None:
        self._matcher = matcher
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._indexes: dict[tuple[int, str], ReportIndex] = {}
        self._where: dict[int, tuple[int, str]] = {}  # report pk -> the index holding it
        self._applied: dict[int, datetime] = {}  # pk -> updated_at, inside the overlap window
        self._watermark: datetime | None = None
        self._loaded_at = 0.0

    def rank(self, report: Report, top: int) -> list[Candidate]:
        """Candidates for `report` among the open reports of the other kind in its agency."""
        other = Report.Kind.FOUND if report.kind == Report.Kind.MISSING else Report.Kind.MISSING
        with self._lock:
            self.catch_up()
            index = self._indexes.get((report.agency_id, other))
            if index is None or not len(index):
                return []
            return index.rank(to_child_report(report), top=top)

    def forget_missing(self, report_ids: Iterable[str]) -> None:
        """Drop ids the database no longer has open (a transaction that rolled back)."""
        with self._lock:
            for report_id in report_ids:
                key = self._where.pop(int(report_id), None)
                if key is not None:
                    self._indexes[key].remove(report_id)

    def catch_up(self) -> None:
        if not self._loaded_at or time.monotonic() - self._loaded_at > RESYNC_EVERY:
            self._load_all()
            return
        if self._watermark is None:  # nothing was ever filed when we last looked
            changed = Report.objects.all()
        else:
            changed = Report.objects.filter(updated_at__gte=self._watermark - OVERLAP)
        for report in changed.order_by("updated_at", "pk").iterator(chunk_size=2000):
            if self._applied.get(report.pk) == report.updated_at:
                continue
            self._apply(report)

    def _load_all(self) -> None:
        self.reset()
        self._loaded_at = time.monotonic()
        self._watermark = Report.objects.aggregate(newest=Max("updated_at"))["newest"]
        open_reports = Report.objects.filter(status__in=Report.OPEN_STATUSES)
        for report in open_reports.order_by("pk").iterator(chunk_size=2000):
            self._apply(report)

    def _apply(self, report: Report) -> None:
        key = self._where.pop(report.pk, None)
        if key is not None:
            self._indexes[key].remove(str(report.pk))
        if report.is_open:
            key = (report.agency_id, report.kind)
            if key not in self._indexes:
                self._indexes[key] = self._matcher.build_index()
            self._indexes[key].add(to_child_report(report))
            self._where[report.pk] = key
        if self._watermark is None or report.updated_at > self._watermark:
            self._watermark = report.updated_at
        horizon = self._watermark - OVERLAP
        if report.updated_at >= horizon:
            self._applied[report.pk] = report.updated_at
            if len(self._applied) > 10_000:
                self._applied = {pk: t for pk, t in self._applied.items() if t >= horizon}


process_index = ProcessIndex(Matcher())
