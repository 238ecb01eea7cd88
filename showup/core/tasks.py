"""Background tasks (django.tasks).

settings.TASKS uses the ImmediateBackend by default, so these run inline in the request; in
production SHOWUP_TASKS_BACKEND=django_tasks_db.DatabaseBackend queues them in the database and
`showup db_worker` runs them. Arguments are primary keys and codes only, so the queue table holds
no personal data (it is not covered by the retention purge).
"""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task
def notify(event: str, candidate_pk: int) -> None:
    """Fan out one event (match_confirmed, reunited): in-app notices, then one delivery task
    per email and SMS."""
    from showup.core.notifications import fan_out

    fan_out(event, candidate_pk)


@task
def deliver(event: str, candidate_pk: int, channel: str, recipient: str, role: str) -> bool:
    """Send one email or SMS ("guardian" or "user:<pk>"); failures are audited, not raised."""
    from showup.core.notifications import deliver_one

    return deliver_one(event, candidate_pk, channel, recipient, role)


@task
def purge_expired_reports() -> dict[str, Any]:
    """The retention purge (scheduled by `showup run_scheduler` or cron)."""
    from showup.core.retention import purge_expired
    from showup.visits.services import purge_expired_visits

    return {**purge_expired().as_dict(), "visit_requests": purge_expired_visits()}
