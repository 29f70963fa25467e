from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "alliance_portal.demo"
    label = "demo"
    verbose_name = "Demo and benchmark data"
