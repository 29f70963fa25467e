from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "alliance_portal.notifications"
    label = "notifications"
    verbose_name = "Email outbox"
