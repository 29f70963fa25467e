"""Seed data at national scale.

The portal has to stay quick with England-sized data: about 25,000 schools,
several thousand system leaders, tens of thousands of requests. Timing the
admin's lists and the matching needs such a data set, so `build_national`
makes one in a few minutes with batched bulk inserts (no per-row saves, no
signals, no history rows).

`WorldBuilder` (builder.py) is the one generator behind both data sets, so
the small demo world (world.py) and the national one follow the same rules.
"""

import time

from django.db import transaction
from django.utils.text import slugify

from alliance_portal.demo.national.builder import WorldBuilder
from alliance_portal.demo.national.content import LOCAL_AUTHORITIES
from alliance_portal.demo.national.places import (
    DEMO_URN_START,
    NATIONAL_TRUST_CODE_START,
    NATIONAL_URN_START,
    AllianceSpec,
)
from alliance_portal.schools.models import School

NATIONAL_SEED = 1_825
HUB_SUFFIXES = ("Learning Hub", "Schools Alliance", "Teaching Partnership", "Leaders Network")


def national_alliance_specs(alliances, local_authorities):
    """About 90 invented hubs, each serving one or two neighbouring local authorities."""
    places = LOCAL_AUTHORITIES[:local_authorities]
    count = max(1, min(alliances, len(places)))
    specs = []
    for index in range(count):
        group = places[index * len(places) // count : (index + 1) * len(places) // count]
        name = f"{group[0].name} {HUB_SUFFIXES[index % len(HUB_SUFFIXES)]}"
        slug = slugify(name)
        specs.append(
            AllianceSpec(
                name=name,
                slug=slug,
                contact_email=f"hub@{slug}.example.net",
                contact_phone=f"01632 960{index % 1000:03d}",
                website=f"https://{slug}.example.net",
                la_codes=tuple(place.code for place in group),
                is_default=index == 0,
            )
        )
    return specs


def national_data_exists():
    """National schools sit in their own URN range, below the demo's."""
    return School.objects.filter(urn__gte=NATIONAL_URN_START, urn__lt=DEMO_URN_START).exists()


def build_national(
    *,
    schools=25_000,
    leaders=8_000,
    requests=50_000,
    deployments=30_000,
    alliances=90,
    local_authorities=150,
    seed=NATIONAL_SEED,
    now=None,
    log=None,
):
    """Create the national data set in one transaction; return counts, or None if it exists."""
    log = log or (lambda message: None)
    started = time.perf_counter()
    with transaction.atomic():
        if national_data_exists():
            log("The national data set is already here; nothing was created.")
            return None
        builder = WorldBuilder(
            schools=schools,
            leaders=leaders,
            requests=requests,
            deployments=deployments,
            seed=seed,
            now=now,
            log=log,
            urn_start=NATIONAL_URN_START,
            trust_code_start=NATIONAL_TRUST_CODE_START,
            email_domain="example.net",
        )
        builder.build_alliances(national_alliance_specs(alliances, local_authorities))
        counts = builder.build_rest()
    log(f"National data set built in {time.perf_counter() - started:.1f}s.")
    return counts
