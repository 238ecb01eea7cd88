"""On SQLite, triggers refuse UPDATE and DELETE on the audit log too."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    for op in ("UPDATE", "DELETE"):
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS core_audit_no_{op.lower()} BEFORE {op} ON core_auditentry "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are never edited or deleted'); END;"
        )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "sqlite":
        return
    for op in ("update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS core_audit_no_{op}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
