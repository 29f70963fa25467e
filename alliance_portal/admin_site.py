"""The portal's admin site: every registered admin answers only the lookups it declares.

Django's changelists accept a lookup on any field of the model in the query
string (`?calendar_token__startswith=a`), whatever the admin's filters say.
That lets anyone who may open a list read a column one character at a time.
`PortalAdminSite.register` gives every admin, ours and Django's own (users,
groups), a changelist that refuses any query parameter that none of its
declared filters (`list_filter`, `date_hierarchy`) consumed: the answer is
400 and nothing is filtered. A value with a NUL character is a 400 too, and the
date drill-down past December 9999 asks for other filters (`?e=1`), as Django
does for any lookup it cannot apply. `CheckedKeysMixin`, given to every admin
too, checks a chosen row's key before any lookup: a posted choice that is not a
number, or too big for its column, is a form error.

Secrets (`SECRET_FIELDS`) may not appear in any admin's filters, search,
columns, ordering or forms: a system check says so at start-up.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core import checks
from django.utils.html import format_html

from alliance_portal.pages.forms import RowsChoiceField, fits_key

# Columns that hold a secret or its hash. The portal only ever compares them.
SECRET_FIELDS = frozenset({"calendar_token_hash", "password"})

# Where a ModelAdmin can name a field, besides its form's fields and fieldsets.
_FIELD_ATTRIBUTES = (
    "list_display",
    "list_filter",
    "search_fields",
    "ordering",
    "sortable_by",
    "date_hierarchy",
    "list_editable",
    "readonly_fields",
)


class DeclaredLookupsOnly:
    """A ModelAdmin mixin: the changelist refuses lookups its declared filters do not use."""

    def get_changelist(self, request, **kwargs):
        return strict_changelist(super().get_changelist(request, **kwargs))

    def get_object(self, request, object_id, from_field=None):
        # `?_to_field=` with nothing after it names no field: look up by primary key,
        # as without it (Django checks only a non-empty one, then fails on it).
        return super().get_object(request, object_id, from_field or None)

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            # No column holds a NUL character (PostgreSQL refuses even to compare one):
            # nothing matches, in the list's search and in autocomplete alike.
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *_secret_field_errors(self)]


class KeysOnlyAutocomplete:
    """An autocomplete box that shows a posted choice back only if it can be a key.

    Showing a form again, Django's autocomplete looks the posted choices up to label
    them; a choice that is not a number (or too big for the column) made that lookup
    fail. Such a choice is left out: the form's own error already says it is wrong.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = (
            remote.model._meta.get_field(remote.field_name)
            if hasattr(remote, "field_name")
            else remote.model._meta.pk
        )
        kept = [
            each
            for each in value
            if each in (None, "") or fits_key(key, each, self.db or "default")
        ]
        return super().optgroups(name, kept, attr)


# The box a browser without JavaScript shows beside a search-as-you-type box is named
# after the field with this ending.
NO_SCRIPT_SUFFIX = "__number"


class NamedAutocomplete:
    """A search-as-you-type box with an accessible name, and a way to fill it without
    JavaScript: a plain box, inside <noscript>, for the chosen record's number (the one
    in the address of its admin page), or several numbers separated by commas."""

    @property
    def media(self):
        return super().media + forms.Media(js=["admin-portal/autocomplete-names.js"])

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        values = value if isinstance(value, (list, tuple)) else [value]
        chosen = ", ".join(str(each) for each in values if each not in (None, ""))
        box_id = f"{(attrs or {}).get('id') or 'id_' + name}{NO_SCRIPT_SUFFIX}"
        thing = self.field.remote_field.model._meta.verbose_name
        many = "numbers, separated by commas" if self.allow_multiple_selected else "number"
        return html + format_html(
            '<noscript><span class="no-script-key"><label for="{}">Or type the {} {}</label> '
            '<input type="text" id="{}" name="{}" value="{}" inputmode="numeric" '
            'aria-describedby="{}_help"> <span class="help" id="{}_help">Searching needs '
            "JavaScript. The number is in the address of the {}’s page in the admin, "
            "for example 123 in …/123/change/.</span></span></noscript>",
            box_id,
            thing,
            many,
            box_id,
            name + NO_SCRIPT_SUFFIX,
            chosen,
            box_id,
            box_id,
            thing,
        )

    def value_from_datadict(self, data, files, name):
        typed = data.get(name + NO_SCRIPT_SUFFIX)
        if typed is None:
            return super().value_from_datadict(data, files, name)
        if self.allow_multiple_selected:
            return [each.strip() for each in typed.split(",") if each.strip()]
        return typed.strip()

    def value_omitted_from_data(self, data, files, name):
        return name + NO_SCRIPT_SUFFIX not in data and super().value_omitted_from_data(
            data, files, name
        )


