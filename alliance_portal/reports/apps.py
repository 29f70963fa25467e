from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "alliance_portal.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from .snapshots import connect_signals

        connect_signals()
