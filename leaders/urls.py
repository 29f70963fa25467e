from django.urls import path

from . import calendar, views

app_name = "leaders"

urlpatterns = [
    path("leaders/", views.directory, name="directory"),
    path("leaders/<int:pk>/", views.detail, name="detail"),
    path("become-a-leader/", views.apply, name="apply"),
    path("become-a-leader/sent/", views.apply_sent, name="apply-sent"),
    path("calendar/<slug:token>.ics", calendar.feed, name="calendar-feed"),
]
