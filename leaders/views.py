from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .directory import directory_leaders, listed_leaders
from .forms import DirectoryFilterForm

LEADERS_PER_PAGE = 20


def _page_links(page, query):
    """GOV.UK pagination items: numbered links with gaps, each keeping the filters."""
    prefix = f"?{query}&page=" if query else "?page="
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append(
                {"number": number, "url": f"{prefix}{number}", "current": number == page.number}
            )
    return {
        "items": links,
        "previous": f"{prefix}{page.previous_page_number()}" if page.has_previous() else None,
        "next": f"{prefix}{page.next_page_number()}" if page.has_next() else None,
    }


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    filters = form.filters
    page = Paginator(directory_leaders(filters), LEADERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "pagination": _page_links(page, form.query_string()),
    }
    return render(request, "leaders/directory.html", context)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    leader = get_object_or_404(listed_leaders(), pk=pk)
    return render(request, "leaders/detail.html", {"leader": leader})
