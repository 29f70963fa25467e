import pytest

from tests.factories import AllianceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/privacy/", "Privacy notice"),
        ("/accessibility/", "Accessibility statement"),
        ("/contact/", "Contact us"),
    ],
)
def test_it_links_each_footer_page_from_every_page(client, url, heading):
    home = client.get("/").content.decode()
    assert f'href="{url}"' in home

    page = client.get(url).content.decode()
    assert f'<h1 class="govuk-heading-xl">{heading}</h1>' in page


def test_it_lists_each_alliances_contact_details(client):
    AllianceFactory(name="Riverside Teaching Hub", contact_email="hello@riverside.example.org")

    page = client.get("/contact/").content.decode()

    assert "Riverside Teaching Hub" in page
    assert 'href="mailto:hello@riverside.example.org"' in page


def test_it_says_when_no_alliance_has_joined(client):
    assert "No alliance has joined the portal yet." in client.get("/contact/").content.decode()


def test_it_lists_alliances_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    AllianceFactory.create_batch(2)
    with django_assert_max_num_queries(1):
        client.get("/contact/")

    AllianceFactory.create_batch(20)
    with django_assert_max_num_queries(1):
        assert client.get("/contact/").content.decode().count('href="mailto:') == 22
