"""factory-boy factories that keep related objects consistent."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from alliance_portal.accounts.models import User
from alliance_portal.schools.models import (
    Alliance,
    LocalAuthority,
    Phase,
    School,
    SchoolChange,
    Trust,
)
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    PlannedSession,
    SchoolEvaluation,
    SupportLog,
)
from leaders.models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import SupportRequest


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: 800 + n % 199)
    name = factory.LazyAttribute(lambda la: f"Authority {la.code}")


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    code = factory.Sequence(lambda n: 4000 + n)
    name = factory.Sequence(lambda n: f"Learning Trust {n}")


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"Alliance {n}")
    slug = factory.Sequence(lambda n: f"alliance-{n}")
    contact_email = factory.Sequence(lambda n: f"hub{n}@example.org")


class CoordinatorFactory(UserFactory):
    is_staff = True
    alliance = factory.SubFactory(AllianceFactory)


def coordinator_signed_in(alliance, **kwargs):
    """A test client signed in as a new coordinator of `alliance`, in the coordinators' group."""
    from django.test import Client

    from alliance_portal.accounts.groups import ensure_coordinator_group

    coordinator = CoordinatorFactory(alliance=alliance, **kwargs)
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)
    return client


def phase(code):
    """A phase row loaded by the data migration."""
    return Phase.objects.get(code=code)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: 100000 + n)
    name = factory.Sequence(lambda n: f"Test School {n}")
    establishment_type = "Community school"
    type_group = "Local authority maintained schools"
    status = School.Status.OPEN
    phase = factory.LazyFunction(lambda: phase(Phase.Code.PRIMARY))
    statutory_low_age = 4
    statutory_high_age = 11
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    region = "London"
    town = "London"
    postcode = factory.Sequence(lambda n: f"N{n % 20 + 1} {n % 9 + 1}AA")
    pupil_count = 300
    easting = factory.Sequence(lambda n: 530000 + n * 100)
    northing = factory.Sequence(lambda n: 180000 + n * 100)


class AreaOfExpertiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaOfExpertise
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")
    group = AreaOfExpertise.Group.LEADERSHIP


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader

    full_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"leader{n}@example.org")
    job_title = "Headteacher"
    home_school = factory.SubFactory(SchoolFactory)
    days_per_year = Decimal("20.0")


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation
        skip_postgeneration_save = True

    leader = factory.SubFactory(LeaderFactory)
    kind = Designation.Kind.SLE
    alliance = factory.SubFactory(AllianceFactory)
    designated_on = datetime.date(2024, 9, 1)
    review_due_on = datetime.date(2028, 9, 1)
    status = Designation.Status.ACTIVE

    @factory.post_generation
    def managed_by_first_alliance(self, create, extracted, **kwargs):
        """A leader's first designation from an alliance makes that alliance keep their
        record, as approving an application or adding the leader in the admin does."""
        leader = self.leader
        first = create and not leader.designations.exclude(pk=self.pk).exists()
        if first and self.alliance_id and leader.managing_alliance_id is None:
            leader.managing_alliance_id = self.alliance_id
            leader.save(update_fields=["managing_alliance"])


class DeclaredConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeclaredConflict

    leader = factory.SubFactory(LeaderFactory)
    school = factory.SubFactory(SchoolFactory)


class SchoolChangeFactory(factory.django.DjangoModelFactory):
    """A school the register now lists as closed, with one open request of the alliance's."""

    class Meta:
        model = SchoolChange

    school = factory.SubFactory(SchoolFactory)
    alliance = factory.SubFactory(AllianceFactory)
    closed = True
    open_requests = 1


class LeaderApplicationFactory(factory.django.DjangoModelFactory):
    """An LLE application from a school typed by hand: one an alliance may approve."""

    class Meta:
        model = LeaderApplication

    full_name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"applicant{n}@school.example.org")
    current_role = "Head of mathematics"
    school_name_given = "Oak Academy"
    alliance = factory.SubFactory(AllianceFactory)
    designation_sought = Designation.Kind.LLE
    statement = "I led our maths department to strong results."


class SupportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportRequest

    school = factory.SubFactory(SchoolFactory)
    alliance = factory.SubFactory(AllianceFactory)
    contact_name = factory.Faker("name", locale="en_GB")
    contact_role = "Headteacher"
    contact_email = factory.Sequence(lambda n: f"head{n}@school.example.org")
    outcomes_sought = "Stronger leadership of mathematics across the school."
    estimated_days = Decimal("10.0")
    privacy_consent_at = factory.LazyFunction(timezone.now)


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    request = factory.SubFactory(SupportRequestFactory)
    leader = factory.SubFactory(LeaderFactory)
    designation = factory.SubFactory(DesignationFactory, leader=factory.SelfAttribute("..leader"))
    status = Deployment.Status.PROPOSED
    proposed_at = factory.LazyFunction(timezone.now)


class AgreedDeploymentFactory(DeploymentFactory):
    """Agreed work; pass `logged_hours=7` to give it a support log entry on its start date.

    Ended work (completed, stopped) records the days it delivered: the logged
    hours when given, one day otherwise.
    """

    class Meta:
        skip_postgeneration_save = True

    status = Deployment.Status.AGREED
    agreed_days = Decimal("6.0")
    start_date = datetime.date(2026, 10, 1)
    end_date = datetime.date(2027, 3, 31)
    daily_rate = Decimal("350.00")
    brokerage_fee = Decimal("50.00")
    agreed_at = factory.LazyFunction(timezone.now)
    days_delivered = factory.LazyAttribute(
        lambda d: Decimal("1.0") if d.status in Deployment.DELIVERED_STATUSES else None
    )

    @factory.post_generation
    def logged_hours(deployment, create, extracted, **kwargs):
        if not (create and extracted):
            return
        SupportLog.objects.create(
            deployment=deployment,
            date=deployment.start_date,
            hours=Decimal(extracted),
            activity=SupportLog.Activity.COACHING,
        )
        if deployment.status in Deployment.DELIVERED_STATUSES:
            deployment.days_delivered = deployment.days_delivered_now()
            deployment.save(update_fields=["days_delivered"])


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    deployment = factory.SubFactory(AgreedDeploymentFactory)
    description = "Raise attainment in key stage 2 mathematics."


class SupportLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportLog

    deployment = factory.SubFactory(AgreedDeploymentFactory, status=Deployment.Status.IN_DELIVERY)
    date = datetime.date(2026, 10, 8)
    hours = Decimal("3.5")
    activity = SupportLog.Activity.COACHING
    notes = "Coached the maths lead on planning the spring term."


class PlannedSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedSession

    deployment = factory.SubFactory(AgreedDeploymentFactory, status=Deployment.Status.IN_DELIVERY)
    date = datetime.date(2027, 1, 14)
    start_time = datetime.time(9, 30)
    hours = Decimal("3")
    note = "Lesson visits with the maths lead."


class ImpactReportFactory(factory.django.DjangoModelFactory):
    """A leader's impact report on completed work."""

    class Meta:
        model = ImpactReport

    deployment = factory.SubFactory(
        AgreedDeploymentFactory, status=Deployment.Status.COMPLETED, logged_hours=7
    )
    summary = "The maths lead now plans the spring term with the whole department."
    submitted_at = factory.LazyFunction(timezone.now)


class SchoolEvaluationFactory(factory.django.DjangoModelFactory):
    """A school's evaluation of completed work."""

    class Meta:
        model = SchoolEvaluation

    deployment = factory.SubFactory(
        AgreedDeploymentFactory, status=Deployment.Status.COMPLETED, logged_hours=7
    )
    satisfaction = SchoolEvaluation.Satisfaction.SATISFIED
    would_use_again = SchoolEvaluation.UseAgain.YES
    submitted_at = factory.LazyFunction(timezone.now)


def leader_with_designation(**fields):
    """A leader who can sign in, with one active designation."""
    leader = LeaderFactory(user=UserFactory(), **fields)
    DesignationFactory(leader=leader)
    return leader


EXPORT_CONTENT = b"\xef\xbb\xbfReference\r\nSR-1\r\n"


class ExportFactory(factory.django.DjangoModelFactory):
    """A finished CSV export of the requests list, with its file in one chunk."""

    class Meta:
        model = "reports.Export"
        skip_postgeneration_save = True

    requested_by = factory.SubFactory(CoordinatorFactory)
    alliance = factory.SelfAttribute("requested_by.alliance")
    model_label = "support_requests.supportrequest"
    format = "csv"
    status = "ready"
    rows_total = 1
    rows_done = 1
    filename = "support-requests-2026-12-02.csv"
    size = len(EXPORT_CONTENT)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24))

    @factory.post_generation
    def file(export, create, extracted, **kwargs):
        if create:
            export.chunks.create(position=0, data=EXPORT_CONTENT)
