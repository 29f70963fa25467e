from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("roles/<slug:kind>/", views.role, name="role"),
]
