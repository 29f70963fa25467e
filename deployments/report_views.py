"""The leader's impact report at the end of a deployment."""

urlpatterns = []
