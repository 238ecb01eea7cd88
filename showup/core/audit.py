"""Writing the audit log. Every staff view and change of a child's record goes through here."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from showup.core.models import AuditEntry, User


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
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label or "public",
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        agency_id=agency_id,
        data=data,
    )
