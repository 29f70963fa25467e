from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "alliance_portal.pages"
    label = "pages"
    verbose_name = "Public pages"
