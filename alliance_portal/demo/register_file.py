"""Believable national-register (GIAS) files for tests and benchmarks.

`write_register_csv` and `fake_register_rows` make register files of any size
without the real (large, changing) download:

    rows = list(fake_register_rows(50_000, seed=1))
    write_register_csv(tmp_path / "edubase.csv", rows)  # Windows-1252, shuffled
"""

import csv
import datetime
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from alliance_portal.schools import gias

#: Columns the real file has and the importer ignores: written into fake files
#: so they are as wide (about 140 columns) and as noisy as the real download.
EXTRA_COLUMNS = (
    "EstablishmentNumber",
    "TypeOfEstablishment (code)",
    "EstablishmentTypeGroup (code)",
    "EstablishmentStatus (code)",
    "ReasonEstablishmentOpened (code)",
    "ReasonEstablishmentOpened (name)",
    "ReasonEstablishmentClosed (code)",
    "ReasonEstablishmentClosed (name)",
    "PhaseOfEducation (code)",
    "Boarders (code)",
    "Boarders (name)",
    "NurseryProvision (name)",
    "OfficialSixthForm (code)",
    "OfficialSixthForm (name)",
    "Gender (code)",
    "Gender (name)",
    "ReligiousCharacter (code)",
    "ReligiousCharacter (name)",
    "ReligiousEthos (name)",
    "Diocese (code)",
    "Diocese (name)",
    "AdmissionsPolicy (code)",
    "AdmissionsPolicy (name)",
    "SchoolCapacity",
    "SpecialClasses (code)",
    "SpecialClasses (name)",
    "CensusDate",
    "NumberOfBoys",
    "NumberOfGirls",
    "PercentageFSM",
    "TrustSchoolFlag (code)",
    "TrustSchoolFlag (name)",
    "SchoolSponsorFlag (name)",
    "SchoolSponsors (name)",
    "FederationFlag (name)",
    "Federations (code)",
    "Federations (name)",
    "UKPRN",
    "FEHEIdentifier",
    "FurtherEducationType (name)",
    "OfstedLastInsp (old)",
    "LastChangedDate",
    "Address3",
    "County (name)",
    "HeadTitle (name)",
    "HeadPreferredJobTitle",
    "BSOInspectorateName (name)",
    "InspectorateReport",
    "DateOfLastInspectionVisit",
    "NextInspectionVisit",
    "TeenMoth (name)",
    "TeenMothPlaces",
    "CCF (name)",
    "SENPRU (name)",
    "EBD (name)",
    "PlacesPRU",
    "FTProv (name)",
    "EdByOther (name)",
    "Section41Approved (name)",
    "ResourcedProvisionOnRoll",
    "ResourcedProvisionCapacity",
    "SenUnitOnRoll",
    "SenUnitCapacity",
    "GOR (code)",
    "DistrictAdministrative (code)",
    "AdministrativeWard (code)",
    "AdministrativeWard (name)",
    "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)",
    "UrbanRural (code)",
    "UrbanRural (name)",
    "GSSLACode (name)",
    "CensusAreaStatisticWard (name)",
    "MSOA (name)",
    "LSOA (name)",
    "MSOA (code)",
    "LSOA (code)",
    "InspectorateName (name)",
    "SENStat",
    "SENNoStat",
    "PropsName",
    "OpenDate (old)",
    "PreviousLA (code)",
    "PreviousLA (name)",
    "PreviousEstablishmentNumber",
    "OfstedRating (code)",
    "RSCRegion (name)",
    "Country (name)",
    "UPRN",
    "SiteName",
    "QABName (code)",
    "QABName (name)",
    "EstablishmentAccredited (code)",
    "EstablishmentAccredited (name)",
    "QABReport",
    "CHNumber",
    "MSOA (name) 2021",
    "AccreditationExpiryDate",
    *(f"SEN{n} (name)" for n in range(1, 14)),
)

DATE_FORMAT = "%d-%m-%Y"

