"""Background tasks (django.tasks).

settings.TASKS uses the ImmediateBackend by default, so these run inline in the request; in
production SHOWUP_TASKS_BACKEND=django_tasks_db.DatabaseBackend queues them in the database and
`showup db_worker` runs them. Arguments are a registered kind's name, primary keys and codes
only, so the queue table holds no personal data (it is not covered by the retention purge).
"""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task
def notify(kind: str, pk: int, **params: int | str) -> None:
    """Fan out one notification of a registered kind: in-app notices, then one delivery task
    per email and SMS."""
    from showup.core.notifications import fan_out

    fan_out(kind, pk, params)


@task
def deliver(
    kind: str, pk: int, channel: str, recipient: str, role: str, **params: int | str
) -> bool:
    """Send one email or SMS (recipient "user:<pk>" or a kind's own code such as "guardian");
    failures are audited, not raised."""
    from showup.core.notifications import deliver_one

    return deliver_one(kind, pk, channel, recipient, role, params)


@task
def purge_expired_data() -> dict[str, Any]:
    """The retention run: every registered purger (scheduled by `showup run_scheduler` or
    cron)."""
    from showup.core.retention import purge_expired

    return purge_expired()


@task
def verify_audit_chain() -> dict[str, Any]:
    """The daily audit log check: verify the hash chain and the guards against the last anchor,
    record a new anchor when intact, log at ERROR and notify the operators when broken."""
    from showup.core.audit_chain import result_dict, run_check

    return result_dict(run_check(record=True))
