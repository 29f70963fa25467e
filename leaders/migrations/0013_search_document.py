import django.contrib.postgres.search
from django.db import migrations


def fill_documents(apps, schema_editor):
    """Every leader's document, written once (PostgreSQL; nothing on SQLite)."""
    from leaders.search import refresh_search_documents

    if schema_editor.connection.vendor == "postgresql":
        refresh_search_documents()


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("leaders", "0012_trigram_extension"),
    ]

    operations = [
        migrations.AddField(
            model_name="leader",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        # A GIN index answers a full-text match without reading every row.
        migrations.RunPython(
            on_postgresql(
                "CREATE INDEX leader_search_document_idx ON leaders_leader "
                "USING gin (search_document)"
            ),
            on_postgresql("DROP INDEX IF EXISTS leader_search_document_idx"),
        ),
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
    ]
