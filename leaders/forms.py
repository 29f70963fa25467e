from urllib.parse import urlencode

from django import forms

from alliance_portal.schools.models import Phase

from . import directory
from .models import AreaOfExpertise, Designation

ANY = ""


def _select(**kwargs):
    return forms.ChoiceField(required=False, widget=forms.Select, **kwargs)


class DirectoryFilterForm(forms.Form):
    """The directory's filters, sent as a GET query so they work without JavaScript.

    Every filter is optional. A value that is not one of the choices is
    reported and left out; the other filters still apply.
    """

    q = forms.CharField(
        label="Search",
        help_text="A name, a school or a word from a leader's profile",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(ANY, "Any area"), *self._grouped_areas()]
        self.fields["phase"].choices = [
            (ANY, "Any phase"),
            *Phase.objects.order_by("position").values_list("code", "name"),
        ]
        self.fields["local_authority"].choices = [
            (ANY, "Anywhere"),
            *((str(code), name) for code, name in directory.local_authority_choices()),
        ]
        self.fields["region"].choices = [
            (ANY, "Anywhere"),
            *((region, region) for region in directory.region_choices()),
        ]
        for name, field in self.fields.items():
            css = "govuk-input" if name == "q" else "govuk-select"
            field.widget.attrs["class"] = f"{css} govuk-!-width-full"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
        self.fields["q"].widget.attrs["spellcheck"] = "false"

    @staticmethod
    def _grouped_areas():
        labels = dict(AreaOfExpertise.Group.choices)
        groups = {}
        for slug, name, group in directory.areas_in_group_order().values_list(
            "slug", "name", "group"
        ):
            groups.setdefault(labels.get(group, group), []).append((slug, name))
        return list(groups.items())

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
