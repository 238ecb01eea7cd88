from django.apps import AppConfig


class ReuniteConfig(AppConfig):
    name = "showup.reunite"
    label = "reunite"
    verbose_name = "Reunite"

    def ready(self) -> None:
        """Plug reunite into core: its retention purger, notification kinds and audit labels."""
        from showup.core.registry import (
            register_audit_labels,
            register_photo_references,
            register_purger,
        )
        from showup.reunite import notify
        from showup.reunite.retention import ReportPurger, photos_named
        from showup.reunite.selectors import ACTION_LABELS

        register_purger(ReportPurger())
        register_photo_references("reunite.reports", photos_named)
        notify.register()
        register_audit_labels(ACTION_LABELS)
