from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "showup.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from showup.core.audit_chain import AUDIT_LABELS as CHAIN_LABELS
        from showup.core.audit_chain import AuditBrokenKind
        from showup.core.registry import (
            register_audit_labels,
            register_notification_kind,
            register_purger,
        )
        from showup.core.retention import IdempotencyKeyPurger

        register_purger(IdempotencyKeyPurger())

        # Abuse limits: photo files no row names are swept by the retention run; `migrate`
        # creates the database cache's table that the public forms' rate limits count in.
        from django.db.models.signals import post_migrate

        from showup.core.orphans import OrphanPhotoPurger
        from showup.core.ratelimit import create_cache_table

        register_purger(OrphanPhotoPurger())
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="showup.cache_table")
        register_notification_kind(AuditBrokenKind())
        register_audit_labels(CHAIN_LABELS)

        # django.contrib.admin (listed before core) has loaded every app's admin module by now:
        # the ones that do not audit themselves are made to.
        from showup.core.admin import audit_every_admin

        audit_every_admin()

        # Sign-in: lockouts are audited; the account audit codes have readable labels.
        from axes.signals import user_locked_out

        from showup.core.accounts import AUDIT_LABELS, audit_lockout
        from showup.core.registry import register_audit_labels

        register_audit_labels(AUDIT_LABELS)
        user_locked_out.connect(audit_lockout, dispatch_uid="showup.core.audit_lockout")