# Values for the ignored columns. A few fixed variants, cycled by row, keep
# writing fast while the cells still differ from row to row.
_FILLERS = ("", "Not applicable", "Does not apply", "0", "1", "Yes", "No", "01-01-2020")


def write_register_csv(
    path: str | Path,
    rows: Iterable[Mapping[str, object]],
    *,
    encoding: str = "cp1252",
    columns: Sequence[str] = gias.COLUMNS,
    extra_columns: Sequence[str] = EXTRA_COLUMNS,
    seed: int | None = 0,
) -> int:
    """Write `rows` as a register CSV file at `path`; return how many rows were written.

    Each row maps column names (see `gias.COLUMNS`) to values; a missing key or
    None is written as an empty cell, keys not in `columns` are dropped.
    `encoding` is "cp1252" like the real download, or "utf-8" / "utf-8-sig"
    (with a byte-order mark). `extra_columns` are filled with noise the
    importer must ignore. The header is shuffled with `seed` (None keeps
    `columns` first, in order, then the extras) because the importer must not
    depend on column order. Characters that `encoding` cannot represent raise
    UnicodeEncodeError rather than being quietly replaced.
    """
    header = [*columns, *extra_columns]
    if seed is not None:
        random.Random(seed).shuffle(header)
    known = set(columns)
    fillers = _filler_rows(header, known)
    count = 0
    with Path(path).open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for count, row in enumerate(rows, start=1):
            filler = fillers[count % len(fillers)]
            writer.writerow(
                [_cell(row.get(name)) if name in known else filler[name] for name in header]
            )
    return count


