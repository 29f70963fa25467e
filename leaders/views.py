from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.pages import submissions
from alliance_portal.pages.context_processors import leader_url
from alliance_portal.pages.models import RolePage
from alliance_portal.pages.protection import protect_public_form

from . import services
from .directory import (
    PAGE_CACHE_SECONDS,
    current_version,
    directory_leaders,
    filter_choices,
    listed_leader,
    page_cache,
    page_cache_key,
    with_details,
)
from .forms import DirectoryFilterForm, LeaderApplicationForm
from .models import LeaderApplication

LEADERS_PER_PAGE = 20
# What the confirmation page shows, kept in the session between the POST and the redirect.
APPLICATION_SENT_KEY = "leader_application_sent"
SUBMISSION = "leader-application"


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


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """The directory; its title and main content are cached, as they are the same for everyone."""
    version = current_version()
    form = DirectoryFilterForm(request.GET, choices=filter_choices(version))
    key = page_cache_key(form.page_key(), version)
    page_parts = page_cache.get(key)
    if page_parts is None:
        filters = form.filters
        paginator = Paginator(directory_leaders(filters), LEADERS_PER_PAGE)
        asked_for = form.page_number
        page = paginator.get_page(asked_for)
        page.object_list = with_details(list(page.object_list))
        for leader in page.object_list:
            leader.page_url = leader_url(leader.pk)
        context = {
            "form": form,
            "filtered": bool(filters),
            "page": page,
            "pagination": _page_links(page, form.query_string()),
            "page_not_a_number": asked_for is None,
            "page_past_the_end": asked_for is not None and asked_for > page.number,
        }
        page_parts = {
            "title": render_to_string("leaders/_directory_title.txt", context, request).strip(),
            "content": render_to_string("leaders/_directory_content.html", context, request),
        }
        page_cache.set(key, page_parts, PAGE_CACHE_SECONDS)
    # Both parts are our own templates' output, escaped as they were rendered.
    return render(
        request,
        "leaders/directory.html",
        {part: mark_safe(html) for part, html in page_parts.items()},
    )


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    leader = listed_leader(pk)
    if leader is None:
        raise Http404("No such leader in the directory.")
    return render(request, "leaders/detail.html", {"leader": leader})


@require_http_methods(["GET", "POST"])
@protect_public_form("become-a-leader")
def apply(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (sent_before := submissions.earlier(request, SUBMISSION)):
        return _confirm_application(request, sent_before.object_id)
    form = LeaderApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            return submissions.submit_once(
                request,
                kind=SUBMISSION,
                submit=lambda: services.application_submit(**form.application_fields()),
                confirm=lambda pk: _confirm_application(request, pk),
            )
        except ValidationError as error:  # e.g. no alliance has joined yet: nothing was saved
            form.add_error(None, error.messages)
    return render(request, "leaders/apply.html", {"form": form, "roles": RolePage.objects.all()})


def _confirm_application(request, pk):
    application = LeaderApplication.objects.select_related("alliance").filter(pk=pk).first()
    if application is None:  # sent long ago and since removed: nothing to show
        return redirect("leaders:apply")
    request.session[APPLICATION_SENT_KEY] = {
        "email": application.email,
        "alliance": application.alliance.name,
        "designation": application.get_designation_sought_display(),
    }
    return redirect("leaders:apply-sent")


@require_safe
def apply_sent(request: HttpRequest) -> HttpResponse:
    sent = request.session.get(APPLICATION_SENT_KEY)
    if not sent:
        return redirect("leaders:apply")
    return render(request, "leaders/apply_sent.html", sent)
