"""Database-level guards that make the audit log append-only.

SQLite: triggers refuse UPDATE and DELETE, and an INSERT that reuses an existing id (`INSERT OR
REPLACE` deletes the old row without firing the DELETE trigger). SQLite cannot refuse `DROP
TRIGGER` to whoever holds the file, so `showup verify_audit` checks that every trigger is
still there, and the hash chain shows any entry changed while they were away.

PostgreSQL: a trigger refuses UPDATE and DELETE whoever asks (migration 0002); the
application's role holds no UPDATE, DELETE, TRUNCATE or DDL right on the table (migration
0006), and `showup verify_audit` checks both.

Used by the migrations and by the test suite, whose transactional tests must empty the
database between tests (the one time rows are deleted, and only in a throwaway test database).
"""

from __future__ import annotations

from typing import Any

OPERATIONS = ("UPDATE", "DELETE")
REFUSAL = "audit entries are never edited or deleted"

SQLITE_TRIGGERS = {
    **{
        f"core_audit_no_{op.lower()}": (
            f"CREATE TRIGGER IF NOT EXISTS core_audit_no_{op.lower()} BEFORE {op} ON "
            f"core_auditentry BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;"
        )
        for op in OPERATIONS
    },
    # The conflicting row is still there when a BEFORE INSERT trigger runs, so a REPLACE of an
    # existing entry is refused before SQLite deletes it.
    # Constant SQL, no input reaches it (bandit B608 sees only the f-string).
    "core_audit_no_replace": (
        "CREATE TRIGGER IF NOT EXISTS core_audit_no_replace BEFORE INSERT ON core_auditentry "  # nosec B608
        "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM core_auditentry WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;"
    ),
}

POSTGRES_TRIGGER = "core_audit_append_only"
POSTGRES_INSTALL = f"""
    CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}';
    END;
    $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS {POSTGRES_TRIGGER} ON core_auditentry;
    CREATE TRIGGER {POSTGRES_TRIGGER}
        BEFORE UPDATE OR DELETE ON core_auditentry
        FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
"""
POSTGRES_REMOVE = f"DROP TRIGGER IF EXISTS {POSTGRES_TRIGGER} ON core_auditentry;"


def install_sqlite_guards(execute: Any) -> None:
    for sql in SQLITE_TRIGGERS.values():
        execute(sql)


def remove_sqlite_guards(execute: Any) -> None:
    for name in SQLITE_TRIGGERS:
        execute(f"DROP TRIGGER IF EXISTS {name}")


def install_guards(vendor: str, execute: Any) -> None:
    """The guards of this database engine (none on others)."""
    if vendor == "sqlite":
        install_sqlite_guards(execute)
    elif vendor == "postgresql":
        execute(POSTGRES_INSTALL)


def remove_guards(vendor: str, execute: Any) -> None:
    if vendor == "sqlite":
        remove_sqlite_guards(execute)
    elif vendor == "postgresql":
        execute(POSTGRES_REMOVE)
