from django.apps import AppConfig


class ReuniteConfig(AppConfig):
    name = "showup.reunite"
    label = "reunite"
    verbose_name = "Reunite"
