"""Admin mixins that apply the alliance scope (see `scoping`) to every page of a model.

- lists, search, actions and autocomplete read `get_queryset`, narrowed here;
- a change, history or delete page for an object outside the scope is a 404;
- foreign key and many-to-many choices offer only what the user may see, so a
  crafted POST naming another alliance's object fails form validation; the
  record a row hangs off (`scoping.OWNER_FIELD`: a conflict's or a
  designation's leader) is chosen only among records the user may change;
- filters that would list other alliances' names are dropped.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from alliance_portal.admin_site import CheckedKeysMixin
from alliance_portal.schools.models import Alliance

from . import scoping


class ScopedChoicesMixin(CheckedKeysMixin):
    """Offer only in-scope objects as choices, for model admins and inlines alike."""

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        model = db_field.remote_field.model
        if not scoping.is_scoped(model):
            return queryset
        if queryset is None:
            queryset = model._default_manager.using(db)
        if scoping.OWNER_FIELD.get(self.model) == db_field.name:
            return scoping.changeable(request.user, queryset)
        return scoping.visible(request.user, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        limited = db_field.remote_field.model is Alliance and not scoping.sees_everything(user)
        if limited:
            kwargs.setdefault("initial", scoping.alliance_id_of(user))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if limited and field is not None:
            # Their own alliance is the one choice; empty would mean national.
            field.required = True
        return field


class AllianceScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    def get_queryset(self, request):
        return scoping.visible(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Outside the scope looks the same as not there at all.
            raise Http404(f"No {self.opts.verbose_name} with this ID.")
        return obj

    def has_change_permission(self, request, obj=None):
        if obj is not None and not scoping.can_change(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    # Records that hold people's details and a history of them are never deleted in
    # the admin, which would leave full copies in the history, timeline and outbox:
    # `manage.py personal_data erase` removes the details everywhere instead.
    deletable = True

    def has_delete_permission(self, request, obj=None):
        if not self.deletable:
            return False
        if obj is not None and not scoping.can_change(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if scoping.sees_everything(request.user):
            return filters
        return [f for f in filters if not _names_an_alliance(self.model, f)]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if _autocompletes_an_owner(request):
            # Offer only what the form will accept (see ScopedChoicesMixin).
            queryset = scoping.changeable(request.user, queryset)
        return queryset, may_have_duplicates


def _names_an_alliance(model, list_filter):
    if not isinstance(list_filter, str):
        return False
    try:
        field = get_fields_from_path(model, list_filter)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return False
    return field.related_model is Alliance


def _autocompletes_an_owner(request):
    """Whether this is the admin's autocomplete for a field in `scoping.OWNER_FIELD`."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return False
    try:
        source = apps.get_model(request.GET.get("app_label", ""), request.GET.get("model_name", ""))
    except (LookupError, ValueError):
        return False
    return scoping.OWNER_FIELD.get(source) == request.GET.get("field_name")


class AllianceScopedHistoryAdmin(AllianceScopedAdmin, SimpleHistoryAdmin):
    """The scope for models with django-simple-history, whose history views look up on their
    own; their versions can be read, never posted back."""

    def history_view(self, request, object_id, extra_context=None):
        self._check_ids(object_id)
        if not scoping.sees_everything(request.user):
            # simple-history falls back to the history of objects it cannot find.
            self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_ids(object_id, version_id)
        if not scoping.sees_everything(request.user):
            self.get_object(request, unquote(object_id))
        if request.method != "GET":
            # History is for reading. simple-history's version page saves whatever is
            # posted to it (a "revert"), past every rule of the services and of the
            # scope: nobody writes through it.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _check_ids(self, object_id, version_id=None):
        """An id in the path that cannot be a key of the record or of its history
        (`/history/abc/`) names nothing there: a 404."""
        try:
            self.opts.pk.to_python(unquote(object_id))
            if version_id is not None:
                self.model.history.model._meta.pk.to_python(version_id)
        except ValidationError:
            raise Http404(f"No {self.opts.verbose_name} with this ID.") from None


class AllianceScopedInline(ScopedChoicesMixin):
    """An inline whose rows can be changed only when its parent can."""

    def has_add_permission(self, request, obj=None):
        return _parent_changeable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _parent_changeable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _parent_changeable(request, obj) and super().has_delete_permission(request, obj)


def _parent_changeable(request, obj):
    return obj is None or scoping.can_change(request.user, obj)


def changeable_object(model_admin, request, object_id):
    """The object a custom admin view acts on: out of the user's scope is a 404
    (through the admin's own `get_object`), too few rights a 403."""
    obj = model_admin.get_object(request, unquote(object_id))
    if not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    return obj


class ObjectActionsMixin:
    """Mount `object_actions` ({action: view(request, model_admin, object_id)}) under
    `<object_id>/<action>/`, named `<app>_<model>_<action>`, behind the admin's login."""

    object_actions = {}

    def get_urls(self):
        def bound(view):
            return self.admin_site.admin_view(
                lambda request, object_id: view(request, self, object_id)
            )

        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(f"<path:object_id>/{action}/", bound(view), name=f"{prefix}_{action}")
            for action, view in self.object_actions.items()
        ] + super().get_urls()
