"""Public views: a school asks for support and follows its request."""

import functools

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.pages import submissions
from alliance_portal.pages.protection import protect_public_form
from alliance_portal.schools.models import School

from . import services
from .forms import (
    CIRCUMSTANCES,
    CheckAnswersForm,
    ContactForm,
    ManualSchoolForm,
    NeedForm,
    SchoolChoiceForm,
    SchoolSearchForm,
    WithdrawForm,
)
from .journey import SENT_KEY, Draft
from .models import SupportRequest
from .school_story import school_headline, school_story
from .tracking import LinkExpired, request_for_token, tracking_token

SEARCH_RESULTS = 25
SUBMISSION = "support-request"
SUGGESTIONS = 10
STEP_TITLES = {
    "requests/school_by_hand.html": "Tell us about your school",
    "requests/contact.html": "Your contact details",
    "requests/need.html": "What your school needs",
}
STEP_URLS = {
    "school": "requests:school",
    "contact": "requests:contact",
    "need": "requests:need",
}


@require_safe
def school_suggestions(request):
    """Schools matching what has been typed so far, for the search box's suggestions."""
    search = SchoolSearchForm(request.GET)
    if not search.is_valid():
        return JsonResponse({"schools": []})
    schools = (
        School.objects.open()
        .search(search.cleaned_data["q"])
        .order_by("name", "town", "urn")
        .values("urn", "name", "town", "postcode", "local_authority__name")[:SUGGESTIONS]
    )
    return JsonResponse(
        {
            "schools": [
                {
                    "urn": school["urn"],
                    "name": school["name"],
                    "town": school["town"],
                    "postcode": school["postcode"],
                    # What the box holds once the suggestion is chosen, and finds again:
                    # the name, and the place to tell schools of the same name apart.
                    "text": ", ".join(
                        filter(
                            None,
                            [school["name"], school["town"] or school["local_authority__name"]],
                        )
                    ),
                }
                for school in schools
            ]
        }
    )


def _next(request, default):
    """After a step, go on, or back to the check page when the school was changing an answer."""
    if request.GET.get("change"):
        return redirect("requests:check")
    return redirect(default)


@require_safe
def start(request):
    kind = request.GET.get("designation", "")
    if kind in SupportRequest.DesignationSought.values:
        Draft(request.session).suggest_designation(kind)
    return render(request, "requests/start.html")


@require_http_methods(["GET", "POST"])
@protect_public_form("request-support")
@never_cache
def school(request):
    search = SchoolSearchForm(request.GET or None)
    results = []
    if search.is_valid():
        results = list(
            School.objects.open()
            .search(search.cleaned_data["q"])
            .select_related("local_authority", "phase")
            .order_by("name", "town", "urn")[:SEARCH_RESULTS]
        )
    choice = SchoolChoiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and choice.is_valid():
        Draft(request.session).save("school", choice)
        return _next(request, "requests:contact")
    return render(
        request,
        "requests/school.html",
        {
            "search": search,
            "results": results,
            "choice": choice,
            "many_results": len(results) == SEARCH_RESULTS,
        },
    )


@require_http_methods(["GET", "POST"])
@protect_public_form("request-support")
@never_cache
def school_by_hand(request):
    return _step(request, "school", ManualSchoolForm, "requests/school_by_hand.html", "contact")


@require_http_methods(["GET", "POST"])
@protect_public_form("request-support")
@never_cache
def contact(request):
    return _step(request, "contact", ContactForm, "requests/contact.html", "need")


@require_http_methods(["GET", "POST"])
@protect_public_form("request-support")
@never_cache
def need(request):
    return _step(request, "need", NeedForm, "requests/need.html", "check")


def _step(request, step, form_class, template, next_step):
    draft = Draft(request.session)
    if request.method == "POST":
        form = form_class(data=request.POST)
        if form.is_valid():
            draft.save(step, form)
            return _next(request, f"requests:{next_step}")
    else:
        stored = draft.data(step)
        # A school changing its answers sees them again, not an empty form.
        form = form_class(data=stored) if stored and _same_form(draft, step, form_class) else None
        form = form or form_class(initial=draft.initial(step))
    return render(request, template, {"form": form, "step_title": STEP_TITLES[template]})


def _same_form(draft, step, form_class):
    if step != "school":
        return True
    return isinstance(draft.school_form(), form_class)


