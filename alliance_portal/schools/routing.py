"""Which alliance a school's request or a leader's application goes to."""

from django.core.exceptions import ValidationError

from .models import Alliance


def alliance_for_local_authority(local_authority_id):
    """The alliance that serves a local authority, and whether we fell back.

    A school no alliance serves (or one typed in by hand without its local
    authority) goes to the default alliance, flagged so a coordinator checks
    it. Without a default alliance, the first alliance by name takes it.
    """
    if local_authority_id:
        serving = Alliance.objects.filter(local_authorities=local_authority_id)
        alliance = serving.order_by("name").first()
        if alliance is not None:
            return alliance, False
    fallback = Alliance.objects.order_by("-is_default", "name").first()
    if fallback is None:
        raise ValidationError("No alliance has joined the portal yet, so requests cannot be sent.")
    return fallback, True
