from alliance_portal.schools.models import Phase
from leaders.models import AreaOfExpertise


def test_it_loads_the_reference_taxonomies(db):
    assert Phase.objects.count() == 8
    assert AreaOfExpertise.objects.filter(group="behaviour-safety").count() == 2
    assert AreaOfExpertise.objects.get(slug="mathematics").name == "Mathematics"


def test_it_serves_the_home_page(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Support from schools, for schools" in response.content.decode()
