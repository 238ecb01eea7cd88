"""Checks of the times people send, shared by the forms and the API.

A time is refused, with a message, before anything compares it, converts it to UTC or stores
it: a year outside 1900 to two years from now (year 9999 cannot even be converted to UTC with
a negative offset), a UTC offset no place uses (beyond -12:00 and +14:00, such as +23:59), and,
in the API, a time without a UTC offset (the API never guesses a time zone; the web forms
read what people type in the agency's time zone).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_YEAR = 1900
# How far ahead a visit, a shift or a time window may be scheduled.
SCHEDULE_AHEAD = timedelta(days=2 * 366)
# Real UTC offsets run from -12:00 (Baker Island) to +14:00 (Line Islands).
MIN_OFFSET = timedelta(hours=-12)
MAX_OFFSET = timedelta(hours=14)


def offset_problem(value: datetime) -> str | None:
    """A message when `value` has no UTC offset or one no place uses, else None."""
    offset = value.utcoffset()
    if offset is None:
        return _(
            "Give the time with its UTC offset, e.g. 2025-05-01T14:30:00-05:00 (or Z for UTC)."
        )
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        return _("This UTC offset is not one any place uses: use one from -12:00 to +14:00.")
    return None


def year_problem(value: datetime) -> str | None:
    """Refuses years before 1900 and beyond next year but one, before any comparison."""
    latest = timezone.now().year + 2
    if not EARLIEST_YEAR <= value.year <= latest:
        return _("Give a year from %(first)s to %(last)s.") % {
            "first": EARLIEST_YEAR,
            "last": latest,
        }
    return None


def schedule_problem(value: datetime, *, now: datetime | None = None) -> str | None:
    """A time for a visit, a shift or a window: a sensible year, at most two years ahead."""
    problem = year_problem(value)
    if problem:
        return problem
    if value.tzinfo is not None and value > (now or timezone.now()) + SCHEDULE_AHEAD:
        return _("This is more than two years ahead. Choose a nearer time.")
    return None


def api_time_problem(value: datetime) -> str | None:
    """What the API says about a time it received: an offset is required and must be real,
    the year sensible. (Rules of each field, such as "not in the future", come after.)"""
    return year_problem(value) or offset_problem(value)
