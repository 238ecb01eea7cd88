"""Writing the audit log. Every staff view and change of a child's record goes through here.

Entries hold codes, ids, field names, counts and booleans, never free text that may name a
child or a family (a reason, a note, a name): the free text stays on the record, which the
retention purge clears, while the audit log is kept for ever.

Each entry is chained to the one before by hash (showup.core.audit_hash). Two writers must
never both chain onto the same entry, so the read of the last hash and the insert happen under
one lock held until the transaction commits: on PostgreSQL a transaction-level advisory lock;
on SQLite the write lock that `BEGIN IMMEDIATE` takes (settings: `transaction_mode`), and even
a deferred transaction could not fork the chain there (WAL refuses a write on a stale snapshot).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from showup.core.audit_hash import GENESIS, canonical_data, entry_digest
from showup.core.models import AuditEntry, User

# Any constant will do: it only has to be the same for every writer of the chain.
CHAIN_LOCK_KEY = 0x5A0D17


def lock_chain() -> None:
    """Serialise the writers of the chain until the current transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def audit(
    action: str,
    *,
    actor: User | None,
    obj: Model | None = None,
    agency_id: int | None = None,
    actor_label: str = "",
    **data: Any,
) -> AuditEntry:
    """Append one entry; `action` is a dotted code such as `reunite.report.viewed`."""
    if actor is not None and not actor_label:
        actor_label = f"{actor.username} ({actor.role})"
    if agency_id is None:
        agency_id = getattr(obj, "agency_id", None) or getattr(actor, "agency_id", None)
    entry = AuditEntry(
        actor=actor,
        actor_label=actor_label or "public",
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        agency_id=agency_id,
        data=canonical_data(data),
    )
    with transaction.atomic():
        lock_chain()
        last = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first()
        entry.prev_hash = last or GENESIS
        entry.at = timezone.now()  # after the lock: the chain's times never go backwards
        entry.entry_hash = entry_digest(
            prev_hash=entry.prev_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            agency_id=entry.agency_id,
            data=entry.data,
        )
        entry.save(force_insert=True)
    return entry