def _filler_rows(header: Sequence[str], known: set[str]) -> list[dict[str, str]]:
    """A handful of ready-made values for the ignored columns."""
    return [
        {
            name: _FILLERS[(i + n) % len(_FILLERS)]
            for n, name in enumerate(header)
            if name not in known
        }
        for i in range(len(_FILLERS))
    ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


# --- Believable fake rows ----------------------------------------------------

# Nine English regions and roughly where their middle is on the British
# National Grid (metres), so fake schools sit where real ones could.
_REGIONS = (
    ("North East", 425_000, 565_000),
    ("North West", 360_000, 440_000),
    ("Yorkshire and the Humber", 445_000, 440_000),
    ("East Midlands", 475_000, 330_000),
    ("West Midlands", 390_000, 285_000),
    ("East of England", 560_000, 255_000),
    ("London", 530_000, 180_000),
    ("South East", 480_000, 150_000),
    ("South West", 320_000, 110_000),
)

# LA codes come in the register's real blocks (London 201-213 and 301-320,
# metropolitan 330-394, shires and unitaries 800-938).
_LA_CODE_BLOCKS = (
    range(201, 214),
    range(301, 321),
    range(330, 345),
    range(350, 360),
    range(370, 395),
    range(800, 939),
)

_PLACE_STARTS = (
    "Ash", "Brad", "Brom", "Castle", "Chester", "Dun", "East", "Elm", "Fair", "Glen",
    "Green", "Hart", "High", "Holm", "King", "Lang", "Lin", "Long", "Mar", "Mill",
    "New", "North", "Oak", "Old", "Red", "Rother", "Sand", "Shel", "South", "Stan",
    "Stock", "Thorn", "Wake", "West", "Whit", "Wick", "Wind", "Wood",
)  # fmt: skip
_PLACE_ENDS = (
    "bridge", "bury", "by", "caster", "combe", "den", "field", "ford", "gate", "ham",
    "hampton", "ley", "mere", "minster", "mouth", "pool", "stead", "stoke", "thorpe",
    "ton", "wich", "worth",
)  # fmt: skip
_NAME_STEMS = (
    "St Mary’s", "St John’s", "St Peter’s", "St Joseph’s", "Our Lady’s", "St Thomas More",
    "Holy Trinity", "Christ Church", "All Saints’", "St Clément’s", "Brontë", "Hélène Gardner",
    "Sir John Moore", "Renée Clarke", "Queen’s Park", "Zoë Baines", "Héloïse Park",
    "Meadowbank", "Riverside", "Hillcrest", "Parkfield", "The Grange", "Oakwood", "Beechwood",
)  # fmt: skip
_TRUST_KINDS = (
    "Academy Trust", "Learning Trust", "Multi Academy Trust", "Education Trust",
    "Catholic Academy Trust", "Diocesan Multi-Academy Trust", "Schools Partnership",
    "Co-operative Learning Trust",
)  # fmt: skip
_FIRST_NAMES = (
    "Amina", "Ben", "Chloé", "Daniel", "Eilidh", "Fatima", "Gareth", "Hannah", "Imran",
    "Joanna", "Kwame", "Laura", "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Siobhán",
    "Tomasz", "Zoë",
)  # fmt: skip
_LAST_NAMES = (
    "Ahmed", "Brown", "Clarke", "D’Souza", "Evans", "Fernández", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Novák", "O’Brien", "Patel", "Robinson", "Smith",
    "Taylor", "Williams",
)  # fmt: skip
_STREETS = ("Road", "Lane", "Street", "Avenue", "Way", "Drive", "Close", "Hill", "Green")
_POSTCODE_AREAS = ("B", "BS", "CB", "DE", "E", "L", "LS", "M", "N", "NE", "NG", "OX", "PL", "S")
_RATINGS = (
    ("Outstanding", 18),
    ("Good", 55),
    ("Requires improvement", 15),
    ("Inadequate", 4),
    ("Serious Weaknesses", 1),
    ("Special Measures", 1),
    ("", 6),
)
_STATUSES = (
    ("Open", 72),
    ("Closed", 24),
    ("Open, but proposed to close", 2),
    ("Proposed to open", 2),
)

# (weight, type group, type, phases to pick from, (low, high) ages, pupils range, name endings)
_KINDS = (
    (30, "Local authority maintained schools", "Community school", ("Primary",), ((4, 11), (3, 11), (5, 7), (7, 11)), (40, 700), ("Primary School", "Infant School", "Junior School")),
    (8, "Local authority maintained schools", "Voluntary aided school", ("Primary", "Secondary"), ((4, 11), (11, 18)), (80, 1400), ("Catholic Primary School", "C of E School")),
    (6, "Local authority maintained schools", "Voluntary controlled school", ("Primary",), ((4, 11),), (40, 400), ("CE Primary School",)),
    (3, "Local authority maintained schools", "Foundation school", ("Secondary", "Middle deemed secondary"), ((11, 16), (9, 13)), (300, 1600), ("High School", "Middle School")),
    (1, "Local authority maintained schools", "Local authority nursery school", ("Nursery",), ((2, 5), (3, 5)), (40, 160), ("Nursery School",)),
    (1, "Local authority maintained schools", "Pupil referral unit", ("Not applicable",), ((5, 16), (11, 16)), (5, 120), ("Pupil Referral Unit", "Learning Centre")),
    (18, "Academies", "Academy converter", ("Primary", "Secondary", "Middle deemed primary", "All-through"), ((4, 11), (11, 18), (8, 12), (4, 18)), (100, 2000), ("Academy", "Primary Academy", "High School", "School")),
    (7, "Academies", "Academy sponsor led", ("Primary", "Secondary"), ((4, 11), (11, 16)), (150, 1600), ("Academy", "Primary Academy")),
    (1, "Academies", "Academy special converter", ("Not applicable", "Secondary"), ((2, 19), (11, 19)), (30, 250), ("School", "Academy")),
    (1, "Academies", "Academy alternative provision converter", ("Not applicable",), ((11, 16),), (10, 120), ("Academy", "Learning Centre")),
    (2, "Free Schools", "Free schools", ("Primary", "Secondary", "All-through"), ((4, 11), (11, 18), (3, 19)), (100, 1500), ("Free School", "Academy")),
    (1, "Free Schools", "Free schools 16 to 19", ("16 plus",), ((16, 19),), (100, 900), ("Sixth Form College",)),
    (1, "Free Schools", "Free schools alternative provision", ("Not applicable",), ((11, 16),), (10, 90), ("AP Academy",)),
    (3, "Special schools", "Community special school", ("Not applicable", "Primary", "Secondary"), ((2, 19), (4, 11), (11, 19)), (30, 250), ("School", "Special School")),
    (1, "Special schools", "Non-maintained special school", ("Not applicable",), ((5, 19),), (20, 150), ("School",)),
    (6, "Independent schools", "Other independent school", ("Not applicable", "All-through", "Primary"), ((3, 18), (4, 11), (11, 18)), (20, 1200), ("School", "Preparatory School", "College")),
    (2, "Independent schools", "Other independent special school", ("Not applicable",), ((5, 19), (11, 18)), (5, 120), ("School",)),
    (2, "Colleges", "Further education", ("16 plus",), ((16, 99),), (500, 9000), ("College",)),
    (1, "Colleges", "Sixth form centres", ("16 plus",), ((16, 19),), (200, 2000), ("Sixth Form College",)),
    (1, "Universities", "Higher education institutions", ("Not applicable",), ((18, 99),), (1000, 30000), ("University",)),
    (1, "Other types", "Welsh establishment", ("Not applicable",), ((4, 11),), (50, 400), ("Primary School",)),
)  # fmt: skip


def fake_register_rows(count: int, *, seed: int = 0) -> Iterator[dict[str, str]]:
    """Yield `count` believable register rows (dicts of column name to cell text).

    The same `seed` always yields the same rows, and their URNs only grow, so
    two calls with different counts agree on the rows they share. About 150
    local authorities and 3,000 trusts (only academies and free schools have one);
    mostly open schools with a quarter closed; every phase and type group
    including special schools and pupil referral units; some blank cells;
    curly apostrophes and accents that Windows-1252 can still encode; grid
    references inside England. Pass the rows to `write_register_csv`.
    """
    rng = random.Random(seed)
    authorities = _fake_authorities(rng)
    trusts = _fake_trusts(rng, 3000)
    kind_weights = [kind[0] for kind in _KINDS]
    urn = 100_000
    for _ in range(count):
        urn += rng.randint(1, 3)
        kind = rng.choices(_KINDS, weights=kind_weights)[0]
        yield _fake_row(rng, urn, kind, rng.choice(authorities), trusts)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


def _place_name(rng: random.Random) -> str:
    return rng.choice(_PLACE_STARTS) + rng.choice(_PLACE_ENDS)


def _fake_authorities(rng: random.Random) -> list[dict]:
    """About 150 local authorities, each with a region, a centre and districts."""
    codes = rng.sample([code for block in _LA_CODE_BLOCKS for code in block], 150)
    names = set()
    while len(names) < len(codes):
        names.add(_place_name(rng))
    authorities = []
    for code, name in zip(sorted(codes), sorted(names), strict=True):
        region, east, north = rng.choice(_REGIONS)
        authorities.append(
            {
                "code": code,
                "name": name,
                "region": region,
                "centre": (
                    east + rng.randint(-40_000, 40_000),
                    north + rng.randint(-40_000, 40_000),
                ),
                "districts": [name] + [_place_name(rng) for _ in range(rng.randint(0, 4))],
                "postcode_area": rng.choice(_POSTCODE_AREAS),
            }
        )
    return authorities


def _fake_trusts(rng: random.Random, count: int) -> list[tuple[int, str]]:
    codes = rng.sample(range(1000, 20000), count)
    return [
        (code, f"{rng.choice(_NAME_STEMS + _PLACE_STARTS)} {rng.choice(_TRUST_KINDS)}")
        for code in codes
    ]


def _fake_date(rng: random.Random, first_year: int, last_year: int) -> str:
    start = datetime.date(first_year, 1, 1).toordinal()
    end = datetime.date(last_year, 12, 31).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end)).strftime(DATE_FORMAT)


