"""The retention run: every module's purger, one after the other.

Each module registers a purger (showup.core.registry.register_purger) that removes the personal
data its agency's retention period no longer allows, leaving non-identifying stubs; reunite
purges closed reports, visits closed visit requests. core itself only clears its own
idempotency keys after a day.

Run it with `showup purge_expired` (cron) or let `showup run_scheduler` enqueue the
`purge_expired_data` task every hour. Each real run writes one audit entry,
`core.retention.purged`, with every purger's counts (counts only, never names).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from showup.core.audit import audit
from showup.core.models import IdempotencyKey
from showup.core.registry import purgers

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_LIFETIME = timedelta(days=1)


def purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Run every registered purger; returns {purger name: its counts}. A purger that fails is
    logged and the others still run (its entry is {"error": "<exception class>"})."""
    now = now or timezone.now()
    results: dict[str, Any] = {}
    for purger in purgers():
        try:
            results[purger.name] = purger.purge(now, dry_run)
        except Exception as exc:
            logger.exception("the %s retention purger failed", purger.name)
            results[purger.name] = {"error": type(exc).__name__}
    if not dry_run:
        audit("core.retention.purged", actor=None, actor_label="system", **results)
    return results


class IdempotencyKeyPurger:
    """Idempotency keys only need to outlive a client's retries: a day is plenty."""

    name = "idempotency_keys"

    def purge(self, now: datetime, dry_run: bool) -> dict[str, Any]:
        old = IdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_KEY_LIFETIME)
        return {"keys": old.count() if dry_run else old.delete()[0]}

    def summary(self, counts: dict[str, Any], dry_run: bool) -> list[str]:
        verb = "Would remove" if dry_run else "Removed"
        return [f"{verb} {counts['keys']} idempotency key(s) older than a day."]
