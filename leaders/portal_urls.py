"""The leader's pages under /my/, gathered from the apps that own them."""

from deployments import portal as deployment_pages
from deployments import report_views as report_pages
from leaders import portal as work_pages
from leaders import profile as profile_pages

app_name = "portal"

urlpatterns = [
    *work_pages.urlpatterns,
    *deployment_pages.urlpatterns,
    *report_pages.urlpatterns,
    *profile_pages.urlpatterns,
]
