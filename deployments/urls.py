"""Public pages of the deployments app: the school's evaluation behind a private link."""

from django.urls import path

from . import feedback

app_name = "deployments"

urlpatterns = [
    path("feedback/<str:token>/", feedback.evaluation, name="evaluation"),
]
