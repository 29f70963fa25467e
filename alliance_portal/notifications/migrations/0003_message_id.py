from django.db import migrations, models

import alliance_portal.notifications.models


def give_each_email_its_own_message_id(apps, schema_editor):
    """Adding the column gave every existing row the same default: give each its own."""
    OutboundEmail = apps.get_model("notifications", "OutboundEmail")
    for email in OutboundEmail.objects.only("pk").iterator(chunk_size=2000):
        OutboundEmail.objects.filter(pk=email.pk).update(
            message_id=alliance_portal.notifications.models.new_message_id()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_outbox_clear_private_bodies"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="message_id",
            field=models.CharField(
                default=alliance_portal.notifications.models.new_message_id,
                editable=False,
                help_text="The Message-ID header; the same on every attempt.",
                max_length=255,
            ),
        ),
        migrations.RunPython(give_each_email_its_own_message_id, migrations.RunPython.noop),
    ]
