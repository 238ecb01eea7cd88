from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Readable labels for visits' audit action codes (rendered in the reader's language).
AUDIT_LABELS = {
    "visits.place.created": _("Place and visiting rules added"),
    "visits.place.updated": _("Place and visiting rules changed"),
    "visits.request.created": _("Visit request filed"),
    "visits.request.cancelled": _("Visit request cancelled"),
    "visits.request.viewed": _("Visit request viewed"),
    "visits.request.listed": _("Visit requests listed"),
    "visits.request.purged": _("Visit request's personal data purged"),
    "visits.slot.proposed": _("Visit time proposed"),
    "visits.slot.accepted": _("Visit time accepted"),
    "visits.slot.declined": _("Visit time declined"),
    "visits.slot.withdrawn": _("Acceptance of a visit time withdrawn"),
    "visits.visit.started": _("Visit started"),
    "visits.visit.interrupted": _("Visit interrupted"),
    "visits.visit.rescheduled": _("Visit rescheduled"),
    "visits.visit.return_created": _("Return visit planned"),
    "visits.visit.completed": _("Visit completed"),
    "visits.visit.given_recorded": _("Mementos given recorded"),
    "visits.stock.set": _("Memento stock counted"),
    "visits.shift.added": _("Shift added"),
    "visits.feed.rotated": _("Calendar feed link replaced"),
    "visits.notification.sent": _("Visit notification sent"),
    "visits.notification.failed": _("Visit notification failed"),
}


class VisitRequestPurger:
    """visits' entry in core's purger registry: closed visit requests lose the child's
    details after the agency's retention period (services.purge_expired_visits)."""

    name = "visits"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        from showup.core.models import Agency
        from showup.visits.models import VisitRequest
        from showup.visits.services import purge_expired_visits

        if not dry_run:
            return {"visit_requests": purge_expired_visits(now)}
        due = 0
        for agency in Agency.objects.all():  # the selection purge_expired_visits makes
            due += VisitRequest.objects.filter(
                agency=agency,
                status__in=VisitRequest.CLOSED_STATUSES,
                closed_at__lt=now - timedelta(days=agency.retention_days),
                purged_at__isnull=True,
            ).count()
        return {"visit_requests": due}

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would purge" if dry_run else "Purged"
        return [f"{verb} {counts['visit_requests']} visit request(s)."]


def officers_on_shift(agency_id: int, now: datetime) -> Iterable[int] | None:
    """The duty roster from visits' shifts: the officers whose shift covers `now`; None when
    the agency has entered no shifts at all (then core treats every officer as on duty)."""
    from showup.visits.models import Shift

    shifts = Shift.objects.filter(agency_id=agency_id)
    if not shifts.exists():
        return None
    return set(shifts.filter(start__lte=now, end__gt=now).values_list("officer_id", flat=True))


class VisitsConfig(AppConfig):
    name = "showup.visits"
    label = "visits"
    verbose_name = "Visits"

    def ready(self) -> None:
        """Plug visits into core: its retention purger, duty roster, audit labels and completed
        visits as encounters that can lead to an invitation to an event."""
        from showup.core.registry import (
            register_audit_labels,
            register_duty_roster,
            register_encounter_kind,
            register_purger,
        )
        from showup.visits.encounters import KIND, visit_encounter

        register_purger(VisitRequestPurger())
        register_duty_roster("visits.shifts", officers_on_shift)
        register_audit_labels(AUDIT_LABELS)
        register_encounter_kind(KIND, visit_encounter, _("Completed visit"))
