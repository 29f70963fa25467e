"""The leader's deployment pages under /my/deployments/."""

urlpatterns = []
