from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.utils.html import format_html

from alliance_portal.accounts import scoping
from alliance_portal.accounts.admin_scoping import (
    AllianceScopedAdmin,
    AllianceScopedHistoryAdmin,
    ObjectActionsMixin,
)
from alliance_portal.admin_site import ReadOnlyModelAdmin, SavesOnlyWhatChangedMixin
from alliance_portal.reports.admin_exports import ExportMixin

from . import admin_views
from .caseload import next_action, with_caseload_facts, working_days_waiting
from .models import ReferenceSequence, RequestEvent, SupportRequest

# What the school (or the coordinator taking its call) wrote: read-only once the request exists.
SCHOOL_WORDS = [
    "school",
    "school_name_given",
    "school_postcode_given",
    "routed_to_default",
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
    "designation_sought",
    "in_ofsted_category",
    "new_headteacher",
    "facing_closure",
    "below_floor_standards",
    "other_circumstances",
    "outcomes_sought",
    "preferred_start",
    "timing_notes",
    "estimated_days",
    "funding",
    "funding_notes",
    "closed_reason",
]


class CaseloadChangeList(ChangeList):
    """The request list, each row with what its deployments say for its next action."""

    def get_queryset(self, request, exclude_parameters=None):
        return with_caseload_facts(super().get_queryset(request, exclude_parameters))


class CaseFilter(admin.SimpleListFilter):
    """The caseload opens on open work; closed work shows only when asked for."""

    title = "cases"
    parameter_name = "cases"
    OPEN, MINE, UNASSIGNED, CLOSED, ALL = "open", "mine", "unassigned", "closed", "all"

    def lookups(self, request, model_admin):
        return [
            (self.OPEN, "Open"),
            (self.MINE, "My open cases"),
            (self.UNASSIGNED, "Open, nobody's yet"),
            (self.CLOSED, "Closed"),
            (self.ALL, "All, open and closed"),
        ]

    def value(self):
        return super().value() or self.OPEN

    def choices(self, changelist):
        # No "All" link of Django's own: "open" is the default, and "all" is a choice.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        closed = SupportRequest.CLOSED_STATUSES
        value = self.value()
        if value == self.ALL:
            return queryset
        if value == self.CLOSED:
            return queryset.filter(status__in=closed)
        queryset = queryset.exclude(status__in=closed)
        if value == self.MINE:
            return queryset.filter(owner=request.user)
        if value == self.UNASSIGNED:
            return queryset.filter(owner__isnull=True)
        return queryset


class SupportRequestForm(forms.ModelForm):
    class Meta:
        model = SupportRequest
        # The admin's fieldsets and read-only fields decide what is shown and edited.
        exclude = []  # noqa: DJ006

    def clean_leaders_wanted(self):
        wanted = self.cleaned_data["leaders_wanted"]
        if self.instance.pk is None:
            return wanted
        deployments = self.instance.deployments
        agreed = deployments.live().count()
        if wanted < agreed:
            raise forms.ValidationError(
                f"{agreed} leaders are already agreed for this request: stop or finish a "
                "leader's work before needing fewer."
            )
        if wanted == agreed and deployments.asks().exists():
            raise forms.ValidationError(
                "Withdraw the open asks first: with this many leaders the places would be full."
            )
        return wanted


