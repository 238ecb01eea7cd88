"""The matching service: the web side writes, the matching workers match.

A report's change that matching must see writes one `MatchOutbox` row in the report's own
transaction (`enqueue_match`); `showup match_worker` processes own the index, take the rows
in order and write the candidates. Web processes hold no index. The coordinator's board
watches one `BoardVersion` row per agency, moved by every change it could show.

How a worker runs (docs/architecture.md, "Matching service"):

- **Shards.** An agency's reports all live in shard `agency_id % SHOWUP_MATCH_SHARDS`
  (matching never crosses agencies). A worker leases shards (`MatchShard`), renews them every
  third of a lease, takes free or expired ones up to its fair share (the shard count divided by
  the live workers, `MatchWorker`), hands its surplus over, and indexes only its shards'
  agencies. Each takeover adds one to the shard's `epoch`.
- **Claim.** Pending rows of its shards, in id order, are leased (`leased_by`, `lease_until`,
  `attempts + 1`): `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite every
  transaction is `BEGIN IMMEDIATE` already, which serialises claims. A worker that dies leaves
  leases that expire: its rows are claimed again (at least once).
- **Process.** Several rows of one report are processed once, each report in its own
  transaction: the report is locked as the web's services lock it, the index takes the
  report's current state, the candidates are refreshed (idempotent: the same state writes the
  same candidates, `update_or_create` keeps a pair's pk and `created_at`, so the board never
  announces a pair twice), the board version moves, and the rows are marked done. The shard
  row is locked with the epoch the worker took (fencing): a worker that lost its shard writes
  nothing.
- **Failures** roll back; the row waits `2**attempts` seconds; after MAX_ATTEMPTS it is done
  and `failed`, logged at ERROR, listed by `showup match_worker --check`.

`SHOWUP_MATCHING = "inline"` (tests, seeds, one-off scripts) runs the same processing in the
writing process once its transaction commits (`drain_outbox`).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from showup.reunite import notify
from showup.reunite.candidate_index import ProcessIndex, process_index
from showup.reunite.models import (
    BoardVersion,
    Candidate,
    MatchOutbox,
    MatchShard,
    MatchWorker,
    Report,
)

CANDIDATES_KEPT = 5
MAX_ATTEMPTS = 6
CHANNEL = "showup_match"  # PostgreSQL LISTEN/NOTIFY channel that wakes the workers
POLL_SECONDS = 0.2
KEEP_DONE = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=1)  # a pending row this old means no worker is keeping up
# A worker applies each report of its shards from the outbox before it ranks; the index's
# catch-up on `updated_at` is then only a safety net, run at most this often (seconds).
CATCH_UP_EVERY = 1.0

logger = logging.getLogger(__name__)


class Fenced(Exception):
    """The worker no longer owns the shard (its lease expired and another worker took it)."""


def shard_of(agency_id: int) -> int:
    """Matching never crosses agencies, so an agency's reports all live in one shard."""
    return agency_id % settings.SHOWUP_MATCH_SHARDS


def lease() -> timedelta:
    return timedelta(seconds=settings.SHOWUP_MATCH_LEASE_SECONDS)


# --- the web side -----------------------------------------------------------------------------


def enqueue_match(report: Report, reason: str) -> MatchOutbox:
    """Ask the workers to match `report` again; call inside the transaction that changed it."""
    row = MatchOutbox.objects.create(
        report=report, agency_id=report.agency_id, shard=shard_of(report.agency_id), reason=reason
    )
    bump_board_version(report.agency_id)
    if connection.vendor == "postgresql":
        # Delivered when (and only if) the transaction commits; workers LISTEN.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(row.shard)])
    if settings.SHOWUP_MATCHING == "inline":
        _drain_once_committed()
    return row


def after_enqueue(shard: int) -> None:
    """For rows written in bulk, not through `enqueue_match` (imports): wake the workers on
    commit, or in the inline mode drain once committed, as `enqueue_match` does per row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(shard)])
    if settings.SHOWUP_MATCHING == "inline":
        _drain_once_committed()


def bump_board_version(agency_id: int) -> None:
    """Tell the agency's open boards that something they show may have changed."""
    moved = BoardVersion.objects.filter(agency_id=agency_id).update(version=F("version") + 1)
    if moved:
        return
    try:
        with transaction.atomic():  # a savepoint: another writer may create the row first
            BoardVersion.objects.create(agency_id=agency_id, version=1)
    except IntegrityError:
        BoardVersion.objects.filter(agency_id=agency_id).update(version=F("version") + 1)


