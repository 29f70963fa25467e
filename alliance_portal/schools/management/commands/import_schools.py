"""`manage.py import_schools PATH`: load or refresh schools from the register's CSV.

A thin wrapper over `alliance_portal.schools.importer.import_register`, which
holds the logic so it can be called and tested without a command line.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from alliance_portal.schools.importer import ImportResult, RegisterFileError, import_register


class Command(BaseCommand):
    help = (
        "Import the national schools register (GIAS 'all establishment data' CSV). "
        "New schools are added and changed ones updated by URN; schools missing from "
        "the file are left alone. Bad rows are skipped and listed with their line number. "
        "A file that cannot be read correctly (its encoding in doubt, a column or a URN "
        "twice, a cell or a line far too long) is refused with a reason and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The register CSV file (Windows-1252 or UTF-8).")

    def handle(self, *args, path, verbosity, **options):
        try:
            result = import_register(path, progress=_wants_progress(verbosity))
        except RegisterFileError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(
                f"The database failed during the import, so nothing was changed: {error}"
            ) from error
        for line, reason in result.skipped_rows:
            self.stderr.write(f"line {line}: {reason}")
        if verbosity > 0:
            self._report(result)

    def _report(self, result: ImportResult) -> None:
        self.stdout.write(
            f"Created {result.created}, updated {result.updated}, "
            f"unchanged {result.unchanged}, skipped {result.skipped}."
        )
        if result.local_authorities_created or result.local_authorities_renamed:
            self.stdout.write(
                f"Local authorities: {result.local_authorities_created} added, "
                f"{result.local_authorities_renamed} renamed."
            )
        if result.trusts_created or result.trusts_renamed:
            self.stdout.write(
                f"Trusts: {result.trusts_created} added, {result.trusts_renamed} renamed."
            )
        if result.schools_flagged:
            self.stdout.write(
                f"Flagged for coordinators: {result.schools_flagged} "
                f"school{'s' if result.schools_flagged > 1 else ''} with open requests or "
                "leaders that closed or moved local authority."
            )
        if not result.changed:
            self.stdout.write("Nothing changed: the database already matched the file.")


def _wants_progress(verbosity: int) -> bool:
    """A progress bar helps a person watching a terminal and garbles logs and pipes."""
    return verbosity > 0 and sys.stderr.isatty()
