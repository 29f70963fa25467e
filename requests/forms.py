"""The public support-request journey's forms, one per step."""

import datetime
import re
from decimal import Decimal

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.utils import timezone

from alliance_portal.pages.forms import (
    AreaChoiceField,
    OptionalDateField,
    StepForm,
    length_of,
    validate_phone,
)
from alliance_portal.schools.models import LocalAuthority, School
from leaders.models import AreaOfExpertise

from .layout import CheckboxesWithReveal, GroupedCheckboxes, InputWithSuffix
from .models import Funding, SupportRequest

UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")

CIRCUMSTANCES = [
    ("in_ofsted_category", "In an Ofsted category (special measures or serious weaknesses)"),
    ("new_headteacher", "A new headteacher"),
    ("facing_closure", "Facing closure or amalgamation"),
    ("below_floor_standards", "Results below the expected standards"),
    ("other", "Something else"),
]


class SchoolSearchForm(StepForm):
    q = forms.CharField(
        label="School name, postcode or URN",
        max_length=100,
        min_length=2,
        error_messages={
            "required": "Enter your school's name, postcode or URN",
            "min_length": "Enter at least 2 characters",
        },
    )


class SchoolChoiceForm(StepForm):
    urn = forms.IntegerField(
        error_messages={"required": "Choose your school", "invalid": "Choose your school"}
    )

    def clean_urn(self):
        urn = self.cleaned_data["urn"]
        school = School.objects.open().filter(urn=urn).first()
        if school is None:
            raise forms.ValidationError(
                "We could not find an open school with that URN. Search again, or tell us "
                "about your school by hand."
            )
        self.school = school
        return urn


