"""The transition table, walked: every allowed move works, every other is refused."""

import pytest

from requests.models import RequestEvent, SupportRequest
from requests.services import (
    NEEDS_REASON,
    TRANSITIONS,
    TransitionError,
    owned_by_deployments,
    request_follow_deployments,
    request_transition,
)
from tests.factories import (
    AgreedDeploymentFactory,
    DeploymentFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status

ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
BY_HAND = [(a, b) for a, b in ALLOWED if not owned_by_deployments(a, b)]
BY_DEPLOYMENTS = [(a, b) for a, b in ALLOWED if owned_by_deployments(a, b)]
REFUSED = [(a, b) for a in Status for b in Status if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(
    ("from_status", "to_status", "move"),
    [(a, b, request_transition) for a, b in BY_HAND]
    + [(a, b, request_follow_deployments) for a, b in BY_DEPLOYMENTS],
)
def test_it_applies_every_allowed_transition(from_status, to_status, move):
    support_request = SupportRequestFactory(status=from_status)
    coordinator = UserFactory(is_staff=True)

    event = move(
        support_request=support_request, to_status=to_status, actor=coordinator, note="Checked."
    )

    support_request.refresh_from_db()
    assert support_request.status == to_status
    assert (event.from_status, event.to_status, event.actor) == (
        from_status,
        to_status,
        coordinator,
    )
    assert event.note == "Checked."
    assert (support_request.closed_at is not None) == (to_status in SupportRequest.CLOSED_STATUSES)


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_it_refuses_every_other_transition(from_status, to_status):
    support_request = SupportRequestFactory(status=from_status)

    with pytest.raises(TransitionError) as error:
        request_transition(support_request=support_request, to_status=to_status, note="Because.")

    support_request.refresh_from_db()
    assert support_request.status == from_status
    assert not RequestEvent.objects.filter(request=support_request).exists()
    assert "cannot be moved" in error.value.message


@pytest.mark.parametrize(("from_status", "to_status"), BY_DEPLOYMENTS)
def test_the_moves_that_follow_deployments_are_refused_anywhere_else(from_status, to_status):
    """Agreed, in delivery, completed: only the deployment services move a request there."""
    support_request = SupportRequestFactory(status=from_status)

    with pytest.raises(TransitionError, match="only through its deployments"):
        request_transition(support_request=support_request, to_status=to_status, note="By hand.")

    support_request.refresh_from_db()
    assert support_request.status == from_status
    assert not RequestEvent.objects.filter(request=support_request).exists()


@pytest.mark.parametrize(("from_status", "to_status"), BY_HAND)
def test_the_deployments_cannot_make_a_coordinators_move(from_status, to_status):
    support_request = SupportRequestFactory(status=from_status)

    with pytest.raises(TransitionError, match="A deployment cannot"):
        request_follow_deployments(support_request=support_request, to_status=to_status, note="x")


@pytest.mark.parametrize("to_status", sorted(NEEDS_REASON))
def test_it_needs_a_reason_to_close_without_support(to_status):
    from_status = next(a for a, targets in TRANSITIONS.items() if to_status in targets)
    support_request = SupportRequestFactory(status=from_status)

    with pytest.raises(TransitionError, match="Give a reason"):
        request_transition(support_request=support_request, to_status=to_status, note="  ")

    support_request.refresh_from_db()
    assert support_request.status == from_status


def test_it_keeps_the_reason_a_request_closed():
    support_request = SupportRequestFactory(status=Status.MATCHING)

    request_transition(
        support_request=support_request,
        to_status=Status.WITHDRAWN,
        actor_label="Head (school contact)",
        note="We found help locally.",
    )

    assert support_request.closed_reason == "We found help locally."
    assert support_request.events.get().actor_label == "Head (school contact)"


def test_it_cancels_open_proposals_and_agreements_when_a_request_closes():
    proposed = DeploymentFactory(request__status=Status.AGREED)
    support_request = proposed.request
    agreed = AgreedDeploymentFactory(request=support_request)
    declined = DeploymentFactory(request=support_request, status="declined")

    request_transition(
        support_request=support_request, to_status=Status.WITHDRAWN, note="Not needed now."
    )

    statuses = {d.pk: d.status for d in support_request.deployments.all()}
    assert statuses == {proposed.pk: "cancelled", agreed.pk: "cancelled", declined.pk: "declined"}
