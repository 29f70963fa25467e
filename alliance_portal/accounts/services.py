"""Writes about accounts that have side effects: inviting a leader to sign in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alliance_portal.notifications.services import email_queue
from leaders.models import Leader

from .models import User
from .tokens import invitation_token_generator


def invitation_url(user):
    """A one-time link to set a password: it stops working once used or after the timeout."""
    path = reverse(
        "accounts:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


@transaction.atomic
def leader_invite(*, leader: Leader, actor: User) -> User:
    """Give the leader a login (if they have none) and email them a link to set a password.

    The login is a plain account (not staff) with the leader's email and an
    unusable password. Inviting again sends a fresh link. Refused when the
    leader's email belongs to a staff account or another leader's login, or
    the leader's login was deactivated.
    """
    invited = leader
    leader = (
        Leader.objects.select_for_update(of=("self",)).select_related("user").get(pk=invited.pk)
    )
    user = leader.user
    if user is None:
        user = User.objects.filter(email__iexact=leader.email).first()
        if user is None:
            user = User(email=leader.email, full_name=leader.full_name)
            user.set_unusable_password()
            user.full_clean()
            user.save()
        elif user.is_staff or Leader.objects.filter(user=user).exists():
            raise ValidationError(
                f"{leader.email} already signs in as someone else; "
                "change the leader's email or link their login by hand."
            )
        leader.user = user
        leader.save(update_fields=["user", "updated_at"])
        invited.user = user
    elif not user.is_active:
        raise ValidationError(f"{leader}'s login is deactivated; reactivate it first.")

    email_queue(
        to=user.email,
        template="leader_invitation",
        context={
            "leader": leader,
            "actor": actor,
            "invitation_url": invitation_url(user),
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        },
        topic="leader-invitation",
    )
    return user
