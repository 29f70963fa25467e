"""The first words on each role page. Coordinators change them in the admin."""

from django.db import migrations

ROLES = {
    "NLE": {
        "summary": (
            "Serving headteachers with a strong record of improving schools, who lead "
            "support for schools facing the hardest challenges."
        ),
        "who_they_are": (
            "A National Leader of Education is a headteacher who has led a school for "
            "at least three years and has a track record of raising standards, both in "
            "their own school and in others.\n\n"
            "Their own school becomes a national support school: its staff often help "
            "with the work, so the support comes from a whole school, not one person."
        ),
        "support_given": (
            "They work with schools in the most difficult circumstances: schools in "
            "special measures or judged to have serious weaknesses, schools facing "
            "closure or amalgamation, and schools whose results fall below the "
            "expected standard.\n\n"
            "An NLE may step in as an acting or executive headteacher, support an "
            "acting headteacher in school for a few days each week, or advise the "
            "leadership team for a day or two a week."
        ),
        "how_deployment_runs": (
            "The alliance agrees the need and the outcomes with the school, proposes an "
            "NLE, and sets out the objectives, days, dates and cost in a written "
            "agreement. The NLE contacts the school within about a week of agreement, "
            "records each visit, and reviews progress with the school at the midpoint "
            "and at the end."
        ),
        "time_commitment": (
            "Anything from one day a week of advice to three days a week or more as an "
            "executive head, usually over one or two terms and sometimes longer."
        ),
        "designated_by": (
            "NLEs are designated nationally by the Department for Education, not by "
            "an alliance. Every alliance in the portal can ask an NLE to help."
        ),
    },
    "LLE": {
        "summary": "Successful serving headteachers who coach and support other headteachers.",
        "who_they_are": (
            "A Local Leader of Education is a headteacher with a record of success in "
            "their own school who wants to help colleagues lead theirs."
        ),
        "support_given": (
            "Headteacher-to-headteacher support: coaching, acting as a sounding board, "
            "helping to plan improvement and to build the leadership team's capacity. "
            "Many support headteachers in their first years in post."
        ),
        "how_deployment_runs": (
            "The alliance matches the school with an LLE whose experience fits, agrees "
            "objectives and time with both heads, and follows progress through regular "
            "visits and a final review of what changed."
        ),
        "time_commitment": (
            "Typically half a day to a day a week for six months or more. Support for "
            "a new headteacher is often twenty to thirty hours spread over two years."
        ),
        "designated_by": "LLEs are designated by their local alliance.",
    },
    "SLE": {
        "summary": (
            "Middle and senior leaders who are outstanding in a particular area and "
            "help colleagues in other schools to improve it."
        ),
        "who_they_are": (
            "A Specialist Leader of Education is a middle or senior leader, below "
            "headteacher, with at least two years in a leadership role and deep "
            "expertise in one area, such as mathematics, early years, special "
            "educational needs or school business management.\n\n"
            "Their headteacher agrees to release them for the work."
        ),
        "support_given": (
            "Coaching a colleague one to one, leading a group of staff, analysing data "
            "with a school, running professional development, and planning improvement "
            "jointly with the school's own leaders."
        ),
        "how_deployment_runs": (
            "The alliance finds an SLE with the right specialism and phase, agrees the "
            "scope with both schools, and the SLE records each session and reports on "
            "progress against the agreed objectives."
        ),
        "time_commitment": (
            "Around fifteen days a year is common; some alliances ask for a minimum of "
            "six to eight days."
        ),
        "designated_by": (
            "SLEs are designated by an alliance after an application, a selection "
            "process and training. They are normally registered with one alliance at "
            "a time, and their designation is reviewed after about four years."
        ),
    },
    "NLG": {
        "summary": "Experienced chairs of governors who help other boards govern well.",
        "who_they_are": (
            "A National Leader of Governance is an experienced chair of a governing "
            "board with a record of effective governance."
        ),
        "support_given": (
            "Mentoring and coaching chairs of governors in other schools, and carrying "
            "out external reviews of how a board works and how it holds leaders to "
            "account."
        ),
        "how_deployment_runs": (
            "The alliance agrees the governance need with the school, proposes an NLG, "
            "and the NLG works with the chair and the board to the objectives agreed, "
            "reviewing progress with them at the end."
        ),
        "time_commitment": (
            "Usually a few days spread over a term or two, more for a full review of "
            "governance."
        ),
        "designated_by": (
            "NLGs are designated nationally. Every alliance in the portal can ask an "
            "NLG to help."
        ),
    },
    "LSG": {
        "summary": "Experienced governors who support other governors and governing boards.",
        "who_they_are": (
            "A Local Support Governor is an experienced governor who shares what works "
            "with governors and boards nearby."
        ),
        "support_given": (
            "Supporting individual governors and boards: how meetings run, what to ask "
            "of school leaders, and how to understand the school's data and finances. "
            "Some join a board for a time to strengthen it."
        ),
        "how_deployment_runs": (
            "The alliance agrees what the board needs, matches a governor with the "
            "right experience, and follows the support through to a short review."
        ),
        "time_commitment": "A few meetings or days over a term, sometimes longer.",
        "designated_by": "LSGs are designated locally, through the alliance or a governor service.",
    },
}


def load(apps, schema_editor):
    RolePage = apps.get_model("pages", "RolePage")
    for kind, content in ROLES.items():
        RolePage.objects.update_or_create(kind=kind, defaults=content)


def unload(apps, schema_editor):
    apps.get_model("pages", "RolePage").objects.filter(kind__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
