"""The school's private link to its evaluation: signed, timestamped, valid for a while.

Apart from deployments.impact so that deployments.services, which emails the
link on completion, and deployments.impact, which completes through
deployments.services, need not import each other.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Deployment

EVALUATION_SALT = "deployments.school-evaluation"
# The school has this long from the email to send its evaluation.
EVALUATION_LINK_LIFETIME = datetime.timedelta(days=90)


class EvaluationLinkInvalid(Exception):
    """The link was altered or names no deployment."""


class EvaluationLinkExpired(Exception):
    """The link is genuine but older than EVALUATION_LINK_LIFETIME."""

    def __init__(self, deployment):
        super().__init__(f"The evaluation link for deployment {deployment.pk} has expired.")
        self.deployment = deployment


def evaluation_token(deployment):
    """A signed, timestamped token naming the deployment."""
    return signing.dumps(deployment.pk, salt=EVALUATION_SALT)


def evaluation_url(deployment):
    """The absolute link for the email."""
    path = reverse("deployments:evaluation", args=[evaluation_token(deployment)])
    return f"{settings.SITE_URL}{path}"


def deployment_for_evaluation_token(token):
    """The deployment a token names.

    Raises EvaluationLinkInvalid when the token was tampered with and
    EvaluationLinkExpired (carrying the deployment) when it is too old.
    """
    try:
        pk = signing.loads(token, salt=EVALUATION_SALT, max_age=EVALUATION_LINK_LIFETIME)
    except signing.SignatureExpired:
        pk = signing.loads(token, salt=EVALUATION_SALT)
        raise EvaluationLinkExpired(_deployment(pk)) from None
    except signing.BadSignature:
        raise EvaluationLinkInvalid(token) from None
    return _deployment(pk)


def _deployment(pk):
    deployment = (
        Deployment.objects.select_related("leader", "request__alliance", "request__school")
        .filter(pk=pk)
        .first()
    )
    if deployment is None:
        raise EvaluationLinkInvalid(pk)
    return deployment
