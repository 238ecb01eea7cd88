"""reunite's retention purger: personal data of closed reports goes after the agency's period.

A report that has been reunited, cancelled or closed for longer than its agency's
`retention_days` keeps only a non-identifying stub for statistics: kind, situation, status,
agency, partner organisation, reference, age rounded to whole years, sex, position rounded to
two decimals (about 1 km), the hour it was seen, and its created and closed times. Everything
else that could identify a child or a guardian is removed: names, descriptions, free text,
guardian contact, the photo file, timeline notes, the hand-off's personal fields and the
candidates' reasons, both the English text and the structured form (they quote names), the
adults allowed to collect the child and the names and reasons of a hand-off override. The
status token is replaced, so the guardian's old link stops answering. Open reports are never
purged.

`ReportPurger` is registered with core in ReuniteConfig.ready(); core's retention run
(`showup purge_expired`, the scheduled task) calls it and audits its counts. Each purged report
also gets its own `reunite.report.purged` entry, so its history says when its data went.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from showup.core.audit import audit
from showup.core.models import Agency
from showup.core.photos import delete_photo
from showup.reunite.models import (
    Candidate,
    Handoff,
    Report,
    ReportQuerySet,
    TimelineNote,
    new_status_token,
)

# Statuses after which a report is closed for good; OPEN and MATCHED are never purged.
CLOSED_STATUSES = (Report.Status.REUNITED, Report.Status.CANCELLED, Report.Status.CLOSED)

_CLEARED_TEXT = (
    "given_name",
    "family_name",
    "hair",
    "clothing",
    "carrying",
    "description",
    "place",
    "safe_location",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
    "cancel_reason",
    "outcome_reference",
)
# The hand-off's personal fields: the ID's last characters, what the adult knew, who took the
# child, and the name and reason of a coordinator's override.
_HANDOFF_TEXT = (
    "id_last4",
    "guardian_knowledge_note",
    "released_to",
    "override_for",
    "override_reason",
)


@dataclass(slots=True)
class PurgeCounts:
    reports: int = 0
    photos: int = 0
    notes: int = 0
    handoffs: int = 0
    candidates: int = 0
    by_agency: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def expired_reports(now: datetime | None = None) -> ReportQuerySet:
    """Closed, not yet purged reports whose agency's retention period has passed."""
    now = now or timezone.now()
    by_agency = Q()
    for agency_id, days in Agency.objects.values_list("pk", "retention_days"):
        by_agency |= Q(agency_id=agency_id, closed_at__lt=now - timedelta(days=days))
    if not by_agency:
        return Report.objects.none()
    return Report.objects.filter(
        by_agency,
        status__in=CLOSED_STATUSES,
        closed_at__isnull=False,
        purged_at__isnull=True,
    )


def purge_expired_reports(*, now: datetime | None = None, dry_run: bool = False) -> PurgeCounts:
    """Purge every expired report (one transaction each); with dry_run only count them."""
    now = now or timezone.now()
    counts = PurgeCounts()
    expired = expired_reports(now).select_related("agency").order_by("pk")
    if dry_run:
        for report in expired:
            counts.reports += 1
            counts.photos += bool(report.photo)
            counts.by_agency[report.agency.slug] = counts.by_agency.get(report.agency.slug, 0) + 1
        ids = [r.pk for r in expired]
        counts.notes = TimelineNote.objects.filter(report_id__in=ids).count()
        counts.candidates = (
            Candidate.objects.filter(Q(missing_id__in=ids) | Q(found_id__in=ids))
            .exclude(reasons=[], reason_keys=[])
            .count()
        )
        counts.handoffs = (
            Handoff.objects.filter(
                Q(candidate__missing_id__in=ids) | Q(candidate__found_id__in=ids)
            )
            .exclude(**dict.fromkeys(_HANDOFF_TEXT, ""))
            .count()
        )
        return counts

    for pk in list(expired.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = (
                Report.objects.select_for_update()
                .select_related("agency")
                .filter(pk=pk, status__in=CLOSED_STATUSES, purged_at__isnull=True)
                .first()
            )
            if locked is None:  # reopened or purged by a concurrent run meanwhile
                continue
            _purge_report(locked, counts, now)
            audit(
                "reunite.report.purged",
                actor=None,
                actor_label="retention",
                obj=locked,
                retention_days=locked.agency.retention_days,
            )
    return counts


def _purge_report(report: Report, counts: PurgeCounts, now: datetime) -> None:
    for name in _CLEARED_TEXT:
        setattr(report, name, "")
    report.other_names = []
    report.languages = []
    report.authorised_adults = []
    report.height_cm = None
    report.age_years = _whole_years(report.age_years)
    report.age_min = _whole_years(report.age_min)
    report.age_max = _whole_years(report.age_max)
    report.lat = None if report.lat is None else round(report.lat, 2)
    report.lon = None if report.lon is None else round(report.lon, 2)
    report.seen_at = report.seen_at.replace(minute=0, second=0, microsecond=0)
    report.status_token = new_status_token()
    report.purged_at = now
    photo, report.photo = report.photo, ""
    report.save()
    if photo:
        counts.photos += 1
        # The file goes only once the row no longer names it.
        transaction.on_commit(lambda: delete_photo(photo))

    counts.notes += TimelineNote.objects.filter(report=report).delete()[0]
    pairs = Q(missing=report) | Q(found=report)
    counts.candidates += (
        Candidate.objects.filter(pairs)
        .exclude(reasons=[], reason_keys=[])
        .update(reasons=[], reason_keys=[])
    )
    counts.handoffs += (
        Handoff.objects.filter(Q(candidate__missing=report) | Q(candidate__found=report))
        .exclude(**dict.fromkeys(_HANDOFF_TEXT, ""))
        .update(**dict.fromkeys(_HANDOFF_TEXT, ""))
    )
    counts.reports += 1
    counts.by_agency[report.agency.slug] = counts.by_agency.get(report.agency.slug, 0) + 1


def _whole_years(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def photos_named(names: Collection[str]) -> set[str]:
    """Which of these photo file names a report still names (core's orphan-file sweep keeps
    those and deletes the rest)."""
    return set(Report.objects.filter(photo__in=list(names)).values_list("photo", flat=True))


class ReportPurger:
    """reunite's entry in core's purger registry."""

    name = "reunite"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        return purge_expired_reports(now=now, dry_run=dry_run).as_dict()

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would purge" if dry_run else "Purged"
        lines = [
            f"{verb} {counts['reports']} report(s): {counts['photos']} photo(s), "
            f"{counts['notes']} timeline note(s), {counts['handoffs']} hand-off record(s), "
            f"{counts['candidates']} candidate reason list(s)."
        ]
        lines += [f"  {slug}: {n}" for slug, n in sorted(counts["by_agency"].items())]
        return lines
