from django.apps import AppConfig


class ChasersConfig(AppConfig):
    name = "alliance_portal.chasers"
    label = "chasers"
    verbose_name = "Reminders"
