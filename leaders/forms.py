import html
from urllib.parse import urlencode

from crispy_forms_gds.layout import HTML, Field, Fieldset, Layout, Size
from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeData, mark_safe

from alliance_portal.pages.forms import (
    AreaChoiceField,
    RowsChoiceField,
    StepForm,
    length_of,
    validate_phone,
)
from alliance_portal.schools.models import Phase, School

from . import directory
from .models import AreaOfExpertise, Designation, LeaderApplication

ANY = ""


class PlainSelect(forms.Select):
    """A select whose options are written in Python in one pass.

    Django renders each option through a template of its own; the directory's
    filters have about 200 options, which made that the slowest part of the page.
    Each value and label is escaped as Django escapes it (`_escaped`), without the
    checks for lazy text that `format_html` makes for each argument.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            html = "".join(
                f'<option value="{_escaped(option["value"])}"'
                f"{' selected' if option['selected'] else ''}>{_escaped(option['label'])}</option>"
                for option in options
            )
            groups.append(
                f'<optgroup label="{_escaped(group_name)}">{html}</optgroup>'
                if group_name
                else html
            )
        return mark_safe(
            f'<select name="{_escaped(name)}"{flatatt(widget["attrs"])}>{"".join(groups)}</select>'
        )


def _escaped(value):
    """`conditional_escape` for the plain text and numbers of a select's options."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


class SearchField(forms.CharField):
    """Words to search for, in one spelling: single spaces, lower case. The box shows
    the search that way too, so equivalent searches share one cached page."""

    def to_python(self, value):
        return " ".join(super().to_python(value).split()).lower()

    def bound_data(self, data, initial):
        return self.to_python(data)


class PreparedChoices(BaseChoiceIterator):
    """Choices already in the form Django normalises them to, which it then takes as
    they are (as it does its own lazy choices)."""

    def __init__(self, choices):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


# The directory's page number: read from the same query, but not a filter the form shows.
PAGE_NUMBER = forms.IntegerField(min_value=1, required=False)


def _select(**kwargs):
    return forms.ChoiceField(required=False, widget=PlainSelect, **kwargs)


