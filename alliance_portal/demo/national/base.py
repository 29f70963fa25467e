"""What every stage of the generator shares: the random source, small helpers, bulk inserts.

`WorldBuilder` (builder.py) is assembled from one stage class per business
area (places.py, people.py, brokerage.py); each stage builds on `BuilderBase`
and reads what the earlier stages left on the builder.
"""

import datetime
import time
from contextlib import contextmanager

from django.utils.text import slugify

from alliance_portal.demo.national import content

BATCH_SIZE = 2_000


def apportion(total, weights, minimum=1):
    """Split a total into whole counts by weight, each at least `minimum` (largest remainder)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} is too few to give each of {len(weights)} at least {minimum}.")
    raw = [spare * weight / sum(weights) for weight in weights]
    counts = [int(share) for share in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [count + minimum for count in counts]


def bulk_insert(model, objects):
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


@contextmanager
def given_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at we set.

    auto_now and auto_now_add overwrite any value with "now" on insert, which
    would make years of seeded history look as if it all happened today. The
    flags are switched off only for the duration of the block, in this
    one-off command, and always restored.
    """
    fields = [
        model_field
        for model in models
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for model_field in fields:
        model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in saved:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def area_label(area):
    """An area's name as it reads mid-sentence: "mathematics", but "English", "PSHE"."""
    name = area.name
    if name[:2].isupper() or name.split()[0] in {"English"}:
        return name
    return name[0].lower() + name[1:]


class BuilderBase:
    """Helpers for the stages; `WorldBuilder.__init__` sets the state they use."""

    def _pick(self, weights):
        """One key of a {choice: weight} mapping."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _days_ago(self, fewest, most):
        return self.today - datetime.timedelta(days=self.rng.randint(fewest, most))

    def _at(self, day, hours=(8, 17)):
        """A moment during the working day, as the timeline would record it."""
        return datetime.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randint(*hours),
            self.rng.randint(0, 59),
            tzinfo=datetime.UTC,
        )

    def _person(self):
        return self.rng.choice(content.FIRST_NAMES), self.rng.choice(content.LAST_NAMES)

    def _place_name(self):
        return self.rng.choice(content.PLACE_STEMS) + self.rng.choice(content.PLACE_ENDINGS)

    def _unique_email(self, first, last):
        local = f"{slugify(first)}.{slugify(last).replace('-', '')}"
        email, number = f"{local}@{self.email_domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{self.email_domain}"
        self.emails.add(email)
        return email

    @contextmanager
    def _stage(self, name):
        started = time.perf_counter()
        counts = {}
        yield counts
        summary = ", ".join(f"{count:,} {what}" for what, count in counts.items())
        self.log(f"  {name}: {summary} in {time.perf_counter() - started:.1f}s")