def board_version_of(agency_id: int) -> int:
    return (
        BoardVersion.objects.filter(agency_id=agency_id).values_list("version", flat=True).first()
        or 0
    )


def _drain_committed() -> None:
    drain_outbox()


def _drain_once_committed() -> None:
    """The inline mode: drain once the outermost transaction commits, once per transaction.
    Inside a test's wrapping transaction, which never commits, drain at once."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        drain_outbox()
        return
    if getattr(conn.atomic_blocks[0], "_from_testcase", False):
        drain_outbox()
        return
    if not any(entry[1] is _drain_committed for entry in conn.run_on_commit):
        transaction.on_commit(_drain_committed)


# --- candidates -------------------------------------------------------------------------------


def _pair_filter(report: Report) -> QuerySet[Candidate]:
    field_name = "missing" if report.kind == Report.Kind.MISSING else "found"
    return Candidate.objects.filter(**{field_name: report})


def matches_refresh(*, report: Report, index: ProcessIndex = process_index) -> list[Candidate]:
    """Run the engine for one report against the agency's open reports of the other kind.

    Proposed candidates are replaced by the engine's current view; confirmed and rejected
    pairs are kept as decided, and a rejected pair is never proposed again. It reads only the
    current state, so running it twice writes the same rows (a pair keeps its pk and
    `created_at`). A closed report keeps no proposed pair.
    """
    if not report.is_open:
        _pair_filter(report).filter(decision=Candidate.Decision.PROPOSED).delete()
        return []
    other_field = "missing_id" if report.kind == Report.Kind.FOUND else "found_id"
    decided = set(
        _pair_filter(report)
        .exclude(decision=Candidate.Decision.PROPOSED)
        .values_list(other_field, flat=True)
    )
    ranked = index.rank(report, top=CANDIDATES_KEPT + len(decided))
    other_kind = Report.Kind.FOUND if report.kind == Report.Kind.MISSING else Report.Kind.MISSING
    by_id = {
        str(r.pk): r
        for r in Report.objects.open().filter(
            agency_id=report.agency_id, kind=other_kind, pk__in=[int(c.other_id) for c in ranked]
        )
    }
    index.forget_missing([c.other_id for c in ranked if c.other_id not in by_id])
    ranked = [c for c in ranked if c.other_id in by_id and by_id[c.other_id].pk not in decided]
    kept: list[Candidate] = []
    for cand in ranked[:CANDIDATES_KEPT]:
        other = by_id[cand.other_id]
        missing, found = (report, other) if report.kind == Report.Kind.MISSING else (other, report)
        obj, _created = Candidate.objects.update_or_create(
            missing=missing,
            found=found,
            defaults={
                "score": cand.score,
                "engine_match": cand.match,
                "reasons": cand.reasons,
                "reason_keys": [r.to_json() for r in cand.explained],
            },
        )
        kept.append(obj)
    _pair_filter(report).filter(decision=Candidate.Decision.PROPOSED).exclude(
        pk__in=[c.pk for c in kept]
    ).delete()
    return kept


# --- claiming and processing ------------------------------------------------------------------


@dataclass
class Processed:
    reports: int = 0
    rows: int = 0
    failed: int = 0  # rows that gave up for good
    retried: int = 0  # rows that will be tried again later
    fenced: int = 0  # rows left to the shard's new owner
    stopped: bool = False  # `between` asked to stop before the batch was done

    def add(self, other: Processed) -> None:
        for name in ("reports", "rows", "failed", "retried", "fenced"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stopped = self.stopped or other.stopped


def claim(
    *, worker: str, shards: Iterable[int] | None, batch: int, now: datetime | None = None
) -> list[MatchOutbox]:
    """Lease up to `batch` claimable rows of `shards` (None: every shard), in id order."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = MatchOutbox.objects.filter(done_at__isnull=True, available_at__lte=now).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        )
        if shards is not None:
            rows = rows.filter(shard__in=list(shards))
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return []
        MatchOutbox.objects.filter(id__in=ids).update(
            leased_by=worker, lease_until=now + lease(), attempts=F("attempts") + 1
        )
        return list(MatchOutbox.objects.filter(id__in=ids).order_by("id"))


def _by_report(rows: list[MatchOutbox]) -> list[list[MatchOutbox]]:
    """Several rows of one report are one piece of work, placed at its first row."""
    groups: dict[int, list[MatchOutbox]] = {}
    for row in rows:
        groups.setdefault(row.report_id, []).append(row)
    return list(groups.values())


def process_pending(
    *,
    worker: str = "inline",
    shards: Mapping[int, int] | None = None,
    batch: int = 100,
    index: ProcessIndex | None = None,
    between: Callable[[], bool] | None = None,
) -> Processed:
    """Claim one batch and process it, report by report.

    `shards` maps each shard the worker owns to the epoch it took it with (fencing); None
    processes every shard without fencing (the inline mode, `drain_outbox`). `between` runs
    before each report (heartbeats, SIGTERM); when it returns False the rest of the batch is
    released for whoever comes next.
    """
    index = index or process_index
    result = Processed()
    groups = _by_report(claim(worker=worker, shards=shards, batch=batch))
    pause = float(os.environ.get("SHOWUP_MATCH_TEST_CLAIM_PAUSE") or 0)
    if pause and groups:
        time.sleep(pause)  # test only: a worker killed now dies holding leases
    for position, rows in enumerate(groups):
        if between is not None and not between():
            _release([row for group in groups[position:] for row in group], worker)
            result.stopped = True
            break
        result.add(_process_report(rows, worker=worker, shards=shards, index=index))
    return result


def _process_report(
    rows: list[MatchOutbox], *, worker: str, shards: Mapping[int, int] | None, index: ProcessIndex
) -> Processed:
    ids = [row.pk for row in rows]
    try:
        with transaction.atomic():
            if shards is not None:
                _hold_fence(rows[0].shard, shards.get(rows[0].shard), worker)
            report = Report.objects.select_for_update().get(pk=rows[0].report_id)
            index.apply(report)
            kept = matches_refresh(report=report, index=index)
            if _first_filing_of_found(report, rows) and not kept:
                # Decided here, not by the web: only now is it known that nothing matched.
                notify.report_filed(report.pk)
            bump_board_version(report.agency_id)
            MatchOutbox.objects.filter(id__in=ids, leased_by=worker).update(
                done_at=timezone.now(), lease_until=None, last_error=""
            )
    except Fenced:
        logger.warning(
            "Match worker %s lost shard %s; its rows go to the new owner", worker, rows[0].shard
        )
        _release(rows, worker)
        return Processed(fenced=len(rows))
    except Exception as exc:
        return _record_failure(rows, exc)
    return Processed(reports=1, rows=len(rows))


def _first_filing_of_found(report: Report, rows: list[MatchOutbox]) -> bool:
    return (
        report.kind == Report.Kind.FOUND
        and report.is_open
        and any(row.reason == MatchOutbox.Reason.CREATED for row in rows)
    )


def _hold_fence(shard: int, epoch: int | None, worker: str) -> None:
    """Lock the shard row while the report is processed, at the epoch we took it with: a
    takeover (which moves the epoch) waits for this transaction or has already fenced us."""
    if epoch is None:
        raise Fenced(shard)
    held = (
        MatchShard.objects.select_for_update()
        .filter(shard=shard, owner=worker, epoch=epoch)
        .values_list("shard", flat=True)
    )
    if not list(held):
        raise Fenced(shard)


def _record_failure(rows: list[MatchOutbox], exc: Exception) -> Processed:
    now = timezone.now()
    result = Processed()
    error = type(exc).__name__[:200]  # the class only: a message could carry report data
    for row in rows:
        attempts = row.attempts
        if attempts >= MAX_ATTEMPTS:
            MatchOutbox.objects.filter(pk=row.pk).update(
                done_at=now, failed=True, lease_until=None, last_error=error
            )
            logger.error(
                "Matching gave up on outbox row %s (report %s) after %d attempts: %s",
                row.pk,
                row.report_id,
                attempts,
                error,
            )
            result.failed += 1
        else:
            MatchOutbox.objects.filter(pk=row.pk).update(
                available_at=now + timedelta(seconds=2**attempts),
                lease_until=None,
                last_error=error,
            )
            logger.warning(
                "Matching outbox row %s (report %s) failed (attempt %d): %s",
                row.pk,
                row.report_id,
                attempts,
                error,
            )
            result.retried += 1
    return result


