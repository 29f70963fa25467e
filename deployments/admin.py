from django.contrib import admin

from alliance_portal.accounts.admin_scoping import AllianceScopedHistoryAdmin, AllianceScopedInline

from .models import Deployment, Objective


class ObjectiveInline(AllianceScopedInline, admin.TabularInline):
    model = Objective
    extra = 0
    fields = ["position", "description"]


@admin.register(Deployment)
class DeploymentAdmin(AllianceScopedHistoryAdmin):
    list_display = [
        "request",
        "school",
        "leader",
        "designation_kind",
        "status",
        "agreed_days",
        "start_date",
        "end_date",
    ]
    list_filter = ["status", "designation__kind", "funding_source", "request__alliance"]
    list_select_related = ["request__school", "leader", "designation"]
    search_fields = ["=request__reference", "leader__full_name", "request__school__name"]
    autocomplete_fields = ["request", "leader", "designation"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ObjectiveInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["request", "leader", "designation", "status"]}),
        ("Proposal", {"fields": ["proposed_at", "responded_at", "decline_reason", "decline_note"]}),
        (
            "Agreement",
            {
                "fields": [
                    "agreed_days",
                    "start_date",
                    "end_date",
                    "daily_rate",
                    "brokerage_fee",
                    "funding_source",
                    "signed_by",
                    "signed_at",
                    "agreed_at",
                    "completed_at",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="School", ordering="request__school__name")
    def school(self, deployment):
        return deployment.request.school_display_name

    @admin.display(description="Designation", ordering="designation__kind")
    def designation_kind(self, deployment):
        return deployment.designation.kind if deployment.designation_id else "-"
