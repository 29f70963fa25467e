from django.contrib import admin, messages

from alliance_portal.admin_site import ReadOnlyModelAdmin

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyModelAdmin):
    """The outbox, read-only: emails are written by services and sent by the sender.

    Superusers only: an email cannot be tied to one alliance reliably, so
    coordinators do not see the outbox.
    """

    list_display = [
        "to",
        "subject",
        "topic",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_now", "retry"]
    fields = [
        "to",
        "subject",
        "topic",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "clear_body_once_sent",
        "created_at",
        "updated_at",
        "body_text",
        "body_html",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_send_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Send now", permissions=["send"])
    def send_now(self, request, queryset):
        sent, failed = services.email_send_now(emails=queryset.queued())
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(
            request, f"Sent {sent}, failed {failed} (only queued emails are sent).", level
        )

    @admin.action(
        description="Retry (queue again emails that were given up on)", permissions=["send"]
    )
    def retry(self, request, queryset):
        count = services.email_retry(emails=queryset)
        self.message_user(request, f"Queued {count} failed email(s) again.", messages.SUCCESS)
        wiped = queryset.filter(
            status=OutboundEmail.Status.FAILED, body_text=OutboundEmail.CLEARED_BODY
        ).count()
        if wiped:
            self.message_user(
                request,
                f"{wiped} email(s) held a private link and were wiped when given up on: "
                "the person asks for a new link (a password reset, say) instead.",
                messages.WARNING,
            )
