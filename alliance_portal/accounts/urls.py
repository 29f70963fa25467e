from django.urls import path

from alliance_portal.pages.protection import protect_public_form

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path(
        "password/reset/",
        protect_public_form("password-reset")(views.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("session/", views.session_time, name="session"),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
]
