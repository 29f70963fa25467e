import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from alliance_portal.accounts import scoping
from alliance_portal.accounts.admin_scoping import (
    AllianceScopedAdmin,
    AllianceScopedHistoryAdmin,
    AllianceScopedInline,
    ObjectActionsMixin,
)
from alliance_portal.accounts.services import leader_invite
from alliance_portal.admin_site import LabelledInlineMixin

from . import admin_views
from .models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication
from .reviews import WARNING_DAYS
from .services import existing_person, needs_leaders_confirmation
from .track_record import track_record


@admin.register(AreaOfExpertise)
class AreaOfExpertiseAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "position"]
    list_filter = ["group"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


def without_pending(field):
    """A designation's status field without "waiting for the leader" and "refused by the
    leader": only an application, and the leader's own answer, put it in those states."""
    field.choices = [c for c in field.choices if c[0] not in Designation.UNCONFIRMED_STATUSES]
    return field


class DesignationInline(LabelledInlineMixin, AllianceScopedInline, admin.TabularInline):
    """The designations the user may change: all for a superuser, their alliance's otherwise."""

    model = Designation
    fk_name = "leader"
    extra = 0
    can_delete = False  # withdrawn, never deleted (see DesignationAdmin)
    fields = [
        "kind",
        "alliance",
        "designated_on",
        "review_due_on",
        "status",
        "national_support_school",
    ]
    # Alliances are few enough for a plain list, which works without JavaScript too.
    autocomplete_fields = ["national_support_school"]

    def get_queryset(self, request):
        return scoping.changeable_designations_for(request.user, super().get_queryset(request))

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        return without_pending(field) if db_field.name == "status" else field

    def get_min_num(self, request, obj=None, **kwargs):
        # A coordinator's new leader needs a designation from their alliance,
        # or the leader would leave their sight on saving.
        if obj is None and not scoping.sees_everything(request.user):
            return 1
        return super().get_min_num(request, obj, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class OtherDesignationInline(LabelledInlineMixin, admin.TabularInline):
    """Designations a coordinator sees on the leader but does not change: national ones
    (NLE, NLG), other alliances', and their own that wait for the leader to confirm."""

    model = Designation
    fk_name = "leader"
    verbose_name_plural = "other designations (read only)"
    fields = ["kind", "designated_by", "designated_on", "review_due_on", "status"]
    readonly_fields = fields

    def get_queryset(self, request):
        changeable = scoping.changeable_designations_for(request.user, Designation.objects.all())
        return (
            scoping.designations_for(request.user, super().get_queryset(request))
            .exclude(pk__in=changeable.values("pk"))
            .select_related("alliance")
        )

    @admin.display(description="Designated by")
    def designated_by(self, designation):
        return designation.designating_body

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeclaredConflictInline(LabelledInlineMixin, AllianceScopedInline, admin.TabularInline):
    model = DeclaredConflict
    extra = 0
    fields = ["school", "trust", "reason"]
    autocomplete_fields = ["school", "trust"]


@admin.register(Leader)
class LeaderAdmin(AllianceScopedHistoryAdmin):
    deletable = False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context["track_record"] = track_record(obj, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    list_display = [
        "full_name",
        "email",
        "home_school",
        "active_designations",
        "managing_alliance",
        "days_per_year",
        "public_profile_consent",
    ]
    list_filter = [
        "designations__kind",
        "designations__status",
        "public_profile_consent",
        "phases",
        "managing_alliance",
    ]
    list_select_related = ["home_school", "managing_alliance"]
    search_fields = ["full_name", "email", "home_school__name"]
    # Logins and schools are many: search boxes. Alliances, areas and phases are few:
    # a plain list and tick boxes, which need no JavaScript.
    autocomplete_fields = ["user", "home_school"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [DesignationInline, DeclaredConflictInline]
    actions = ["invite_to_sign_in"]
    show_full_result_count = False

    @admin.action(description="Invite to sign in", permissions=["change"])
    def invite_to_sign_in(self, request, queryset):
        changeable = scoping.changeable_leaders_for(request.user, queryset)
        invited = refused = 0
        for leader in changeable:
            try:
                leader_invite(leader=leader, actor=request.user)
            except ValidationError as error:
                refused += 1
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                invited += 1
        skipped = queryset.count() - invited - refused
        if invited:
            self.message_user(request, f"Invitation sent to {invited} leader(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} leader(s) not invited: only their designating alliance can invite them.",
                messages.WARNING,
            )

    def get_inlines(self, request, obj):
        if scoping.sees_everything(request.user):
            return self.inlines
        return [DesignationInline, OtherDesignationInline, DeclaredConflictInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if scoping.sees_everything(request.user):
            return fields
        # Logins are the superuser's business (the user admin is theirs alone), and
        # who keeps a leader's record is settled when the record is made.
        return ["user", "managing_alliance", *fields]

    def save_model(self, request, obj, form, change):
        if not change and not scoping.sees_everything(request.user):
            # A leader a coordinator adds is their alliance's to keep.
            obj.managing_alliance_id = scoping.alliance_id_of(request.user)
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        active = Designation.objects.filter(status=Designation.Status.ACTIVE).order_by("kind")
        active = scoping.designations_for(request.user, active)
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


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("due", "Due within 60 days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        active = queryset.filter(status=Designation.Status.ACTIVE)
        if self.value() == "overdue":
            return active.filter(review_due_on__lt=today)
        if self.value() == "due":
            soon = today + datetime.timedelta(days=WARNING_DAYS)
            return active.filter(review_due_on__gte=today, review_due_on__lte=soon)
        return queryset


@admin.register(Designation)
class DesignationAdmin(AllianceScopedHistoryAdmin):
    # A designation ends by being withdrawn or lapsing, never by deletion, which would
    # leave its history behind without the record.
    deletable = False
    list_display = [
        "leader",
        "kind",
        "designating_body",
        "designated_on",
        "review_due",
        "status",
    ]
    list_filter = [ReviewFilter, "kind", "status", "alliance"]
    list_select_related = ["leader", "alliance"]
    search_fields = ["leader__full_name", "leader__email"]
    autocomplete_fields = ["leader", "national_support_school"]
    readonly_fields = ["application", "created_at", "updated_at"]
    date_hierarchy = "review_due_on"
    show_full_result_count = False

    def get_queryset(self, request):
        # The leader's name is in every designation's label, autocomplete included.
        return super().get_queryset(request).select_related("leader", "alliance")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:
            return fields
        # A designation stays with the leader it was given to.
        return ["leader", *fields]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        return without_pending(field) if db_field.name == "status" else field

    @admin.display(description="Review due", ordering="review_due_on")
    def review_due(self, designation):
        if designation.review_due_on is None:
            return "-"
        due = f"{designation.review_due_on:%d %b %Y}"
        return f"{due} (overdue)" if designation.review_overdue() else due

    @admin.display(description="Designated by", ordering="alliance__name")
    def designating_body(self, designation):
        return designation.designating_body


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(AllianceScopedAdmin):
    list_display = ["leader", "school", "trust", "reason"]
    list_select_related = ["leader", "school", "trust"]
    search_fields = ["leader__full_name", "school__name", "trust__name"]
    autocomplete_fields = ["leader", "school", "trust"]


@admin.register(LeaderApplication)
class LeaderApplicationAdmin(ObjectActionsMixin, AllianceScopedAdmin):
    """The review queue of expressions of interest from the public site.

    Applications arrive only through the public form, and what the applicant
    said stays as they said it. A coordinator may correct the school; sending
    the application to another alliance is for a superuser, as the alliance
    scope offers a coordinator only their own.
    """

    deletable = False

    list_display = ["full_name", "designation_sought", "alliance", "status", "created_at"]
    list_filter = ["status", "designation_sought", "alliance"]
    list_select_related = ["alliance"]
    search_fields = ["full_name", "email"]
    autocomplete_fields = ["home_school"]
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

    change_form_template = "admin/leaders/leaderapplication/change_form.html"

    object_actions = {
        "approve": admin_views.approve_view,
        "reject": admin_views.reject_view,
    }

    def has_add_permission(self, request):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            context.update(existing_person_context(obj, request.user))
        return super().render_change_form(request, context, add, change, form_url, obj)


def existing_person_context(application, user):
    """Who the application's email address already belongs to, said plainly to the reviewer:
    the leader's name and who keeps their record, and only the designations the reviewer
    may see anyway, so the page tells nobody more than that about another alliance's leader."""
    existing = existing_person(application.email)
    leader = existing.leader
    context = {"existing": existing}
    if leader is not None:
        seen = scoping.designations_for(user, leader.designations.select_related("alliance"))
        context.update(
            existing_leader_designations=[
                f"{d.kind} ({d.designating_body}, {d.get_status_display().lower()})"
                for d in seen.order_by("kind")
            ],
            existing_needs_confirmation=needs_leaders_confirmation(leader, application.alliance),
        )
    return context
