from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "showup.stories"
    label = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        """Plug stories into core: retention purgers, notification kinds, audit labels,
        the periodic follow-up reminders and the coordinator's overdue section."""
        from showup.stories import followups, notes, notify, services

        followups.register()
        notes.register()
        notify.register()
        services.register()
