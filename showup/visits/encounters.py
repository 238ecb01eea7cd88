"""visits' entry in core's registry of encounter kinds: a completed visit can lead to an
invitation to a community event (showup.events). Only the child's first name is prefilled:
the partner's contact (a hospital's child-life desk, say) is not the family's, so the officer
types the family's email or phone."""

from __future__ import annotations

from django.utils.translation import gettext as _

from showup.core.models import User
from showup.core.registry import Encounter
from showup.visits import selectors
from showup.visits.models import Visit

KIND = "visits.visit"


def visit_encounter(user: User, pk: int) -> Encounter | None:
    """A completed visit the user may read (coordinators and admins: the agency's; officers:
    those they led or joined), its request not purged; None otherwise."""
    if not (selectors.is_coordinator(user) or selectors.is_officer(user)):
        return None
    visit = (
        selectors.readable_visits(user)
        .filter(pk=pk, status=Visit.Status.COMPLETED, request__purged_at__isnull=True)
        .first()
    )
    if visit is None:
        return None
    request = visit.request
    label = _("Visit %(reference)s on %(date)s") % {
        "reference": request.reference,
        "date": visit.start.date().isoformat(),
    }
    name = request.child_first_name.strip()
    return Encounter(label=label, children_names=(name,) if name else ())
