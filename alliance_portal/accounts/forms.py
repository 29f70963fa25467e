"""Sign-in and password forms in the GOV.UK layout, with our own wording."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.urls import reverse

from alliance_portal.notifications.services import email_queue

from . import lockout


class GovukFormMixin:
    """The layout of `pages.forms.StepForm` for Django's own auth forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's own <form> has the token
        self.helper.label_size = Size.SMALL


class SignInForm(GovukFormMixin, auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "The email address or password is not right. Check them and try again, "
            "or reset your password"
        ),
        "inactive": "This account cannot sign in. Contact your alliance's coordinator",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = "Email address"
        username.widget = forms.EmailInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}
        )
        username.error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        if lockout.client_ceiling_reached(self.request):
            raise forms.ValidationError(lockout.locked_message(), code="locked")
        try:
            # django-axes refuses a locked account-and-client pair in authenticate().
            return super().clean()
        except forms.ValidationError:
            lockout.record_client_failure(self.request)
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(lockout.locked_message(), code="locked") from None
            raise


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "Your current password is not right. Enter it again",
        "password_mismatch": "The two new passwords do not match. Enter the same password twice",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password2"].label = "Enter the new password again"
        self.fields["new_password1"].help_text = PASSWORD_HINT


PASSWORD_HINT = (
    f"At least {settings.PASSWORD_MIN_LENGTH} characters, not only numbers, not a common "
    "password, and without your name or email address. Three random words make a strong one."
)


class SetPasswordForm(GovukFormMixin, auth_forms.SetPasswordForm):
    request = None  # set by the view, to clear a lock on the client that sets the password
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": "The two passwords do not match. Enter the same password twice",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Password"
        self.fields["new_password1"].help_text = PASSWORD_HINT
        self.fields["new_password2"].label = "Enter the password again"

    def save(self, commit=True):
        user = super().save(commit)
        if self.request is not None:
            lockout.clear_for(self.request, user.email)
        return user


class PasswordResetForm(GovukFormMixin, auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = "Email address"
        email.error_messages["required"] = "Enter your email address"
        email.error_messages["invalid"] = "Enter an email address, like name@school.example.org"

    def get_users(self, email):
        # Invited leaders who never set a password may reset it too, so an
        # invitation that got lost does not need a coordinator.
        user_model = auth_forms.UserModel
        return user_model._default_manager.filter(email__iexact=email, is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        path = reverse(
            "accounts:password-reset-confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        email_queue(
            to=to_email,
            template="password_reset",
            context={
                "user": context["user"],
                "reset_url": settings.SITE_URL + path,
                "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
            },
            topic="password-reset",
        )
