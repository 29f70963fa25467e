from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin, with the portal's site as `admin.site` (see `admin_site`)."""

    default_site = "alliance_portal.admin_site.PortalAdminSite"
