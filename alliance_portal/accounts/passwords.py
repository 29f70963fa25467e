"""A password may not carry the person's email name or their own name."""

import re

from django.core.exceptions import ValidationError

# Shorter pieces of a name ("Jo", "Li") turn up inside ordinary words.
SHORTEST_PART = 4


def _letters_and_digits(text):
    return re.sub(r"[^0-9a-z]", "", (text or "").lower())


class NotLikeTheAccountValidator:
    """Refuse a password containing the email address's name (before the @), a piece of
    it, or the person's name, letter case and punctuation aside ("Jo.Bloggs" in
    "jobloggs-2026")."""

    def validate(self, password, user=None):
        if user is None:
            return
        email = getattr(user, "email", "") or ""
        local = email.partition("@")[0]
        parts = [local, *re.split(r"[._+-]", local)]
        name = getattr(user, "full_name", "") or ""
        parts += [name, *name.split()]
        squeezed = _letters_and_digits(password)
        for part in {_letters_and_digits(p) for p in parts}:
            if len(part) >= SHORTEST_PART and part in squeezed:
                raise ValidationError(
                    "Choose a password that does not contain your name or email address",
                    code="password_like_account",
                )

    def get_help_text(self):
        return "Your password cannot contain your name or your email address."
