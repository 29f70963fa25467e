"""Every submission happens once: a one-time key in each final step's form.

The form carries a random key in a hidden field (`{% submission_key %}`).
The view runs what the form does through `submit_once`, which claims the key
in the same transaction. A second POST with the same key, at the same moment
or later, creates nothing: it is answered with the same confirmation as the
first. On PostgreSQL the second claim waits on the unique index until the
first transaction ends, then finds the first one's row; if the first failed
and rolled back, the key is free again and the second goes ahead.

A POST without a key (an old page, a script) is handled as before, once per
POST. Only whoever sent the form (the same session, or the same signed-in
user) is shown its confirmation again; anyone else replaying a key gets a 400.
A form sent before its visitor had any session (become-a-leader, on a first
visit) is tied to the key alone, which was only ever on the sender's page.
"""

import hashlib
import re
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from .models import Submission

FIELD_NAME = "submission_key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def posted_key(request: HttpRequest) -> str | None:
    """The key the form carried, if it is one of ours in shape."""
    key = request.POST.get(FIELD_NAME, "")
    return key if KEY_PATTERN.fullmatch(key) else None


def _owner(request: HttpRequest) -> str:
    """Who is sending: the user, or the session; "" for a first visit with no session yet."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = f"user:{user.pk}"
    elif request.session.session_key:
        who = f"session:{request.session.session_key}"
    else:
        return ""  # the key alone identifies the sender (it was only ever on their page)
    return hashlib.sha256(f"{settings.SECRET_KEY}:{who}".encode()).hexdigest()


def _check_owner(claim: Submission, request: HttpRequest) -> None:
    if claim.owner and claim.owner != _owner(request):
        raise SuspiciousOperation("A submission key from another session was posted.")


def earlier(request: HttpRequest, kind: str) -> Submission | None:
    """The submission this POST's key already made, when the same sender made it."""
    key = posted_key(request)
    if key is None:
        return None
    claim = Submission.objects.filter(kind=kind, key=key).first()
    if claim is not None:
        _check_owner(claim, request)
    return claim


def submit_once(
    request: HttpRequest,
    *,
    kind: str,
    submit: Callable[[], Model],
    confirm: Callable[[int | None], HttpResponse],
) -> HttpResponse:
    """Run `submit()` at most once for the POST's key and answer with `confirm(pk)`.

    `submit` returns the object it created (its pk is kept with the key); an
    exception from it (a validation error, say) rolls the claim back with
    everything else, so the form can be corrected and sent again.
    `confirm` receives the object's pk, the first time and on every repeat.
    """
    key = posted_key(request)
    if key is None:
        return confirm(submit().pk)
    owner = _owner(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = Submission.objects.create(kind=kind, key=key, owner=owner)
        except IntegrityError:
            claim = None  # sent already: by now the first POST's transaction has committed
        else:
            claim.object_id = submit().pk
            claim.save(update_fields=["object_id"])
            return confirm(claim.object_id)
    claim = Submission.objects.get(kind=kind, key=key)
    _check_owner(claim, request)
    return confirm(claim.object_id)
