"""Which reports a staff member may see. Every reunite view and API call goes through these.

A report the user may not see answers exactly like a report that does not exist (404), so
nobody can probe for children's reports (zulip's access_*_by_* helpers do the same). The role
checks (`can_decide_matches`, `can_hand_off`, ...) are core's, in showup.core.access.
"""

from __future__ import annotations

from django.http import Http404

from showup.core.access import is_staff_user
from showup.core.models import Role, User
from showup.reunite.models import Report, ReportQuerySet


def visible_reports(user: User) -> ReportQuerySet:
    """Reports this staff member may see: the agency's for its officers and coordinators,
    only the organisation's own submissions for partner staff, nothing for anyone else."""
    qs = Report.objects.all()
    if not is_staff_user(user) or user.agency_id is None:
        return qs.none()
    if user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN):
        return qs.filter(agency_id=user.agency_id)
    if user.role == Role.PARTNER and user.partner_org_id is not None:
        return qs.filter(agency_id=user.agency_id, partner_org_id=user.partner_org_id)
    return qs.none()


def access_report_by_id(user: User, report_id: int) -> Report:
    report = visible_reports(user).filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report")
    return report
