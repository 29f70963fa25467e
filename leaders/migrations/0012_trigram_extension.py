from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """pg_trgm, for finding leaders' names despite a typing slip; nothing elsewhere.

    Django's operation already does nothing forwards on another database; this one
    does nothing backwards there either.
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("leaders", "0011_dates_in_range"),
    ]

    operations = [TrigramExtensionOnPostgreSQL()]
