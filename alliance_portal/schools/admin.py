from django.contrib import admin
from django.db import models

from alliance_portal.accounts.admin_scoping import AllianceScopedAdmin

from .models import Alliance, LocalAuthority, Phase, School, SchoolChange, Trust, is_urn
from .services import school_changes_acknowledge


class RecordedValuesFilter(admin.AllValuesFieldListFilter):
    """Each value found in the column, with an empty one shown as "Not recorded" rather
    than as a link with no words (WCAG 2.4.4)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if not str(choice["display"]).strip() or str(choice["display"]).startswith(" ("):
                choice = {**choice, "display": f"Not recorded{choice['display']}"}
            yield choice


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "=code"]
    ordering = ["name"]


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "=code"]


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    search_fields = ["name"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alliance)
class AllianceAdmin(AllianceScopedAdmin):
    """A coordinator sees only their own alliance; the others are not there for them."""

    list_display = ["name", "contact_email", "contact_phone", "is_default"]
    list_filter = ["is_default"]
    search_fields = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["local_authorities"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "phase", "status", "local_authority", "region", "ofsted_rating"]
    list_filter = [
        "status",
        "phase",
        "region",
        "type_group",
        ("ofsted_rating", RecordedValuesFilter),
    ]
    list_select_related = ["phase", "local_authority"]
    search_fields = ["=urn", "name", "postcode"]
    autocomplete_fields = ["trust"]
    readonly_fields = ["imported_at", "created_at", "updated_at"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["urn", "name", "status", "establishment_type", "type_group", "phase"]}),
        (
            "Pupils",
            {"fields": ["statutory_low_age", "statutory_high_age", "pupil_count"]},
        ),
        (
            "Where",
            {
                "fields": [
                    "local_authority",
                    "region",
                    "district",
                    "street",
                    "locality",
                    "town",
                    "postcode",
                    "easting",
                    "northing",
                ]
            },
        ),
        ("Contact", {"fields": ["telephone", "website", "head_name"]}),
        ("Trust and inspection", {"fields": ["trust", "ofsted_rating", "ofsted_last_inspection"]}),
        (
            "Register",
            {"fields": ["open_date", "close_date", "imported_at", "created_at", "updated_at"]},
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        # A number is a URN: match it exactly, skipping the slow name scan.
        if is_urn(search_term.strip()):
            return queryset.search(search_term), False
        return super().get_search_results(request, queryset, search_term)


class AcknowledgedFilter(admin.SimpleListFilter):
    title = "acknowledged"
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return [("no", "Waiting"), ("yes", "Acknowledged")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.waiting()
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        return queryset


@admin.register(SchoolChange)
class SchoolChangeAdmin(AllianceScopedAdmin):
    """What register imports changed about the schools an alliance works with.

    Written by the import only; a coordinator reads them and marks them acknowledged.
    """

    list_display = [
        "school",
        "description",
        "open_requests",
        "leaders",
        "alliance",
        "created_at",
        "acknowledged",
    ]
    list_filter = [AcknowledgedFilter, "closed", "alliance"]
    list_select_related = ["school", "alliance", "previous_local_authority", "local_authority"]
    search_fields = ["=school__urn", "school__name"]
    fields = [
        "school",
        "alliance",
        "description",
        "open_requests",
        "leaders",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    readonly_fields = fields
    actions = ["acknowledge"]
    # The record of what the register changed stays.
    deletable = False

    def has_add_permission(self, request):
        return False

    @admin.display(description="what changed")
    def description(self, obj):
        return obj.description

    @admin.display(description="acknowledged", boolean=True, ordering="acknowledged_at")
    def acknowledged(self, obj):
        return obj.acknowledged_at is not None

    @admin.action(
        description="Mark the selected school changes as acknowledged", permissions=["change"]
    )
    def acknowledge(self, request, queryset):
        count = school_changes_acknowledge(changes=queryset, user=request.user)
        self.message_user(
            request, f"{count} school change{'' if count == 1 else 's'} acknowledged."
        )
