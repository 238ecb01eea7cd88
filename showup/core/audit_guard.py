"""Database-level guards that make the audit log append-only on SQLite.

Used by migration 0003 and by the test suite, whose transactional tests must empty the
database between tests (the one time rows are deleted, and only in a throwaway test database).
"""

from __future__ import annotations

from typing import Any

OPERATIONS = ("UPDATE", "DELETE")


def install_sqlite_guards(execute: Any) -> None:
    for op in OPERATIONS:
        execute(
            f"CREATE TRIGGER IF NOT EXISTS core_audit_no_{op.lower()} BEFORE {op} ON "
            "core_auditentry BEGIN SELECT RAISE(ABORT, 'audit entries are never edited or "
            "deleted'); END;"
        )


def remove_sqlite_guards(execute: Any) -> None:
    for op in OPERATIONS:
        execute(f"DROP TRIGGER IF EXISTS core_audit_no_{op.lower()}")
