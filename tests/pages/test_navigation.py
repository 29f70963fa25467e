"""The header's last link takes each visitor to where their work is."""

import pytest

from tests.factories import CoordinatorFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


def nav_links(response):
    html = response.content.decode()
    return html[html.index('id="navigation"') : html.index("</nav>")]


def test_it_offers_a_visitor_the_sign_in_page(client):
    links = nav_links(client.get("/"))

    assert 'href="/accounts/login/">Sign in' in links
    assert "/my/" not in links
    assert "/admin/" not in links


def test_it_takes_a_signed_in_leader_to_their_work(client):
    client.force_login(LeaderFactory(user=UserFactory()).user)

    links = nav_links(client.get("/leaders/"))

    assert 'href="/my/">Your work' in links
    assert "Sign in" not in links


def test_it_takes_a_coordinator_to_the_admin(client):
    client.force_login(CoordinatorFactory())

    links = nav_links(client.get("/"))

    assert 'href="/admin/">Brokering admin' in links
    assert "Sign in" not in links
