from django.apps import AppConfig


class ReuniteConfig(AppConfig):
    name = "showup.reunite"
    label = "reunite"
    verbose_name = "Reunite"

    def ready(self) -> None:
        """Plug reunite into core: its retention purger, notification kinds and audit labels."""
        from showup.core.registry import register_audit_labels, register_purger
        from showup.reunite import notify
        from showup.reunite.retention import ReportPurger
        from showup.reunite.selectors import ACTION_LABELS

        register_purger(ReportPurger())
        notify.register()
        register_audit_labels(ACTION_LABELS)
