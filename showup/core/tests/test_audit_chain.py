"""The audit log nobody can rewrite: the hash chain, `showup verify_audit`, the daily check,
the database guards on SQLite and PostgreSQL, and no free text in the log.

Tamper tests lift the guards the way an intruder with the database file (SQLite) or the
owner's or a superuser's login (PostgreSQL) could, change the log, and show the chain names
the entry. Tests for one engine are skipped on the other.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from showup.core.audit import audit
from showup.core.audit_chain import anchor_path, run_check, verify_chain
from showup.core.audit_guard import POSTGRES_TRIGGER, SQLITE_TRIGGERS, install_guards
from showup.core.audit_hash import GENESIS, entry_digest
from showup.core.models import AuditEntry, Notice, User

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's guards (the active database is another)"
)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's roles (the active database is another)"
)


@pytest.fixture(autouse=True)
def _anchor_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


def _entries(n: int, agency: Any = None) -> list[AuditEntry]:
    return [
        audit(
            "test.thing.done",
            actor=None,
            actor_label="system",
            agency_id=getattr(agency, "pk", None),
            n=i,
        )
        for i in range(n)
    ]


@contextmanager
def _guards_lifted() -> Iterator[Any]:
    """What an intruder does first: the append-only guards off (and, politely, back on)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            # The test's transaction holds deferred foreign-key checks; ALTER TABLE waits for none.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE core_auditentry DISABLE TRIGGER {POSTGRES_TRIGGER}")
        yield cursor
        if connection.vendor == "sqlite":
            install_guards("sqlite", cursor.execute)
        else:
            cursor.execute(f"ALTER TABLE core_auditentry ENABLE TRIGGER {POSTGRES_TRIGGER}")


# A JSON parameter: PostgreSQL's column is jsonb, SQLite's is text.
JSON = "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def _codes(report: Any) -> list[tuple[str, int | None]]:
    return [(p.code, p.entry_id) for p in report.problems]


# --- the chain ------------------------------------------------------------------------------


def test_it_chains_each_entry_to_the_one_before(db: Any, agency: Any) -> None:
    first, second, third = _entries(3, agency)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.entry_hash == entry_digest(
        prev_hash=stored.prev_hash,
        at=stored.at,
        actor_id=stored.actor_id,
        actor_label=stored.actor_label,
        action=stored.action,
        object_type=stored.object_type,
        object_id=stored.object_id,
        agency_id=stored.agency_id,
        data=stored.data,
    )
    report = verify_chain()
    assert report.ok and report.count == 3
    assert (report.head_id, report.head_hash) == (third.pk, third.entry_hash)


def test_the_hash_covers_every_field() -> None:
    from django.utils import timezone

    base: dict[str, Any] = {
        "prev_hash": GENESIS,
        "at": timezone.now(),
        "actor_id": 1,
        "actor_label": "ada (admin)",
        "action": "x.y",
        "object_type": "report",
        "object_id": "7",
        "agency_id": 2,
        "data": {"a": [1, 2], "b": "c"},
    }
    digest = entry_digest(**base)
    assert entry_digest(**{**base, "data": {"b": "c", "a": (1, 2)}}) == digest  # canonical
    changed = {
        "prev_hash": "1" * 64,
        "at": base["at"] + timedelta(microseconds=1),
        "actor_id": None,
        "actor_label": "eve (admin)",
        "action": "x.z",
        "object_type": "visit",
        "object_id": "8",
        "agency_id": 3,
        "data": {"a": [1, 2], "b": "d"},
    }
    for name, value in changed.items():
        assert entry_digest(**{**base, name: value}) != digest, name


def test_verify_audit_prints_the_count_and_head_hash(db: Any, capsys: Any) -> None:
    entries = _entries(4)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "intact: 4 entries" in out and entries[-1].entry_hash in out


def test_an_edited_entry_is_named(db: Any) -> None:
    entries = _entries(5)
    with _guards_lifted() as cursor:
        cursor.execute(
            f"UPDATE core_auditentry SET data = {JSON} WHERE id = %s", ['{"n": 99}', entries[2].pk]
        )
    assert _codes(verify_chain()) == [("entry_altered", entries[2].pk)]
    with pytest.raises(CommandError, match=f"entry {entries[2].pk}"):
        call_command("verify_audit")


def test_an_entry_deleted_in_the_middle_is_found(db: Any) -> None:
    entries = _entries(5)
    with _guards_lifted() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert _codes(report) == [("chain_broken", entries[2].pk)]
    assert f"does not follow entry {entries[0].pk}" in report.problems[0].message


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_link(db: Any) -> None:
    entries = _entries(4)
    victim = AuditEntry.objects.get(pk=entries[1].pk)
    forged = entry_digest(
        prev_hash=victim.prev_hash,
        at=victim.at,
        actor_id=None,
        actor_label="system",
        action="test.thing.done",
        object_type="",
        object_id="",
        agency_id=None,
        data={"n": 42},
    )
    with _guards_lifted() as cursor:
        cursor.execute(
            f"UPDATE core_auditentry SET data = {JSON}, entry_hash = %s WHERE id = %s",
            ['{"n": 42}', forged, victim.pk],
        )
    assert _codes(verify_chain()) == [("chain_broken", entries[2].pk)]


