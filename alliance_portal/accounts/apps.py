from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def keep_coordinator_group_current(sender, using, **kwargs):
    """After every migrate, the Coordinators group holds exactly the rights in groups.py."""
    from django.contrib.auth.management import create_permissions

    from .groups import ensure_coordinator_group

    # Permissions of apps after this one are only created when their own
    # post_migrate runs; make sure they all exist before granting them.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    ensure_coordinator_group()


class AccountsConfig(AppConfig):
    name = "alliance_portal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Register the system checks and the session-start receiver.
        from alliance_portal import checks, middleware  # noqa: F401

        post_migrate.connect(keep_coordinator_group_current, sender=self)
