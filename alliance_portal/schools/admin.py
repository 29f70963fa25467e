from django.contrib import admin
from django.db import models

from alliance_portal.accounts.admin_scoping import AllianceScopedAdmin

from .models import Alliance, LocalAuthority, Phase, School, Trust, is_urn


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
    list_filter = ["status", "phase", "region", "type_group", "ofsted_rating"]
    list_select_related = ["phase", "local_authority"]
    search_fields = ["=urn", "name", "postcode"]
    autocomplete_fields = ["local_authority", "trust"]
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
