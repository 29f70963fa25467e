from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "alliance_portal.privacy"
    label = "privacy"
    verbose_name = "Privacy"
