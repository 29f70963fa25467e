from decimal import Decimal

from django.contrib import admin
from django.db.models import Sum

from alliance_portal.accounts.admin_scoping import (
    AllianceScopedHistoryAdmin,
    AllianceScopedInline,
    ObjectActionsMixin,
)
from alliance_portal.admin_site import LabelledInlineMixin, SavesOnlyWhatChangedMixin
from alliance_portal.reports.admin_exports import ExportMixin

from . import admin_views
from .logging import delivery_totals
from .models import (
    Deployment,
    ImpactReport,
    Objective,
    SchoolEvaluation,
    SupportLog,
    Variation,
)

# The support log shows once delivery could have begun.
WITH_LOG = Deployment.STARTED_STATUSES

# Written only by deployments.services, through the buttons and forms above the form.
PROPOSAL_FIELDS = ["proposed_at", "answer_by", "responded_at", "decline_reason", "decline_note"]
AGREEMENT_FIELDS = [
    "agreed_days",
    "start_date",
    "end_date",
    "daily_rate",
    "brokerage_fee",
    "funding_source",
    "signed_by",
    "signed_at",
    "agreed_at",
]
DELIVERY_FIELDS = [
    "started_at",
    "paused_at",
    "pause_reason",
    "resume_expected",
    "completed_at",
    "stopped_at",
    "stop_reason",
    "stop_note",
    "cancelled_at",
    "days_delivered",
]
WORKFLOW_FIELDS = ["status", *PROPOSAL_FIELDS, *AGREEMENT_FIELDS, *DELIVERY_FIELDS]


class ReadOnlyInline(LabelledInlineMixin, AllianceScopedInline, admin.TabularInline):
    """Shown on the deployment's page, never written there: the services own these rows."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("deployments.view_deployment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObjectiveInline(ReadOnlyInline):
    """Fixed once agreed: they change only through "Vary the agreement", which keeps the reason."""

    model = Objective
    fields = ["position", "description"]
    readonly_fields = fields
    verbose_name_plural = "Objectives (change them with “Vary the agreement”)"


class VariationInline(ReadOnlyInline):
    model = Variation
    fields = ["created_at", "made_by", "what_changed", "reason"]
    readonly_fields = fields
    verbose_name_plural = "Variations"

    @admin.display(description="What changed")
    def what_changed(self, variation):
        return "; ".join(variation.changes())


class SupportLogInline(ReadOnlyInline):
    """What the leader logged, read-only: the leader's own record of their work.

    Whoever may view the deployment may read it (the deployment admin is
    already scoped to the coordinator's alliance); only the leader writes it.
    """

    model = SupportLog
    fields = ["date", "hours", "activity", "objectives_touched", "notes"]
    readonly_fields = fields
    verbose_name_plural = "Support log (written by the leader)"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("objectives")

    @admin.display(description="Objectives")
    def objectives_touched(self, entry):
        return ", ".join(str(objective.position) for objective in entry.objectives.all()) or "–"


class OutcomeFilter(admin.SimpleListFilter):
    """Find deployments by whether the report or the evaluation has come in."""

    relation = ""

    def lookups(self, request, model_admin):
        return [("yes", "Sent"), ("no", "Not yet")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.relation}__isnull": self.value() == "no"})
        return queryset


class ImpactReportFilter(OutcomeFilter):
    title = "leader's impact report"
    parameter_name = "impact_report"
    relation = "impact_report"


class SchoolEvaluationFilter(OutcomeFilter):
    title = "school's evaluation"
    parameter_name = "school_evaluation"
    relation = "school_evaluation"


def outcomes_context(deployment):
    """The leader's and the school's view of each objective, side by side."""
    report = (
        ImpactReport.objects.filter(deployment=deployment)
        .select_related("submitted_by")
        .prefetch_related("ratings")
        .first()
    )
    evaluation = (
        SchoolEvaluation.objects.filter(deployment=deployment).prefetch_related("ratings").first()
    )
    by_leader = {impact.objective_id: impact for impact in report.ratings.all()} if report else {}
    by_school = (
        {impact.objective_id: impact for impact in evaluation.ratings.all()} if evaluation else {}
    )
    hours = deployment.log_entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return {
        "show_outcomes": deployment.status in WITH_LOG or bool(report or evaluation),
        "delivery": delivery_totals(hours, deployment),
        "impact_report": report,
        "school_evaluation": evaluation,
        "outcome_rows": [
            {
                "objective": objective,
                "leader": by_leader.get(objective.pk),
                "school": by_school.get(objective.pk),
            }
            for objective in deployment.objectives.all()
        ],
    }


@admin.register(Deployment)
class DeploymentAdmin(
    SavesOnlyWhatChangedMixin, ObjectActionsMixin, ExportMixin, AllianceScopedHistoryAdmin
):
    deletable = False
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
    list_filter = [
        "status",
        "designation__kind",
        "funding_source",
        ImpactReportFilter,
        SchoolEvaluationFilter,
        "request__alliance",
    ]
    list_select_related = ["request__school", "leader", "designation"]
    search_fields = ["=request__reference", "leader__full_name", "request__school__name"]
    autocomplete_fields = ["request", "leader", "designation"]
    readonly_fields = [*WORKFLOW_FIELDS, "created_at", "updated_at"]
    inlines = [ObjectiveInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["request", "leader", "designation", "status"]}),
        ("Proposal", {"fields": PROPOSAL_FIELDS}),
        ("Agreement", {"fields": AGREEMENT_FIELDS}),
        ("Delivery", {"fields": DELIVERY_FIELDS}),
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on the form is edited by hand (the steps above do the work): no save buttons.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_inlines(self, request, obj):
        if obj is not None and obj.status in WITH_LOG:
            return [ObjectiveInline, VariationInline, SupportLogInline]
        return [ObjectiveInline, VariationInline]

    object_actions = {
        "answer": admin_views.answer_view,
        "agree": admin_views.agree_view,
        **{name: admin_views.step_view(name) for name in admin_views.STEPS},
    }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(admin_views.brokering_context(self, request, obj))
            context.update(outcomes_context(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="School", ordering="request__school__name")
    def school(self, deployment):
        return deployment.request.school_display_name

    @admin.display(description="Designation", ordering="designation__kind")
    def designation_kind(self, deployment):
        return deployment.designation.kind if deployment.designation_id else "-"
