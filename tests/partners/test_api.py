"""Programme endpoints of the v1 API (API.md): what an integration client observes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model

from partners import selectors
from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Membership,
    Partner,
    Tier,
    TierRequirement,
)
from servicone.access import PartnerRole
from servicone.models import AuditEvent
from tests.conftest import token_client
from tests.partners.factories import (
    EngineerFactory,
    PartnerFactory,
    certify,
    make_deliver_ready,
    make_expert_ready,
    partner_user,
    set_tier,
    submitted_application,
)

User = get_user_model()

TODAY = date(2026, 3, 2)
API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        yield


def errors(response: Any) -> list[dict[str, Any]]:
    return response.json()["errors"]


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in errors(response)]


def tier_result(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(t for t in body["tiers"] if t["code"] == code)


def criterion(tier: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in tier["criteria"] if c["code"] == code)


# --- tiers/ -------------------------------------------------------------------------------


def test_tiers_are_listed_by_rank_with_their_requirements(sales_api):
    response = sales_api.get(f"{API}/tiers/")

    assert response.status_code == 200
    body = response.json()
    assert [t["code"] for t in body["results"]] == ["registered", "sell", "deliver", "expert"]
    registered, sell, deliver, expert = body["results"]
    assert registered["min_revenue_eur"] is None
    assert registered["requirements"] == []
    assert sell["min_revenue_eur"] == "10000.00"
    assert sell["requirements"] == [
        {
            "kind": "min_revenue",
            "amount_eur": "10000.00",
            "course": None,
            "min_engineers": None,
            "previous_tier": None,
        }
    ]
    assert {
        "kind": "course",
        "amount_eur": None,
        "course": {"code": "PL-ASE", "name": "ProLiant Server Solutions (ASE)"},
        "min_engineers": 2,
        "previous_tier": None,
    } in deliver["requirements"]
    assert {"kind": "previous_tier", "previous_tier": "sell"}.items() <= next(
        r for r in deliver["requirements"] if r["kind"] == "previous_tier"
    ).items()
    assert expert["requires_approval"] is True
    assert set(expert) >= {"id", "code", "name", "rank", "requires_approval", "min_revenue_eur"}


def test_tier_and_course_names_follow_the_request_language(sales_api):
    fr = sales_api.get(f"{API}/courses/?product_line=converged").json()["results"][0]
    en = sales_api.get(f"{API}/courses/?product_line=converged", HTTP_ACCEPT_LANGUAGE="en").json()[
        "results"
    ][0]

    assert fr["name"] == "Infrastructures convergées Master ASE"
    assert en["name"] == "Converged Infrastructure Master ASE"
    tiers_en = sales_api.get(f"{API}/tiers/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert tiers_en[0]["name"] == "Registered"


def test_tiers_list_costs_the_same_queries_however_many_requirements(
    sales_api, django_assert_num_queries
):
    url = f"{API}/tiers/"
    # token, count, tiers, requirements (prefetched with their courses and tiers)
    with django_assert_num_queries(4):
        assert sales_api.get(url).status_code == 200
    platinum = Tier.objects.create(code="platinum", name="Platine", rank=9)
    for course in Course.objects.all():
        TierRequirement.objects.create(tier=platinum, kind="course", course=course)
    with django_assert_num_queries(4):
        assert sales_api.get(url).status_code == 200


def test_tiers_need_authentication(anon_api, db):
    response = anon_api.get(f"{API}/tiers/")
    assert response.status_code == 401
    assert errors(response)[0]["code"] == "not_authenticated"


# --- courses/ -------------------------------------------------------------------------------


def test_courses_show_product_line_and_validity(engineer_api):
    response = engineer_api.get(f"{API}/courses/")

    assert response.status_code == 200
    courses = {c["code"]: c for c in response.json()["results"]}
    assert len(courses) == 7
    assert courses["PL-ASE"] == {
        "id": Course.objects.get(code="PL-ASE").pk,
        "code": "PL-ASE",
        "name": "ProLiant Server Solutions (ASE)",
        "product_line": {"code": "proliant", "name": "Serveurs ProLiant"},
        "validity_months": 24,
        "is_advanced": False,
    }


def test_courses_can_be_filtered_by_product_line_and_level(engineer_api):
    storage = engineer_api.get(f"{API}/courses/?product_line=3par").json()["results"]
    advanced = engineer_api.get(f"{API}/courses/?is_advanced=true").json()["results"]

    assert sorted(c["code"] for c in storage) == ["3PAR-ASE", "3PAR-MASE"]
    assert sorted(c["code"] for c in advanced) == ["3PAR-MASE", "CI-MASE", "PS-DELIVERY"]


def test_courses_cannot_be_created_through_the_api(pm_api):
    assert pm_api.post(f"{API}/courses/", {"code": "X"}, format="json").status_code == 405


# --- partners/ ------------------------------------------------------------------------------


def test_a_partner_user_sees_only_its_own_partner(sales_api, partner, other_partner):
    response = sales_api.get(f"{API}/partners/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [p["id"] for p in body["results"]] == [partner.pk]


def test_hp_staff_see_every_partner(cds_api, partner, other_partner):
    body = cds_api.get(f"{API}/partners/").json()
    assert {p["id"] for p in body["results"]} == {partner.pk, other_partner.pk}


def test_another_partners_record_is_404_for_a_partner_user(admin_api, other_partner):
    response = admin_api.get(f"{API}/partners/{other_partner.pk}/")
    assert response.status_code == 404
    assert errors(response)[0]["code"] == "not_found"


def test_partner_representation_shows_tier_and_both_revenues(admin_api, partner):
    set_tier(partner, "sell")
    Partner.objects.filter(pk=partner.pk).update(
        declared_revenue_12m_eur=Decimal("12500.50"), tier_since=date(2025, 6, 1)
    )

    body = admin_api.get(f"{API}/partners/{partner.pk}/").json()

    assert body["id"] == partner.pk
    assert body["name"] == "Ovesys Test"
    assert body["tier"] == {"code": "sell", "name": "Sell"}
    assert body["tier_since"] == "2025-06-01"
    assert body["grace_until"] is None
    assert body["pending_tier"] is None
    assert body["declared_revenue_12m_eur"] == "12500.50"
    assert body["services_revenue_12m_eur"] == "12500.50"


def test_a_partner_without_a_tier_shows_null(admin_api, partner):
    assert admin_api.get(f"{API}/partners/{partner.pk}/").json()["tier"] is None


def test_services_revenue_counts_sales_of_the_trailing_365_days_only(
    pm_api, partner, other_partner, monkeypatch
):
    Partner.objects.filter(pk=partner.pk).update(declared_revenue_12m_eur=Decimal("1000.00"))
    calls = []

    def sales(partner_ids, *, since, until):
        calls.append(partner_ids)
        return {
            partner.pk: [
                (Decimal("200.00"), TODAY - timedelta(days=364)),  # first day of the window
                (Decimal("4000.00"), TODAY - timedelta(days=365)),  # left the window
                (Decimal("30.00"), TODAY),
            ]
        }

    monkeypatch.setattr(selectors, "revenue_entries_by_partner", sales)

    results = pm_api.get(f"{API}/partners/").json()["results"]

    revenue = {p["id"]: p["services_revenue_12m_eur"] for p in results}
    assert revenue == {partner.pk: "1230.00", other_partner.pk: "0.00"}
    assert len(calls) == 1  # once for the whole page


def test_partners_can_be_filtered_by_tier_and_searched(pm_api, partner, other_partner):
    set_tier(partner, "sell")
    PartnerFactory(name="Atos Lyon", city="Lyon")

    by_tier = pm_api.get(f"{API}/partners/?tier=sell").json()["results"]
    without_tier = pm_api.get(f"{API}/partners/?tier=none").json()["results"]
    by_name = pm_api.get(f"{API}/partners/?search=concurrent").json()["results"]
    by_city = pm_api.get(f"{API}/partners/?search=lyon").json()["results"]

    assert [p["id"] for p in by_tier] == [partner.pk]
    assert partner.pk not in [p["id"] for p in without_tier]
    assert [p["id"] for p in by_name] == [other_partner.pk]
    assert [p["name"] for p in by_city] == ["Atos Lyon"]


def test_partner_list_is_paginated_with_page_size_capped_at_200(pm_api, db):
    Partner.objects.bulk_create(Partner(name=f"P{i:03d}") for i in range(205))

    small = pm_api.get(f"{API}/partners/?page_size=2").json()
    huge = pm_api.get(f"{API}/partners/?page_size=500").json()
    last = pm_api.get(f"{API}/partners/?page_size=200&page=2").json()

    assert small["count"] == 205
    assert len(small["results"]) == 2
    assert "page=2" in small["next"]
    assert small["previous"] is None
    assert len(huge["results"]) == 200
    assert len(last["results"]) == 5


def test_partner_list_costs_the_same_queries_for_3_or_30_partners(
    pm_api, db, django_assert_num_queries
):
    def add_partners(n: int) -> None:
        for _ in range(n):
            partner = set_tier(PartnerFactory(), "sell")
            certify(partner, "PL-ASE", 2, passed_on=TODAY)

    add_partners(3)
    # token (it brings the tenant scope), count, page (with tier and pending tier), then the page's
    # snapshots: declared amounts, certifications, approvals, contract sales
    with django_assert_num_queries(7):
        assert len(pm_api.get(f"{API}/partners/").json()["results"]) == 3
    add_partners(27)
    with django_assert_num_queries(7):
        assert len(pm_api.get(f"{API}/partners/").json()["results"]) == 30


def test_a_programme_manager_creates_a_partner_with_audited_revenue(pm_api, programme_manager):
    response = pm_api.post(
        f"{API}/partners/",
        {
            "name": "Nouvelle SARL",
            "siren": "123456789",
            "city": "Nantes",
            "legacy_programme": "asp",
            "declared_revenue_12m_eur": "10000.00",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    partner = Partner.objects.get(pk=body["id"])
    assert partner.siren == "123456789"
    assert partner.legacy_programme == "asp"
    assert body["declared_revenue_12m_eur"] == "10000.00"
    assert body["services_revenue_12m_eur"] == "10000.00"
    assert body["tier"] == {"code": "sell", "name": "Sell"}  # evaluated at once
    events = AuditEvent.objects.filter(partner=partner, actor=programme_manager)
    assert set(events.values_list("action", flat=True)) >= {
        "partner.create",
        "partner.declared_revenue",
    }


@pytest.mark.parametrize("client_name", ["admin_api", "sales_api", "cds_api"])
def test_only_a_programme_manager_may_create_a_partner(client_name, request, db):
    client = request.getfixturevalue(client_name)
    before = Partner.objects.count()

    response = client.post(f"{API}/partners/", {"name": "Pirate"}, format="json")

    assert response.status_code == 403
    assert errors(response)[0]["code"] == "permission_denied"
    assert Partner.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "X", "siren": "12345"}, ("siren", "invalid")),
        ({"name": "X", "siren": "500000000"}, ("siren", "unique")),
        (
            {"name": "X", "declared_revenue_12m_eur": "-1.00"},
            ("declared_revenue_12m_eur", "min_value"),
        ),
        ({"name": "X", "declared_revenue_12m_eur": "abc"}, ("declared_revenue_12m_eur", "invalid")),
        ({"name": "X", "legacy_programme": "xyz"}, ("legacy_programme", "invalid_choice")),
        ({"siren": "987654321"}, ("name", "required")),
    ],
)
def test_bad_partner_input_is_400_and_creates_nothing(pm_api, payload, expected):
    PartnerFactory(siren="500000000")
    before = Partner.objects.count()

    response = pm_api.post(f"{API}/partners/", payload, format="json")

    assert response.status_code == 400
    assert expected in codes(response)
    assert Partner.objects.count() == before
    assert not AuditEvent.objects.filter(action="partner.create").exists()


def test_a_programme_manager_edits_declared_revenue_and_the_change_is_audited(
    pm_api, partner, programme_manager
):
    response = pm_api.patch(
        f"{API}/partners/{partner.pk}/",
        {"declared_revenue_12m_eur": "15000.00", "city": "Lille"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["declared_revenue_12m_eur"] == "15000.00"
    assert response.json()["city"] == "Lille"
    partner.refresh_from_db()
    assert partner.declared_revenue_12m_eur == Decimal("15000.00")
    event = AuditEvent.objects.get(action="partner.declared_revenue", partner=partner)
    assert event.actor == programme_manager
    assert event.data == {"before": "0.00", "after": "15000.00"}
    assert AuditEvent.objects.filter(action="partner.update", partner=partner).exists()


def test_a_partner_admin_may_not_edit_its_own_partner(admin_api, partner):
    response = admin_api.patch(
        f"{API}/partners/{partner.pk}/", {"declared_revenue_12m_eur": "99999.00"}, format="json"
    )

    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.declared_revenue_12m_eur == Decimal("0.00")


def test_editing_another_partner_is_404_for_a_partner_admin(admin_api, other_partner):
    response = admin_api.patch(
        f"{API}/partners/{other_partner.pk}/", {"name": "Mine"}, format="json"
    )

    assert response.status_code == 404
    other_partner.refresh_from_db()
    assert other_partner.name == "Concurrent SA"


def test_partners_cannot_be_deleted_or_replaced(pm_api, partner):
    assert pm_api.delete(f"{API}/partners/{partner.pk}/").status_code == 405
    assert (
        pm_api.put(f"{API}/partners/{partner.pk}/", {"name": "X"}, format="json").status_code == 405
    )


@pytest.mark.parametrize(("declared", "eligible"), [("9999.99", False), ("10000.00", True)])
def test_declared_revenue_of_10000_eur_makes_a_partner_eligible_to_sell(
    pm_api, admin_api, partner, declared, eligible
):
    assert (
        pm_api.patch(
            f"{API}/partners/{partner.pk}/", {"declared_revenue_12m_eur": declared}, format="json"
        ).status_code
        == 200
    )

    body = admin_api.get(f"{API}/partners/{partner.pk}/eligibility/").json()

    sell = tier_result(body, "sell")
    assert sell["eligible"] is eligible
    assert criterion(sell, "min_revenue")["missing"] == ("0.00" if eligible else "0.01")


# --- partners/{id}/users/ ------------------------------------------------------------------------


def users_url(partner: Partner) -> str:
    return f"{API}/partners/{partner.pk}/users/"


NEW_USER = {
    "username": "j.martin",
    "email": "j.martin@ovesys.test",
    "first_name": "Julie",
    "last_name": "Martin",
    "role": "sales",
    "password": "Tournesol-Bleu-2026",
}


def test_a_partner_admin_lists_its_users_with_their_roles(admin_api, partner, partner_sales):
    response = admin_api.get(users_url(partner))

    assert response.status_code == 200
    users = {u["username"]: u for u in response.json()["results"]}
    assert set(users) == {"p.admin", "p.sales"}
    assert users["p.sales"]["role"] == "sales"
    assert set(users["p.sales"]) == {"id", "username", "email", "first_name", "last_name", "role"}


def test_a_partner_admin_creates_a_user_and_its_membership(admin_api, partner, partner_admin):
    response = admin_api.post(users_url(partner), NEW_USER, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert body["role"] == "sales"
    user = User.objects.get(username="j.martin")
    assert body["id"] == user.pk
    assert user.check_password("Tournesol-Bleu-2026")
    assert Membership.objects.get(user=user).partner == partner
    assert AuditEvent.objects.filter(
        action="membership.create", partner=partner, actor=partner_admin
    ).exists()


def test_the_new_user_can_get_a_token_with_the_password(admin_api, anon_api, partner):
    admin_api.post(users_url(partner), NEW_USER, format="json")

    response = anon_api.post(
        f"{API}/auth/token/",
        {"username": "j.martin", "password": "Tournesol-Bleu-2026"},
        format="json",
    )

    assert response.status_code == 200


def test_a_programme_manager_creates_a_partner_user(pm_api, partner):
    response = pm_api.post(users_url(partner), {**NEW_USER, "role": "admin"}, format="json")
    assert response.status_code == 201
    assert Membership.objects.get(user__username="j.martin").role == PartnerRole.ADMIN


def test_cds_staff_may_list_but_not_create_partner_users(cds_api, partner, partner_admin):
    assert cds_api.get(users_url(partner)).status_code == 200
    response = cds_api.post(users_url(partner), NEW_USER, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(username="j.martin").exists()


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api"])
def test_a_non_admin_user_of_the_partner_gets_403_on_its_users(client_name, request, partner):
    client = request.getfixturevalue(client_name)

    assert client.get(users_url(partner)).status_code == 403
    assert client.post(users_url(partner), NEW_USER, format="json").status_code == 403
    assert not User.objects.filter(username="j.martin").exists()


def test_another_partners_users_are_404(admin_api, other_partner, other_admin):
    assert admin_api.get(users_url(other_partner)).status_code == 404
    response = admin_api.post(users_url(other_partner), NEW_USER, format="json")
    assert response.status_code == 404
    assert not User.objects.filter(username="j.martin").exists()


def test_users_of_a_partner_that_does_not_exist_are_404(pm_api, db):
    assert pm_api.get(f"{API}/partners/999999/users/").status_code == 404


def test_a_weak_password_is_refused_with_the_validators_codes(admin_api, partner):
    response = admin_api.post(users_url(partner), {**NEW_USER, "password": "123"}, format="json")

    assert response.status_code == 400
    found = codes(response)
    assert ("password", "password_too_short") in found
    assert ("password", "password_entirely_numeric") in found
    assert not User.objects.filter(username="j.martin").exists()


def test_a_password_like_the_username_is_refused(admin_api, partner):
    response = admin_api.post(
        users_url(partner), {**NEW_USER, "password": "j.martin2"}, format="json"
    )
    assert response.status_code == 400
    assert ("password", "password_too_similar") in codes(response)


def test_a_taken_username_is_400_unique(admin_api, partner, other_admin):
    response = admin_api.post(
        users_url(partner), {**NEW_USER, "username": "o.admin"}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [("username", "unique")]
    assert Membership.objects.filter(user__username="o.admin").get().partner != partner


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"role": "owner"}, ("role", "invalid_choice")),
        ({"email": "not-an-email"}, ("email", "invalid")),
        ({"email": ""}, ("email", "blank")),
        ({"username": "bad name!"}, ("username", "invalid")),
    ],
)
def test_bad_user_input_is_400_and_creates_nothing(admin_api, partner, change, expected):
    before = User.objects.count()

    response = admin_api.post(users_url(partner), {**NEW_USER, **change}, format="json")

    assert response.status_code == 400
    assert expected in codes(response)
    assert User.objects.count() == before


def test_creating_a_user_twice_with_one_idempotency_key_creates_one(admin_api, partner):
    first = admin_api.post(users_url(partner), NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="u-1")
    second = admin_api.post(users_url(partner), NEW_USER, format="json", HTTP_IDEMPOTENCY_KEY="u-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert User.objects.filter(username="j.martin").count() == 1


# --- partners/{id}/eligibility/ ----------------------------------------------------------------


def eligibility_url(partner: Partner) -> str:
    return f"{API}/partners/{partner.pk}/eligibility/"


def test_eligibility_explains_every_criterion_of_every_tier(admin_api, partner):
    Partner.objects.filter(pk=partner.pk).update(declared_revenue_12m_eur=Decimal("6800.00"))
    certify(partner, "PL-ASE", 1, passed_on=TODAY)

    response = admin_api.get(eligibility_url(partner))

    assert response.status_code == 200
    body = response.json()
    assert body["partner"] == partner.pk
    assert body["evaluated_at"] == "2026-03-02"
    assert body["current_tier"] is None
    assert body["services_revenue_12m_eur"] == "6800.00"
    assert [t["code"] for t in body["tiers"]] == ["registered", "sell", "deliver", "expert"]
    assert tier_result(body, "registered")["eligible"] is True
    revenue = criterion(tier_result(body, "sell"), "min_revenue")
    assert revenue["met"] is False
    assert revenue["required"] == "10000.00"
    assert revenue["actual"] == "6800.00"
    assert revenue["missing"] == "3200.00"
    assert revenue["message"].startswith("Il manque 3\u202f200,00\u00a0€")
    proliant = criterion(tier_result(body, "deliver"), "course:PL-ASE")
    assert (proliant["required"], proliant["actual"], proliant["missing"]) == ("2", "1", "1")
    assert body["next_tier"] == "sell"
    assert body["at_risk"] is None


def test_eligibility_messages_follow_accept_language(admin_api, partner):
    Partner.objects.filter(pk=partner.pk).update(declared_revenue_12m_eur=Decimal("6800.00"))

    body = admin_api.get(eligibility_url(partner), HTTP_ACCEPT_LANGUAGE="en").json()

    message = criterion(tier_result(body, "sell"), "min_revenue")["message"]
    assert message.startswith("3,200.00 EUR more services revenue needed")


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api", "pm_api", "cds_api"])
def test_every_user_who_sees_the_partner_sees_its_eligibility(client_name, request, partner):
    assert request.getfixturevalue(client_name).get(eligibility_url(partner)).status_code == 200


def test_another_partners_eligibility_is_404(admin_api, other_partner):
    assert admin_api.get(eligibility_url(other_partner)).status_code == 404


def test_an_expiring_certification_puts_the_current_tier_at_risk_on_the_day_after(
    admin_api, partner
):
    make_deliver_ready(partner, on=date(2025, 1, 1))
    set_tier(partner, "deliver")
    network = Certification.objects.get(course__code="NET-ATP")
    network.expires_on = date(2026, 4, 30)
    network.save(update_fields=["expires_on"])

    body = admin_api.get(eligibility_url(partner)).json()

    assert body["current_tier"] == "deliver"
    assert body["at_risk"]["tier"] == "deliver"
    assert body["at_risk"]["date"] == "2026-05-01"
    assert body["at_risk"]["reason"] == "certification_expiry"
    assert body["at_risk"]["criterion"] == "course:NET-ATP"
    assert "30/04/2026" in body["at_risk"]["message"]
    assert body["next_tier"] == "expert"


@pytest.mark.parametrize(
    ("expires_on", "eligible"), [(TODAY, True), (TODAY - timedelta(days=1), False)]
)
def test_a_certification_counts_through_its_expiry_day(admin_api, partner, expires_on, eligible):
    make_deliver_ready(partner, on=date(2025, 1, 1))
    Certification.objects.filter(course__code="NET-ATP").update(expires_on=expires_on)

    body = admin_api.get(eligibility_url(partner)).json()

    assert tier_result(body, "deliver")["eligible"] is eligible


def test_eligibility_costs_the_same_queries_for_2_or_40_certifications(
    admin_api, partner, django_assert_num_queries
):
    set_tier(partner, "sell")
    certify(partner, "PL-ASE", 2, passed_on=TODAY)
    # token (it brings the tenant scope), partner, then the snapshot (declared revenue,
    # certifications, approvals, contract sales) and the programme (tiers, requirements)
    with django_assert_num_queries(8):
        assert admin_api.get(eligibility_url(partner)).status_code == 200
    certify(partner, "3PAR-MASE", 20, passed_on=TODAY)
    certify(partner, "NET-ATP", 18, passed_on=TODAY)
    assert Certification.objects.filter(engineer__partner=partner).count() == 40
    with django_assert_num_queries(8):
        assert admin_api.get(eligibility_url(partner)).status_code == 200


# --- partners/{id}/what-if/ --------------------------------------------------------------------


def what_if_url(partner: Partner) -> str:
    return f"{API}/partners/{partner.pk}/what-if/"


def test_what_if_extra_revenue_reaches_sell_and_creates_nothing(admin_api, partner):
    Partner.objects.filter(pk=partner.pk).update(declared_revenue_12m_eur=Decimal("6800.00"))
    audit_before = AuditEvent.objects.count()

    response = admin_api.post(what_if_url(partner), {"extra_revenue_eur": "3200.00"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["highest_tier"] == "sell"
    assert body["highest_tier_status"] == "eligible"
    assert body["services_revenue_12m_eur"] == "10000.00"
    assert tier_result(body, "sell")["eligible"] is True
    assert body["scenario"] == {"extra_revenue_eur": "3200.00", "extra_certifications": []}
    partner.refresh_from_db()
    assert partner.declared_revenue_12m_eur == Decimal("6800.00")
    assert AuditEvent.objects.count() == audit_before


def test_what_if_one_short_of_revenue_stays_registered(admin_api, partner):
    Partner.objects.filter(pk=partner.pk).update(declared_revenue_12m_eur=Decimal("6800.00"))

    body = admin_api.post(
        what_if_url(partner), {"extra_revenue_eur": "3199.99"}, format="json"
    ).json()

    assert body["highest_tier"] == "registered"


def test_what_if_certifications_reach_expert_subject_to_approval(admin_api, partner):
    make_expert_ready(partner, on=date(2025, 6, 1))
    Certification.objects.filter(course__code="3PAR-MASE").first().delete()
    engineers_before = Engineer.objects.count()

    body = admin_api.post(
        what_if_url(partner),
        {"extra_certifications": [{"course": "3PAR-MASE", "count": 1}]},
        format="json",
    ).json()

    assert body["highest_tier"] == "expert"
    assert body["highest_tier_status"] == "eligible_but_approval"
    expert = tier_result(body, "expert")
    assert expert["eligible"] is False
    assert expert["eligible_but_approval"] is True
    assert criterion(expert, "course:3PAR-MASE")["met"] is True
    assert Engineer.objects.count() == engineers_before


def test_what_if_accepts_a_course_id(admin_api, partner):
    course = Course.objects.get(code="NET-ATP")
    body = admin_api.post(
        what_if_url(partner),
        {"extra_certifications": [{"course": course.pk, "count": 2}]},
        format="json",
    ).json()
    assert body["scenario"]["extra_certifications"] == [{"course": "NET-ATP", "count": 2}]
    assert criterion(tier_result(body, "deliver"), "course:NET-ATP")["actual"] == "2"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"extra_certifications": [{"course": "NOPE", "count": 1}]},
            ("extra_certifications[0].course", "does_not_exist"),
        ),
        (
            {"extra_certifications": [{"course": "PL-ASE", "count": 0}]},
            ("extra_certifications[0].count", "min_value"),
        ),
        ({"extra_revenue_eur": "-5.00"}, ("extra_revenue_eur", "min_value")),
        ({"extra_revenue_eur": "beaucoup"}, ("extra_revenue_eur", "invalid")),
    ],
)
def test_bad_what_if_input_is_400_naming_the_field(admin_api, partner, payload, expected):
    response = admin_api.post(what_if_url(partner), payload, format="json")

    assert response.status_code == 400
    assert expected in codes(response)


def test_another_partners_what_if_is_404(admin_api, other_partner):
    response = admin_api.post(what_if_url(other_partner), {"extra_revenue_eur": "1"}, format="json")
    assert response.status_code == 404


# --- engineers/ --------------------------------------------------------------------------------


def test_a_partner_admin_creates_an_engineer_of_its_own_partner(admin_api, partner, partner_admin):
    response = admin_api.post(
        f"{API}/engineers/", {"name": "Léa Petit", "email": "Lea.Petit@ovesys.test"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partner"] == partner.pk
    assert body["name"] == "Léa Petit"
    assert body["email"] == "lea.petit@ovesys.test"
    assert body["is_active"] is True
    assert body["valid_certifications"] == 0
    assert AuditEvent.objects.filter(
        action="engineer.create", object_id=body["id"], actor=partner_admin
    ).exists()


def test_a_programme_manager_must_name_the_partner_of_an_engineer(pm_api, partner):
    missing = pm_api.post(f"{API}/engineers/", {"name": "Léa"}, format="json")
    given = pm_api.post(f"{API}/engineers/", {"name": "Léa", "partner": partner.pk}, format="json")

    assert missing.status_code == 400
    assert codes(missing) == [("partner", "required")]
    assert given.status_code == 201
    assert Engineer.objects.get().partner == partner


def test_an_engineer_for_another_partner_is_404_and_not_created(admin_api, other_partner):
    response = admin_api.post(
        f"{API}/engineers/", {"name": "Intrus", "partner": other_partner.pk}, format="json"
    )

    assert response.status_code == 404
    assert errors(response)[0]["field"] == "partner"
    assert not Engineer.objects.exists()


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api", "cds_api"])
def test_only_an_admin_or_programme_manager_may_create_an_engineer(client_name, request, partner):
    response = request.getfixturevalue(client_name).post(
        f"{API}/engineers/", {"name": "Léa", "partner": partner.pk}, format="json"
    )
    assert response.status_code == 403
    assert not Engineer.objects.exists()


def test_engineers_are_scoped_to_the_partner(engineer_api, partner, other_partner):
    mine = EngineerFactory(partner=partner)
    theirs = EngineerFactory(partner=other_partner)

    listed = engineer_api.get(f"{API}/engineers/").json()["results"]

    assert [e["id"] for e in listed] == [mine.pk]
    assert engineer_api.get(f"{API}/engineers/{theirs.pk}/").status_code == 404
    assert engineer_api.get(f"{API}/engineers/{mine.pk}/").status_code == 200


def test_an_engineer_shows_how_many_certifications_are_valid_today(admin_api, partner):
    engineer = EngineerFactory(partner=partner)
    for code, passed, expires in [
        ("PL-ASE", date(2025, 1, 1), date(2026, 12, 31)),
        ("NET-ATP", date(2024, 1, 1), date(2026, 3, 1)),  # expired yesterday
    ]:
        Certification.objects.create(
            engineer=engineer,
            course=Course.objects.get(code=code),
            passed_on=passed,
            expires_on=expires,
        )

    body = admin_api.get(f"{API}/engineers/{engineer.pk}/").json()

    assert body["valid_certifications"] == 1


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": ""}, ("name", "blank")),
        ({"name": "X", "email": "nope"}, ("email", "invalid")),
        ({"name": "X", "email": "dup@ovesys.test"}, ("email", "duplicate_email")),
    ],
)
def test_bad_engineer_input_is_400_and_creates_nothing(admin_api, partner, payload, expected):
    EngineerFactory(partner=partner, email="dup@ovesys.test")

    response = admin_api.post(f"{API}/engineers/", payload, format="json")

    assert response.status_code == 400
    assert expected in codes(response)
    assert Engineer.objects.count() == 1


# --- certifications/ -----------------------------------------------------------------------------


@pytest.fixture
def engineer(partner: Partner) -> Engineer:
    return EngineerFactory(partner=partner, name="Hugo Leroy")


@pytest.mark.parametrize("course_ref", ["id", "code"])
def test_a_partner_admin_records_a_certification_by_course_id_or_code(
    admin_api, engineer, course_ref, partner_admin
):
    course = Course.objects.get(code="PL-ASE")

    response = admin_api.post(
        f"{API}/certifications/",
        {
            "engineer": engineer.pk,
            "course": course.pk if course_ref == "id" else "PL-ASE",
            "passed_on": "2026-01-31",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["engineer"] == engineer.pk
    assert body["course"] == course.pk
    assert body["course_code"] == "PL-ASE"
    assert body["passed_on"] == "2026-01-31"
    assert body["expires_on"] == "2028-01-30"
    assert body["valid"] is True
    assert AuditEvent.objects.filter(action="certification.create", actor=partner_admin).exists()


def test_a_programme_manager_records_a_certification_for_any_partner(pm_api, engineer):
    response = pm_api.post(
        f"{API}/certifications/",
        {"engineer": engineer.pk, "course": "NET-ATP", "passed_on": "2026-03-02"},
        format="json",
    )
    assert response.status_code == 201


def test_a_pass_date_tomorrow_is_400_passed_in_future(admin_api, engineer):
    response = admin_api.post(
        f"{API}/certifications/",
        {"engineer": engineer.pk, "course": "PL-ASE", "passed_on": "2026-03-03"},
        format="json",
    )

    assert response.status_code == 400
    assert codes(response) == [("passed_on", "passed_in_future")]
    assert not Certification.objects.exists()


def test_the_same_certification_twice_is_400_duplicate(admin_api, engineer):
    payload = {"engineer": engineer.pk, "course": "PL-ASE", "passed_on": "2026-01-31"}
    assert admin_api.post(f"{API}/certifications/", payload, format="json").status_code == 201

    response = admin_api.post(f"{API}/certifications/", payload, format="json")

    assert response.status_code == 400
    assert codes(response) == [("course", "duplicate_certification")]
    assert Certification.objects.count() == 1


def test_certifying_another_partners_engineer_is_404_and_creates_nothing(admin_api, other_partner):
    stranger = EngineerFactory(partner=other_partner)

    response = admin_api.post(
        f"{API}/certifications/",
        {"engineer": stranger.pk, "course": "PL-ASE", "passed_on": "2026-01-31"},
        format="json",
    )

    assert response.status_code == 404
    assert errors(response)[0]["field"] == "engineer"
    assert not Certification.objects.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"course": "NOPE"}, ("course", "does_not_exist")),
        ({"course": 999999}, ("course", "does_not_exist")),
        ({"course": None}, ("course", "null")),
        ({"passed_on": "31/01/2026"}, ("passed_on", "invalid")),
        ({"engineer": "x"}, ("engineer", "incorrect_type")),
    ],
)
def test_bad_certification_input_is_400_and_creates_nothing(admin_api, engineer, change, expected):
    payload = {"engineer": engineer.pk, "course": "PL-ASE", "passed_on": "2026-01-31", **change}

    response = admin_api.post(f"{API}/certifications/", payload, format="json")

    assert response.status_code == 400
    assert expected in codes(response)
    assert not Certification.objects.exists()


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api"])
def test_partner_users_other_than_the_admin_may_not_record_certifications(
    client_name, request, engineer
):
    response = request.getfixturevalue(client_name).post(
        f"{API}/certifications/",
        {"engineer": engineer.pk, "course": "PL-ASE", "passed_on": "2026-01-31"},
        format="json",
    )
    assert response.status_code == 403
    assert not Certification.objects.exists()


@pytest.fixture
def certifications(engineer: Engineer, other_partner: Partner) -> dict[str, Certification]:
    def make(eng: Engineer, code: str, passed: date, expires: date) -> Certification:
        return Certification.objects.create(
            engineer=eng, course=Course.objects.get(code=code), passed_on=passed, expires_on=expires
        )

    colleague = EngineerFactory(partner=engineer.partner)
    return {
        "today": make(engineer, "PL-ASE", date(2024, 3, 3), TODAY),  # last valid day
        "yesterday": make(engineer, "NET-ATP", date(2024, 3, 2), TODAY - timedelta(days=1)),
        "later": make(colleague, "3PAR-ASE", date(2025, 6, 1), date(2027, 5, 31)),
        "foreign": make(
            EngineerFactory(partner=other_partner), "PL-ASE", date(2025, 1, 1), date(2026, 12, 31)
        ),
    }


def test_a_certification_expiring_today_is_valid_and_one_expired_yesterday_is_not(
    engineer_api, certifications
):
    results = {c["id"]: c for c in engineer_api.get(f"{API}/certifications/").json()["results"]}

    assert results[certifications["today"].pk]["valid"] is True
    assert results[certifications["yesterday"].pk]["valid"] is False
    assert certifications["foreign"].pk not in results


def test_certifications_can_be_filtered(admin_api, engineer, certifications):
    def ids(query: str) -> set[int]:
        response = admin_api.get(f"{API}/certifications/?{query}")
        assert response.status_code == 200
        return {c["id"] for c in response.json()["results"]}

    assert ids(f"engineer={engineer.pk}") == {
        certifications["today"].pk,
        certifications["yesterday"].pk,
    }
    assert ids("course=PL-ASE") == {certifications["today"].pk}
    assert ids(f"course={Course.objects.get(code='NET-ATP').pk}") == {
        certifications["yesterday"].pk
    }
    assert ids("valid=true") == {certifications["today"].pk, certifications["later"].pk}
    assert ids("valid=false") == {certifications["yesterday"].pk}
    assert ids("expires_before=2026-03-02") == {certifications["yesterday"].pk}
    assert ids("expires_before=2026-03-03") == {
        certifications["today"].pk,
        certifications["yesterday"].pk,
    }


def test_a_malformed_filter_date_is_400(admin_api, certifications):
    response = admin_api.get(f"{API}/certifications/?expires_before=demain")
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "expires_before"


def test_another_partners_certification_is_404(admin_api, certifications):
    assert admin_api.get(f"{API}/certifications/{certifications['foreign'].pk}/").status_code == 404


# --- accreditations/ ---------------------------------------------------------------------------


def accreditation_url(application: Accreditation, action: str = "") -> str:
    return f"{API}/accreditations/{application.pk}/" + (f"{action}/" if action else "")


@pytest.mark.parametrize("tier_ref", ["code", "id"])
def test_a_partner_admin_opens_a_draft_application_by_tier_code_or_id(admin_api, partner, tier_ref):
    expert = Tier.objects.get(code="expert")

    response = admin_api.post(
        f"{API}/accreditations/",
        {"tier": "expert" if tier_ref == "code" else expert.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["partner"] == partner.pk
    assert body["tier"] == {"id": expert.pk, "code": "expert", "name": "Expert"}
    assert body["status"] == "draft"
    for field in ("submitted_at", "decided_at", "decided_by", "eligibility_snapshot"):
        assert body[field] is None
    assert body["decision_comment"] == ""


def test_an_application_for_an_automatic_tier_is_400(admin_api, partner):
    response = admin_api.post(f"{API}/accreditations/", {"tier": "sell"}, format="json")

    assert response.status_code == 400
    assert codes(response) == [("tier", "approval_not_required")]
    assert not Accreditation.objects.exists()


def test_a_second_open_application_for_the_same_tier_is_409(admin_api, partner):
    assert (
        admin_api.post(f"{API}/accreditations/", {"tier": "expert"}, format="json").status_code
        == 201
    )
    response = admin_api.post(f"{API}/accreditations/", {"tier": "expert"}, format="json")
    assert response.status_code == 409
    assert codes(response) == [("tier", "already_open")]


def test_an_unknown_tier_is_400(admin_api, partner):
    response = admin_api.post(f"{API}/accreditations/", {"tier": "platinum"}, format="json")
    assert response.status_code == 400
    assert codes(response) == [("tier", "does_not_exist")]


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api", "cds_api"])
def test_only_the_admin_or_a_programme_manager_may_open_an_application(
    client_name, request, partner
):
    response = request.getfixturevalue(client_name).post(
        f"{API}/accreditations/", {"tier": "expert", "partner": partner.pk}, format="json"
    )
    assert response.status_code == 403
    assert not Accreditation.objects.exists()


def test_an_application_for_another_partner_is_404(admin_api, other_partner):
    response = admin_api.post(
        f"{API}/accreditations/", {"tier": "expert", "partner": other_partner.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Accreditation.objects.exists()


def test_a_programme_manager_opens_an_application_for_a_named_partner(pm_api, partner):
    missing = pm_api.post(f"{API}/accreditations/", {"tier": "expert"}, format="json")
    given = pm_api.post(
        f"{API}/accreditations/", {"tier": "expert", "partner": partner.pk}, format="json"
    )

    assert codes(missing) == [("partner", "required")]
    assert given.status_code == 201
    assert given.json()["partner"] == partner.pk


@pytest.fixture
def draft(partner: Partner, partner_admin: Any) -> Accreditation:
    from partners.services import accreditation_create

    return accreditation_create(
        partner=partner, tier=Tier.objects.get(code="expert"), actor=partner_admin
    )


@pytest.fixture
def expert_ready(partner: Partner) -> Partner:
    make_expert_ready(partner, on=date(2025, 6, 1))
    return partner


def test_the_admin_submits_a_draft_with_a_snapshot_of_the_evaluation(
    admin_api, draft, expert_ready
):
    response = admin_api.post(accreditation_url(draft, "submit"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["submitted_at"].startswith("2026-03-02T")
    snapshot = body["eligibility_snapshot"]
    assert snapshot["partner"] == draft.partner_id
    assert tier_result(snapshot, "expert")["eligible_but_approval"] is True
    assert AuditEvent.objects.filter(action="accreditation.submit", object_id=draft.pk).exists()


def test_submitting_twice_is_409(admin_api, draft):
    assert admin_api.post(accreditation_url(draft, "submit")).status_code == 200
    response = admin_api.post(accreditation_url(draft, "submit"))
    assert response.status_code == 409
    assert errors(response)[0]["code"] == "invalid_status"


@pytest.mark.parametrize("client_name", ["sales_api", "engineer_api"])
def test_a_non_admin_partner_user_sees_but_may_not_submit(client_name, request, draft):
    client = request.getfixturevalue(client_name)

    assert client.get(accreditation_url(draft)).status_code == 200
    assert client.post(accreditation_url(draft, "submit")).status_code == 403
    assert client.post(accreditation_url(draft, "withdraw")).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize("action", ["submit", "withdraw", "approve", "reject"])
def test_every_action_on_another_partners_application_is_404(other_api, draft, action):
    response = other_api.post(accreditation_url(draft, action), {"comment": "x"}, format="json")

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_another_partners_application_is_hidden_from_the_list_and_404(other_api, draft):
    assert other_api.get(f"{API}/accreditations/").json()["count"] == 0
    assert other_api.get(accreditation_url(draft)).status_code == 404


def test_a_programme_manager_approves_a_ready_application_and_the_partner_becomes_expert(
    pm_api, admin_api, expert_ready, partner_admin, programme_manager
):
    application = submitted_application(expert_ready, partner_admin)

    response = pm_api.post(
        accreditation_url(application, "approve"), {"comment": "Bravo"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"] == {"id": programme_manager.pk, "username": "hp.pm"}
    assert body["decision_comment"] == "Bravo"
    assert body["valid_until"] == "2027-03-01"
    event = AuditEvent.objects.get(action="accreditation.approve", object_id=application.pk)
    assert event.actor == programme_manager
    assert event.data["comment"] == "Bravo"
    partner_body = admin_api.get(f"{API}/partners/{expert_ready.pk}/").json()
    assert partner_body["tier"]["code"] == "expert"


def test_approval_with_exactly_one_unmet_criterion_is_400_and_changes_nothing(
    pm_api, expert_ready, partner_admin
):
    application = submitted_application(expert_ready, partner_admin)
    Certification.objects.filter(course__code="CI-MASE").delete()  # the one CI-MASE engineer

    response = pm_api.post(
        accreditation_url(application, "approve"), {"comment": "OK"}, format="json"
    )

    assert response.status_code == 400
    assert codes(response) == [(None, "prerequisites_unmet")]
    assert "Infrastructures convergées Master ASE" in errors(response)[0]["message"]
    application.refresh_from_db()
    assert application.status == "submitted"
    assert application.decided_at is None
    assert not AuditEvent.objects.filter(action="accreditation.approve").exists()


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_the_partner_admin_gets_403_deciding_its_own_application(
    admin_api, expert_ready, partner_admin, action
):
    application = submitted_application(expert_ready, partner_admin)

    response = admin_api.post(
        accreditation_url(application, action), {"comment": "moi"}, format="json"
    )

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"


def test_cds_staff_may_not_decide(cds_api, expert_ready, partner_admin):
    application = submitted_application(expert_ready, partner_admin)
    assert (
        cds_api.post(accreditation_url(application, "approve"), {}, format="json").status_code
        == 403
    )


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_deciding_an_application_that_is_not_submitted_is_409(pm_api, draft, action):
    response = pm_api.post(accreditation_url(draft, action), {"comment": "Non"}, format="json")

    assert response.status_code == 409
    assert errors(response)[0]["code"] == "invalid_status"
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_rejection_needs_a_comment_and_is_audited(
    pm_api, expert_ready, partner_admin, programme_manager
):
    application = submitted_application(expert_ready, partner_admin)

    bare = pm_api.post(accreditation_url(application, "reject"), {}, format="json")
    rejected = pm_api.post(
        accreditation_url(application, "reject"), {"comment": "Dossier incomplet"}, format="json"
    )

    assert bare.status_code == 400
    assert codes(bare) == [("comment", "comment_required")]
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_comment"] == "Dossier incomplet"
    assert AuditEvent.objects.filter(
        action="accreditation.reject", object_id=application.pk, actor=programme_manager
    ).exists()


def test_the_admin_withdraws_its_application(admin_api, pm_api, draft):
    assert pm_api.post(accreditation_url(draft, "withdraw")).status_code == 403

    response = admin_api.post(accreditation_url(draft, "withdraw"))

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert AuditEvent.objects.filter(action="accreditation.withdraw", object_id=draft.pk).exists()
    assert admin_api.post(accreditation_url(draft, "withdraw")).status_code == 409


def test_accreditations_can_be_filtered_by_status_and_tier(
    pm_api, draft, other_partner, other_admin
):
    from partners.services import accreditation_create

    accreditation_create(
        partner=other_partner, tier=Tier.objects.get(code="expert"), actor=other_admin
    )
    Accreditation.objects.filter(pk=draft.pk).update(status="withdrawn")

    drafts = pm_api.get(f"{API}/accreditations/?status=draft").json()["results"]
    experts = pm_api.get(f"{API}/accreditations/?tier=expert").json()["results"]

    assert [a["partner"] for a in drafts] == [other_partner.pk]
    assert len(experts) == 2


def test_opening_an_application_twice_with_one_idempotency_key_replays_the_first(
    admin_api, partner
):
    first = admin_api.post(
        f"{API}/accreditations/", {"tier": "expert"}, format="json", HTTP_IDEMPOTENCY_KEY="acc-1"
    )
    retry = admin_api.post(
        f"{API}/accreditations/", {"tier": "expert"}, format="json", HTTP_IDEMPOTENCY_KEY="acc-1"
    )

    assert first.status_code == retry.status_code == 201  # not 409 already_open
    assert retry.json() == first.json()
    assert Accreditation.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/partners/",
        f"{API}/engineers/",
        f"{API}/certifications/",
        f"{API}/accreditations/",
    ],
)
def test_a_creation_replayed_with_one_key_and_another_body_is_409(pm_api, partner, url):
    engineer = EngineerFactory(partner=partner)
    bodies = {
        f"{API}/partners/": [{"name": "A"}, {"name": "B"}],
        f"{API}/engineers/": [
            {"name": "A", "partner": partner.pk},
            {"name": "B", "partner": partner.pk},
        ],
        f"{API}/certifications/": [
            {"engineer": engineer.pk, "course": "PL-ASE", "passed_on": "2026-01-01"},
            {"engineer": engineer.pk, "course": "NET-ATP", "passed_on": "2026-01-01"},
        ],
        f"{API}/accreditations/": [
            {"tier": "expert", "partner": partner.pk},
            {"tier": "expert", "partner": partner.pk, "note": "x"},
        ],
    }[url]

    first = pm_api.post(url, bodies[0], format="json", HTTP_IDEMPOTENCY_KEY="k-42")
    again = pm_api.post(url, bodies[0], format="json", HTTP_IDEMPOTENCY_KEY="k-42")
    other = pm_api.post(url, bodies[1], format="json", HTTP_IDEMPOTENCY_KEY="k-42")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 409
    assert codes(other) == [("Idempotency-Key", "idempotency_key_reused")]


# --- schema ---------------------------------------------------------------------------------


def test_the_openapi_schema_describes_the_programme_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    paths = schema["paths"]
    for path in [
        "/api/v1/tiers/",
        "/api/v1/courses/",
        "/api/v1/partners/",
        "/api/v1/partners/{id}/",
        "/api/v1/partners/{partner_pk}/users/",
        "/api/v1/partners/{id}/eligibility/",
        "/api/v1/partners/{id}/what-if/",
        "/api/v1/engineers/",
        "/api/v1/certifications/",
        "/api/v1/accreditations/",
        "/api/v1/accreditations/{id}/submit/",
        "/api/v1/accreditations/{id}/withdraw/",
        "/api/v1/accreditations/{id}/approve/",
        "/api/v1/accreditations/{id}/reject/",
    ]:
        assert path in paths, path
    components = schema["components"]["schemas"]
    assert {"partner", "evaluated_at", "current_tier", "tiers", "at_risk"} <= set(
        components["Eligibility"]["properties"]
    )
    assert "highest_tier" in components["WhatIf"]["properties"]
    assert "comment" in components["DecisionRequest"]["properties"]
    create = paths["/api/v1/engineers/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])


def test_a_partner_user_token_created_by_api_is_scoped_too(admin_api, partner, other_partner):
    admin_api.post(users_url(partner), NEW_USER, format="json")
    newcomer = token_client(User.objects.get(username="j.martin"))

    listed = newcomer.get(f"{API}/partners/").json()["results"]

    assert [p["id"] for p in listed] == [partner.pk]
    assert newcomer.get(f"{API}/partners/{other_partner.pk}/eligibility/").status_code == 404


def test_a_new_partner_user_of_another_partner_sees_nothing_of_ours(partner, other_partner):
    stranger = token_client(partner_user(other_partner, PartnerRole.SALES))
    assert stranger.get(f"{API}/engineers/").json()["count"] == 0
    assert stranger.get(eligibility_url(partner)).status_code == 404
