"""On SQLite, triggers refuse UPDATE and DELETE on the audit log too."""

from django.db import migrations

from showup.core.audit_guard import install_sqlite_guards, remove_sqlite_guards


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        install_sqlite_guards(schema_editor.execute)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        remove_sqlite_guards(schema_editor.execute)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
