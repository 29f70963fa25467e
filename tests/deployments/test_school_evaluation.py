"""The school's evaluation: the service, the signed link and the public page behind it."""

import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client

from alliance_portal.notifications.models import OutboundEmail
from deployments.evaluation_links import (
    EVALUATION_LINK_LIFETIME,
    EVALUATION_SALT,
    EvaluationLinkExpired,
    EvaluationLinkInvalid,
    deployment_for_evaluation_token,
    evaluation_token,
    evaluation_url,
)
from deployments.impact import school_evaluation_submit
from deployments.models import Deployment, Rating, SchoolEvaluation, SchoolObjectiveImpact
from deployments.services import deployment_complete
from requests.models import SupportRequest
from tests.factories import AgreedDeploymentFactory, ObjectiveFactory, SupportLogFactory

pytestmark = pytest.mark.django_db

Status = Deployment.Status


def make_deployment(status=Status.COMPLETED, objectives=2):
    deployment = AgreedDeploymentFactory(
        status=status,
        request__status=SupportRequest.Status.COMPLETED,
        request__alliance__name="North London Hub",
        request__alliance__contact_email="hub@north.example.org",
    )
    for position in range(objectives):
        ObjectiveFactory(deployment=deployment, position=position, description=f"Aim {position}")
    return deployment


def submit(deployment, **overrides):
    arguments = {
        "deployment": deployment,
        "satisfaction": 4,
        "would_use_again": "yes",
        "comments": "Really helpful.",
        "ratings": dict.fromkeys(deployment.objectives.all(), Rating.GREEN),
        "name": "Amira Khan",
        **overrides,
    }
    return school_evaluation_submit(**arguments)


def refused(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def old_token(deployment, age):
    """A token signed `age` ago."""
    now = time.time()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: now - age.total_seconds())
        return evaluation_token(deployment)


# The service.


def test_it_records_the_evaluation():
    deployment = make_deployment()
    first, second = deployment.objectives.all()

    evaluation = submit(
        deployment,
        ratings={first: Rating.GREEN, second.pk: Rating.AMBER},
        comments="  Really helpful.  ",
        name=" Amira Khan ",
    )

    evaluation.refresh_from_db()
    assert (evaluation.satisfaction, evaluation.would_use_again) == (4, "yes")
    assert (evaluation.comments, evaluation.submitted_by_name) == ("Really helpful.", "Amira Khan")
    assert [(r.objective, r.rating) for r in evaluation.ratings.all()] == [
        (first, Rating.GREEN),
        (second, Rating.AMBER),
    ]


def test_it_marks_the_request_evaluated_on_its_timeline():
    deployment = make_deployment()

    submit(deployment, name="Amira Khan")

    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.EVALUATED
    event = support_request.events.latest("created_at")
    assert (event.from_status, event.to_status, event.actor_label) == (
        SupportRequest.Status.COMPLETED,
        SupportRequest.Status.EVALUATED,
        "Amira Khan",
    )


def test_the_name_and_comments_are_optional():
    deployment = make_deployment()

    evaluation = submit(deployment, comments="", name="")

    assert (evaluation.comments, evaluation.submitted_by_name) == ("", "")


def test_it_refuses_a_second_evaluation():
    deployment = make_deployment()
    submit(deployment)

    error = refused(lambda: submit(deployment, satisfaction=1))

    assert error.messages == ["The school's evaluation of this support has already been sent."]
    assert SchoolEvaluation.objects.get().satisfaction == 4


@pytest.mark.parametrize("status", [Status.AGREED, Status.IN_DELIVERY, Status.CANCELLED])
def test_it_refuses_support_not_completed(status):
    deployment = make_deployment(status=status)

    error = refused(lambda: submit(deployment))

    assert error.messages == [
        "The support can be evaluated only once it has ended, with support given."
    ]
    assert not SchoolEvaluation.objects.exists()


