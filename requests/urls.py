from django.urls import path

from . import views

app_name = "requests"

urlpatterns = [
    path("request-support/", views.start, name="start"),
    path("request-support/school/", views.school, name="school"),
    path("request-support/school/not-listed/", views.school_by_hand, name="school-by-hand"),
    path(
        "request-support/school/suggestions/",
        views.school_suggestions,
        name="school-suggestions",
    ),
    path("request-support/contact/", views.contact, name="contact"),
    path("request-support/need/", views.need, name="need"),
    path("request-support/check/", views.check, name="check"),
    path("request-support/sent/", views.sent, name="sent"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/withdraw/", views.withdraw, name="withdraw"),
]
