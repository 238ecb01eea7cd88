"""On PostgreSQL, the application's role may read and append to the audit log, nothing more.

Migrations run as the owner role (docs/operations.md, database roles); the application
connects as settings.AUDIT_DB_APP_ROLE (default `showup_app`). When that role exists, this
grants it the ordinary rights on every table and sequence (and, through default privileges,
on those later migrations create), then takes back UPDATE, DELETE and TRUNCATE on the audit
table, from it and from PUBLIC. It owns nothing, so it can ALTER or DROP nothing. Without the
role (a single-role development database) only PUBLIC loses those rights.
"""

from django.conf import settings
from django.db import migrations

REVOKE = "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON core_auditentry FROM {who}"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    role = getattr(settings, "AUDIT_DB_APP_ROLE", "showup_app")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
    schema_editor.execute(REVOKE.format(who="PUBLIC"))
    if not exists:
        return
    app = connection.ops.quote_name(role)
    for sql in (
        f"GRANT USAGE ON SCHEMA public TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        REVOKE.format(who=app),
        f"GRANT SELECT, INSERT ON core_auditentry TO {app}",
    ):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_audit_hash_chain")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
