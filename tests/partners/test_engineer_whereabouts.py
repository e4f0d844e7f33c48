"""Engineers' home département and absence / on-call periods: team page and API."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from partners.models import Engineer, EngineerAvailability
from servicone.models import AuditEvent
from tests.partners.factories import EngineerFactory
from tests.partners.pages import PARIS, in_english, text

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alice(partner):
    return EngineerFactory(partner=partner, name="Alice Martin")


def test_an_admin_sets_a_home_departement_on_the_team_page(client, partner_admin, alice):
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {"action": "department", "dept-engineer": alice.pk, "dept-home_department": "2A"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.home_department == "2A"
    assert AuditEvent.objects.filter(action="engineer.home_department").exists()
    assert 'Rattaché : <span lang="fr">2A — Corse-du-Sud</span>' in text(
        client.get("/programme/team/")
    )


def test_an_admin_records_an_absence_and_the_team_sees_it(
    client, partner_admin, partner_engineer, alice
):
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "availability",
            "away-engineer": alice.pk,
            "away-kind": "absence",
            "away-starts_at": "2026-11-30T08:00",
            "away-ends_at": "2026-12-04T18:00",
            "away-note": "Congés",
        },
    )
    assert response.status_code == 302
    period = EngineerAvailability.objects.get(engineer=alice)
    assert period.starts_at == datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)
    client.force_login(partner_engineer)
    assert "Absent du 30/11/2026 08:00 au 04/12/2026 18:00" in text(client.get("/programme/team/"))
    in_english(client)
    assert "Away from" in text(client.get("/programme/team/"))


def test_a_period_that_ends_before_it_starts_is_refused(client, partner_admin, alice):
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "availability",
            "away-engineer": alice.pk,
            "away-kind": "on_call",
            "away-starts_at": "2026-11-30T08:00",
            "away-ends_at": "2026-11-29T18:00",
        },
    )
    assert response.status_code == 400
    assert "La fin doit suivre le début." in text(response)
    assert not EngineerAvailability.objects.exists()


def test_an_engineer_may_not_post_on_the_team_page(client, partner_engineer, alice):
    client.force_login(partner_engineer)
    response = client.post(
        "/programme/team/",
        {"action": "department", "dept-engineer": alice.pk, "dept-home_department": "59"},
    )
    assert response.status_code == 403


def test_the_api_creates_an_engineer_with_a_home_departement(admin_api):
    response = admin_api.post(
        "/api/v1/engineers/", {"name": "Bruno", "home_department": "974"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["home_department"] == "974"
    assert Engineer.objects.get(name="Bruno").home_department == "974"


def test_an_unknown_departement_is_refused_and_creates_nothing(admin_api):
    response = admin_api.post(
        "/api/v1/engineers/", {"name": "Bruno", "home_department": "20"}, format="json"
    )
    assert response.status_code == 400
    assert not Engineer.objects.filter(name="Bruno").exists()


def test_the_api_sets_the_departement_and_records_periods(admin_api, alice):
    url = f"/api/v1/engineers/{alice.pk}/"
    assert (
        admin_api.put(f"{url}home-department/", {"home_department": "59"}).json()["home_department"]
        == "59"
    )
    created = admin_api.post(
        f"{url}availability/",
        {
            "kind": "on_call",
            "starts_at": "2026-11-26T18:00:00+01:00",
            "ends_at": "2026-11-27T08:00:00+01:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    listed = admin_api.get(f"{url}availability/").json()
    assert [(row["kind"], row["starts_at"]) for row in listed] == [
        ("on_call", "2026-11-26T18:00:00+01:00")
    ]


def test_hp_reads_periods_but_only_a_programme_manager_writes(cds_api, pm_api, alice):
    url = f"/api/v1/engineers/{alice.pk}/availability/"
    assert cds_api.get(url).status_code == 200
    body = {
        "kind": "absence",
        "starts_at": "2026-11-30T08:00:00Z",
        "ends_at": "2026-12-01T08:00:00Z",
    }
    assert cds_api.post(url, body, format="json").status_code == 403
    assert pm_api.post(url, body, format="json").status_code == 201


def test_another_partners_engineer_does_not_exist(other_api, alice):
    assert other_api.get(f"/api/v1/engineers/{alice.pk}/availability/").status_code == 404
    response = other_api.put(
        f"/api/v1/engineers/{alice.pk}/home-department/", {"home_department": "59"}
    )
    assert response.status_code == 404
