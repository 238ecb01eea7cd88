from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "showup.visits"
    label = "visits"
    verbose_name = "Visits"
