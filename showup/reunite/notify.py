"""Who hears about what happens to a report, and what they are told (reunite's notifications).

Services call these after their transaction commits (transaction.on_commit); each only
enqueues work, so a slow SMS provider never holds up a click.
TEMPORARY: being rewritten onto core's notification registry (issue 8).
"""

from __future__ import annotations


def report_filed(report_pk: int) -> None:
    """A report was filed: the guardian gets her status link; a missing report alerts the
    officers on duty; a found report that matches nothing alerts the coordinators."""


def match_confirmed(candidate_pk: int) -> None:
    from showup.core import notifications

    notifications.match_confirmed(candidate_pk)


def match_undone(candidate_pk: int) -> None:
    """A confirmed match was undone before the hand-off: guardian and officer told plainly."""


def reunited(candidate_pk: int) -> None:
    from showup.core import notifications

    notifications.reunited(candidate_pk)


def report_closed(report_pk: int) -> None:
    """A report closed with an outcome other than a reunion (the guardian of a missing report
    is told in words that fit the outcome)."""


def report_transferred(report_pk: int, to_user_pk: int) -> None:
    """The new responsible officer is told."""
