from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alliance_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"
