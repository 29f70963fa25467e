from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "alliance_portal.schools"
    label = "schools"
    verbose_name = "Schools and alliances"
