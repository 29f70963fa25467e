"""Layout objects for the need step: GOV.UK components crispy-forms-gds has no shortcut for."""

from crispy_forms.utils import TEMPLATE_PACK, render_field
from crispy_forms_gds.layout import Field


class GroupedCheckboxes(Field):
    """A checkbox group shown in sections, each under its own heading.

    `groups` is [(heading, [(value, label)])]; the boxes are numbered from 1
    across all sections, as crispy-forms-gds numbers an ungrouped group, so an
    error summary link still finds the first box.
    """

    template = "requests/layout/grouped_checkboxes.html"

    def __init__(self, field, groups, **kwargs):
        numbered, number = [], 0
        for heading, choices in groups:
            items = []
            for value, label in choices:
                number += 1
                items.append({"number": number, "value": str(value), "label": label})
            numbered.append({"heading": heading, "items": items})
        super().__init__(field, context={"groups": numbered}, **kwargs)


class CheckboxesWithReveal(Field):
    """Checkboxes where ticking one choice shows more questions beneath it (GOV.UK
    Frontend's conditional reveal). Without JavaScript the questions always show."""

    template = "requests/layout/checkboxes_with_reveal.html"

    def __init__(self, field, *, reveal_on, reveal, **kwargs):
        super().__init__(field, context={"reveal_on": reveal_on}, **kwargs)
        self.reveal = reveal

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        revealed = render_field(self.reveal, form, context, template_pack=template_pack)
        return self.get_rendered_fields(
            form,
            context,
            template_pack,
            template=self.get_template_name(template_pack),
            attrs=self.attrs,
            extra_context={**self.context, "revealed": revealed},
            **kwargs,
        )


class InputWithSuffix(Field):
    """A text input with a unit after it, such as "days" (GOV.UK Frontend's input suffix)."""

    template = "requests/layout/input_with_suffix.html"

    def __init__(self, field, *, suffix, **kwargs):
        super().__init__(field, context={"suffix": suffix}, **kwargs)
