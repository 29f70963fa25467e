from django.db import migrations
from django.utils.text import slugify

# The usual list of areas specialist leaders are designated in, by group.
AREAS = {
    "leadership": [
        "Academy transition",
        "Assessment",
        "Leadership of CPD",
        "School business and financial management",
        "Curriculum",
        "Performance management",
        "Initial teacher training and mentoring",
        "Early career teacher development",
    ],
    "pupil-achievement": [
        "Art",
        "Closing the gap (disadvantaged pupils)",
        "Design and technology",
        "Drama",
        "Early years",
        "English",
        "Geography",
        "History",
        "Computing and ICT",
        "Mathematics",
        "Modern foreign languages",
        "Music",
        "Phonics",
        "Physical education",
        "PSHE",
        "Religious education",
        "Science",
        "Special educational needs and disability (SEND) and inclusion",
        "Most able pupils",
        "Citizenship",
    ],
    "behaviour-safety": [
        "Behaviour and discipline",
        "Attendance",
    ],
}


def load(apps, schema_editor):
    Area = apps.get_model("leaders", "AreaOfExpertise")
    for group, names in AREAS.items():
        for position, name in enumerate(names):
            Area.objects.update_or_create(
                slug=slugify(name), defaults={"name": name, "group": group, "position": position}
            )


def unload(apps, schema_editor):
    slugs = [slugify(name) for names in AREAS.values() for name in names]
    apps.get_model("leaders", "AreaOfExpertise").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("leaders", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
