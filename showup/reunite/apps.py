from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _board_version_row(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Every agency has its board's version row from the start (migration 0004 gave the
    agencies that existed then theirs), so the board's poll always reads one row."""
    from showup.reunite.models import BoardVersion

    if created:
        BoardVersion.objects.get_or_create(agency_id=instance.pk)


class ReuniteConfig(AppConfig):
    name = "showup.reunite"
    label = "reunite"
    verbose_name = "Reunite"

    def ready(self) -> None:
        """Plug reunite into core: its retention purger, notification kinds, audit labels and
        closed reports as encounters that can lead to an invitation to an event."""
        from showup.core.models import Agency
        from showup.core.registry import (
            register_audit_labels,
            register_encounter_kind,
            register_photo_references,
            register_purger,
        )
        from showup.reunite import notify
        from showup.reunite.encounters import KIND, report_encounter
        from showup.reunite.matching_service import OutboxPurger
        from showup.reunite.retention import ReportPurger, photos_named
        from showup.reunite.selectors import ACTION_LABELS

        register_purger(ReportPurger())
        register_purger(OutboxPurger())
        register_photo_references("reunite.reports", photos_named)
        notify.register()
        register_audit_labels(ACTION_LABELS)
        register_encounter_kind(KIND, report_encounter, _("Reunited or closed report"))
        # core knows no module: reunite listens for core's new agencies, not the other way.
        post_save.connect(_board_version_row, sender=Agency, dispatch_uid="reunite.board_version")
