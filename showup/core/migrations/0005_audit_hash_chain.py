"""The audit log becomes a hash chain: each entry carries the hash of the one before.

Existing entries are chained in id order. The append-only triggers refuse the UPDATE that
writes their hashes, so they are lifted for the backfill and put back at once, inside this
migration's transaction (on SQLite, with a new guard that refuses `INSERT OR REPLACE`).
"""

import django.utils.timezone
from django.db import migrations, models

from showup.core.audit_guard import install_guards, remove_guards
from showup.core.audit_hash import GENESIS, entry_digest


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEntry = apps.get_model("core", "AuditEntry")
    vendor = schema_editor.connection.vendor
    remove_guards(vendor, schema_editor.execute)
    prev_hash = GENESIS
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        entry_hash = entry_digest(
            prev_hash=prev_hash,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            agency_id=entry.agency_id,
            data=entry.data,
        )
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev_hash, entry_hash=entry_hash)
        prev_hash = entry_hash
    install_guards(vendor, schema_editor.execute)


def unchain(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The columns go with the reverse of AddField; only the SQLite REPLACE guard is new here.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_audit_no_replace")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_trust_rules")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.RunPython(backfill, unchain),
    ]