class KeysOnlyAutocompleteSelect(NamedAutocomplete, KeysOnlyAutocomplete, AutocompleteSelect):
    pass


class KeysOnlyAutocompleteSelectMultiple(
    NamedAutocomplete, KeysOnlyAutocomplete, AutocompleteSelectMultiple
):
    pass


class LabelledInlineMixin:
    """A table of rows in a form (a tabular inline): each box is named by its column,
    since the column's heading is not a label a screen reader ties to the box."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for field in formset.form.base_fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return formset


class CheckedKeysMixin:
    """For a ModelAdmin or an inline: a chosen row's key is checked before any lookup.

    Many-to-many choices use `RowsChoiceField`, and autocomplete boxes show back
    only posted choices that can be keys, so a crafted value is a form error.
    """

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", RowsChoiceField)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                KeysOnlyAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                KeysOnlyAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


_strict_classes = {}


def strict_changelist(changelist_class):
    """A subclass of `changelist_class` whose `get_filters` refuses undeclared parameters."""
    if changelist_class not in _strict_classes:

        class StrictChangeList(changelist_class):
            def get_filters(self, request):
                asked = set(self.get_filters_params())
                if any("\x00" in value for _, values in request.GET.lists() for value in values):
                    raise DisallowedModelAdminLookup("A value in the query has a NUL character.")
                try:
                    result = super().get_filters(request)
                except OverflowError as error:
                    # The date drill-down's next month or day after 31 December 9999.
                    raise IncorrectLookupParameters(error) from error
                left_over = set(result[2])
                hierarchy = self.date_hierarchy
                if hierarchy and f"{hierarchy}__year" in asked:
                    # The drill-down turns year, month and day into a range of its own.
                    left_over -= {f"{hierarchy}__gte", f"{hierarchy}__lt"}
                undeclared = sorted(asked & left_over)
                if undeclared:
                    raise DisallowedModelAdminLookup(
                        f"Filtering by {', '.join(undeclared)} is not offered on this list."
                    )
                return result

        StrictChangeList.__name__ = f"Strict{changelist_class.__name__}"
        _strict_classes[changelist_class] = StrictChangeList
    return _strict_classes[changelist_class]


def _named_fields(value):
    """Every field name a ModelAdmin attribute reaches, along relations too
    (`leader__calendar_token_hash` names the secret as much as the bare name does)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    names = []
    for item in value:
        if isinstance(item, list | tuple):
            item = item[0]
        if isinstance(item, str):
            names.extend(item.lstrip("-=^@").split("__"))
    return names


def _form_fields(model_admin):
    names = list(model_admin.fields or [])
    for _, options in model_admin.fieldsets or []:
        for entry in options.get("fields", []):
            names.extend(entry if isinstance(entry, list | tuple) else [entry])
    return names


def _secret_field_errors(model_admin):
    named = [
        (name, attribute)
        for attribute in _FIELD_ATTRIBUTES
        for name in _named_fields(getattr(model_admin, attribute, None))
    ]
    for inline in getattr(model_admin, "inlines", []):
        for attribute in ("fields", "readonly_fields"):
            named += [
                (name, f"{inline.__name__}.{attribute}")
                for name in _named_fields(getattr(inline, attribute, None))
            ]
    for name in _form_fields(model_admin):
        # The user form's "password" is Django's read-only summary of how the
        # password is hashed; it never shows the hash.
        if not (name == "password" and model_admin.model is get_user_model()):
            named.append((name, "fields"))
    return [
        checks.Error(
            f"{type(model_admin).__name__}.{attribute} names the secret '{name}'.",
            hint="Secrets are compared, never listed, searched, shown or exported.",
            obj=type(model_admin),
            id="portal.E001",
        )
        for name, attribute in named
        if name in SECRET_FIELDS
    ]


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows the portal writes for itself (the outbox, reference numbers, submission keys):
    shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PortalAdminSite(admin.AdminSite):
    site_header = "Alliance Portal administration"
    site_title = "Alliance Portal admin"
    index_title = "Brokering"

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        mixins = tuple(
            mixin
            for mixin in (DeclaredLookupsOnly, CheckedKeysMixin)
            if not issubclass(admin_class, mixin)
        )
        if mixins:
            admin_class = type(
                admin_class.__name__,
                (*mixins, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)


class SavesOnlyWhatChangedMixin:
    """A change form writes only the fields its user changed.

    A full-row save would write back every column as it was read when the
    page was opened, so a state a service changed in the meantime (a leader
    accepting, a deployment starting) would be overwritten by the old one.
    """

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        concrete = {field.name for field in obj._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in concrete]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])
