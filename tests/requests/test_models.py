import pytest
from django.utils import timezone

from requests.models import ReferenceSequence, SupportRequest
from tests.factories import SupportRequestFactory
from tests.schools.test_models import refuses

pytestmark = pytest.mark.django_db


def test_it_numbers_requests_by_year():
    year = timezone.now().year
    first = SupportRequestFactory()
    second = SupportRequestFactory()

    assert first.reference == f"SR-{year}-00001"
    assert second.reference == f"SR-{year}-00002"
    assert ReferenceSequence.objects.get(year=year).last_number == 2


def test_it_continues_numbering_after_the_last_issued_reference():
    year = timezone.now().year
    ReferenceSequence.objects.create(year=year, last_number=41)

    assert SupportRequestFactory().reference == f"SR-{year}-00042"


def test_it_refuses_a_duplicate_reference():
    existing = SupportRequestFactory()

    assert refuses(lambda: SupportRequestFactory(reference=existing.reference))


def test_it_refuses_negative_estimated_days():
    assert refuses(
        lambda: SupportRequestFactory(estimated_days=-2), "request_estimated_days_not_negative"
    )


def test_it_refuses_a_request_with_no_school_at_all():
    assert refuses(
        lambda: SupportRequestFactory(school=None, school_name_given=""), "request_has_school"
    )


def test_it_keeps_a_school_missing_from_the_register_by_name():
    support_request = SupportRequestFactory(school=None, school_name_given="Hillside Free School")

    assert support_request.school_display_name == "Hillside Free School"


def test_it_lists_open_requests():
    open_request = SupportRequestFactory(status=SupportRequest.Status.MATCHING)
    SupportRequestFactory(status=SupportRequest.Status.WITHDRAWN)

    assert list(SupportRequest.objects.open()) == [open_request]


def test_it_formats_references_with_five_digits():
    assert SupportRequest.format_reference(2026, 42) == "SR-2026-00042"
