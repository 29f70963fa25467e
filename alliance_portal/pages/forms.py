"""Form pieces every public form shares: the GOV.UK layout, phone numbers, dates."""

import re

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Size
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models

from .dates import validate_in_range

# A UK number: 10 to 11 digits (more with +44), spaces, dashes and brackets allowed.
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()-]+$")


class ServiceErrorsMixin:
    """Show a service's refusal: keyed messages by their field, the rest in the summary."""

    def add_service_errors(self, error):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class StepForm(ServiceErrorsMixin, forms.Form):
    """A journey step: GOV.UK layout, our own <form> tag, errors in the summary."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's own <form> has the token
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL


def length_of(model, name):
    """The model field's max_length, for the form field that fills it: one limit."""
    return model._meta.get_field(name).max_length


def validate_phone(value):
    digits = sum(character.isdigit() for character in value or "")
    if value and (not PHONE_CHARACTERS.match(value) or not 10 <= digits <= 13):
        raise forms.ValidationError("Enter a telephone number, like 01632 960 001 or 07700 900 982")


# Each box of a date takes what a person types: up to 2 numbers for the day and the
# month, 4 for the year. Anything longer is refused before it becomes a date.
DATE_PARTS = (
    ("day", r"\A[0-9]{1,2}\Z", "Enter the day as 1 or 2 numbers, like 14"),
    ("month", r"\A[0-9]{1,2}\Z", "Enter the month as 1 or 2 numbers, like 1"),
    ("year", r"\A[0-9]{4}\Z", "Enter the year as 4 numbers, like 2027"),
)


class OptionalDateField(DateInputField):
    """The GOV.UK date input (day, month, year boxes) with messages a person can act on.

    Every box is bounded and the date must lie in the range the portal stores
    (`dates.EARLIEST` to `dates.LATEST`), so no input overflows a date.
    """

    default_validators = [validate_in_range]

    def __init__(self, **kwargs):
        super().__init__(require_all_fields=False, **kwargs)
        for part, (name, pattern, message) in zip(self.fields, DATE_PARTS, strict=True):
            part.error_messages["incomplete"] = f"The date must include a {name}"
            part.validators = [RegexValidator(pattern, message)]

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except (forms.ValidationError, OverflowError):
            raise forms.ValidationError("Enter a real date, like 14 1 2027") from None


def fits_key(key, value, using="default"):
    """Whether `value` can be a value of the model field `key` (a primary key, say) as
    the database stores it: it converts, and an integer is within the column's range."""
    try:
        converted = key.to_python(value)
    except ValidationError:
        return False
    if converted is None or not isinstance(key, models.IntegerField | models.AutoField):
        return True
    low, high = connections[using].ops.integer_field_range(key.get_internal_type())
    return (low is None or low <= converted) and (high is None or converted <= high)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several rows whose keys are checked before they reach the database.

    Django's own field looks the chosen keys up with `__in`, which (unlike `=`)
    passes a number too big for the key's column straight to the database, where
    it overflows. A value that cannot be a key is refused as any unknown choice is.
    """

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for each in value if isinstance(value, list | tuple) else []:
            if not fits_key(key, each, self.queryset.db):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": each},
                )
        return super()._check_values(value)


class AreaChoiceField(RowsChoiceField):
    """Areas of expertise shown by name alone."""

    def label_from_instance(self, area):
        return area.name
