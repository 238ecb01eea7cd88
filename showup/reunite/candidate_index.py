"""Each process's in-memory matching index of open reports, kept in step with the database.

The database is the one truth. Every web process and worker holds a `matching` index of the
open reports (per agency and kind) so that one query against a million reports costs
milliseconds, and before each query it catches up on what any process changed: it reads the
reports whose `updated_at` is at or after the newest change it has applied, less an overlap
that covers clock skew between machines and transactions that committed late. Rows already
applied at the same `updated_at` are skipped, so the overlap costs one indexed query, not
re-indexing. A full reload every RESYNC_EVERY heals anything the overlap could miss.

The first build reads every open report (about 35 s at a million), so a serving process builds
it before its first request: wsgi.py calls `start_warm_up()`, which runs `warm_up()` in a
background thread. Queries that arrive meanwhile wait on the index's lock and then catch up on
whatever was filed during the build; they never build a second index.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Max

from matching import Candidate, ChildReport, Matcher
from matching.engine import ReportIndex
from showup.reunite.models import Report

OVERLAP = timedelta(seconds=30)
RESYNC_EVERY = 300.0  # seconds
WARM_UP_THREAD = "showup-index-warm-up"

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

    def __len__(self) -> int:
        return len(self._where)

    def warm_up(self) -> WarmUp:
        """Build the index now (or catch it up if it is built) so no query pays for it."""
        started = time.monotonic()
        with self._lock:
            self.catch_up()
            return WarmUp(reports=len(self), seconds=time.monotonic() - started)

    def after_fork_in_child(self) -> bool:
        """Start afresh if the parent forked mid-build (gunicorn --preload forks workers while
        the warm-up thread holds the lock): that lock would never be released in the child, and
        the half-built index would have a watermark that hides the reports it had not reached.
        Returns whether a build was cut short."""
        if not self._lock.locked():
            return False
        self._lock = threading.Lock()
        self.reset()
        return True

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


def warm_up() -> WarmUp:
    """Build this process's index and log how big it is and how long it took (no report data)."""
    result = process_index.warm_up()
    logger.info(
        "Matching index warm: %d open reports indexed in %.1f s", result.reports, result.seconds
    )
    return result


def start_warm_up() -> threading.Thread | None:
    """Warm the index in a background thread, unless SHOWUP_WARM_INDEX is off.

    Called by wsgi.py, which only servers import (runserver's serving process, gunicorn,
    uWSGI...), so manage.py commands, shells and tests never start it.
    """
    if not settings.SHOWUP_WARM_INDEX:
        return None
    logger.info("Warming the matching index in the background")
    thread = threading.Thread(target=_warm_up_in_background, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


def _warm_up_in_background() -> None:
    try:
        warm_up()
    except Exception:
        # Nothing is lost: the first query builds the index as it would without a warm-up.
        logger.exception("Matching index warm-up failed")
    finally:
        connection.close()  # this thread's own connection; nobody else would close it


def _after_fork_in_child() -> None:
    if process_index.after_fork_in_child():
        start_warm_up()


os.register_at_fork(after_in_child=_after_fork_in_child)
