"""The leader's profile and calendar feed."""

urlpatterns = []
