"""Who may see what. Every view and API call goes through these helpers.

A record the user may not see answers exactly like a record that does not exist (404), so
nobody can probe for children's reports (zulip's access_*_by_* helpers do the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from showup.core.models import Role, User

if TYPE_CHECKING:
    from showup.reunite.models import Report, ReportQuerySet


def is_staff_user(user: object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def visible_reports(user: User) -> ReportQuerySet:
    """Reports this staff member may see: the agency's for its officers and coordinators,
    only the organisation's own submissions for partner staff, nothing for anyone else."""
    from showup.reunite.models import Report

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


def can_decide_matches(user: User) -> bool:
    """Coordinators (and admins) confirm or reject candidate matches."""
    return is_staff_user(user) and user.role in (Role.COORDINATOR, Role.ADMIN)


def can_hand_off(user: User) -> bool:
    """Officers (and coordinators) record the verified hand-off; partners never release a child."""
    return is_staff_user(user) and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)


def can_file_reports(user: User) -> bool:
    return is_staff_user(user) and user.agency_id is not None
