"""Helpers for the privacy tests: find a person's details anywhere in the database."""

from django.db import connection


def tables_holding(*texts):
    """Every table with a row whose text holds any of `texts` (letter case aside)."""
    wanted = [text.lower() for text in texts if text]
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                cells = " ".join(str(value).lower() for value in row if value is not None)
                if any(text in cells for text in wanted):
                    found.add(table)
                    break
    return found
