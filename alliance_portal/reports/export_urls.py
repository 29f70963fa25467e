from django.contrib import admin
from django.urls import path

from . import export_views as views

app_name = "exports"

wrap = admin.site.admin_view

urlpatterns = [
    path("", wrap(views.export_list), name="list"),
    path("<uuid:export_id>/", wrap(views.export_detail), name="detail"),
    path("<uuid:export_id>/status/", wrap(views.export_status), name="status"),
    path("<uuid:export_id>/download/", wrap(views.export_download), name="download"),
]
