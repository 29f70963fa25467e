"""`manage.py personal_data export|erase EMAIL`: a subject access export, or erasure.

    manage.py personal_data export amira@example.org > amira.json
    manage.py personal_data export amira@example.org --output amira.json
    manage.py personal_data erase amira@example.org            # says what it would do
    manage.py personal_data erase amira@example.org --yes      # does it

Erasure goes through the same anonymiser as the retention. It is refused,
changing nothing, while the person still has work under way.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from alliance_portal.privacy.anonymise import OpenRecords, erase_person
from alliance_portal.privacy.export import export_json


class Command(BaseCommand):
    help = "Export everything the portal keeps about one person, or erase their details."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("email", help="The person's email address (any letter case).")
        parser.add_argument("--output", type=Path, help="export: write the file here.")
        parser.add_argument("--yes", action="store_true", help="erase: really erase.")

    def handle(self, *args, action, email, output, yes, **options):
        try:
            validate_email(email.strip())
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        if action == "export":
            text = export_json(email)
            if output:
                output.write_text(text, encoding="utf-8")
                self.stderr.write(f"Wrote everything about {email} to {output}.")
            else:
                self.stdout.write(text)
            return
        try:
            summary = erase_person(email, dry_run=not yes)
        except OpenRecords as refusal:
            raise CommandError(
                f"Not erased: {email} still has work under way: {'; '.join(refusal.reasons)}."
            ) from None
        if not summary.requests and not summary.leaders and not yes:
            self.stdout.write(f"{email} is a contact on no request and no leader's address.")
        if not yes:
            self.stdout.write(
                f"Would erase {email}: {len(summary.requests)} requests as the school's contact"
                f"{', and their leader record' if summary.leaders else ''}, and "
                f"{summary.export_files} export files kept from the last "
                f"{settings.EXPORT_KEEP_HOURS} hours (any may hold their details). "
                "Run again with --yes to erase."
            )
            return
        self.stdout.write(f"Erased {email}.")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
