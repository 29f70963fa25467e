"""Each leader's search document, stored (PostgreSQL), so a directory search reads an
indexed column instead of working out 6,000 documents for every search.

The document holds what a directory entry shows: the name and designations
(weight A), areas of expertise and phases (B), the home school, its local
authority and region (C), and the bio (D). `refresh_search_documents` writes it
in one UPDATE for the leaders given (or all), and runs whenever the directory's
cached pages are forgotten for a change (`directory.directory_changed`), after a
register import, and after a bulk build of demo data. SQLite has no such column
type to search: there the directory matches words instead, and this does nothing.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Case, CharField, F, Func, OuterRef, Subquery, TextField, Value, When

from alliance_portal.schools.models import Phase, School

from .models import AreaOfExpertise, Designation, Leader

SEARCH_CONFIG = "english"


def _joined(queryset):
    """One text of the values a subquery lists, for a leader."""
    return Func(
        ArraySubquery(queryset.order_by()),
        Value(" "),
        function="array_to_string",
        output_field=TextField(),
    )


def _designation_words():
    """A designation as searched for: its code and its name ("SLE Specialist Leader…")."""
    return Case(
        *(When(kind=kind, then=Value(f"{kind.value} {kind.label}")) for kind in Designation.Kind),
        default=F("kind"),
        output_field=CharField(),
    )


def _school(field):
    return Subquery(
        School.objects.filter(pk=OuterRef("home_school_id")).values(field)[:1],
        output_field=TextField(),
    )


def search_document():
    """The expression for a leader's document, written without joins so an UPDATE can
    use it."""
    return (
        SearchVector("full_name", weight="A", config=SEARCH_CONFIG)
        + SearchVector(
            _joined(
                Designation.objects.filter(leader=OuterRef("pk"), status=Designation.Status.ACTIVE)
                .annotate(words=_designation_words())
                .values("words")
            ),
            weight="A",
            config=SEARCH_CONFIG,
        )
        + SearchVector(
            _joined(AreaOfExpertise.objects.filter(leaders=OuterRef("pk")).values("name")),
            _joined(Phase.objects.filter(leaders=OuterRef("pk")).values("name")),
            weight="B",
            config=SEARCH_CONFIG,
        )
        + SearchVector(
            _school("name"),
            _school("local_authority__name"),
            _school("region"),
            weight="C",
            config=SEARCH_CONFIG,
        )
        + SearchVector("bio", weight="D", config=SEARCH_CONFIG)
    )


def refresh_search_documents(leader_ids=None):
    """Write the documents of these leaders (all of them when None); nothing on SQLite."""
    if connection.vendor != "postgresql":
        return 0
    leaders = Leader.objects.all()
    if leader_ids is not None:
        leaders = leaders.filter(pk__in=list(leader_ids))
    return leaders.update(search_document=search_document())