def test_it_needs_every_answer():
    deployment = make_deployment()
    first, second = deployment.objectives.all()

    error = refused(
        lambda: submit(
            deployment,
            satisfaction=None,
            would_use_again="perhaps",
            ratings={first: "purple"},
            comments="x" * 4001,
        )
    )

    assert error.message_dict == {
        f"rating_{first.pk}": ["Say how far objective 1 was met."],
        f"rating_{second.pk}": ["Say how far objective 2 was met."],
        "satisfaction": ["Say how satisfied you are with the support."],
        "would_use_again": ["Say whether you would use the service again."],
        "comments": ["Keep your comments to 4000 characters or fewer."],
    }
    assert not SchoolEvaluation.objects.exists()
    assert not SchoolObjectiveImpact.objects.exists()


@pytest.mark.parametrize("satisfaction", [0, 6, "many"])
def test_it_refuses_a_satisfaction_out_of_range(satisfaction):
    deployment = make_deployment()

    error = refused(lambda: submit(deployment, satisfaction=satisfaction))

    assert "satisfaction" in error.message_dict


def test_it_refuses_another_deployments_objective():
    deployment = make_deployment()
    ratings = {**dict.fromkeys(deployment.objectives.all(), "green"), ObjectiveFactory(): "red"}

    error = refused(lambda: submit(deployment, ratings=ratings))

    assert error.messages == ["Rate only the objectives agreed for this support."]


# The link.


def test_the_link_names_the_deployment(settings):
    settings.SITE_URL = "https://portal.example.org"
    deployment = make_deployment()

    url = evaluation_url(deployment)

    assert url.startswith("https://portal.example.org/feedback/")
    token = url.removeprefix("https://portal.example.org/feedback/").rstrip("/")
    assert deployment_for_evaluation_token(token) == deployment


def test_a_tampered_link_is_invalid():
    deployment = make_deployment()
    token = evaluation_token(deployment)

    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense", ""):
        with pytest.raises(EvaluationLinkInvalid):
            deployment_for_evaluation_token(bad)
    # Signed for another purpose: the tracking link's salt.
    with pytest.raises(EvaluationLinkInvalid):
        deployment_for_evaluation_token(
            signing.dumps(deployment.pk, salt="support-requests.tracking")
        )


def test_a_link_to_a_deployment_that_is_gone_is_invalid():
    with pytest.raises(EvaluationLinkInvalid):
        deployment_for_evaluation_token(signing.dumps(999999, salt=EVALUATION_SALT))


def test_a_link_older_than_its_lifetime_has_expired():
    deployment = make_deployment()
    almost = old_token(deployment, EVALUATION_LINK_LIFETIME - EVALUATION_LINK_LIFETIME / 90)
    too_old = old_token(deployment, EVALUATION_LINK_LIFETIME + EVALUATION_LINK_LIFETIME / 90)

    assert deployment_for_evaluation_token(almost) == deployment
    with pytest.raises(EvaluationLinkExpired) as caught:
        deployment_for_evaluation_token(too_old)
    assert caught.value.deployment == deployment


def test_completing_the_deployment_emails_the_link(settings):
    settings.SITE_URL = "https://portal.example.org"
    deployment = make_deployment(status=Status.IN_DELIVERY)
    deployment.request.status = SupportRequest.Status.IN_DELIVERY
    deployment.request.save()
    SupportLogFactory(deployment=deployment, date=deployment.start_date)

    deployment_complete(deployment=deployment, actor=None, confirmed=True)

    sent = OutboundEmail.objects.get(topic="school-evaluation")
    assert sent.to == deployment.request.contact_email
    assert "How did the support go?" in sent.subject
    assert "https://portal.example.org/feedback/" in sent.body_text
    assert "https://portal.example.org/feedback/" in sent.body_html
    assert "Aim 0" in sent.body_text


# The page.


def page_url(deployment, token=None):
    return f"/feedback/{token or evaluation_token(deployment)}/"


def answers(deployment, **overrides):
    data = {"satisfaction": "5", "would_use_again": "yes", "comments": "", "name": ""}
    for objective in deployment.objectives.all():
        data[f"rating_{objective.pk}"] = "green"
    return {**data, **overrides}


