"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit log, whoever asks."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit entries are never edited or deleted';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER core_audit_append_only
            BEFORE UPDATE OR DELETE ON core_auditentry
            FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
        """
    )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS core_audit_append_only ON core_auditentry;"
        "DROP FUNCTION IF EXISTS core_audit_append_only();"
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
