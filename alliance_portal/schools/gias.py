"""The national schools register (GIAS) file format: the columns we read, by name.

The importer reads columns by these names only: the register adds, drops and
reorders columns between releases, so nothing here may depend on position.
Believable fake register files for tests and benchmarks are made by
alliance_portal.demo.register_file.
"""

URN = "URN"
LA_CODE = "LA (code)"
LA_NAME = "LA (name)"
NAME = "EstablishmentName"
TYPE = "TypeOfEstablishment (name)"
TYPE_GROUP = "EstablishmentTypeGroup (name)"
STATUS = "EstablishmentStatus (name)"
OPEN_DATE = "OpenDate"
CLOSE_DATE = "CloseDate"
PHASE = "PhaseOfEducation (name)"
LOW_AGE = "StatutoryLowAge"
HIGH_AGE = "StatutoryHighAge"
PUPILS = "NumberOfPupils"
TRUST_CODE = "Trusts (code)"
TRUST_NAME = "Trusts (name)"
OFSTED_DATE = "OfstedLastInsp"
OFSTED_RATING = "OfstedRating (name)"
STREET = "Street"
LOCALITY = "Locality"
TOWN = "Town"
POSTCODE = "Postcode"
WEBSITE = "SchoolWebsite"
TELEPHONE = "TelephoneNum"
HEAD_FIRST_NAME = "HeadFirstName"
HEAD_LAST_NAME = "HeadLastName"
REGION = "GOR (name)"
DISTRICT = "DistrictAdministrative (name)"
EASTING = "Easting"
NORTHING = "Northing"

#: Every column the importer reads, in the order a person would read them.
COLUMNS = (
    URN,
    LA_CODE,
    LA_NAME,
    NAME,
    TYPE,
    TYPE_GROUP,
    STATUS,
    OPEN_DATE,
    CLOSE_DATE,
    PHASE,
    LOW_AGE,
    HIGH_AGE,
    PUPILS,
    TRUST_CODE,
    TRUST_NAME,
    OFSTED_DATE,
    OFSTED_RATING,
    STREET,
    LOCALITY,
    TOWN,
    POSTCODE,
    WEBSITE,
    TELEPHONE,
    HEAD_FIRST_NAME,
    HEAD_LAST_NAME,
    REGION,
    DISTRICT,
    EASTING,
    NORTHING,
)
