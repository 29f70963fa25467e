"""Work the sign-in pages hand to the worker, so their answer gives nothing away."""

from django_tasks import task


@task()
def send_password_reset(email: str):
    """Email a reset link if an active account uses `email`; otherwise do nothing.

    The reset page enqueues this for every well-formed address and answers at
    once, so a known address and an unknown one cost the request the same
    work, take the same time and get the same words.
    """
    from .forms import PasswordResetForm
    from .tokens import password_reset_token_generator

    form = PasswordResetForm({"email": email})
    if form.is_valid():
        # The links are built from SITE_URL (PasswordResetForm.send_mail), not a host.
        form.save(domain_override="unused", token_generator=password_reset_token_generator)
