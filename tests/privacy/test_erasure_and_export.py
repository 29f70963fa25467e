"""One person, on request: everything the portal keeps about them in one file, or their
details erased through the retention's anonymiser."""

import json

import pytest
from django.core.management import CommandError, call_command

from alliance_portal.notifications.services import email_queue
from alliance_portal.privacy.export import export_person
from alliance_portal.reports.models import Export, ExportChunk
from leaders.calendar import calendar_secret_hash
from requests.models import SupportRequest
from tests.admin.test_write_scope import changed_tables, snapshot
from tests.factories import (
    AgreedDeploymentFactory,
    DesignationFactory,
    ExportFactory,
    LeaderFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)
from tests.privacy import tables_holding

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    """A school contact with a finished request and one in progress elsewhere."""
    done = SupportRequestFactory(
        contact_name="Cerys Contact", contact_email="cerys@school.example.org", status="evaluated"
    )
    done.events.create(to_status="new", actor_label="Cerys Contact, Oak School")
    email_queue(
        to="cerys@school.example.org",
        template="request_received_school",
        context={"support_request": done},
    )
    SupportRequestFactory(contact_name="Someone Else", contact_email="else@school.example.org")
    return done


@pytest.fixture
def leader():
    leader = LeaderFactory(
        full_name="Lewis Leader",
        email="lewis@leaders.example.org",
        user=UserFactory(email="lewis@leaders.example.org"),
        calendar_token_hash=calendar_secret_hash("lewis-calendar"),
    )
    designation = DesignationFactory(leader=leader)
    deployment = AgreedDeploymentFactory(
        leader=leader, designation=designation, status="in-delivery"
    )
    SupportLogFactory(deployment=deployment, notes="Coached the English lead.")
    return leader


def test_the_export_holds_everything_about_a_school_contact(contact):
    exported = export_person("CERYS@school.example.org")

    text = json.dumps(exported, default=str)
    assert exported["as_school_contact"][0]["reference"] == contact.reference
    assert exported["as_school_contact"][0]["contact_name"] == "Cerys Contact"
    assert exported["as_school_contact"][0]["timeline"][0]["actor_label"].startswith("Cerys")
    assert exported["as_school_contact"][0]["history"]
    assert exported["emails"][0]["to"] == "cerys@school.example.org"
    assert "Someone Else" not in text
    assert "else@school.example.org" not in text


def test_the_export_holds_a_leaders_work_but_no_secret(leader):
    exported = export_person("lewis@leaders.example.org")

    text = json.dumps(exported, default=str)
    record = exported["as_leader"][0]
    assert record["full_name"] == "Lewis Leader"
    assert record["designations"][0]["kind"] == "SLE"
    assert record["deployments"][0]["support_log"][0]["notes"] == "Coached the English lead."
    assert exported["logins"][0]["email"] == "lewis@leaders.example.org"
    assert calendar_secret_hash("lewis-calendar") not in text
    assert "calendar_token_hash" not in text
    assert "password" not in exported["logins"][0]


def test_the_command_writes_one_json_file(contact, tmp_path):
    out = tmp_path / "cerys.json"

    call_command("personal_data", "export", "cerys@school.example.org", "--output", str(out))

    assert json.loads(out.read_text())["about"] == "cerys@school.example.org"


def test_erasure_removes_a_contact_everywhere(contact, capsys):
    call_command("personal_data", "erase", "cerys@school.example.org")
    assert "Would erase" in capsys.readouterr().out
    assert tables_holding("Cerys Contact")

    call_command("personal_data", "erase", "cerys@school.example.org", "--yes")

    assert "Erased cerys@school.example.org" in capsys.readouterr().out
    assert tables_holding("Cerys Contact", "cerys@school.example.org") == set()
    assert "support_requests_supportrequest" in tables_holding("Someone Else")
    contact.refresh_from_db()
    assert contact.status == "evaluated"


def test_erasure_is_refused_while_work_is_open(leader):
    open_request = SupportRequest.objects.get()
    before = snapshot()

    with pytest.raises(CommandError, match="still has work under way: holds a designation"):
        call_command("personal_data", "erase", "lewis@leaders.example.org", "--yes")
    with pytest.raises(CommandError, match=f"request {open_request.reference} is"):
        call_command("personal_data", "erase", open_request.contact_email, "--yes")

    assert changed_tables(before, snapshot()) == []


def test_erasure_of_a_leader_whose_work_ended(leader, client):
    leader.designations.update(status="withdrawn")
    leader.deployments.update(status="completed")

    call_command("personal_data", "erase", "Lewis@Leaders.example.org", "--yes")

    assert tables_holding("Lewis Leader", "lewis@leaders.example.org") == set()
    response = client.post(
        "/accounts/login/",
        {"username": "lewis@leaders.example.org", "password": "correct-horse-battery"},
    )
    assert response.status_code == 200
    assert client.get("/calendar/lewis-calendar.ics").status_code == 404


def test_a_bad_address_is_refused_with_a_message():
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("personal_data", "export", "not an address")


def test_erasure_deletes_every_kept_export_file(contact, capsys):
    """A list exported in the last day may name them: no file outlives the erasure."""
    kept = ExportFactory()

    call_command("personal_data", "erase", "cerys@school.example.org")
    assert "and 1 export files kept from the last 24 hours" in capsys.readouterr().out
    assert Export.objects.filter(pk=kept.pk).exists()

    call_command("personal_data", "erase", "cerys@school.example.org", "--yes")

    assert "export files deleted (any may hold the details): 1" in capsys.readouterr().out
    assert not Export.objects.exists()
    assert not ExportChunk.objects.exists()
