"""The reset page answers a known and an unknown address alike; reset and invitation
links are not interchangeable.

The work done for the request (its SQL, its answer, what it writes) is the same
for both addresses, and no email is written or sent inside the request: the
worker decides, later, whether there is anyone to write to. `make bench`
reports the two timings.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alliance_portal.accounts.tokens import (
    invitation_token_generator,
    password_reset_token_generator,
)
from alliance_portal.notifications.models import OutboundEmail
from tests.conftest import run_worker
from tests.factories import UserFactory
from tests.notifications import running_smtp_server

pytestmark = pytest.mark.django_db(transaction=True)

RESET = "/accounts/password/reset/"


def shape(sql):
    """A statement with its values left out: what work it is, not on what."""
    sql = re.sub(r"'[^']*'", "?", sql)
    return re.sub(r"\b\d+\b", "?", sql)


def ask_for_reset(client, email):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(RESET, {"email": email})
    followed = client.get(response.url)
    return response, followed, [shape(query["sql"]) for query in queries.captured_queries]


def test_known_and_unknown_addresses_cost_the_request_the_same(client, worker_backend):
    UserFactory(email="amira@example.org")

    known = ask_for_reset(client, "amira@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")

    assert known[0].status_code == unknown[0].status_code == 302
    assert known[0].url == unknown[0].url
    assert known[1].content == unknown[1].content
    # The same statements, in the same order: one task row written, nothing looked up.
    assert known[2] == unknown[2]
    assert not any("accounts_user" in sql for sql in known[2])
    # Nothing is written to the outbox inside either request.
    assert not OutboundEmail.objects.exists()


def test_the_worker_writes_only_to_a_real_account(client, worker_backend, settings):
    UserFactory(email="amira@example.org")
    with running_smtp_server(settings) as server:
        client.post(RESET, {"email": "Amira@Example.org"})
        client.post(RESET, {"email": "nobody@example.org"})
        assert server.messages == []

        run_worker()  # looks the addresses up, queues one email and enqueues its delivery
        run_worker()  # delivers it

        assert [recipients for _, recipients, _ in server.messages] == [["amira@example.org"]]
    email = OutboundEmail.objects.get()
    assert (email.to, email.topic, email.status) == ("amira@example.org", "password-reset", "sent")


def test_no_smtp_connection_is_opened_while_answering(
    client, worker_backend, settings, monkeypatch
):
    UserFactory(email="amira@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    opened = []
    monkeypatch.setattr(
        "django.core.mail.backends.smtp.EmailBackend.open", lambda self: opened.append(1)
    )

    client.post(RESET, {"email": "amira@example.org"})

    assert opened == []


def link_for(user, view, generator):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(view, kwargs={"uidb64": uid, "token": generator.make_token(user)})


def test_a_reset_link_does_not_work_as_an_invitation(client):
    user = UserFactory(email="amira@example.org")
    reset_token_at_invitation = link_for(
        user, "accounts:invitation", password_reset_token_generator
    )

    page = client.get(reset_token_at_invitation, follow=True)
    posted = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else reset_token_at_invitation,
        {"new_password1": "violet-kettle-umbrella", "new_password2": "violet-kettle-umbrella"},
    )

    assert "This link does not work" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert posted.status_code == 200
    user.refresh_from_db()
    assert not user.check_password("violet-kettle-umbrella")


def test_an_invitation_link_does_not_work_as_a_reset(client):
    user = UserFactory(email="amira@example.org")
    invitation_at_reset = link_for(
        user, "accounts:password-reset-confirm", invitation_token_generator
    )

    page = client.get(invitation_at_reset, follow=True)

    assert "This link does not work" in page.content.decode()


def test_each_link_works_at_its_own_address(client):
    user = UserFactory(email="amira@example.org")

    invitation = client.get(
        link_for(user, "accounts:invitation", invitation_token_generator), follow=True
    )
    reset = client.get(
        link_for(user, "accounts:password-reset-confirm", password_reset_token_generator),
        follow=True,
    )

    assert "Set your password" in invitation.content.decode()
    assert "Choose a new password" in reset.content.decode()
