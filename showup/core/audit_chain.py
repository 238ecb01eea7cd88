"""Checking the audit log: the hash chain, the database guards and the last check's anchor.

`verify_chain()` walks every entry in id order and recomputes its hash: an entry whose content
no longer matches its hash was edited (or REPLACEd); an entry whose `prev_hash` is not the hash
of the entry before it follows a removed entry (or a rewritten stretch). It also checks the
guards: SQLite's triggers are all there; PostgreSQL's trigger is enabled and the application's
role (settings.AUDIT_DB_APP_ROLE) cannot UPDATE, DELETE or TRUNCATE the table, nor owns it.

A chain cannot show that its last entries were cut off, so each scheduled check records an
anchor (the number of entries, the last one's id and hash) in VAR_DIR/audit-anchor.json and as
an audit entry `core.audit.verified`; the next check finds that entry again with the same hash
and the same number of entries up to it. Keep a copy of the anchor file off the machine to
detect a rewrite by someone who can write both the database and VAR_DIR.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from showup.core.audit import audit
from showup.core.audit_guard import POSTGRES_TRIGGER, SQLITE_TRIGGERS
from showup.core.audit_hash import GENESIS, entry_digest
from showup.core.models import AuditEntry, Role, User
from showup.core.notifications import Channel, Delivery, Message, NotificationKind

logger = logging.getLogger(__name__)

ANCHOR_FILE = "audit-anchor.json"
BROKEN_KIND = "core.audit_broken"

AUDIT_LABELS = {
    "core.audit.verified": _("Audit log checked: intact"),
    "core.audit.broken": _("Audit log checked: broken"),
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    entry_id: int | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass
class ChainReport:
    count: int = 0
    head_id: int | None = None
    head_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def anchor(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "at": timezone.now().isoformat(),
        }


# --- the anchor -------------------------------------------------------------------------------


def anchor_path() -> Path:
    """VAR_DIR/audit-anchor.json, or SHOWUP_AUDIT_ANCHOR: one anchor per database (the demo,
    whose database is made anew each time, has its own)."""
    configured = getattr(settings, "AUDIT_ANCHOR_PATH", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / ANCHOR_FILE


def read_anchor() -> dict[str, Any] | None:
    """The last recorded anchor; None when no check recorded one yet. ValueError when the file
    is there but unreadable (that is itself a finding)."""
    path = anchor_path()
    if not path.exists():
        return None
    anchor = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(anchor, dict) or not {"count", "head_id", "head_hash"} <= set(anchor):
        raise ValueError("not an anchor")
    return anchor


def write_anchor(anchor: Mapping[str, Any]) -> None:
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(anchor, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- the walk ---------------------------------------------------------------------------------

_FIELDS = (
    "pk",
    "prev_hash",
    "entry_hash",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "agency_id",
    "data",
)


def verify_chain(anchor: Mapping[str, Any] | None = None) -> ChainReport:
    report = ChainReport()
    anchor_id = anchor.get("head_id") if anchor else None
    anchor_seen = False
    expected_prev = GENESIS
    previous_id: int | None = None
    rows = AuditEntry.objects.order_by("pk").values_list(*_FIELDS).iterator(chunk_size=2000)
    for pk, prev_hash, entry_hash, at, actor_id, label, action, otype, oid, agency_id, data in rows:
        report.count += 1
        if report.ok:
            if prev_hash != expected_prev:
                after = f"entry {previous_id}" if previous_id else "the start of the log"
                report.problems.append(
                    Problem(
                        "chain_broken",
                        f"entry {pk} does not follow {after}: entries between them were "
                        "removed, or the log was rewritten from here",
                        pk,
                    )
                )
            elif entry_hash != entry_digest(
                prev_hash=prev_hash,
                at=at,
                actor_id=actor_id,
                actor_label=label,
                action=action,
                object_type=otype,
                object_id=oid,
                agency_id=agency_id,
                data=data,
            ):
                report.problems.append(
                    Problem(
                        "entry_altered",
                        f"entry {pk} does not match its hash: it was edited or replaced",
                        pk,
                    )
                )
        if anchor and pk == anchor_id:
            anchor_seen = True
            if entry_hash != anchor.get("head_hash") or report.count != anchor.get("count"):
                report.problems.append(
                    Problem(
                        "anchor_mismatch",
                        f"entry {pk}, the last one at the previous check, no longer has the same "
                        f"hash or the same {anchor.get('count')} entries up to it",
                        pk,
                    )
                )
        expected_prev = entry_hash
        previous_id = pk
        report.head_id, report.head_hash = pk, entry_hash
    if anchor and anchor_id is not None and not anchor_seen:
        report.problems.append(
            Problem(
                "truncated",
                f"entry {anchor_id}, the last one at the previous check, is gone: the log "
                "was cut short",
                anchor_id,
            )
        )
    _check_guards(report)
    return report


def _check_guards(report: ChainReport) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditentry'"
            )
            present = {row[0] for row in cursor.fetchall()}
        for name in sorted(set(SQLITE_TRIGGERS) - present):
            report.problems.append(
                Problem("guard_missing", f"the database trigger {name} was dropped")
            )
    elif connection.vendor == "postgresql":
        _check_postgres(report)


def _check_postgres(report: ChainReport) -> None:
    role = getattr(settings, "AUDIT_DB_APP_ROLE", "showup_app")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = %s "
            "AND tgrelid = 'core_auditentry'::regclass",
            [POSTGRES_TRIGGER],
        )
        row = cursor.fetchone()
        if row is None:
            report.problems.append(
                Problem("guard_missing", f"the database trigger {POSTGRES_TRIGGER} was dropped")
            )
        elif row[0] == "D":
            report.problems.append(
                Problem("guard_missing", f"the database trigger {POSTGRES_TRIGGER} is disabled")
            )
        cursor.execute(
            "SELECT r.rolsuper, pg_get_userbyid(c.relowner) = r.rolname FROM pg_roles r, "
            "pg_class c WHERE r.rolname = %s AND c.oid = 'core_auditentry'::regclass",
            [role],
        )
        row = cursor.fetchone()
        if row is None:
            report.warnings.append(
                f"no database role {role!r}: the application's rights on the audit table "
                "were not checked (docs/operations.md, database roles)"
            )
            return
        superuser, owner = row
        if superuser or owner:
            report.problems.append(
                Problem(
                    "privileges",
                    f"the application's role {role} is a superuser or owns the audit table",
                )
            )
            return
        for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
            cursor.execute(
                "SELECT has_table_privilege(%s, 'core_auditentry', %s)", [role, privilege]
            )
            granted = cursor.fetchone()
            if granted and granted[0]:
                report.problems.append(
                    Problem(
                        "privileges",
                        f"the application's role {role} may {privilege} the audit table",
                    )
                )


# --- the scheduled check ----------------------------------------------------------------------


def run_check(*, record: bool, use_anchor: bool = True) -> ChainReport:
    """Verify the chain against the last anchor. With `record` (the scheduled check) an intact
    log gets a new anchor (file and audit entry); a broken one is logged at ERROR, audited and
    announced to the platform operators and agency admins, and the old anchor is kept."""
    report = ChainReport()
    anchor: dict[str, Any] | None = None
    if use_anchor:
        try:
            anchor = read_anchor()
        except (OSError, ValueError):
            report.problems.append(
                Problem("anchor_unreadable", f"the anchor file {anchor_path()} is unreadable")
            )
    checked = verify_chain(anchor)
    checked.problems[:0] = report.problems
    report = checked
    if not record:
        return report
    if report.ok:
        write_anchor(report.anchor())
        audit(
            "core.audit.verified",
            actor=None,
            actor_label="system",
            count=report.count,
            head_id=report.head_id,
            head_hash=report.head_hash,
        )
        return report
    for problem in report.problems:
        logger.error("audit log integrity check failed: %s", problem)
    first = report.problems[0]
    audit(
        "core.audit.broken",
        actor=None,
        actor_label="system",
        problems=sorted({p.code for p in report.problems}),
        entry=first.entry_id,
    )
    from showup.core.notifications import send

    send(BROKEN_KIND, first.entry_id or 0, problem=first.code)
    return report


def result_dict(report: ChainReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "count": report.count,
        "head_id": report.head_id,
        "head_hash": report.head_hash,
        "problems": [str(p) for p in report.problems],
        "warnings": report.warnings,
    }


class AuditBrokenKind(NotificationKind):
    """The audit log failed its check: the platform operators (superusers) and every agency's
    admins hear it in the app and by email. `pk` is the first broken entry's id (0: none)."""

    name: ClassVar[str] = BROKEN_KIND
    subject_key: ClassVar[str] = "entry"

    def deliveries(self, pk: int, params: Mapping[str, Any]) -> list[Delivery]:
        people = User.objects.filter(is_active=True).filter(
            is_superuser=True
        ) | User.objects.filter(is_active=True, role=Role.ADMIN)
        deliveries: list[Delivery] = []
        for user in people.distinct().order_by("pk"):
            role = "operator" if user.is_superuser else "admin"
            deliveries.append(Delivery.to_user(Channel.APP, user, role))
            if user.email:
                deliveries.append(Delivery.to_user(Channel.EMAIL, user, role))
        return deliveries

    def render(
        self, pk: int, delivery: Delivery, params: Mapping[str, Any], user: User | None
    ) -> Message | None:
        body = gettext(
            "The audit log failed its integrity check (%(problem)s at entry %(entry)s). "
            "Someone may have changed or removed entries. Run “showup verify_audit” on the "
            "server and follow docs/operations.md."
        ) % {"problem": params.get("problem", ""), "entry": pk or "-"}
        return Message(
            body=body,
            subject=gettext("showup: the audit log failed its integrity check"),
            url="/admin/core/auditentry/",
        )
