"""The unit's statistics page: counts per week by outcome, open reports, time to reunion."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from showup.core.access import can_decide_matches
from showup.reunite.selectors_stats import duration_label, unit_stats
from showup.reunite.views_coord import _user, staff_required


@require_GET
@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    """Coordinators and admins of an agency. Counts only, no child's record: not audited."""
    user = _user(request)
    if not can_decide_matches(user) or user.agency_id is None:
        raise PermissionDenied(_("The unit's statistics are for coordinators and agency admins."))
    data = unit_stats(agency_id=user.agency_id)
    weeks = [
        {
            "row": row,
            "median": duration_label(row.median_to_reunion) if row.reunions else "",
        }
        for row in data.weeks
    ]
    return render(
        request,
        "reunite/coord/stats.html",
        {
            "stats": data,
            "weeks": weeks,
            "median_overall": duration_label(data.median_to_reunion),
        },
    )
