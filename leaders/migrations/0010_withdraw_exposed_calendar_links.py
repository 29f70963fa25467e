"""Withdraw every calendar link made before the secret was hashed.

Until then any coordinator could read a leader's calendar secret through the
admin's list filters, so those links must be treated as known to others. The
leaders make a new link on /my/calendar/ (it is shown once, and only its hash
is kept).
"""

from django.db import migrations


def withdraw(apps, schema_editor):
    apps.get_model("leaders", "Leader").objects.exclude(calendar_token_hash=None).update(
        calendar_token_hash=None
    )


class Migration(migrations.Migration):
    dependencies = [("leaders", "0009_designation_refused")]

    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop, elidable=True)]
