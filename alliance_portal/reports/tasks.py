"""Work the dashboard hands to the worker."""

from django.contrib.auth import get_user_model
from django_tasks import task


@task()
def refresh_dashboard(user_id: int, alliance_id: int | None):
    """Work out the dashboard snapshot for this user's scope again (snapshots.py)."""
    from .snapshots import refresh

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        refresh(user, alliance_id)


@task()
def build_export(export_id: str):
    """Build a queued export of a changelist (background.py)."""
    from .background import build

    build(export_id)
