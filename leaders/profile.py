"""The leader's own profile and calendar feed link, under /my/.

Both pages work on the Leader of the signed-in user only; anyone else signed
in gets a 404. Designations are shown but changed by coordinators alone.
"""

from decimal import Decimal

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alliance_portal.pages.formats import plain_number
from alliance_portal.pages.forms import AreaChoiceField
from alliance_portal.schools.models import Phase
from deployments.models import Deployment

from . import directory
from .calendar import calendar_feed_url, new_calendar_secret
from .forms import PhaseChoiceField
from .models import AreaOfExpertise, Leader, academic_year_bounds
from .portal import get_leader_for_user

BIO_MAX_CHARACTERS = 2000
MAX_DAYS_PER_YEAR = Decimal(200)
DAYS_MESSAGE = "Enter the number of days as a number, like 15 or 7.5"


def days_agreed_this_year(leader: Leader) -> Decimal:
    """Days in deployments agreed with the leader that start this academic year."""
    year = academic_year_bounds(timezone.localdate())
    return Deployment.objects.filter(leader=leader, start_date__range=year).days_committed()


def _helper(form, *fields):
    helper = FormHelper(form)
    helper.form_tag = False
    helper.disable_csrf = True
    helper.label_size = Size.SMALL
    helper.legend_size = Size.SMALL
    helper.layout = Layout(*fields)
    return helper


class ProfileForm(forms.ModelForm):
    """What a leader may change about themselves; everything else stays with coordinators."""

    bio = forms.CharField(
        label="About you",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BIO_MAX_CHARACTERS,
        required=False,
        help_text="A few sentences on your experience and the support you like to give. "
        "Schools read this in the directory if you choose to be listed.",
        error_messages={
            "max_length": f"Keep this to {BIO_MAX_CHARACTERS} characters or fewer",
        },
    )
    areas_of_expertise = AreaChoiceField(
        label="Your areas of expertise",
        queryset=directory.areas_in_group_order(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Coordinators look at these when they match you with a school. "
        "Select all the areas where your work is strongest.",
        error_messages={"invalid_choice": "Select areas of expertise from the list"},
    )
    phases = PhaseChoiceField(
        label="Phases you can support",
        queryset=Phase.objects.order_by("position"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select phases from the list"},
    )
    days_per_year = forms.DecimalField(
        label="Days you can give this academic year",
        min_value=0,
        max_value=MAX_DAYS_PER_YEAR,
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the number of days you can give this academic year",
            "invalid": DAYS_MESSAGE,
            "max_digits": DAYS_MESSAGE,
            "max_whole_digits": DAYS_MESSAGE,
            "max_decimal_places": "Enter the days to one decimal place at most, like 7.5",
            "min_value": "The number of days cannot be less than 0",
            "max_value": f"Enter {MAX_DAYS_PER_YEAR} days or fewer",
        },
    )
    public_profile_consent = forms.BooleanField(
        label="Show my profile in the public directory",
        required=False,
        help_text="Anyone can then see your name, job title, school, active designations, "
        "areas of expertise, phases and what you wrote about yourself. "
        "Your email address and telephone number are never shown.",
    )

    class Meta:
        model = Leader
        fields = ["bio", "areas_of_expertise", "phases", "days_per_year", "public_profile_consent"]

    def __init__(self, *args, days_agreed=Decimal(0), **kwargs):
        super().__init__(*args, **kwargs)
        self.days_agreed = days_agreed
        self.fields["days_per_year"].help_text = (
            f"You have agreed {plain_number(days_agreed)} days so far this academic year."
            if days_agreed
            else "For example, 15 or 7.5."
        )
        # The areas are drawn by hand in groups, between these two parts.
        self.helper = _helper(
            self, Field.textarea("bio", rows=6, max_characters=BIO_MAX_CHARACTERS)
        )
        self.after_areas_helper = _helper(
            self,
            Field.checkboxes("phases", small=True),
            Field.text("days_per_year", field_width=5),
            Fieldset(
                Field.checkbox("public_profile_consent", small=True),
                legend="The public directory",
            ),
        )

    def area_groups(self):
        """The areas as (group name, [(input id, value, name, checked)]), numbered from 1."""
        labels = dict(AreaOfExpertise.Group.choices)
        chosen = {str(value) for value in self["areas_of_expertise"].value() or []}
        groups = {}
        for number, area in enumerate(self.fields["areas_of_expertise"].queryset, start=1):
            groups.setdefault(labels.get(area.group, area.group), []).append(
                (f"id_areas_of_expertise_{number}", area.pk, area.name, str(area.pk) in chosen)
            )
        return list(groups.items())

    def clean_days_per_year(self):
        days = self.cleaned_data["days_per_year"]
        if days < self.days_agreed:
            raise forms.ValidationError(
                f"You have already agreed {plain_number(self.days_agreed)} days of support this academic "
                f"year: enter {plain_number(self.days_agreed)} or more, or ask your coordinator about "
                "the agreed work"
            )
        return days


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Lock the leader's row, as agreeing a deployment does, so the days
        # cannot drop below a deployment being agreed at the same moment.
        with transaction.atomic():
            leader = get_object_or_404(Leader.objects.select_for_update(), user=request.user)
            form = ProfileForm(
                request.POST, instance=leader, days_agreed=days_agreed_this_year(leader)
            )
            saved = form.is_valid()
            if saved and form.has_changed():
                form.save()  # the directory forgets its cached pages (leaders.apps)
        if saved:
            messages.success(request, "Your profile is saved.")
            return redirect("portal:profile")
    else:
        leader = get_leader_for_user(request)
        form = ProfileForm(instance=leader, days_agreed=days_agreed_this_year(leader))
    designations = leader.designations.select_related("alliance").order_by(
        "status", "kind", "-designated_on"
    )
    return render(
        request,
        "leaders/portal/profile.html",
        {"leader": leader, "form": form, "designations": designations},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """Make or replace the leader's private calendar link.

    Only a hash of the secret is stored, so the link is shown once, in the
    answer to the POST that made it, and never again.
    """
    leader = get_leader_for_user(request)
    context = {"leader": leader, "has_link": bool(leader.calendar_token_hash), "feed_url": None}
    if request.method == "POST":
        replacing = context["has_link"]
        context["feed_url"] = calendar_feed_url(new_calendar_secret(leader))
        messages.success(
            request,
            "Your calendar link is replaced. The old link no longer works: "
            "subscribe again with the new one."
            if replacing
            else "Your calendar link is ready.",
        )
    return render(request, "leaders/portal/calendar.html", context)


urlpatterns = [
    path("profile/", profile, name="profile"),
    path("calendar/", calendar, name="calendar"),
]
