from django.contrib import admin

from alliance_portal.accounts.admin_scoping import (
    AllianceScopedAdmin,
    AllianceScopedHistoryAdmin,
    AllianceScopedInline,
)

from .models import ReferenceSequence, RequestEvent, SupportRequest


class RequestEventInline(AllianceScopedInline, admin.TabularInline):
    model = RequestEvent
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "actor_label", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("request", "actor")


@admin.register(SupportRequest)
class SupportRequestAdmin(AllianceScopedHistoryAdmin):
    list_display = [
        "reference",
        "school_column",
        "alliance",
        "status",
        "designation_sought",
        "created_at",
    ]
    list_filter = [
        "status",
        "alliance",
        "designation_sought",
        "funding",
        "routed_to_default",
        "in_ofsted_category",
        "facing_closure",
    ]
    list_select_related = ["school", "alliance"]
    search_fields = [
        "=reference",
        "school__name",
        "=school__urn",
        "school_name_given",
        "contact_name",
        "contact_email",
    ]
    autocomplete_fields = ["school", "alliance", "areas_of_expertise"]
    readonly_fields = [
        "reference",
        "status_changed_at",
        "privacy_consent_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [RequestEventInline]
    show_full_result_count = False
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status",
                    "status_changed_at",
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
class ReferenceSequenceAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
