"""The invented names and texts both data sets draw on, and the real places they sit in.

Only the local authority codes, names and regions are real, so that seeded
schools line up with an import of the national register; every school,
person and sentence here is made up.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalAuthorityPlace:
    """A real local authority: register code and name, region, rough centre, postcode area."""

    code: int
    name: str
    region: str
    easting: int
    northing: int
    postcode_area: str

    @property
    def spread_metres(self):
        """How far schools scatter around the centre: boroughs are compact, shires wide."""
        if self.code < 321:
            return 1_800
        if self.code < 400:
            return 3_500
        if self.code in SHIRE_CODES:
            return 16_000
        return 4_000


SHIRE_CODES = frozenset(
    {811, 815, 823, 825, 830, 838, 840, 845, 850, 855, 860, 865, 873, 878, 881, 884, 885}
    | {886, 888, 891, 893, 895, 896, 908, 916, 919, 925, 926, 929, 931, 933, 935, 936}
    | {937, 938, 940, 941, 942, 943}
)

_LDN, _SE, _SW, _EE = "London", "South East", "South West", "East of England"
_EM, _WM, _NW, _NE, _YH = (
    "East Midlands",
    "West Midlands",
    "North West",
    "North East",
    "Yorkshire and the Humber",
)

# Register LA codes and names; centres are approximate British National Grid metres.
LOCAL_AUTHORITIES = tuple(
    LocalAuthorityPlace(*row)
    for row in (
        (201, "City of London", _LDN, 532500, 181300, "EC"),
        (202, "Camden", _LDN, 528500, 184500, "NW"),
        (203, "Greenwich", _LDN, 542500, 177000, "SE"),
        (204, "Hackney", _LDN, 535000, 185000, "E"),
        (205, "Hammersmith and Fulham", _LDN, 523500, 178500, "W"),
        (206, "Islington", _LDN, 531000, 185500, "N"),
        (207, "Kensington and Chelsea", _LDN, 526000, 179500, "W"),
        (208, "Lambeth", _LDN, 530800, 174500, "SW"),
        (209, "Lewisham", _LDN, 537500, 173500, "SE"),
        (210, "Southwark", _LDN, 533500, 176000, "SE"),
        (211, "Tower Hamlets", _LDN, 536000, 181500, "E"),
        (212, "Wandsworth", _LDN, 526000, 174500, "SW"),
        (213, "Westminster", _LDN, 529000, 181000, "W"),
        (301, "Barking and Dagenham", _LDN, 547500, 185000, "RM"),
        (302, "Barnet", _LDN, 524500, 192500, "N"),
        (303, "Bexley", _LDN, 549500, 174500, "DA"),
        (304, "Brent", _LDN, 520500, 185500, "NW"),
        (305, "Bromley", _LDN, 542500, 166500, "BR"),
        (306, "Croydon", _LDN, 533000, 163500, "CR"),
        (307, "Ealing", _LDN, 516500, 181000, "W"),
        (308, "Enfield", _LDN, 533000, 196500, "EN"),
        (309, "Haringey", _LDN, 531500, 189500, "N"),
        (310, "Harrow", _LDN, 515500, 189500, "HA"),
        (311, "Havering", _LDN, 555000, 187500, "RM"),
        (312, "Hillingdon", _LDN, 508000, 183500, "UB"),
        (313, "Hounslow", _LDN, 512500, 175500, "TW"),
        (314, "Kingston upon Thames", _LDN, 519500, 166500, "KT"),
        (315, "Merton", _LDN, 525500, 169500, "SW"),
        (316, "Newham", _LDN, 541500, 183500, "E"),
        (317, "Redbridge", _LDN, 543500, 189000, "IG"),
        (318, "Richmond upon Thames", _LDN, 517500, 172500, "TW"),
        (319, "Sutton", _LDN, 526500, 163500, "SM"),
        (320, "Waltham Forest", _LDN, 537500, 189500, "E"),
        (330, "Birmingham", _WM, 407500, 287500, "B"),
        (331, "Coventry", _WM, 433500, 279000, "CV"),
        (332, "Dudley", _WM, 393500, 288500, "DY"),
        (333, "Sandwell", _WM, 400000, 290500, "B"),
        (334, "Solihull", _WM, 417500, 281500, "B"),
        (335, "Walsall", _WM, 401500, 299500, "WS"),
        (336, "Wolverhampton", _WM, 391500, 299500, "WV"),
        (340, "Knowsley", _NW, 344000, 393500, "L"),
        (341, "Liverpool", _NW, 337500, 391000, "L"),
        (342, "St. Helens", _NW, 352000, 396000, "WA"),
        (343, "Sefton", _NW, 334000, 405000, "L"),
        (344, "Wirral", _NW, 328000, 388000, "CH"),
        (350, "Bolton", _NW, 370500, 409000, "BL"),
        (351, "Bury", _NW, 380000, 411000, "BL"),
        (352, "Manchester", _NW, 384500, 397500, "M"),
        (353, "Oldham", _NW, 393000, 405000, "OL"),
        (354, "Rochdale", _NW, 389500, 415000, "OL"),
        (355, "Salford", _NW, 375500, 399500, "M"),
        (356, "Stockport", _NW, 390000, 388500, "SK"),
        (357, "Tameside", _NW, 396500, 398500, "SK"),
        (358, "Trafford", _NW, 377500, 393500, "M"),
        (359, "Wigan", _NW, 360000, 404000, "WN"),
        (370, "Barnsley", _YH, 434500, 406000, "S"),
        (371, "Doncaster", _YH, 457500, 403500, "DN"),
        (372, "Rotherham", _YH, 443500, 392500, "S"),
        (373, "Sheffield", _YH, 435500, 387500, "S"),
        (380, "Bradford", _YH, 413500, 436000, "BD"),
        (381, "Calderdale", _YH, 404500, 425500, "HX"),
        (382, "Kirklees", _YH, 415500, 415500, "HD"),
        (383, "Leeds", _YH, 430000, 434000, "LS"),
        (384, "Wakefield", _YH, 434000, 420500, "WF"),
        (390, "Gateshead", _NE, 423500, 560500, "NE"),
        (391, "Newcastle upon Tyne", _NE, 423500, 566000, "NE"),
        (392, "North Tyneside", _NE, 432500, 570000, "NE"),
        (393, "South Tyneside", _NE, 435500, 564500, "NE"),
        (394, "Sunderland", _NE, 437500, 555500, "SR"),
        (800, "Bath and North East Somerset", _SW, 370000, 161000, "BA"),
        (801, "Bristol, City of", _SW, 359500, 173500, "BS"),
        (802, "North Somerset", _SW, 344000, 166000, "BS"),
        (803, "South Gloucestershire", _SW, 369000, 183000, "BS"),
        (805, "Hartlepool", _NE, 449500, 531500, "TS"),
        (806, "Middlesbrough", _NE, 449500, 517500, "TS"),
        (807, "Redcar and Cleveland", _NE, 460000, 519000, "TS"),
        (808, "Stockton-on-Tees", _NE, 443000, 519500, "TS"),
        (810, "Kingston upon Hull, City of", _YH, 509500, 431000, "HU"),
        (811, "East Riding of Yorkshire", _YH, 495000, 445000, "YO"),
        (812, "North East Lincolnshire", _YH, 525000, 406000, "DN"),
        (813, "North Lincolnshire", _YH, 490000, 412000, "DN"),
        (815, "North Yorkshire", _YH, 430000, 470000, "YO"),
        (816, "York", _YH, 460000, 452000, "YO"),
        (821, "Luton", _EE, 508500, 222000, "LU"),
        (822, "Bedford", _EE, 503500, 253000, "MK"),
        (823, "Central Bedfordshire", _EE, 505000, 235000, "LU"),
        (825, "Buckinghamshire", _SE, 485000, 205000, "HP"),
        (826, "Milton Keynes", _SE, 485000, 238000, "MK"),
        (830, "Derbyshire", _EM, 430000, 360000, "DE"),
        (831, "Derby", _EM, 435500, 336000, "DE"),
        (838, "Dorset", _SW, 370000, 100000, "DT"),
        (839, "Bournemouth, Christchurch and Poole", _SW, 410000, 93000, "BH"),
        (840, "County Durham", _NE, 420000, 535000, "DH"),
        (841, "Darlington", _NE, 428500, 515000, "DL"),
        (845, "East Sussex", _SE, 560000, 115000, "TN"),
        (846, "Brighton and Hove", _SE, 531000, 106500, "BN"),
        (850, "Hampshire", _SE, 450000, 125000, "SO"),
        (851, "Portsmouth", _SE, 465000, 101500, "PO"),
        (852, "Southampton", _SE, 442000, 113000, "SO"),
        (855, "Leicestershire", _EM, 465000, 310000, "LE"),
        (856, "Leicester", _EM, 458500, 304500, "LE"),
        (857, "Rutland", _EM, 490000, 308000, "LE"),
        (860, "Staffordshire", _WM, 400000, 325000, "ST"),
        (861, "Stoke-on-Trent", _WM, 388500, 346500, "ST"),
        (865, "Wiltshire", _SW, 400000, 155000, "SN"),
        (866, "Swindon", _SW, 415000, 185000, "SN"),
        (867, "Bracknell Forest", _SE, 487000, 167000, "RG"),
        (868, "Windsor and Maidenhead", _SE, 490000, 177000, "SL"),
        (869, "West Berkshire", _SE, 450000, 170000, "RG"),
        (870, "Reading", _SE, 471500, 173000, "RG"),
        (871, "Slough", _SE, 497500, 180000, "SL"),
        (872, "Wokingham", _SE, 480000, 168500, "RG"),
        (873, "Cambridgeshire", _EE, 540000, 265000, "CB"),
        (874, "Peterborough", _EE, 519000, 299500, "PE"),
        (876, "Halton", _NW, 352000, 384000, "WA"),
        (877, "Warrington", _NW, 361000, 389000, "WA"),
        (878, "Devon", _SW, 270000, 95000, "EX"),
        (879, "Plymouth", _SW, 249000, 57000, "PL"),
        (880, "Torbay", _SW, 290000, 62500, "TQ"),
        (881, "Essex", _EE, 575000, 210000, "CM"),
        (882, "Southend-on-Sea", _EE, 588000, 186500, "SS"),
        (883, "Thurrock", _EE, 562000, 180000, "RM"),
        (884, "Herefordshire", _WM, 350000, 245000, "HR"),
        (885, "Worcestershire", _WM, 385000, 255000, "WR"),
        (886, "Kent", _SE, 585000, 150000, "ME"),
        (887, "Medway", _SE, 575000, 168000, "ME"),
        (888, "Lancashire", _NW, 355000, 435000, "PR"),
        (889, "Blackburn with Darwen", _NW, 368000, 425000, "BB"),
        (890, "Blackpool", _NW, 332000, 435500, "FY"),
        (891, "Nottinghamshire", _EM, 462000, 360000, "NG"),
        (892, "Nottingham", _EM, 457000, 340500, "NG"),
        (893, "Shropshire", _WM, 350000, 305000, "SY"),
        (894, "Telford and Wrekin", _WM, 369000, 310000, "TF"),
        (895, "Cheshire East", _NW, 375000, 365000, "CW"),
        (896, "Cheshire West and Chester", _NW, 350000, 370000, "CH"),
        (908, "Cornwall", _SW, 190000, 60000, "TR"),
        (916, "Gloucestershire", _SW, 385000, 215000, "GL"),
        (919, "Hertfordshire", _EE, 520000, 215000, "SG"),
        (921, "Isle of Wight", _SE, 450000, 85000, "PO"),
        (925, "Lincolnshire", _EM, 510000, 370000, "LN"),
        (926, "Norfolk", _EE, 610000, 310000, "NR"),
        (929, "Northumberland", _NE, 400000, 590000, "NE"),
        (931, "Oxfordshire", _SE, 450000, 210000, "OX"),
        (933, "Somerset", _SW, 325000, 135000, "TA"),
        (935, "Suffolk", _EE, 610000, 255000, "IP"),
        (936, "Surrey", _SE, 510000, 150000, "GU"),
        (937, "Warwickshire", _WM, 430000, 265000, "CV"),
        (938, "West Sussex", _SE, 510000, 115000, "RH"),
        (940, "North Northamptonshire", _EM, 490000, 280000, "NN"),
        (941, "West Northamptonshire", _EM, 470000, 258000, "NN"),
        (942, "Cumberland", _NW, 320000, 535000, "CA"),
        (943, "Westmorland and Furness", _NW, 350000, 505000, "LA"),
    )
)
PLACES_BY_CODE = {place.code: place for place in LOCAL_AUTHORITIES}

# Invented place names are a stem and an ending: "Larchford", "Wrenmead".
PLACE_STEMS = [
    "Alder",
    "Ash",
    "Beech",
    "Birch",
    "Bramble",
    "Bluebell",
    "Cherry",
    "Clover",
    "Copper",
    "Chalk",
    "Elm",
    "Fern",
    "Flint",
    "Gorse",
    "Hawthorn",
    "Hazel",
    "Heather",
    "Heron",
    "Holly",
    "Juniper",
    "Kestrel",
    "Larch",
    "Lark",
    "Linden",
    "Maple",
    "Marl",
    "Mill",
    "Oak",
    "Orchard",
    "Otter",
    "Primrose",
    "Rowan",
    "Sorrel",
    "Swallow",
    "Thorn",
    "Willow",
    "Wren",
    "Yew",
]
PLACE_ENDINGS = [
    "field",
    "wood",
    "bank",
    "brook",
    "croft",
    "dale",
    "gate",
    "hill",
    "lea",
    "mead",
    "side",
    "ford",
    "combe",
    "well",
    "hurst",
    "moor",
    "stead",
    "wick",
    "green",
    "cote",
]
SAINTS = (
    "St Aidan's",
    "St Alban's",
    "St Anselm's",
    "St Bede's",
    "St Brigid's",
    "St Chad's",
    "St Columba's",
    "St Cuthbert's",
    "St Hilda's",
    "St Margaret's",
    "St Oswald's",
    "St Wilfrid's",
    "Holy Trinity",
    "Christ Church",
)
STREET_KINDS = ("Road", "Lane", "Street", "Avenue", "Way", "Close", "Drive", "Hill")
FIRST_NAMES = [
    "Aisha",
    "Alice",
    "Amara",
    "Amir",
    "Andrew",
    "Anna",
    "Ben",
    "Bethan",
    "Callum",
    "Catherine",
    "Chloe",
    "Daniel",
    "David",
    "Deborah",
    "Emma",
    "Fatima",
    "Femi",
    "Fiona",
    "Gareth",
    "Grace",
    "Hannah",
    "Harriet",
    "Imran",
    "Isaac",
    "James",
    "Jasmine",
    "Joanne",
    "Jonathan",
    "Kate",
    "Kwame",
    "Laura",
    "Leon",
    "Lucy",
    "Marcus",
    "Mark",
    "Megan",
    "Michael",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Neil",
    "Nicola",
    "Oliver",
    "Owen",
    "Patrick",
    "Priya",
    "Rachel",
    "Rhys",
    "Ruth",
    "Sam",
    "Sarah",
    "Simon",
    "Sophie",
    "Stephen",
    "Tariq",
    "Tom",
    "Victoria",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Adeyemi",
    "Ahmed",
    "Ali",
    "Allen",
    "Atkinson",
    "Bailey",
    "Baker",
    "Begum",
    "Bennett",
    "Brooks",
    "Campbell",
    "Carter",
    "Chapman",
    "Chowdhury",
    "Clarke",
    "Collins",
    "Davies",
    "Dixon",
    "Edwards",
    "Evans",
    "Fletcher",
    "Foster",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Johnson",
    "Kaur",
    "Kelly",
    "Khan",
    "King",
    "Lewis",
    "Marshall",
    "Mensah",
    "Mitchell",
    "Morgan",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Okafor",
    "Owen",
    "Palmer",
    "Patel",
    "Price",
    "Reid",
    "Richards",
    "Roberts",
    "Shah",
    "Singh",
    "Taylor",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "Wright",
    "Young",
]

LEADER_BIOS = {
    "NLE": (
        "{first} has been a headteacher for {years} years and leads {school}, now a national "
        "support school. {first} has stepped in as executive head where an inspection went "
        "badly, and enjoys rebuilding a senior team's confidence.",
        "As head of {school}, {first} has seen schools through special measures and through "
        "academy conversion. The work starts by listening: what the school already does well, "
        "and what has to change first.",
    ),
    "LLE": (
        "Head of {school} since {year}. {first} coaches headteachers in their first two years "
        "and likes the steady work of helping a new head choose priorities they can keep.",
        "{first} leads {school} and has worked alongside neighbouring heads on {area}. Expect "
        "practical visits, honest questions and a plan that fits your school rather than ours.",
    ),
    "SLE": (
        "{first} leads {area} at {school}. Support usually means planning together, watching "
        "lessons side by side and leaving behind something your staff can keep using.",
        "A specialist in {area}, {first} has helped several {phase} schools rethink how they "
        "teach and check it, with the focus on what works in ordinary classrooms.",
    ),
    "NLG": (
        "{first} has chaired a governing board for {years} years and supports chairs who want "
        "sharper meetings, a clearer strategy and better challenge for their leaders.",
    ),
    "LSG": (
        "A governor at {school}, {first} helps boards get the basics right: clear minutes, "
        "useful reports from the head, and questions that lead somewhere.",
    ),
}

OUTCOMES = (
    "We want {area} to be consistently strong in every class, not just in a few.",
    "Our last inspection named {area} as the area to improve. We need a plan we can deliver "
    "and someone to check our progress against it.",
    "A new leader for {area} needs coaching through their first year in post.",
    "Results in {area} have dipped for two years. We would like an outside view of why and "
    "help to turn it round.",
)
OBJECTIVES = (
    "Agree an action plan for {area} with the senior team by the first review.",
    "Coach the lead for {area} through two cycles of monitoring and feedback.",
    "Improve the teaching of {area}, checked by joint lesson visits at the mid-point review.",
    "Leave the school with a self-evaluation of {area} it can keep up without support.",
    "Train middle leaders to run their own reviews of {area}.",
)
CLOSING_NOTES = {
    "withdrawn": (
        "The school found support through its own trust.",
        "A new headteacher started and wants to review priorities first.",
        "The school could not fund the support this year.",
    ),
    "declined": (
        "Outside our area; passed to the alliance that serves the school.",
        "The local authority's own adviser team is better placed to help.",
        "Duplicate of an earlier request from the same school.",
    ),
    "no-match": (
        "No leader with the right expertise had days free this year.",
        "Leaders approached were not a good fit for the phase; the school was told.",
    ),
    "lapsed": ("No reply from the school within 60 days; closed automatically.",),
    "evaluated": ("Evaluation of impact received from the school; request closed.",),
}
DECLINE_NOTES = {
    "no-capacity": "My days for this year are already committed.",
    "not-my-expertise": "The need is outside my own area; a specialist would serve it better.",
    "conflict-of-interest": "I used to work with the headteacher there.",
    "other": "Term dates clash with an inspection at my own school.",
}

# The support log, the leader's impact report and the school's evaluation.
LOG_NOTES = {
    "coaching": (
        "Coaching session with the lead for {area}: reviewed the last round of monitoring "
        "and agreed what to look for next.",
        "Met the lead for {area}; we rehearsed the feedback conversation they are dreading.",
    ),
    "working-alongside": (
        "Joint lesson visits in {area} with the subject lead, then a short debrief.",
        "Worked with two teachers on planning a sequence in {area}.",
    ),
    "training": (
        "Ran a twilight session for staff on {area}.",
        "Training for middle leaders on running their own reviews of {area}.",
    ),
    "data-analysis": (
        "Went through this year's assessment information for {area} with the deputy head.",
        "Compared attendance and attainment figures for {area} across year groups.",
    ),
    "action-planning": (
        "Drafted the {area} action plan with the senior team; milestones agreed.",
        "Reviewed progress against the {area} plan and moved two actions forward.",
    ),
    "other": (
        "Phone call with the headteacher to check progress.",
        "Read the school's self-evaluation ahead of the next visit.",
    ),
}
IMPACT_EVIDENCE = {
    "green": (
        "Lesson visits at the final review showed the change in every class we saw.",
        "The plan is in place, owned by the school and already reviewed once without me.",
    ),
    "amber": (
        "Clear progress in most classes; two teachers need more time to embed it.",
        "The work started well but was slowed by staff changes this term.",
    ),
    "red": (
        "Priorities changed at the school half way through, so this was set aside.",
        "Too early to see a difference; the school has agreed to revisit it next year.",
    ),
}
IMPACT_SUMMARIES = (
    "The school has a stronger grip on {area} and a plan it can carry on without me.",
    "Good progress overall. The leadership team now runs its own reviews of {area}.",
    "A mixed picture: real gains in {area}, but staffing changes slowed the rest.",
)
SCHOOL_COMMENTS = (
    "Practical, honest advice from someone who understood our context.",
    "Our subject lead grew in confidence over the term. We would ask again.",
    "Helpful, though we would have liked the visits closer together.",
    "",
)

# Pauses, early stops and variations: what coordinators write when agreed work changes.
PAUSE_REASONS = (
    "The school has its inspection this month; visits start again once it is over.",
    "The headteacher is on leave until after half term and asked us to wait for their return.",
    "The subject lead we coach is off sick; we will pick up when they are back.",
    "The leader is covering a gap at their own school for a few weeks.",
    "The school is moving into its new building and has asked for no visits meanwhile.",
)
# What happened, in a sentence, for each `Deployment.StopReason`.
STOP_NOTES = {
    "school-asked": (
        "The governors want to spend the rest of the budget on their own staff training.",
        "The new headteacher would rather lead this work themselves from here.",
    ),
    "leader-unavailable": (
        "The leader has taken on an acting headship and has no days to give this year.",
        "The leader's own school has asked them back full time.",
    ),
    "needs-changed": (
        "After the inspection the school's priority moved to attendance, so we will look again.",
        "The school merged two departments and the work as agreed no longer fits.",
    ),
    "not-working": (
        "Visits kept being cancelled at short notice and the plan stalled.",
        "The school and the leader agreed the approach was not making a difference.",
    ),
    "school-change": (
        "The school joined a trust that brings its own school improvement team.",
        "The school is to close in the summer and the work is no longer needed.",
    ),
    "other": ("Funding for the support fell through part way.",),
}
# Reasons a stop came before any support was given.
STOP_BEFORE_START_REASONS = ("school-asked", "leader-unavailable", "needs-changed", "school-change")
STOP_PART_WAY_REASONS = (
    "school-asked",
    "leader-unavailable",
    "needs-changed",
    "not-working",
    "other",
)
VARIATION_REASONS = {
    "days": (
        "The school asked for extra days to support a second subject lead.",
        "The first review showed more to do than planned; the school has funded the extra days.",
    ),
    "end": (
        "Visits slipped after a staff illness, so the end date moves back.",
        "The school asked to run the last review after its summer assessments.",
    ),
    "objective": (
        "The mid-point review found a further need the school wants covered.",
        "The headteacher asked to add work on how middle leaders check progress.",
    ),
}
EXTRA_OBJECTIVES = (
    "Support the lead for {area} to present the school's progress to governors.",
    "Set up a termly check of {area} that the middle leaders run themselves.",
    "Help the school plan its own training on {area} for next year.",
)
