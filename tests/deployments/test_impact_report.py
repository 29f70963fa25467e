"""The leader's impact report: the service, the page under /my/ and the deployment page's summary."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliance_portal.notifications.models import OutboundEmail
from deployments.impact import impact_report_submit, school_evaluation_submit
from deployments.models import Deployment, ImpactReport, ObjectiveImpact, Rating, SchoolEvaluation
from requests.models import SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    LeaderFactory,
    ObjectiveFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Deployment.Status
RequestStatus = SupportRequest.Status


def make_deployment(status=Status.IN_DELIVERY, objectives=2, **fields):
    request_status = fields.pop(
        "request__status",
        RequestStatus.COMPLETED if status == Status.COMPLETED else RequestStatus.IN_DELIVERY,
    )
    fields.setdefault("logged_hours", 7 if status != Status.AGREED else None)
    deployment = AgreedDeploymentFactory(
        status=status,
        leader=fields.pop("leader", None) or LeaderFactory(user=UserFactory()),
        request__status=request_status,
        request__contact_email="head@oakfield.example.org",
        **fields,
    )
    for position in range(objectives):
        ObjectiveFactory(
            deployment=deployment, position=position, description=f"Objective text {position}"
        )
    return deployment


def full_ratings(deployment, rating=Rating.GREEN, evidence="Books show it."):
    return dict.fromkeys(deployment.objectives.all(), (rating, evidence))


def refused(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def submit(deployment, **overrides):
    arguments = {
        "deployment": deployment,
        "actor": deployment.leader.user,
        "summary": "Maths teaching is stronger.",
        "ratings": full_ratings(deployment),
        **overrides,
    }
    return impact_report_submit(**arguments)


# The service.


def test_it_records_the_report_and_completes_a_deployment_in_delivery():
    deployment = make_deployment()
    first, second = deployment.objectives.all()

    report = submit(
        deployment,
        summary="  Maths teaching is stronger.  ",
        ratings={first: (Rating.GREEN, "Results up."), second.pk: (Rating.AMBER, "Half done.")},
    )

    assert report.summary == "Maths teaching is stronger."
    assert report.submitted_by == deployment.leader.user
    assert [(i.objective, i.rating, i.evidence) for i in report.ratings.all()] == [
        (first, Rating.GREEN, "Results up."),
        (second, Rating.AMBER, "Half done."),
    ]
    deployment.refresh_from_db()
    deployment.request.refresh_from_db()
    assert deployment.status == Status.COMPLETED
    assert deployment.request.status == RequestStatus.COMPLETED
    event = deployment.request.events.get()
    assert (event.from_status, event.to_status, event.actor) == (
        RequestStatus.IN_DELIVERY,
        RequestStatus.COMPLETED,
        deployment.leader.user,
    )
    email = OutboundEmail.objects.get()
    assert (email.to, email.topic) == ("head@oakfield.example.org", "school-evaluation")
    assert "/feedback/" in email.body_text
    assert "Objective text 1" in email.body_text


def test_it_reports_on_a_deployment_a_coordinator_already_completed():
    deployment = make_deployment(status=Status.COMPLETED)

    submit(deployment)

    assert ImpactReport.objects.filter(deployment=deployment).exists()
    assert not OutboundEmail.objects.exists()  # the school was asked when it completed
    assert not deployment.request.events.exists()


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.AGREED, Status.CANCELLED])
def test_it_refuses_a_deployment_not_under_way(status):
    deployment = make_deployment(status=status)

    error = refused(lambda: submit(deployment))

    assert "only once the support is under way" in error.messages[0]
    assert not ImpactReport.objects.exists()


def test_it_refuses_a_second_report():
    deployment = make_deployment()
    submit(deployment)

    error = refused(lambda: submit(deployment))

    assert error.messages == ["The impact report for this support has already been sent."]
    assert ImpactReport.objects.count() == 1


def test_it_refuses_anyone_but_the_leader():
    deployment = make_deployment()

    for actor in (None, UserFactory(), CoordinatorFactory(alliance=deployment.request.alliance)):
        error = refused(lambda actor=actor: submit(deployment, actor=actor))
        assert "can write the impact report" in error.messages[0]
    assert not ImpactReport.objects.exists()


def test_it_needs_a_summary_and_every_objective_rated_with_evidence():
    deployment = make_deployment()
    first, second = deployment.objectives.all()

    error = refused(lambda: submit(deployment, summary=" ", ratings={first: ("purple", "  ")}))

    assert error.message_dict == {
        "summary": ["Write a summary of what the support achieved."],
        f"rating_{first.pk}": ["Choose a rating for objective 1."],
        f"evidence_{first.pk}": ["Give the evidence for objective 1."],
        f"rating_{second.pk}": ["Choose a rating for objective 2."],
        f"evidence_{second.pk}": ["Give the evidence for objective 2."],
    }
    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    assert not ImpactReport.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_it_refuses_another_deployments_objective():
    deployment = make_deployment()
    foreign = ObjectiveFactory()
    ratings = {**full_ratings(deployment), foreign: (Rating.RED, "Not mine.")}

    error = refused(lambda: submit(deployment, ratings=ratings))

    assert error.messages == ["Rate only the objectives agreed for this support."]
    assert not ImpactReport.objects.exists()


def test_it_changes_nothing_when_completing_fails():
    deployment = make_deployment(request__status=RequestStatus.WITHDRAWN)

    refused(lambda: submit(deployment))

    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    assert not ImpactReport.objects.exists()
    assert not ObjectiveImpact.objects.exists()
    assert not OutboundEmail.objects.exists()


# The page.


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(deployment):
    return f"/my/deployments/{deployment.pk}/report/"


def form_data(deployment, rating=Rating.GREEN, evidence="Books show it.", summary="Better."):
    data = {"summary": summary, "confirm": "on"}
    for objective in deployment.objectives.all():
        data[f"rating_{objective.pk}"] = rating
        data[f"evidence_{objective.pk}"] = evidence
    return data


def test_the_leader_sees_a_form_for_each_objective():
    deployment = make_deployment()
    client = signed_in(deployment.leader.user)

    response = client.get(url(deployment))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Write your impact report" in page
    for objective in deployment.objectives.all():
        assert objective.description in page
        assert f'name="rating_{objective.pk}"' in page
        assert f'name="evidence_{objective.pk}"' in page
    assert "<legend" in page


def test_an_objective_is_shown_as_text_never_run_as_a_template():
    deployment = make_deployment(objectives=1)
    deployment.objectives.update(description="Raise {{ 7|add:1 }} <b>{% now 'Y' %}</b>")
    client = signed_in(deployment.leader.user)

    response = client.get(url(deployment))

    assert response.status_code == 200
    assert (
        "Raise {{ 7|add:1 }} &lt;b&gt;{% now &#x27;Y&#x27; %}&lt;/b&gt;"
        in response.content.decode()
    )


def test_the_leader_sends_the_report_and_goes_back_to_the_deployment():
    deployment = make_deployment()
    client = signed_in(deployment.leader.user)

    response = client.post(url(deployment), form_data(deployment))

    assert response.status_code == 302
    assert response["Location"] == f"/my/deployments/{deployment.pk}/"
    deployment.refresh_from_db()
    assert deployment.status == Status.COMPLETED
    assert ImpactReport.objects.get(deployment=deployment).summary == "Better."
    assert OutboundEmail.objects.filter(topic="school-evaluation").count() == 1
    stored = [m.message for m in response.wsgi_request._messages]
    assert stored and "impact report is sent" in stored[0]


def test_it_shows_the_errors_and_saves_nothing():
    deployment = make_deployment()
    first = deployment.objectives.first()
    client = signed_in(deployment.leader.user)

    response = client.post(url(deployment), {"summary": "", f"rating_{first.pk}": "green"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Write a summary of what the support achieved" in page
    assert "Give the evidence for objective 1" in page
    assert "Choose a rating for objective 2" in page
    assert response.context["form"].errors
    assert not ImpactReport.objects.exists()


def test_the_report_is_read_only_once_sent():
    deployment = make_deployment()
    submit(deployment, summary="Maths teaching is stronger.")
    client = signed_in(deployment.leader.user)

    shown = client.get(url(deployment))
    again = client.post(url(deployment), form_data(deployment, summary="Changed my mind."))

    page = shown.content.decode()
    assert "Your impact report" in page
    assert "Maths teaching is stronger." in page
    assert "Green: met" in page
    assert '<form method="post" novalidate' not in page
    assert again.status_code == 200
    assert ImpactReport.objects.get().summary == "Maths teaching is stronger."


def test_it_says_when_the_deployment_is_not_under_way():
    deployment = make_deployment(status=Status.AGREED)
    client = signed_in(deployment.leader.user)

    response = client.get(url(deployment))
    posted = client.post(url(deployment), form_data(deployment))

    assert "You can write the impact report once it is under way" in response.content.decode()
    assert 'name="summary"' not in response.content.decode()
    assert posted.status_code == 200
    assert not ImpactReport.objects.exists()


def test_it_needs_no_report_for_cancelled_support():
    deployment = make_deployment(status=Status.CANCELLED, request__status=RequestStatus.WITHDRAWN)

    page = signed_in(deployment.leader.user).get(url(deployment)).content.decode()

    assert "This support is cancelled, so no impact report is needed." in page
    assert 'name="summary"' not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_leaders_deployment_is_a_404(method):
    deployment = make_deployment()
    leader_b = LeaderFactory(user=UserFactory())

    response = getattr(signed_in(leader_b.user), method)(url(deployment), form_data(deployment))

    assert response.status_code == 404
    assert not ImpactReport.objects.exists()


@pytest.mark.parametrize("kind", ["coordinator", "superuser", "no leader record"])
def test_staff_and_other_users_get_a_404(kind):
    deployment = make_deployment()
    user = {
        "coordinator": lambda: CoordinatorFactory(alliance=deployment.request.alliance),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
        "no leader record": UserFactory,
    }[kind]()

    assert signed_in(user).get(url(deployment)).status_code == 404
    assert signed_in(user).post(url(deployment), {}).status_code == 404


def test_a_visitor_is_sent_to_sign_in():
    deployment = make_deployment()

    response = Client().get(url(deployment))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_objective_of_another_deployment_in_the_post_is_a_404():
    deployment = make_deployment()
    foreign = ObjectiveFactory()
    data = {**form_data(deployment), f"rating_{foreign.pk}": "red"}

    response = signed_in(deployment.leader.user).post(url(deployment), data)

    assert response.status_code == 404
    assert not ImpactReport.objects.exists()


def test_an_unknown_objective_id_in_the_post_is_a_404():
    deployment = make_deployment()
    data = {**form_data(deployment), "evidence_999999": "Made up."}

    response = signed_in(deployment.leader.user).post(url(deployment), data)

    assert response.status_code == 404


# The summary on the deployment page.


def summary(deployment):
    deployment = Deployment.objects.get(pk=deployment.pk)
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "deployments/portal/_report_summary.html", {"deployment": deployment}
        )
    return html, len(queries)


def test_the_summary_offers_the_report_while_in_delivery():
    deployment = make_deployment()

    html, _ = summary(deployment)

    assert "Write your impact report" in html
    assert f"/my/deployments/{deployment.pk}/report/" in html
    assert "When the support is completed, the school is asked" in html


def test_the_summary_says_nothing_before_delivery():
    html, _ = summary(make_deployment(status=Status.AGREED))

    assert "impact report" not in html.lower()


def test_the_summary_counts_the_ratings_and_says_whether_the_school_replied():
    deployment = make_deployment(objectives=3)
    first, second, third = deployment.objectives.all()
    submit(
        deployment,
        ratings={
            first: (Rating.GREEN, "x"),
            second: (Rating.GREEN, "y"),
            third: (Rating.RED, "z"),
        },
    )

    waiting, _ = summary(deployment)
    school_evaluation_submit(
        deployment=deployment,
        satisfaction=4,
        would_use_again="yes",
        comments="",
        ratings=dict.fromkeys(deployment.objectives.all(), Rating.GREEN),
        name="",
    )
    replied, _ = summary(deployment)

    assert "Green: met: 2 objectives" in waiting
    assert "Red: not met: 1 objective" in waiting
    assert "Read your impact report" in waiting
    assert "it has not come back yet" in waiting
    assert "The school sent its evaluation on" in replied
    assert SchoolEvaluation.objects.count() == 1


@pytest.mark.parametrize("objectives", [1, 6])
def test_the_summary_costs_the_same_queries_however_many_objectives(objectives):
    deployment = make_deployment(objectives=objectives)
    submit(deployment)

    _, count = summary(deployment)

    assert count == 3  # the report, its ratings, the school's evaluation
