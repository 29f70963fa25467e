"""Public pages of the deployments app: the school's evaluation behind a private link."""

app_name = "deployments"

urlpatterns = []
