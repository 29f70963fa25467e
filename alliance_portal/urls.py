from django.contrib import admin
from django.urls import include, path

from alliance_portal.accounts import views as account_views
from alliance_portal.pages import views as page_views

urlpatterns = [
    path("", page_views.home, name="home"),
    path("", include("alliance_portal.pages.urls")),
    path("", include("leaders.urls")),
    path("", include("requests.urls")),
    path("", include("deployments.urls")),
    path("accounts/", include("alliance_portal.accounts.urls")),
    path("my/", include("leaders.portal_urls")),
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/dashboard/", include("alliance_portal.reports.urls")),
    path("admin/exports/", include("alliance_portal.reports.export_urls")),
    path("admin/", admin.site.urls),
]

# The portal's own error pages (alliance_portal/pages/errors.py), shown once DEBUG is off.
handler400 = "alliance_portal.pages.errors.bad_request"
handler403 = "alliance_portal.pages.errors.permission_denied"
handler404 = "alliance_portal.pages.errors.page_not_found"
handler500 = "alliance_portal.pages.errors.server_error"