def test_each_database_can_keep_its_own_anchor(db: Any, settings: Any, tmp_path: Any) -> None:
    """The demo's database is made anew each time: its anchor must not be another's."""
    settings.AUDIT_ANCHOR_PATH = str(tmp_path / "demo-anchor.json")
    _entries(2)
    assert run_check(record=True).ok
    assert anchor_path() == tmp_path / "demo-anchor.json"
    assert json.loads((tmp_path / "demo-anchor.json").read_text())["count"] == 2


def test_a_cut_off_tail_is_found_against_the_last_anchor(db: Any) -> None:
    _entries(3)
    assert run_check(record=True).ok
    anchor = json.loads(anchor_path().read_text())
    assert anchor["count"] == 3
    verified = AuditEntry.objects.order_by("-pk").first()
    assert verified is not None and verified.action == "core.audit.verified"
    assert verified.data["head_hash"] == anchor["head_hash"]
    _entries(2)
    assert run_check(record=False).ok  # growing is fine
    with _guards_lifted() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= %s", [anchor["head_id"]])
    report = run_check(record=False)
    assert _codes(report) == [("truncated", anchor["head_id"])]


def test_the_daily_check_records_an_anchor_or_raises_the_alarm(
    db: Any, make_user: Any, agency: Any, caplog: Any
) -> None:
    admin = make_user("ada", "admin", agency, is_staff=True)
    operator = User.objects.create_superuser("root", "root@example.org", "x-root-password-9")
    officer = make_user("olivia", "officer", agency)
    entries = _entries(3)
    from showup.core.tasks import verify_audit_chain

    result = verify_audit_chain.enqueue()
    assert result.return_value["ok"] and result.return_value["count"] == 3
    first_anchor = anchor_path().read_text()
    with _guards_lifted() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entries[0].pk])
    with caplog.at_level(logging.ERROR, logger="showup.core.audit_chain"):
        result = verify_audit_chain.enqueue()
    assert not result.return_value["ok"]
    assert any(
        r.levelno == logging.ERROR and f"entry {entries[0].pk}" in r.getMessage()
        for r in caplog.records
    )
    assert anchor_path().read_text() == first_anchor  # the evidence is kept
    broken = AuditEntry.objects.filter(action="core.audit.broken").get()
    assert broken.data == {"problems": ["entry_altered"], "entry": entries[0].pk}
    told = set(Notice.objects.values_list("user_id", flat=True))
    assert told == {admin.pk, operator.pk} and officer.pk not in told


def test_the_scheduler_runs_the_audit_check(db: Any) -> None:
    _entries(2)
    assert not anchor_path().exists()
    call_command("run_scheduler", "--once", "--interval", "60")
    # The purge's own entry, then the check, then the check's entry.
    assert json.loads(anchor_path().read_text())["count"] == 3
    assert AuditEntry.objects.order_by("-pk")[0].action == "core.audit.verified"


def test_the_migration_backfills_the_chain_in_id_order(db: Any) -> None:
    import importlib

    migration = importlib.import_module("showup.core.migrations.0005_audit_hash_chain")
    entries = _entries(4)
    with _guards_lifted() as cursor:
        cursor.execute("UPDATE core_auditentry SET prev_hash = '', entry_hash = ''")
    assert not verify_chain().ok
    from django.db.migrations.loader import MigrationLoader

    # The models as the migration sees them (plain managers, as in a real `migrate`).
    state = MigrationLoader(connection).project_state(("core", "0005_audit_hash_chain"))
    with connection.cursor() as cursor:
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        migration.backfill(state.apps, editor)
    assert verify_chain().ok
    assert [e.entry_hash for e in AuditEntry.objects.order_by("pk")] == [
        e.entry_hash for e in entries
    ]
    # The guards are back.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")


# --- SQLite -----------------------------------------------------------------------------------


