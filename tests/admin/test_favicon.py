"""The admin shows the portal's icon in the browser tab, as the public site does."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def static_files_from_the_project(settings):
    # Served as in development (tests run without collectstatic); set before the
    # test client builds its middleware.
    settings.WHITENOISE_USE_FINDERS = True


def icon_links(response):
    return re.findall(r'<link rel="icon" href="([^"]+)"', response.content.decode())


def assert_served(client, url):
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(served.streaming_content)


def test_it_links_the_portals_icon_on_the_admin_sign_in_page(client):
    # The admin signs in on the portal's own sign-in page.
    sign_in = client.get("/admin/login/?next=/admin/", follow=True)

    assert sign_in.redirect_chain[-1][0].startswith("/accounts/login/")
    [icon] = icon_links(sign_in)
    assert icon == "/static/images/favicon.svg"
    assert_served(client, icon)


def test_it_links_the_same_icon_on_every_admin_page(admin_client):
    public = icon_links(admin_client.get("/"))

    for url in ("/admin/", "/admin/leaders/leader/", "/admin/password_change/"):
        assert icon_links(admin_client.get(url)) == public, url
    assert_served(admin_client, public[0])