@admin.register(SupportRequest)
class SupportRequestAdmin(
    SavesOnlyWhatChangedMixin, ObjectActionsMixin, ExportMixin, AllianceScopedHistoryAdmin
):
    deletable = False
    form = SupportRequestForm
    list_display = [
        "reference_column",
        "school_column",
        "status",
        "waiting_column",
        "next_action_column",
        "owner_column",
        "alliance",
    ]
    list_filter = [
        CaseFilter,
        "status",
        "alliance",
        "designation_sought",
        "funding",
        "routed_to_default",
        "in_ofsted_category",
        "facing_closure",
    ]
    list_select_related = ["school", "alliance", "owner"]
    search_fields = [
        "=reference",
        "school__name",
        "=school__urn",
        "school_name_given",
        "contact_name",
        "contact_email",
    ]
    # Alliances and areas are few: a plain list and tick boxes, which need no JavaScript.
    autocomplete_fields = ["school"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    # The state changes only through the buttons above the form (request_transition).
    readonly_fields = [
        "reference",
        "status",
        "status_changed_at",
        "owner",
        "privacy_consent_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status",
                    "status_changed_at",
                    "owner",
                    "source",
                    "alliance",
                    "routed_to_default",
                ]
            },
        ),
        ("School", {"fields": ["school", "school_name_given", "school_postcode_given"]}),
        ("Contact", {"fields": ["contact_name", "contact_role", "contact_email", "contact_phone"]}),
        (
            "Need",
            {
                "fields": [
                    "areas_of_expertise",
                    "designation_sought",
                    "in_ofsted_category",
                    "new_headteacher",
                    "facing_closure",
                    "below_floor_standards",
                    "other_circumstances",
                    "outcomes_sought",
                ]
            },
        ),
        (
            "Timing and funding",
            {
                "fields": [
                    "preferred_start",
                    "timing_notes",
                    "estimated_days",
                    "funding",
                    "funding_notes",
                    "leaders_wanted",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": [
                    "privacy_consent_at",
                    "closed_at",
                    "closed_reason",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A case page is about this case: no "Save and add another" beside its buttons.
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            # A request typed in from a phone call: the coordinator writes the school's words.
            return fields
        # Once sent, the school's words are theirs: a correction is a note on the timeline.
        return [*fields, *SCHOOL_WORDS]

    def get_queryset(self, request):
        # The change page's shortlist reads the school's trust, grid reference and
        # phase. Joined here, the changelist takes these joins instead of
        # list_select_related, so they include its columns too.
        return super().get_queryset(request).select_related("school__phase", "alliance", "owner")

    def get_changelist(self, request, **kwargs):
        return CaseloadChangeList

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not scoping.sees_everything(request.user):
            # A coordinator's list is one alliance's: the column would say it on every row.
            columns.remove("alliance")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not scoping.sees_everything(request.user) and "alliance" in filters:
            filters.remove("alliance")
        return filters

    @admin.display(description="Reference", ordering="reference")
    def reference_column(self, support_request):
        return format_html('<span class="nowrap">{}</span>', support_request.reference)

    @admin.display(description="Working days in this state", ordering="status_changed_at")
    def waiting_column(self, support_request):
        if support_request.is_closed:
            return "–"
        return working_days_waiting(support_request)

    @admin.display(description="Next action")
    def next_action_column(self, support_request):
        return next_action(support_request)

    @admin.display(description="Owner", ordering="owner__full_name")
    def owner_column(self, support_request):
        owner = support_request.owner
        if owner is None:
            return "Nobody yet"
        return owner.full_name or owner.email

    object_actions = {
        "transition": admin_views.transition_view,
        "propose": admin_views.propose_view,
        "note": admin_views.note_view,
        "assign": admin_views.assign_view,
    }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(admin_views.brokering_context(self, request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A request typed in by a coordinator starts its timeline as one sent
            # through the public form does.
            RequestEvent.objects.create(
                request=obj,
                to_status=obj.status,
                actor=request.user,
                note=f"Added in the admin: {obj.get_source_display().lower()}.",
            )

    @admin.display(description="School", ordering="school__name")
    def school_column(self, support_request):
        if support_request.school_id:
            return support_request.school_display_name
        return f"{support_request.school_display_name} (not in the register)"


@admin.register(RequestEvent)
class RequestEventAdmin(AllianceScopedAdmin):
    list_display = ["request", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]
    list_select_related = ["request", "actor"]
    search_fields = ["=request__reference"]
    readonly_fields = [
        "request",
        "from_status",
        "to_status",
        "actor",
        "actor_label",
        "note",
        "created_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(ReadOnlyModelAdmin):
    list_display = ["year", "last_number"]
