"""reunite's entry in core's registry of encounter kinds: a closed or reunited report the
user's agency holds can lead to an invitation to a community event (showup.events). The
invitation is prefilled from the missing report's reporter (the guardian who gave us their
contact) and the child's first name; the officer can change everything before sending."""

from __future__ import annotations

from django.utils.translation import gettext as _

from showup.core.models import Role, User
from showup.core.registry import Encounter
from showup.reunite.models import Candidate, Report

KIND = "reunite.report"
INVITING_STATUSES = (Report.Status.REUNITED, Report.Status.CLOSED)


def report_encounter(user: User, pk: int) -> Encounter | None:
    """The report as an encounter, for officers, coordinators and admins of its agency, once it
    is closed or reunited and not purged; None otherwise (open reports, partners, others)."""
    if not (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.agency_id is not None
        and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
    ):
        return None
    report = Report.objects.filter(
        pk=pk, agency_id=user.agency_id, status__in=INVITING_STATUSES, purged_at__isnull=True
    ).first()
    if report is None:
        return None
    missing = report if report.kind == Report.Kind.MISSING else None
    if missing is None:
        match = (
            Candidate.objects.filter(found=report, decision=Candidate.Decision.CONFIRMED)
            .select_related("missing")
            .first()
        )
        missing = match.missing if match is not None else None
    child = (missing.given_name if missing is not None else "") or report.given_name
    label = _("%(kind)s %(reference)s, %(status)s") % {
        "kind": report.get_kind_display(),
        "reference": report.reference,
        "status": report.get_status_display(),
    }
    if missing is None or missing.purged_at is not None:
        return Encounter(label=label, children_names=(child,) if child else ())
    return Encounter(
        label=label,
        family_name=missing.guardian_name,
        children_names=(child,) if child else (),
        email=missing.guardian_email,
        phone=missing.guardian_phone,
        language=missing.guardian_language or "en",
    )