def test_the_form_asks_about_each_objective_and_the_support_overall(client):
    deployment = make_deployment()

    response = client.get(page_url(deployment))

    assert response.status_code == 200
    page = response.content.decode()
    assert "How did the support go?" in page
    assert "Aim 0" in page and "Aim 1" in page
    assert "Fully met" in page and "Partly met" in page and "Not met" in page
    assert page.count("<fieldset") == 4  # two objectives, satisfaction, use again
    assert 'name="website_address"' in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_school_sends_its_evaluation_and_sees_thanks(client):
    deployment = make_deployment()
    url = page_url(deployment)

    response = client.post(url, answers(deployment, comments="Thank you.", name="Amira"))

    assert response.status_code == 302
    assert response["Location"] == url
    evaluation = SchoolEvaluation.objects.get(deployment=deployment)
    assert (evaluation.satisfaction, evaluation.comments, evaluation.submitted_by_name) == (
        5,
        "Thank you.",
        "Amira",
    )
    thanks = client.get(url)
    assert thanks.status_code == 200
    assert "Thank you for your views" in thanks.content.decode()
    assert 'name="satisfaction"' not in thanks.content.decode()


def test_it_shows_the_errors_and_saves_nothing(client):
    deployment = make_deployment()

    response = client.post(page_url(deployment), {"comments": "Hmm."})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Say how far objective 1 was met" in page
    assert "Say how satisfied you are with the support" in page
    assert "Say whether you would use the service again" in page
    assert not SchoolEvaluation.objects.exists()


def test_a_used_link_shows_thanks_and_takes_no_second_answer(client):
    deployment = make_deployment()
    submit(deployment)

    shown = client.get(page_url(deployment))
    posted = client.post(page_url(deployment), answers(deployment, satisfaction="1"))

    assert shown.status_code == posted.status_code == 200
    assert "Thank you for your views" in shown.content.decode()
    assert SchoolEvaluation.objects.get().satisfaction == 4


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_says_it_does_not_work(client, method):
    deployment = make_deployment()
    token = evaluation_token(deployment)

    response = getattr(client, method)(f"/feedback/{token}x/", answers(deployment))

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert not SchoolEvaluation.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_says_how_to_reach_the_alliance(client, method):
    deployment = make_deployment()
    token = old_token(deployment, EVALUATION_LINK_LIFETIME * 2)

    response = getattr(client, method)(page_url(deployment, token), answers(deployment))

    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert "hub@north.example.org" in page
    assert deployment.request.reference in page
    assert not SchoolEvaluation.objects.exists()


def test_an_expired_link_still_thanks_a_school_that_answered_in_time(client):
    deployment = make_deployment()
    submit(deployment)
    token = old_token(deployment, EVALUATION_LINK_LIFETIME * 2)

    response = client.get(page_url(deployment, token))

    assert response.status_code == 200
    assert "This link has expired" not in response.content.decode()
    assert response.templates[0].name == "deployments/feedback/thanks.html"


def test_a_link_to_support_not_completed_does_not_work(client):
    deployment = make_deployment(status=Status.IN_DELIVERY)

    response = client.get(page_url(deployment))

    assert response.status_code == 404


def test_the_honeypot_refuses_the_form(client):
    deployment = make_deployment()

    response = client.post(
        page_url(deployment), answers(deployment, website_address="http://spam.example")
    )

    assert response.status_code == 400
    assert not SchoolEvaluation.objects.exists()


@pytest.mark.usefixtures("counter_cache")
def test_it_limits_how_often_a_client_posts(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "school-evaluation": (2, 3600)}
    deployment = make_deployment()

    codes = [client.post(page_url(deployment), {}).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_no_login_is_needed_and_signed_in_users_see_the_same(client, superuser):
    deployment = make_deployment()
    signed_in = Client()
    signed_in.force_login(superuser)

    assert client.get(page_url(deployment)).status_code == 200
    assert signed_in.get(page_url(deployment)).status_code == 200
