from django.contrib import admin

from alliance_portal.admin_site import ReadOnlyModelAdmin

from .models import RolePage, Submission


@admin.register(RolePage)
class RolePageAdmin(admin.ModelAdmin):
    list_display = ["kind", "summary", "updated_at"]
    readonly_fields = ["kind", "created_at", "updated_at"]
    search_fields = ["kind", "summary"]
    fields = [
        "kind",
        "summary",
        "who_they_are",
        "support_given",
        "how_deployment_runs",
        "time_commitment",
        "designated_by",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyModelAdmin):
    """The forms' one-time keys, for superusers to read when a double submission is queried."""

    list_display = ["kind", "object_id", "created_at"]
    list_filter = ["kind"]
    fields = ["kind", "object_id", "created_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"
