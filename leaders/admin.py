from django.contrib import admin
from django.db.models import Prefetch
from simple_history.admin import SimpleHistoryAdmin

from .models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication


@admin.register(AreaOfExpertise)
class AreaOfExpertiseAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "position"]
    list_filter = ["group"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class DesignationInline(admin.TabularInline):
    model = Designation
    fk_name = "leader"
    extra = 0
    fields = [
        "kind",
        "alliance",
        "designated_on",
        "review_due_on",
        "status",
        "national_support_school",
    ]
    autocomplete_fields = ["alliance", "national_support_school"]


class DeclaredConflictInline(admin.TabularInline):
    model = DeclaredConflict
    extra = 0
    fields = ["school", "trust", "reason"]
    autocomplete_fields = ["school", "trust"]


@admin.register(Leader)
class LeaderAdmin(SimpleHistoryAdmin):
    list_display = [
        "full_name",
        "email",
        "home_school",
        "active_designations",
        "days_per_year",
        "public_profile_consent",
    ]
    list_filter = ["designations__kind", "designations__status", "public_profile_consent", "phases"]
    list_select_related = ["home_school"]
    search_fields = ["full_name", "email", "home_school__name"]
    autocomplete_fields = ["user", "home_school", "areas_of_expertise", "phases"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [DesignationInline, DeclaredConflictInline]
    show_full_result_count = False

    def get_queryset(self, request):
        active = Designation.objects.filter(status=Designation.Status.ACTIVE).order_by("kind")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("designations", queryset=active, to_attr="active_designation_list")
            )
        )

    @admin.display(description="Active designations")
    def active_designations(self, leader):
        return ", ".join(d.kind for d in leader.active_designation_list) or "None"


@admin.register(Designation)
class DesignationAdmin(SimpleHistoryAdmin):
    list_display = [
        "leader",
        "kind",
        "designating_body",
        "designated_on",
        "review_due_on",
        "status",
    ]
    list_filter = ["kind", "status", "alliance"]
    list_select_related = ["leader", "alliance"]
    search_fields = ["leader__full_name", "leader__email"]
    autocomplete_fields = ["leader", "alliance", "national_support_school"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "review_due_on"
    show_full_result_count = False

    def get_queryset(self, request):
        # The leader's name is in every designation's label, autocomplete included.
        return super().get_queryset(request).select_related("leader", "alliance")

    @admin.display(description="Designated by", ordering="alliance__name")
    def designating_body(self, designation):
        return designation.designating_body


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(admin.ModelAdmin):
    list_display = ["leader", "school", "trust", "reason"]
    list_select_related = ["leader", "school", "trust"]
    search_fields = ["leader__full_name", "school__name", "trust__name"]
    autocomplete_fields = ["leader", "school", "trust"]


@admin.register(LeaderApplication)
class LeaderApplicationAdmin(admin.ModelAdmin):
    """The review queue of expressions of interest from the public site.

    Applications arrive only through the public form, and what the applicant
    said stays as they said it. A coordinator may correct the school or send
    the application to another alliance.
    """

    list_display = ["full_name", "designation_sought", "alliance", "status", "created_at"]
    list_filter = ["status", "designation_sought", "alliance"]
    list_select_related = ["alliance"]
    search_fields = ["full_name", "email"]
    autocomplete_fields = ["home_school", "alliance"]
    readonly_fields = [
        "full_name",
        "email",
        "phone",
        "current_role",
        "school_name_given",
        "routed_to_default",
        "designation_sought",
        "areas_of_expertise",
        "phases",
        "statement",
        "experience",
        "head_agrees_to_release",
        "head_name",
        "head_email",
        "status",
        "decided_at",
        "decided_by",
        "decision_note",
        "privacy_consent_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["status", "alliance", "routed_to_default"]}),
        ("Applicant", {"fields": ["full_name", "email", "phone", "current_role"]}),
        ("School", {"fields": ["home_school", "school_name_given"]}),
        (
            "Application",
            {
                "fields": [
                    "designation_sought",
                    "areas_of_expertise",
                    "phases",
                    "statement",
                    "experience",
                ]
            },
        ),
        ("Headteacher", {"fields": ["head_agrees_to_release", "head_name", "head_email"]}),
        ("Decision", {"fields": ["decided_at", "decided_by", "decision_note"]}),
        ("Record", {"fields": ["privacy_consent_at", "created_at", "updated_at"]}),
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
