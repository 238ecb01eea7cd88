"""A matching worker's in-memory index of open reports, kept in step with the database.

Only matching workers hold one (`showup match_worker`, or the writing process itself in the
"inline" mode of tests and one-off scripts: see matching_service.py); web processes hold none.
A worker indexes the agencies of the shards it leases (`agency_filter`), loads an agency's
open reports when it takes its shard (`load_agencies`) and forgets them when it loses it
(`drop_agencies`).

The database is the one truth. The worker applies each report it processes from the row it
has just locked (`apply`), and before a query (a worker: at most once a second,
`catch_up_every`) it also catches up on what any process changed: it reads the reports whose
`updated_at` is at or after the newest change it has applied, less an overlap that covers
clock skew between machines and transactions that committed late. Rows already applied at the
same `updated_at` are skipped (only their pk and `updated_at` are read), so the overlap costs
one indexed query, not re-indexing. A full reload every RESYNC_EVERY heals anything the
overlap could miss.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Max, QuerySet

from matching import Candidate, ChildReport, Matcher
from matching.engine import ReportIndex
from showup.core.models import Agency
from showup.reunite.models import Report

OVERLAP = timedelta(seconds=30)
RESYNC_EVERY = 300.0  # seconds

AgencyFilter = Callable[[int], bool]

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class WarmUp:
    reports: int  # open reports held in the index
    seconds: float


def _every_agency(agency_id: int) -> bool:
    return True


class ProcessIndex:
    """The open reports of the agencies `agency_filter` accepts, one `ReportIndex` per
    (agency, kind). Thread-safe: every public method takes the index's lock."""

    def __init__(
        self,
        matcher: Matcher,
        agency_filter: AgencyFilter = _every_agency,
        catch_up_every: float = 0.0,
    ) -> None:
        """`catch_up_every` (seconds) spaces the catch-up before queries: a worker applies
        every report of its shards from the outbox, so there the catch-up is a safety net."""
        self._matcher = matcher
        self._accepts = agency_filter
        self._catch_up_every = catch_up_every
        self._caught_up_at = 0.0
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._indexes: dict[tuple[int, str], ReportIndex] = {}
        self._where: dict[int, tuple[int, str]] = {}  # report pk -> the index holding it
        self._applied: dict[int, datetime] = {}  # pk -> updated_at, inside the overlap window
        self._watermark: datetime | None = None
        self._loaded_at = 0.0

    def __len__(self) -> int:
        return len(self._where)

    def warm_up(self) -> WarmUp:
        """Build the index now (or catch it up if it is built) so no query pays for it."""
        started = time.monotonic()
        with self._lock:
            self.catch_up()
            return WarmUp(reports=len(self), seconds=time.monotonic() - started)

    def rank(self, report: Report, top: int) -> list[Candidate]:
        """Candidates for `report` among the open reports of the other kind in its agency."""
        other = Report.Kind.FOUND if report.kind == Report.Kind.MISSING else Report.Kind.MISSING
        with self._lock:
            if time.monotonic() - self._caught_up_at >= self._catch_up_every:
                self.catch_up()
            index = self._indexes.get((report.agency_id, other))
            if index is None or not len(index):
                return []
            return index.rank(to_child_report(report), top=top)

    def apply(self, report: Report) -> None:
        """Index the report as the database has it now (added, replaced, or removed if closed)."""
        with self._lock:
            if self._loaded_at:  # before the first load, the load will read it
                self._apply(report)

    def forget_missing(self, report_ids: Iterable[str]) -> None:
        """Drop ids the database no longer has open (a transaction that rolled back)."""
        with self._lock:
            for report_id in report_ids:
                key = self._where.pop(int(report_id), None)
                if key is not None:
                    self._indexes[key].remove(report_id)

    def load_agencies(self, agency_ids: Collection[int]) -> int:
        """Read the open reports of agencies just taken on (a shard acquired); returns how many.
        Before the first full load there is nothing to add to: that load reads them."""
        with self._lock:
            if not self._loaded_at:
                self._load_all()
                return len(self)
            before = len(self)
            self._load(Report.objects.filter(agency_id__in=list(agency_ids)))
            return len(self) - before

    def drop_agencies(self, agency_ids: Collection[int]) -> None:
        """Forget the reports of agencies no longer ours (a shard lost or handed over)."""
        wanted = set(agency_ids)
        with self._lock:
            for key in [k for k in self._indexes if k[0] in wanted]:
                del self._indexes[key]
            self._where = {pk: key for pk, key in self._where.items() if key[0] not in wanted}

    def catch_up(self) -> None:
        if not self._loaded_at or time.monotonic() - self._loaded_at > RESYNC_EVERY:
            self._load_all()
            return
        self._caught_up_at = time.monotonic()
        if self._watermark is None:  # nothing was ever filed when we last looked
            window = Report.objects.all()
        else:
            window = Report.objects.filter(updated_at__gte=self._watermark - OVERLAP)
        # Two steps: the window's (pk, updated_at) is cheap; only rows not applied yet are read.
        rows = window.order_by("updated_at", "pk").values_list("pk", "updated_at")
        stale = [pk for pk, at in rows.iterator(chunk_size=5000) if self._applied.get(pk) != at]
        for start in range(0, len(stale), 500):
            changed = Report.objects.filter(pk__in=stale[start : start + 500])
            for report in changed.order_by("updated_at", "pk"):
                self._apply(report)

    def _our_agencies(self) -> list[int]:
        return [pk for pk in Agency.objects.values_list("pk", flat=True) if self._accepts(pk)]

    def _load_all(self) -> None:
        self.reset()
        self._loaded_at = self._caught_up_at = time.monotonic()
        self._watermark = Report.objects.aggregate(newest=Max("updated_at"))["newest"]
        self._load(Report.objects.filter(agency_id__in=self._our_agencies()))

    def _load(self, reports: QuerySet[Report]) -> None:
        open_reports = reports.filter(status__in=Report.OPEN_STATUSES)
        for report in open_reports.order_by("pk").iterator(chunk_size=2000):
            self._apply(report)

    def _apply(self, report: Report) -> None:
        key = self._where.pop(report.pk, None)
        if key is not None:
            self._indexes[key].remove(str(report.pk))
        if report.is_open and self._accepts(report.agency_id):
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


# The index of a process that matches every agency in-process: the "inline" mode (tests,
# seeds, one-off scripts) and `drain_outbox()`. A match worker builds its own, for its shards.
process_index = ProcessIndex(Matcher())


def warm_up(index: ProcessIndex = process_index) -> WarmUp:
    """Build an index and log how big it is and how long it took (no report data)."""
    result = index.warm_up()
    logger.info(
        "Matching index warm: %d open reports indexed in %.1f s", result.reports, result.seconds
    )
    return result
