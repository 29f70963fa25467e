"""Signing in and out, changing and resetting passwords, accepting an invitation.

Django's auth views with our templates and wording. Everyone signs in at
/accounts/login/ (the admin's login page sends people here) and lands where
their work is.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alliance_portal.middleware import mark_active, session_seconds_left

from . import forms
from .tasks import send_password_reset
from .tokens import invitation_token_generator, password_reset_token_generator


def landing_url(user):
    """Where a user's work is: the admin for staff, /my/ for a leader, else the home page."""
    if user.is_staff:
        return reverse("admin:index")
    if hasattr(user, "leader"):
        return reverse("portal:dashboard")
    return reverse("home")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.SignInForm

    def get_default_redirect_url(self):
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]
    next_page = reverse_lazy("accounts:login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next_url": landing_url(self.request.user)}


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. Whether the address has an account is decided by the
    worker (`tasks.send_password_reset`): here every address costs the same."""

    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        send_password_reset.enqueue(form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class SetsPasswordMixin:
    """The form learns the request, so a new password clears the lock on this client."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.request = self.request
        return form


class PasswordResetConfirmView(SetsPasswordMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set.html"
    form_class = forms.SetPasswordForm
    token_generator = password_reset_token_generator
    success_url = reverse_lazy("accounts:password-reset-complete")
    extra_context = {"page_title": "Choose a new password", "button": "Save password"}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class InvitationView(SetsPasswordMixin, auth_views.PasswordResetConfirmView):
    """A leader's invitation link: set a password, be signed in, land on /my/."""

    template_name = "accounts/password_set.html"
    form_class = forms.SetPasswordForm
    token_generator = invitation_token_generator
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    extra_context = {
        "page_title": "Set your password",
        "button": "Set password",
        "invitation": True,
    }

    def get_success_url(self):
        return landing_url(self.user)


def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin's login page: one sign-in page (with its lockout) serves everyone."""
    url = reverse("accounts:login")
    if "next" in request.GET:
        url += "?" + urlencode({"next": request.GET["next"]})
    return HttpResponseRedirect(url)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def session_time(request: HttpRequest) -> JsonResponse:
    """How long this session has before it signs out, for the admin's warning.

    Asking (GET) is not activity, so an open tab does not keep a session alive;
    POST is "stay signed in" and counts from now. A session that has ended says
    so: the sign-in page is then the way on.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0, "can_extend": False})
    if request.method == "POST":
        mark_active(request)
    seconds_left, can_extend = session_seconds_left(request)
    return JsonResponse({"signed_in": True, "seconds_left": seconds_left, "can_extend": can_extend})
