from django.contrib import admin

from alliance_portal.accounts.admin_scoping import (
    AllianceScopedHistoryAdmin,
    AllianceScopedInline,
    ObjectActionsMixin,
)
from alliance_portal.reports.admin_exports import ExportMixin

from . import admin_views
from .models import Deployment, Objective

# Written only by deployments.services, through the buttons and forms above the form.
WORKFLOW_FIELDS = [
    "status",
    "proposed_at",
    "responded_at",
    "decline_reason",
    "decline_note",
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


class ObjectiveInline(AllianceScopedInline, admin.TabularInline):
    model = Objective
    extra = 0
    fields = ["position", "description"]


@admin.register(Deployment)
class DeploymentAdmin(ObjectActionsMixin, ExportMixin, AllianceScopedHistoryAdmin):
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
    readonly_fields = [*WORKFLOW_FIELDS, "created_at", "updated_at"]
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

    def has_add_permission(self, request):
        # A deployment starts as a proposal from the request's shortlist, through
        # deployment_propose, so the checks, timeline and email always happen.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        # Who is deployed for what is settled when the leader is proposed.
        return ["request", "leader", "designation", *fields]

    object_actions = {
        "answer": admin_views.answer_view,
        "agree": admin_views.agree_view,
        "start": admin_views.start_view,
        "complete": admin_views.complete_view,
    }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(admin_views.brokering_context(self, request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="School", ordering="request__school__name")
    def school(self, deployment):
        return deployment.request.school_display_name

    @admin.display(description="Designation", ordering="designation__kind")
    def designation_kind(self, deployment):
        return deployment.designation.kind if deployment.designation_id else "-"
