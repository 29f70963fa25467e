"""One-time links, each kind with a generator of its own.

A password-reset link and an invitation link are both Django's
`PasswordResetTokenGenerator` (the token stops working once the password
changes or the person signs in), but with different salts, so a link of one
kind never works at the other's address: a reset link opened as an
invitation does not sign anyone in.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "alliance_portal.accounts.tokens.InvitationTokenGenerator"


class PortalPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "alliance_portal.accounts.tokens.PortalPasswordResetTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()
password_reset_token_generator = PortalPasswordResetTokenGenerator()