class ManualSchoolForm(StepForm):
    school_name = forms.CharField(
        label="School name",
        max_length=length_of(SupportRequest, "school_name_given"),
        error_messages={"required": "Enter your school's name"},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=length_of(SupportRequest, "school_postcode_given"),
        error_messages={"required": "Enter your school's postcode"},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    local_authority = forms.ModelChoiceField(
        label="Local authority",
        queryset=LocalAuthority.objects.order_by("name"),
        required=False,
        empty_label="I don't know",
        help_text="So we can send your request to the alliance that serves your area.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("school_name"),
            Field.text("postcode", field_width=10),
            Field.select("local_authority"),
        )

    def clean_postcode(self):
        postcode = " ".join(self.cleaned_data["postcode"].upper().split())
        if not UK_POSTCODE.match(postcode):
            raise forms.ValidationError("Enter a real postcode, like SW1A 1AA")
        if " " not in postcode:
            postcode = f"{postcode[:-3]} {postcode[-3:]}"
        return postcode


class ContactForm(StepForm):
    contact_name = forms.CharField(
        label="Full name",
        max_length=length_of(SupportRequest, "contact_name"),
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_role = forms.CharField(
        label="Your role",
        max_length=length_of(SupportRequest, "contact_role"),
        help_text="For example, headteacher, chair of governors or business manager.",
        error_messages={"required": "Enter your role in the school"},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    contact_email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will send the reference and a private link to follow your request here.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the right format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    contact_phone = forms.CharField(
        label="Telephone number",
        max_length=20,
        required=False,
        validators=[validate_phone],
        help_text="Optional. A coordinator may call to talk your request through.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("contact_name"),
            Field.text("contact_role"),
            Field.text("contact_email"),
            Field.text("contact_phone", field_width=20),
        )


def areas_by_group():
    """The areas of expertise under their group's name, groups in the usual order and
    areas A to Z within each: [(group name, [(pk, name)])]."""
    names = dict(AreaOfExpertise.Group.choices)
    groups = {name: [] for name in names.values()}
    areas = AreaOfExpertise.objects.values_list("pk", "name", "group")
    for pk, name, group in sorted(areas, key=lambda area: area[1].casefold()):
        groups.setdefault(names.get(group, group), []).append((pk, name))
    return [(heading, areas) for heading, areas in groups.items() if areas]


class NeedForm(StepForm):
    areas_of_expertise = AreaChoiceField(
        label="What do you need help with?",
        queryset=AreaOfExpertise.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one area you need help with"},
    )
    designation_sought = forms.ChoiceField(
        label="Which kind of leader do you think would help?",
        choices=SupportRequest.DesignationSought.choices,
        widget=forms.RadioSelect,
        initial=SupportRequest.DesignationSought.NOT_SURE,
        help_text="If you are not sure, the coordinator will suggest one.",
        error_messages={"required": "Select a kind of leader, or 'Not sure'"},
    )
    circumstances = forms.MultipleChoiceField(
        label="Does any of this apply to your school?",
        choices=CIRCUMSTANCES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply, or none.",
    )
    other_circumstances = forms.CharField(
        label="Tell us about anything else that affects your school",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=length_of(SupportRequest, "other_circumstances"),
        required=False,
        # A hint is also what keeps crispy-forms-gds's character count from failing.
        help_text="A few words are enough.",
    )
    outcomes_sought = forms.CharField(
        label="What would you like to be different after the support?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=length_of(SupportRequest, "outcomes_sought"),
        help_text="For example, 'reading in key stage 1 at the expected standard'.",
        error_messages={"required": "Tell us what you would like the support to achieve"},
    )
    preferred_start = OptionalDateField(
        label="When would you like the support to start?",
        required=False,
        help_text="Optional. For example, 14 1 2027.",
    )
    estimated_days = forms.DecimalField(
        label="Roughly how many days of support do you think you need?",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("200"),
        decimal_places=1,
        help_text="Optional. Half days are fine, like 7.5.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter a number of days, like 10 or 7.5",
            "min_value": "Enter at least half a day",
            "max_value": "Enter 200 days or fewer; talk to the coordinator about longer support",
            "max_decimal_places": "Enter whole or half days, like 10 or 7.5",
        },
    )
    funding = forms.ChoiceField(
        label="How would the support be paid for?",
        choices=Funding.choices,
        widget=forms.RadioSelect,
        initial=Funding.NOT_KNOWN,
        error_messages={"required": "Select how the support would be paid for"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            GroupedCheckboxes("areas_of_expertise", groups=areas_by_group()),
            Field.radios("designation_sought", small=True),
            CheckboxesWithReveal(
                "circumstances",
                reveal_on="other",
                reveal=Field.textarea("other_circumstances", rows=3, max_characters=2000),
            ),
            Field.textarea("outcomes_sought", rows=5, max_characters=4000),
            Field("preferred_start"),
            InputWithSuffix("estimated_days", suffix="days", css_class="govuk-input--width-4"),
            Field.radios("funding", small=True),
        )

    def clean_preferred_start(self):
        start = self.cleaned_data["preferred_start"]
        if start and start < timezone.localdate():
            raise forms.ValidationError("The start date must be today or in the future")
        if start and start > timezone.localdate() + datetime.timedelta(days=730):
            raise forms.ValidationError("The start date must be within the next two years")
        return start

    def clean_estimated_days(self):
        days = self.cleaned_data["estimated_days"]
        if days is not None and (days * 2) % 1:
            raise forms.ValidationError("Enter whole or half days, like 10 or 7.5")
        return days

    def clean(self):
        cleaned = super().clean()
        if "other" in cleaned.get("circumstances", []) and not cleaned.get("other_circumstances"):
            self.add_error(
                "other_circumstances", "Tell us about the other circumstances you selected"
            )
        return cleaned


class CheckAnswersForm(StepForm):
    privacy_consent = forms.BooleanField(
        label="I have read the privacy notice and agree to the alliance using these details "
        "to arrange support",
        error_messages={"required": "Confirm you have read the privacy notice"},
    )


class WithdrawForm(StepForm):
    reason = forms.CharField(
        label="Why are you withdrawing the request?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": "Tell us why you are withdrawing the request"},
    )
