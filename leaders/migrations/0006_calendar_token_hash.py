"""Keep only a hash of each leader's calendar secret (0010 then withdraws the links made
before, which the admin's filters exposed)."""

import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    Leader = apps.get_model("leaders", "Leader")
    for leader in Leader.objects.exclude(calendar_token=None).only("pk", "calendar_token"):
        digest = hashlib.sha256(leader.calendar_token.encode()).hexdigest()
        Leader.objects.filter(pk=leader.pk).update(calendar_token_hash=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("leaders", "0005_leader_calendar_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="leader",
            name="calendar_token_hash",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "The SHA-256 of the secret in the leader's private calendar link; empty until "
                    "they ask for one. The secret itself is shown to the leader once and never "
                    "stored."
                ),
                max_length=64,
                null=True,
                unique=True,
            ),
        ),
        # Irreversible by nature: a hash cannot give the secret back.
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="leader", name="calendar_token"),
    ]
