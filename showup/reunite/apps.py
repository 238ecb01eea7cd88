from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReuniteConfig(AppConfig):
    name = "showup.reunite"
    label = "reunite"
    verbose_name = "Reunite"

    def ready(self) -> None:
        """Plug reunite into core: its retention purger, notification kinds, audit labels and
        closed reports as encounters that can lead to an invitation to an event."""
        from showup.core.registry import (
            register_audit_labels,
            register_encounter_kind,
            register_photo_references,
            register_purger,
        )
        from showup.reunite import notify
        from showup.reunite.encounters import KIND, report_encounter
        from showup.reunite.retention import ReportPurger, photos_named
        from showup.reunite.selectors import ACTION_LABELS

        register_purger(ReportPurger())
        register_photo_references("reunite.reports", photos_named)
        notify.register()
        register_audit_labels(ACTION_LABELS)
        register_encounter_kind(KIND, report_encounter, _("Reunited or closed report"))
