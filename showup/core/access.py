"""Role checks shared by every module: who is staff, who may decide, hand off, file.

Which records a user may see is each module's own helper (reunite's `visible_reports` and
`access_report_by_id` in showup.reunite.access, visits' in its selectors): a record the user
may not see answers exactly like one that does not exist (404), so nobody can probe for
children's records (zulip's access_*_by_* helpers do the same).
"""

from __future__ import annotations

from showup.core.models import Role, User


def is_staff_user(user: object) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def can_decide_matches(user: User) -> bool:
    """Coordinators (and admins) confirm or reject candidate matches."""
    return is_staff_user(user) and user.role in (Role.COORDINATOR, Role.ADMIN)


def can_hand_off(user: User) -> bool:
    """Officers (and coordinators) record the verified hand-off; partners never release a child."""
    return is_staff_user(user) and user.role in (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)


def can_file_reports(user: User) -> bool:
    return is_staff_user(user) and user.agency_id is not None