@sqlite_only
def test_sqlite_refuses_update_delete_and_replace(db: Any) -> None:
    entry = _entries(1)[0]
    for sql in (
        "UPDATE core_auditentry SET action = 'x'",
        "DELETE FROM core_auditentry",
        "INSERT OR REPLACE INTO core_auditentry (id, at, actor_label, action, object_type, "
        f"object_id, data, prev_hash, entry_hash) VALUES ({entry.pk}, '2020-01-01 00:00:00', "
        "'x', 'x', '', '', '{}', '', '')",
    ):
        with (
            pytest.raises(DatabaseError, match="never edited or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.thing.done"


@sqlite_only
def test_sqlite_a_dropped_trigger_is_reported(db: Any) -> None:
    _entries(2)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_audit_no_delete")
    report = verify_chain()
    assert _codes(report) == [("guard_missing", None)]
    assert "core_audit_no_delete" in str(report.problems[0])
    with pytest.raises(CommandError):
        call_command("verify_audit")


@sqlite_only
def test_sqlite_a_replaced_entry_is_detected_by_the_chain(db: Any) -> None:
    entries = _entries(3)
    victim = AuditEntry.objects.get(pk=entries[1].pk)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER core_audit_no_replace")
        cursor.execute(
            "INSERT OR REPLACE INTO core_auditentry (id, at, actor_label, action, object_type, "
            "object_id, data, prev_hash, entry_hash) SELECT id, at, actor_label, "
            "'test.thing.undone', object_type, object_id, data, prev_hash, entry_hash "
            "FROM core_auditentry WHERE id = %s",
            [victim.pk],
        )
        install_guards("sqlite", cursor.execute)
    assert AuditEntry.objects.get(pk=victim.pk).action == "test.thing.undone"
    assert _codes(verify_chain()) == [("entry_altered", victim.pk)]


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_connect(user: str) -> Any:
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        dbname=params["NAME"],
        user=user,
        password=os.environ.get("SHOWUP_PG_APP_PASSWORD", "") if user != params["USER"] else "",
        autocommit=True,
    )


APP_ROLE = os.environ.get("SHOWUP_PG_APP_USER", "showup_app")


@pytest.fixture
def app_role(transactional_db: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            pytest.skip(f"no role {APP_ROLE}: run under scripts/with-postgres.sh")
    return APP_ROLE


@postgres_only
def test_postgres_the_app_role_cannot_rewrite_the_log(app_role: str, agency: Any) -> None:
    import psycopg

    _entries(2, agency)
    with _pg_connect(app_role) as conn:
        assert conn.execute("SELECT count(*) FROM core_auditentry").fetchone() == (2,)
        # Normal work elsewhere, and appending here, are allowed.
        conn.execute("UPDATE core_agency SET name = name WHERE id = %s", [agency.pk])
        with conn.transaction(force_rollback=True):
            conn.execute(
                "INSERT INTO core_auditentry (at, actor_label, action, object_type, object_id, "
                "data, prev_hash, entry_hash) VALUES (now(), 'x', 'x', '', '', '{}', '', '')"
            )
        for sql in (
            "TRUNCATE core_auditentry",
            "DELETE FROM core_auditentry",
            "UPDATE core_auditentry SET action = 'x'",
            "ALTER TABLE core_auditentry DISABLE TRIGGER core_audit_append_only",
            "DROP TABLE core_auditentry CASCADE",
            "CREATE TABLE core_sneaky (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
    assert AuditEntry.objects.count() == 2
    assert verify_chain().ok


@postgres_only
def test_postgres_a_superusers_edit_is_detected_by_the_chain(app_role: str) -> None:
    superuser = os.environ.get("SHOWUP_PG_SUPERUSER", "postgres")
    entries = _entries(3)
    with _pg_connect(superuser) as conn:
        conn.execute("SET session_replication_role = replica")  # triggers off
        conn.execute(
            "UPDATE core_auditentry SET actor_label = 'someone else' WHERE id = %s",
            [entries[1].pk],
        )
    assert AuditEntry.objects.get(pk=entries[1].pk).actor_label == "someone else"
    assert _codes(verify_chain()) == [("entry_altered", entries[1].pk)]


@postgres_only
def test_postgres_a_grant_or_a_disabled_trigger_is_reported(app_role: str) -> None:
    _entries(1)
    assert verify_chain().ok
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, TRUNCATE ON core_auditentry TO {app_role}")
        try:
            problems = [str(p) for p in verify_chain().problems]
        finally:
            cursor.execute(f"REVOKE UPDATE, TRUNCATE ON core_auditentry FROM {app_role}")
        assert problems == [
            f"[privileges] the application's role {app_role} may UPDATE the audit table",
            f"[privileges] the application's role {app_role} may TRUNCATE the audit table",
        ]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE core_auditentry DISABLE TRIGGER {POSTGRES_TRIGGER}")
        try:
            codes = _codes(verify_chain())
        finally:
            cursor.execute(f"ALTER TABLE core_auditentry ENABLE TRIGGER {POSTGRES_TRIGGER}")
        assert codes == [("guard_missing", None)]


@postgres_only
def test_postgres_concurrent_writers_never_fork_the_chain(transactional_db: Any) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(15):
                audit("test.concurrent", actor=None, actor_label="system", worker=worker, i=i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.ok and report.count == 60
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 60