def _maybe(rng: random.Random, chance: float, value: str) -> str:
    """`value`, or a blank cell `1 - chance` of the time, as in the real file."""
    return value if rng.random() < chance else ""


def _fake_row(rng, urn, kind, authority, trusts) -> dict[str, str]:
    _, group, type_name, phases, age_ranges, (fewest, most), endings = kind
    status = _weighted(rng, _STATUSES)
    low, high = rng.choice(age_ranges)
    name = f"{rng.choice(_NAME_STEMS + _PLACE_STARTS)} {rng.choice(endings)}"
    east, north = authority["centre"]
    has_trust = group in ("Academies", "Free Schools") and rng.random() < 0.9
    trust_code, trust_name = rng.choice(trusts) if has_trust else ("", "")
    teaching = status != "Proposed to open"
    return {
        gias.URN: str(urn),
        gias.LA_CODE: str(authority["code"]),
        gias.LA_NAME: authority["name"],
        gias.NAME: name,
        gias.TYPE: type_name,
        gias.TYPE_GROUP: group,
        gias.STATUS: status,
        gias.OPEN_DATE: _fake_open_date(rng, group, status),
        gias.CLOSE_DATE: _fake_close_date(rng, status),
        gias.PHASE: rng.choice(phases),
        gias.LOW_AGE: str(low),
        gias.HIGH_AGE: str(high),
        gias.PUPILS: _maybe(
            rng, 0.9 if teaching and status != "Closed" else 0.3, str(rng.randint(fewest, most))
        ),
        gias.TRUST_CODE: str(trust_code),
        gias.TRUST_NAME: trust_name,
        gias.OFSTED_DATE: _maybe(rng, 0.85 if teaching else 0, _fake_date(rng, 2008, 2024)),
        gias.OFSTED_RATING: _weighted(rng, _RATINGS) if teaching else "",
        gias.STREET: f"{rng.randint(1, 250)} {_place_name(rng)} {rng.choice(_STREETS)}",
        gias.LOCALITY: _maybe(rng, 0.4, _place_name(rng)),
        gias.TOWN: rng.choice(authority["districts"]),
        gias.POSTCODE: _fake_postcode(rng, authority["postcode_area"]),
        gias.WEBSITE: _maybe(rng, 0.7, f"www.{re.sub(r'[^a-z]', '', name.lower())[:40]}.sch.uk"),
        gias.TELEPHONE: _maybe(rng, 0.9, f"0{rng.randint(1000000000, 2099999999)}"),
        gias.HEAD_FIRST_NAME: _maybe(rng, 0.95, rng.choice(_FIRST_NAMES)),
        gias.HEAD_LAST_NAME: _maybe(rng, 0.95, rng.choice(_LAST_NAMES)),
        gias.REGION: authority["region"],
        gias.DISTRICT: rng.choice(authority["districts"]),
        gias.EASTING: _maybe(rng, 0.98, str(max(90_000, east + rng.randint(-15_000, 15_000)))),
        gias.NORTHING: _maybe(rng, 0.98, str(max(10_000, north + rng.randint(-15_000, 15_000)))),
    }


def _fake_open_date(rng: random.Random, group: str, status: str) -> str:
    if status == "Proposed to open":
        return _fake_date(rng, 2026, 2027)
    if group in ("Academies", "Free Schools"):
        return _fake_date(rng, 2010, 2024)
    return _maybe(rng, 0.2, _fake_date(rng, 1950, 2009))


def _fake_close_date(rng: random.Random, status: str) -> str:
    if status == "Closed":
        return _fake_date(rng, 2000, 2024)
    if status == "Open, but proposed to close":
        return _fake_date(rng, 2026, 2026)
    return ""


def _fake_postcode(rng: random.Random, area: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return (
        f"{area}{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )
