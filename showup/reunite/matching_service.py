"""The matching service: the web side writes, the matching workers match.

A report's change that matching must see writes one `MatchOutbox` row in the report's own
transaction (`enqueue_match`); `showup match_worker` processes own the index, take the rows
in order and write the candidates. Web processes hold no index. The coordinator's board
watches one `BoardVersion` row per agency, moved by every change it could show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from showup.reunite.models import BoardVersion, MatchOutbox, Report


def shard_of(agency_id: int) -> int:
    """Matching never crosses agencies, so an agency's reports all live in one shard."""
    return agency_id % settings.SHOWUP_MATCH_SHARDS


def enqueue_match(report: Report, reason: str) -> MatchOutbox:
    """Ask the workers to match `report` again; call inside the transaction that changed it."""
    row = MatchOutbox.objects.create(
        report=report, agency_id=report.agency_id, shard=shard_of(report.agency_id), reason=reason
    )
    bump_board_version(report.agency_id)
    return row


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
