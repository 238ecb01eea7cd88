from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    name = "showup.stories"
    label = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        """Plug stories into core: retention purger, notification kinds, audit labels,
        periodic follow-up reminders (registered by the modules below as they are built)."""
