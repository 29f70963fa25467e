from django.db import migrations


def store_uncompressed(apps, schema_editor):
    """On PostgreSQL, keep export pieces as they are: compressing a CSV piece by piece on
    the way in (TOAST's pglz) cost more than writing it, and a workbook is zipped already."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("reports", "ExportChunk")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTERNAL")


def store_compressed(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("reports", "ExportChunk")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN data SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(store_uncompressed, store_compressed)]
