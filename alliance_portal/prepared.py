"""Queries whose SQL is built once per process, then run again with other values.

Building a queryset's SQL costs far more than a small query takes to run: a
leader's public page spent 4 ms of CPU compiling its four querysets and 0.1 ms
on each query. A `Prepared` query is written as an ordinary queryset, as a
function of the values that change (a leader's id); the first time a database
runs it, the function is called with stand-ins for those values and compiled,
and after that only the parameters are swapped. The SQL is the ORM's own, so
what the queryset means (who is listed, say) stays written in one place.

Rows come back as `values_list` gives them, through the same converters. Only
the values passed in change: whatever else the queryset reads when it is built
(the clock, a setting) stays as it was the first time, so such a value must be
passed in too.
"""

import threading

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

# Stand-ins for the values while the SQL is built: whole numbers far beyond any id
# here, each different (the ORM drops repeats from an IN list), within a 32-bit integer.
_STAND_INS = tuple(2_147_400_000 + n for n in range(64))


class Prepared:
    """`build(*values)` returns a `values_list` queryset; `rows(*values)` runs it."""

    def __init__(self, build):
        self.build = build
        self.compiled = {}
        self.lock = threading.Lock()

    def rows(self, *values, using=DEFAULT_DB_ALIAS):
        connection = connections[using]
        low, high = connection.ops.integer_field_range("BigIntegerField")
        if any(type(value) is int and not low <= value <= high for value in values):
            # No row holds such a number: as the ORM's lookups find nothing for it,
            # rather than hand the driver more than it can send (SQLite would raise).
            return []
        sql, params, slots, converters = self._compiled(using, len(values))
        params = list(params)
        for position, which in slots:
            params[position] = values[which]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        # As the compiler's apply_converters, with this thread's connection.
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def _compiled(self, using, count):
        key = (using, count)
        found = self.compiled.get(key)
        if found is None:
            with self.lock:
                found = self.compiled.get(key) or self._compile(using, count)
                self.compiled[key] = found
        return found

    def _compile(self, using, count):
        if count > len(_STAND_INS):
            raise ImproperlyConfigured(f"A prepared query takes at most {len(_STAND_INS)} values.")
        stand_ins = _STAND_INS[:count]
        queryset = self.build(*stand_ins).using(using)
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        slots = [
            (position, stand_ins.index(param))
            for position, param in enumerate(params)
            if type(param) is int and param in stand_ins
        ]
        if {which for _, which in slots} != set(range(count)):
            raise ImproperlyConfigured(
                "A prepared query must use each of its values as a parameter of its SQL."
            )
        fields = [select[0] for select in compiler.select[: compiler.col_count]]
        return sql, tuple(params), slots, list(compiler.get_converters(fields).items())
