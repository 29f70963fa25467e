from django.apps import AppConfig


class SupportRequestsConfig(AppConfig):
    # The folder is `requests`, which would clash with the PyPI package of that
    # name as an app label; the label is what migrations and tables use.
    name = "requests"
    label = "support_requests"
    verbose_name = "Support requests"
