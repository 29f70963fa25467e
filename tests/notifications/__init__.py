"""A real SMTP server on loopback for the outbox tests.

Each test module wraps `running_smtp_server` in its own `smtp_server` fixture.
"""

import contextlib
import email
import email.policy
import socket

from aiosmtpd.controller import Controller


class RecordingHandler:
    """Accepts and keeps every message, or refuses them all while `refusal` is set."""

    def __init__(self):
        self.messages = []
        self.refusal = None
        self.recipient_refusal = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.recipient_refusal:
            return self.recipient_refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusal:
            return self.refusal
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, controller, handler):
        self.controller = controller
        self.handler = handler
        self.port = controller.port
        self.running = True

    @property
    def messages(self):
        return self.handler.messages

    def refuse(self, reply="451 4.3.0 Try again later"):
        self.handler.refusal = reply

    def refuse_recipients(self, reply="550 5.1.1 No such mailbox here"):
        """Refuse every address at RCPT, as a server does for a mailbox it does not have."""
        self.handler.recipient_refusal = reply

    def accept(self):
        self.handler.refusal = None
        self.handler.recipient_refusal = None

    def stop(self):
        if self.running:
            self.controller.stop()
            self.running = False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_smtp_server(settings):
    """Start an SMTP server on 127.0.0.1 and point Django's SMTP backend at it."""
    handler = RecordingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    server = SMTPServer(controller, handler)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
