from django.db import migrations

PHASES = [
    ("nursery", "Nursery"),
    ("primary", "Primary"),
    ("middle", "Middle"),
    ("secondary", "Secondary"),
    ("all-through", "All-through"),
    ("16-plus", "16 plus"),
    ("special", "Special"),
    ("alternative-provision", "Pupil referral unit or alternative provision"),
]


def load(apps, schema_editor):
    Phase = apps.get_model("schools", "Phase")
    for position, (code, name) in enumerate(PHASES):
        Phase.objects.update_or_create(code=code, defaults={"name": name, "position": position})


def unload(apps, schema_editor):
    apps.get_model("schools", "Phase").objects.filter(code__in=[c for c, _ in PHASES]).delete()


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