class DirectoryFilterForm(forms.Form):
    """The directory's filters, sent as a GET query so they work without JavaScript.

    Every filter is optional. A value that is not one of the choices is
    reported and left out; the other filters still apply.
    """

    q = SearchField(
        label="Search",
        help_text="A name, a subject such as maths, a designation such as SLE, a school or a local authority",
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Search for 100 characters or fewer"},
    )
    kind = _select(
        label="Designation",
        choices=[(ANY, "Any designation"), *Designation.Kind.choices],
        error_messages={
            "invalid_choice": "We do not recognise that designation: choose one from the list"
        },
    )
    area = _select(
        label="Area of expertise",
        error_messages={
            "invalid_choice": "We do not recognise that area of expertise: choose one from the list"
        },
    )
    phase = _select(
        label="Phase",
        error_messages={
            "invalid_choice": "We do not recognise that phase: choose one from the list"
        },
    )
    local_authority = _select(
        label="Local authority of their school",
        error_messages={
            "invalid_choice": "No leader in the directory works in that local authority: "
            "choose one from the list"
        },
    )
    region = _select(
        label="Region of their school",
        error_messages={
            "invalid_choice": "No leader in the directory works in that region: "
            "choose one from the list"
        },
    )

    def __init__(self, *args, choices=None, **kwargs):
        """`choices`: (`directory.place_choices()`, `directory.area_and_phase_choices()`),
        when the caller has them already."""
        super().__init__(*args, **kwargs)
        places, areas_and_phases = choices or directory.filter_choices(directory.current_version())
        areas, phases = areas_and_phases
        local_authorities, regions = places
        # Already (value, label) pairs and (group, pairs): Django need not normalise the
        # 200 or so options again, which took longer than the rest of the form.
        for name, options in (
            ("area", [(ANY, "Any area"), *areas]),
            ("phase", [(ANY, "Any phase"), *phases]),
            (
                "local_authority",
                [(ANY, "Anywhere"), *((str(code), name) for code, name in local_authorities)],
            ),
            ("region", [(ANY, "Anywhere"), *((region, region) for region in regions)]),
        ):
            self.fields[name].choices = PreparedChoices(options)
        for name, field in self.fields.items():
            css = "govuk-input" if name == "q" else "govuk-select"
            field.widget.attrs["class"] = f"{css} govuk-!-width-full"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
        self.fields["q"].widget.attrs["spellcheck"] = "false"

    def clean(self):
        cleaned_data = super().clean()
        for name in self._errors:
            field = self.fields.get(name)
            if field is None:
                continue
            widget = field.widget
            widget.attrs["class"] += (
                " govuk-input--error" if name == "q" else " govuk-select--error"
            )
            described_by = [widget.attrs.get("aria-describedby", ""), f"id_{name}-error"]
            widget.attrs["aria-describedby"] = " ".join(filter(None, described_by))
        return cleaned_data

    @property
    def filters(self):
        """The filters that are in force: the valid, non-empty ones."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def query_string(self):
        """The filters in force as a URL query, to carry them across pages."""
        return urlencode(self.filters)

    @property
    def page_number(self):
        """The page asked for (1 when none is given), or None when it is not a page number."""
        try:
            return PAGE_NUMBER.clean(self.data.get("page", "").strip()) or 1
        except forms.ValidationError:
            return None

    @staticmethod
    def unfiltered_page_key(data):
        """`page_key` for a query that filters nothing (only a page number, or blanks),
        worked out without building the form; None when something is filtered."""
        if any(value.strip() for name, value in data.items() if name != "page"):
            return None
        try:
            number = PAGE_NUMBER.clean(data.get("page", "").strip()) or 1
        except forms.ValidationError:
            number = "not-a-number"
        return urlencode([("search-shown", ""), ("page", number)])

    def page_key(self):
        """What tells one directory page from another: the filters in force, the
        filters refused (each refusal reads the same whatever was sent) and the page."""
        return urlencode(
            [
                *sorted(self.filters.items()),
                ("search-shown", self["q"].value() or ""),
                *(("refused", name) for name in sorted(self.errors)),
                ("page", self.page_number or "not-a-number"),
            ]
        )


class PhaseChoiceField(RowsChoiceField):
    def label_from_instance(self, phase):
        return phase.name


class LeaderApplicationForm(StepForm):
    """The public "become a leader" form, on one page, without JavaScript.

    The school is found by its URN in the register, or typed by name when the
    applicant does not know the URN or the school is not listed.
    """

    full_name = forms.CharField(
        label="Full name",
        max_length=length_of(LeaderApplication, "full_name"),
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will send a copy of your application here.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the right format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Telephone number",
        max_length=20,
        required=False,
        validators=[validate_phone],
        help_text="Optional. A coordinator may call to talk your application through.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    current_role = forms.CharField(
        label="Your current role",
        max_length=length_of(LeaderApplication, "current_role"),
        help_text="For example, headteacher, deputy head, head of mathematics or chair of governors.",
        error_messages={"required": "Enter your current role"},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    school_urn = forms.IntegerField(
        label="Your school's URN",
        required=False,
        min_value=1,
        max_value=9_999_999,
        help_text="The school's unique reference number, usually 6 digits, like 100123. "
        "You can find it on Get Information about Schools. Leave it empty if you do not know it.",
        error_messages={
            "invalid": "Enter the URN using numbers only, like 100123",
            "min_value": "Enter the URN using numbers only, like 100123",
            "max_value": "Enter the URN using numbers only, like 100123",
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    school_name = forms.CharField(
        label="Your school's name, if you do not know its URN",
        max_length=length_of(LeaderApplication, "school_name_given"),
        required=False,
        help_text="Use this if your school is not in the register, for example a new school.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    designation_sought = forms.ChoiceField(
        label="Which designation are you applying for?",
        choices=Designation.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the designation you are applying for"},
    )
    areas_of_expertise = AreaChoiceField(
        label="What could you support other schools with?",
        queryset=AreaOfExpertise.objects.order_by("group", "position", "name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all the areas where your own work is strongest.",
        error_messages={"required": "Select at least one area you could support schools with"},
    )
    phases = PhaseChoiceField(
        label="Which phases have you worked in?",
        queryset=Phase.objects.order_by("position"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one phase you have worked in"},
    )
    statement = forms.CharField(
        label="Why do you want to be a system leader, and what would you bring?",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=4000,
        help_text="For example, an improvement you led in your own school and how you "
        "would help another school make a similar one.",
        error_messages={
            "required": "Tell us why you want to be a system leader and what you would bring",
            "max_length": "Keep your answer to 4000 characters or fewer",
        },
    )
    experience = forms.CharField(
        label="Your leadership experience",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text="Optional. For example, how many years you have been in your role, "
        "a headteacher or a chair of governors.",
        error_messages={"max_length": "Keep your answer to 2000 characters or fewer"},
    )
    head_agrees_to_release = forms.BooleanField(
        label="My headteacher agrees to release me to support other schools",
        required=False,
        help_text="An SLE spends around 15 days a year supporting other schools, so their "
        "headteacher must agree to release them.",
    )
    head_name = forms.CharField(
        label="Your headteacher's name",
        max_length=length_of(LeaderApplication, "head_name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    head_email = forms.EmailField(
        label="Your headteacher's email address",
        max_length=254,
        required=False,
        help_text="The alliance may contact them to confirm.",
        error_messages={
            "invalid": "Enter your headteacher's email address in the right format, "
            "like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    privacy_consent = forms.BooleanField(
        label="I have read the privacy notice and agree to the alliance using these details "
        "to consider my application",
        error_messages={"required": "Confirm you have read the privacy notice"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = None
        self.helper.layout = Layout(
            HTML.heading("h2", "m", "About you"),
            Field.text("full_name"),
            Field.text("email"),
            Field.text("phone", field_width=20),
            Field.text("current_role"),
            Fieldset(
                Field.text("school_urn", field_width=10),
                Field.text("school_name"),
                legend="Your school",
                legend_size=Size.MEDIUM,
            ),
            HTML.heading("h2", "m", "The role"),
            Field.radios("designation_sought", small=True),
            Field.checkboxes("areas_of_expertise", small=True),
            Field.checkboxes("phases", small=True),
            Field.textarea("statement", rows=8, max_characters=4000),
            Field.textarea("experience", rows=4, max_characters=2000),
            Fieldset(
                Field.checkbox("head_agrees_to_release", small=True),
                Field.text("head_name"),
                Field.text("head_email"),
                legend="Specialist Leaders of Education: your headteacher's agreement",
                legend_size=Size.MEDIUM,
            ),
            HTML.heading("h2", "m", "Send your application"),
            HTML(
                '<p class="govuk-body">Read the <a class="govuk-link" '
                "href=\"{% url 'pages:privacy' %}\">privacy notice</a> to see how the "
                "alliance uses these details.</p>"
            ),
            Field.checkbox("privacy_consent", small=True),
        )

    def clean_school_urn(self):
        urn = self.cleaned_data["school_urn"]
        if urn is None:
            return urn
        self.school = School.objects.open().filter(urn=urn).first()
        if self.school is None:
            raise forms.ValidationError(
                f"We could not find an open school with URN {urn}. Check the number, or leave "
                "it empty and enter your school's name instead"
            )
        return urn

    def clean(self):
        cleaned = super().clean()
        no_school = cleaned.get("school_urn") is None and not cleaned.get("school_name")
        if no_school and "school_urn" not in self.errors:
            self.add_error(
                "school_urn", "Enter your school's URN, or its name if you do not know the URN"
            )
        if cleaned.get("designation_sought") == Designation.Kind.SLE:
            if not cleaned.get("head_agrees_to_release"):
                self.add_error(
                    "head_agrees_to_release",
                    "Confirm your headteacher agrees to release you: a Specialist Leader "
                    "of Education needs their headteacher's agreement",
                )
            if not cleaned.get("head_name"):
                self.add_error("head_name", "Enter your headteacher's name")
            if not cleaned.get("head_email") and "head_email" not in self.errors:
                self.add_error("head_email", "Enter your headteacher's email address")
        own, head = cleaned.get("email", ""), cleaned.get("head_email", "")
        if own and head and own.lower() == head.lower():
            self.add_error("head_email", "Enter your headteacher's email address, not your own")
        return cleaned

    def application_fields(self):
        """The cleaned answers as `services.application_submit` takes them."""
        cleaned = self.cleaned_data
        return {
            "home_school": self.school,
            "school_name_given": "" if self.school else cleaned["school_name"],
            **{
                name: cleaned[name]
                for name in (
                    "full_name",
                    "email",
                    "phone",
                    "current_role",
                    "designation_sought",
                    "areas_of_expertise",
                    "phases",
                    "statement",
                    "experience",
                    "head_agrees_to_release",
                    "head_name",
                    "head_email",
                )
            },
        }
