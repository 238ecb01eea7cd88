"""The audit log's hash chain: how one entry's hash is computed (no Django models here, so the
migrations that backfill the chain use the very same function as the application).

An entry's hash is SHA-256 over a canonical JSON array of the previous entry's hash, the time in
UTC (ISO 8601, microseconds), the actor's id and label, the action code, the object's type and
id, the agency's id and the entry's data (keys sorted, no spaces, UTF-8). The first entry follows
GENESIS.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_data(data: Any) -> Any:
    """`data` as it reads back from a JSON column (tuples become lists, keys become strings)."""
    return json.loads(json.dumps(data if data is not None else {}))


def entry_digest(
    *,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    agency_id: int | None,
    data: Any,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            actor_label,
            action,
            object_type,
            object_id,
            agency_id,
            canonical_data(data),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
