from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "showup.core"
    label = "core"
    verbose_name = "Core"