def _release(rows: list[MatchOutbox], worker: str) -> None:
    """Hand unstarted rows back at once; the attempt they were charged did not happen."""
    MatchOutbox.objects.filter(
        id__in=[row.pk for row in rows], leased_by=worker, done_at__isnull=True
    ).update(lease_until=None, attempts=F("attempts") - 1)


def drain_outbox(*, index: ProcessIndex | None = None, batch: int = 500) -> Processed:
    """Process everything pending now, in this process, every shard (seeds, the inline mode,
    tests, benchmarks). Rows waiting for a retry stay for a later drain or a worker."""
    total = Processed()
    while True:
        result = process_pending(batch=batch, index=index)
        total.add(result)
        if not (result.rows or result.failed or result.retried):
            return total


# --- a worker's shards ------------------------------------------------------------------------


@dataclass
class Heartbeat:
    gained: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)


class ShardLeases:
    """The shards one worker holds, with the epoch it took each at."""

    def __init__(self, worker: str, wanted: Iterable[int] | None = None) -> None:
        self.worker = worker
        self.wanted = sorted(set(wanted)) if wanted is not None else None
        self.held: dict[int, int] = {}

    def eligible(self) -> list[int]:
        return self.wanted if self.wanted is not None else list(range(shard_count()))

    def heartbeat(self) -> Heartbeat:
        """Renew what we hold, hand over a surplus, take free or expired shards up to our
        fair share. One short transaction."""
        now = timezone.now()
        beat = Heartbeat()
        with transaction.atomic():
            _ensure_shards()
            MatchWorker.objects.update_or_create(name=self.worker, defaults={"seen_at": now})
            for shard, epoch in list(self.held.items()):
                renewed = MatchShard.objects.filter(
                    shard=shard, owner=self.worker, epoch=epoch
                ).update(lease_until=now + lease())
                if not renewed:
                    del self.held[shard]
                    beat.lost.append(shard)
            share = self._fair_share(now)
            for shard in sorted(self.held, reverse=True)[: max(0, len(self.held) - share)]:
                self._hand_over(shard)
                beat.lost.append(shard)
            if len(self.held) < share:
                beat.gained = self._take(now, share - len(self.held))
        return beat

    def _fair_share(self, now: datetime) -> int:
        if self.wanted is not None:
            return len(self.wanted)
        live = MatchWorker.objects.filter(seen_at__gt=now - lease()).count()
        return math.ceil(shard_count() / max(live, 1))

    def _take(self, now: datetime, how_many: int) -> list[int]:
        free = (
            MatchShard.objects.filter(shard__in=self.eligible())
            .exclude(shard__in=list(self.held))
            .filter(Q(owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("shard")
        )
        if connection.features.has_select_for_update_skip_locked:
            free = free.select_for_update(skip_locked=True)
        taken = []
        for shard in list(free[:how_many]):
            moved = MatchShard.objects.filter(shard=shard.shard, epoch=shard.epoch).update(
                owner=self.worker, lease_until=now + lease(), epoch=F("epoch") + 1
            )
            if not moved:
                continue  # another worker was quicker
            self.held[shard.shard] = shard.epoch + 1
            taken.append(shard.shard)
            # The old owner is fenced by the new epoch: its leased rows are ours at once.
            MatchOutbox.objects.filter(shard=shard.shard, done_at__isnull=True).exclude(
                leased_by=self.worker
            ).update(lease_until=None)
        return taken

    def _hand_over(self, shard: int) -> None:
        epoch = self.held.pop(shard)
        MatchShard.objects.filter(shard=shard, owner=self.worker, epoch=epoch).update(
            owner="", lease_until=None
        )
        MatchOutbox.objects.filter(shard=shard, leased_by=self.worker, done_at__isnull=True).update(
            lease_until=None
        )

    def release_all(self) -> list[int]:
        """Give every shard back now (SIGTERM), so a restart or another worker goes on at once."""
        with transaction.atomic():
            released = sorted(self.held)
            for shard in released:
                self._hand_over(shard)
            MatchWorker.objects.filter(name=self.worker).delete()
        return released


def shard_count() -> int:
    return int(settings.SHOWUP_MATCH_SHARDS)


def _ensure_shards() -> None:
    """MatchShard rows appear on demand, so changing the shard count needs no migration."""
    if MatchShard.objects.count() < shard_count():
        MatchShard.objects.bulk_create(
            [MatchShard(shard=s) for s in range(shard_count())], ignore_conflicts=True
        )


def agencies_of(shards: Iterable[int]) -> list[int]:
    from showup.core.models import Agency

    wanted = set(shards)
    return [pk for pk in Agency.objects.values_list("pk", flat=True) if shard_of(pk) in wanted]


# --- a worker ---------------------------------------------------------------------------------


class Worker:
    """One `showup match_worker`: leases, an index of its shards' agencies, and the loop."""

    def __init__(self, name: str, *, shards: Iterable[int] | None = None, batch: int = 100):
        from matching import Matcher

        self.name = name
        self.batch = batch
        self.leases = ShardLeases(name, shards)
        self.index = ProcessIndex(
            Matcher(), agency_filter=self.owns_agency, catch_up_every=CATCH_UP_EVERY
        )
        self.stopping = False
        self._beat_at = 0.0
        self._listening: object | None = None

    def owns_agency(self, agency_id: int) -> bool:
        return shard_of(agency_id) in self.leases.held

    def heartbeat(self) -> Heartbeat:
        beat = self.leases.heartbeat()
        self._beat_at = time.monotonic()
        if beat.lost:
            self.index.drop_agencies(agencies_of(beat.lost))
        if beat.gained:
            started = time.monotonic()
            added = self.index.load_agencies(agencies_of(beat.gained))
            logger.info(
                "Match worker %s took shard(s) %s: %d open reports indexed in %.1f s",
                self.name,
                ",".join(map(str, beat.gained)),
                added,
                time.monotonic() - started,
            )
        return beat

    def _between(self) -> bool:
        if self.stopping:
            return False
        if time.monotonic() - self._beat_at >= settings.SHOWUP_MATCH_LEASE_SECONDS / 3:
            self.heartbeat()
        return True

    def run_once(self) -> Processed:
        """Heartbeat if due, then one batch of this worker's shards."""
        if time.monotonic() - self._beat_at >= settings.SHOWUP_MATCH_LEASE_SECONDS / 3:
            self.heartbeat()
        if not self.leases.held:
            return Processed()
        return process_pending(
            worker=self.name,
            shards=dict(self.leases.held),
            batch=self.batch,
            index=self.index,
            between=self._between,
        )

    def run(self, *, once: bool = False) -> Processed:
        total = Processed()
        try:
            while not self.stopping:
                result = self.run_once()
                total.add(result)
                if once and not result.rows and not result.stopped:
                    break
                if not result.rows and not result.retried:
                    self.wait()
        finally:
            released = self.leases.release_all()
            logger.info("Match worker %s stopped; released shard(s) %s", self.name, released)
        return total

    def wait(self) -> None:
        """Until something is enqueued (PostgreSQL NOTIFY) or POLL_SECONDS pass."""
        if connection.vendor != "postgresql":
            time.sleep(POLL_SECONDS)
            return
        connection.ensure_connection()
        raw: Any = connection.connection
        if self._listening is not raw:
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self._listening = raw
        for _notice in raw.notifies(timeout=POLL_SECONDS, stop_after=1):
            break


# --- operations -------------------------------------------------------------------------------


def outbox_problems(now: datetime | None = None) -> dict[str, list[MatchOutbox]]:
    """Rows that gave up, and rows pending for longer than STALE_AFTER (`--check`)."""
    now = now or timezone.now()
    return {
        "failed": list(MatchOutbox.objects.filter(failed=True).order_by("id")),
        "stale": list(
            MatchOutbox.objects.filter(
                done_at__isnull=True, created_at__lt=now - STALE_AFTER
            ).order_by("id")
        ),
    }


class OutboxPurger:
    """Done outbox rows are kept a day (to answer "was it matched, when?"), then deleted. They
    hold ids only, no personal data."""

    name = "match_outbox"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        rows = MatchOutbox.objects.filter(done_at__lt=now - KEEP_DONE)
        workers = MatchWorker.objects.filter(seen_at__lt=now - KEEP_DONE)
        counts = {"rows": rows.count(), "workers": workers.count()}
        if not dry_run:
            rows.delete()
            workers.delete()
        return counts

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would delete" if dry_run else "Deleted"
        return [
            f"{verb} {counts['rows']} matching outbox row(s) done over a day ago "
            f"and {counts['workers']} long-gone match worker(s)."
        ]
