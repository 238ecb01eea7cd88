from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "showup.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from showup.core.registry import register_purger
        from showup.core.retention import IdempotencyKeyPurger

        register_purger(IdempotencyKeyPurger())