@require_http_methods(["GET", "POST"])
@protect_public_form("request-support")
@never_cache
def check(request):
    draft = Draft(request.session)
    if request.method == "POST" and (sent_before := submissions.earlier(request, SUBMISSION)):
        # Sent already (a second click, a resend): the same confirmation, nothing new.
        return _confirm_sent(request, sent_before.object_id)
    missing, forms = draft.forms()
    if missing:
        if draft.answers:
            messages.warning(request, "Some answers are missing or need checking.")
        return redirect(STEP_URLS[missing])

    consent = CheckAnswersForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and consent.is_valid():
        school_form = forms["school"]
        by_register = isinstance(school_form, SchoolChoiceForm)
        try:
            return submissions.submit_once(
                request,
                kind=SUBMISSION,
                submit=lambda: services.request_submit(
                    school=school_form.school if by_register else None,
                    school_by_hand=None if by_register else school_form.cleaned_data,
                    contact=forms["contact"].cleaned_data,
                    need=forms["need"].cleaned_data,
                ),
                confirm=lambda pk: _confirm_sent(request, pk),
            )
        except ValidationError as error:  # e.g. no alliance has joined yet: nothing was saved
            consent.add_error(None, error.messages)

    need = forms["need"].cleaned_data
    return render(
        request,
        "requests/check.html",
        {
            "form": consent,
            "school_form": forms["school"],
            "contact": forms["contact"].cleaned_data,
            "need": need,
            "circumstances": [
                label for value, label in CIRCUMSTANCES if value in need["circumstances"]
            ],
            "designation_sought": dict(SupportRequest.DesignationSought.choices)[
                need["designation_sought"]
            ],
            "funding": SupportRequest(funding=need["funding"]).get_funding_display(),
        },
    )


def _confirm_sent(request, pk):
    """The draft is done with; the sent page shows the request's reference and tracking link."""
    support_request = SupportRequest.objects.filter(pk=pk).first()
    Draft(request.session).clear()
    if support_request is None:  # sent long ago and since removed: nothing to show
        messages.info(request, "This request was sent already.")
        return redirect("requests:start")
    request.session[SENT_KEY] = {
        "reference": support_request.reference,
        "token": tracking_token(support_request),
    }
    return redirect("requests:sent")


@require_safe
@never_cache
def sent(request):
    sent = request.session.get(SENT_KEY)
    if not sent:
        return redirect("requests:start")
    return render(request, "requests/sent.html", sent)


def _tracked_request(token):
    """The request a tracking link names: 404 when the link was altered."""
    try:
        return request_for_token(token)
    except (signing.BadSignature, SupportRequest.DoesNotExist):
        raise Http404("No request matches this link.") from None


def tracking_link(view):
    """Answer an expired tracking link with the 410 page instead of running the view."""

    @functools.wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except LinkExpired:
            return render(
                request,
                "requests/link_expired.html",
                {"days_after_end": settings.TRACKING_LINK_DAYS_AFTER_END},
                status=410,
            )

    return wrapper


@require_safe
@never_cache
@tracking_link
def track(request, token):
    support_request = _tracked_request(token)
    deployments = list(
        support_request.deployments.committed()
        .with_hours_logged()
        .select_related("leader", "designation")
        .prefetch_related("objectives", "variations")
        .order_by("agreed_at", "pk")
    )
    headline, headline_text = school_headline(support_request, deployments)
    return render(
        request,
        "requests/track.html",
        {
            "support_request": support_request,
            "headline": headline,
            "headline_text": headline_text,
            "story": school_story(support_request, deployments),
            "deployments": deployments,
            "token": token,
            "can_withdraw": services.can_transition(
                support_request, SupportRequest.Status.WITHDRAWN
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@protect_public_form("tracking")
@never_cache
@tracking_link
def withdraw(request, token):
    support_request = _tracked_request(token)
    if not services.can_transition(support_request, SupportRequest.Status.WITHDRAWN):
        messages.info(request, "This request can no longer be withdrawn.")
        return redirect("requests:track", token=token)

    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_transition(
                support_request=support_request,
                to_status=SupportRequest.Status.WITHDRAWN,
                actor_label=f"{support_request.contact_name} (school contact)",
                note=form.cleaned_data["reason"],
            )
        except services.TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your request has been withdrawn.")
            return redirect(reverse("requests:track", args=[token]))
    return render(
        request,
        "requests/withdraw.html",
        {"form": form, "support_request": support_request, "token": token},
    )
