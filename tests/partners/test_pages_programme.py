"""« Mon programme » and HP's view of a partner's programme: access, content, what-if, home panel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from partners.models import (
    Accreditation,
    Certification,
    Tier,
)
from servicone.access import PartnerRole, StaffRole
from tests.partners.factories import partner_user, staff_user
from tests.partners.pages import (
    NBSP,
    NNBSP,
    PARIS,
    certify,
    eur_fr,
    in_english,
    make_deliver,
    make_expert_ready,
    set_revenue,
    set_tier,
    submit_application,
    text,
)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


# --- « Mon programme »: access ----------------------------------------------------------


@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_every_partner_role_sees_its_programme_page(client, partner, role):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_user(partner, role))
    response = client.get("/programme/")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Mon programme</h1>" in page
    assert 'data-testid="current-tier">Enregistré<' in page
    assert "depuis le 15/01/2026" in page


@pytest.mark.parametrize("role", [StaffRole.PROGRAMME_MANAGER, StaffRole.CDS_DISPATCHER])
def test_hp_staff_see_any_partners_programme_page(client, partner, role):
    set_revenue(partner, "6800.00")
    client.force_login(staff_user(role))
    response = client.get(f"/hp/partners/{partner.pk}/")
    assert response.status_code == 200
    assert "Programme ServiceOne — Ovesys Test" in text(response)


def test_a_partner_user_gets_404_for_another_partners_hp_page(client, partner_admin, other_partner):
    client.force_login(partner_admin)
    assert client.get(f"/hp/partners/{other_partner.pk}/").status_code == 404


def test_a_partner_user_is_sent_from_its_own_hp_page_to_mon_programme(
    client, partner_admin, partner
):
    client.force_login(partner_admin)
    response = client.get(f"/hp/partners/{partner.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/programme/"


@pytest.mark.parametrize("url", ["/hp/programme/", "/hp/accreditations/"])
@pytest.mark.parametrize("role", [PartnerRole.ADMIN, PartnerRole.SALES, PartnerRole.ENGINEER])
def test_partner_users_get_403_on_hp_pages(client, partner, role, url):
    client.force_login(partner_user(partner, role))
    assert client.get(url).status_code == 403


def test_partner_admin_gets_403_on_an_hp_application_page(client, partner, partner_admin):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(partner_admin)
    assert client.get(f"/hp/accreditations/{application.pk}/").status_code == 403
    response = client.post(f"/hp/accreditations/{application.pk}/approve/", {})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED


def test_cds_sees_the_overview_but_not_the_approval_queue(client, cds_dispatcher):
    client.force_login(cds_dispatcher)
    assert client.get("/hp/programme/").status_code == 200
    assert client.get("/hp/accreditations/").status_code == 403


def test_hp_staff_reach_the_overview_from_mon_programme_and_403_on_partner_pages(
    client, programme_manager
):
    client.force_login(programme_manager)
    response = client.get("/programme/")
    assert response.status_code == 302
    assert response["Location"] == "/hp/programme/"
    assert client.get("/programme/team/").status_code == 403
    assert client.get("/programme/users/").status_code == 403


# --- « Mon programme »: content -----------------------------------------------------------


def test_programme_shows_the_exact_revenue_gap_to_sell_in_french(client, partner, partner_admin):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert eur_fr("6 800,00") in page
    assert f"Seuil du niveau Sell : {eur_fr('10 000,00')}" in page
    assert f"il manque {eur_fr('3 200,00')}" in page
    assert (
        f"Il manque {NNBSP.join(['3', '200,00'])}{NBSP}€ de chiffre d'affaires services sur "
        f"12 mois glissants ({eur_fr('6 800,00')} sur {eur_fr('10 000,00')})."
    ) in page
    # Every tier above the current one, each criterion with its progress bar.
    for code in ("sell", "deliver", "expert"):
        assert f'data-tier="{code}"' in page
    assert 'aria-valuenow="68"' in page
    assert "Il manque 2 ingénieurs certifiés ProLiant Server Solutions (ASE) (0 sur 2)." in page


def test_programme_speaks_english_with_english_money(client, partner, partner_admin):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_admin)
    in_english(client)
    page = text(client.get("/programme/"))
    assert "<h1>My programme</h1>" in page
    assert "3,200.00 EUR more services revenue needed over the trailing 12 months" in page
    assert "Sell tier threshold: 10,000.00 EUR" in page


def test_at_risk_banner_shows_the_date_a_certification_expiry_loses_the_tier(
    client, partner, partner_admin
):
    make_deliver(partner)
    # One of the two PL-ASE engineers expires on 31/01/2027: Deliver is lost the next day.
    first = Certification.objects.filter(course__code="PL-ASE").order_by("id").first()
    first.expires_on = date(2027, 1, 31)
    first.save(update_fields=["expires_on"])
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="risk-banner"' in page
    assert "Niveau Deliver menacé le 01/02/2027" in page
    assert "(dans 67 jours)" in page
    assert (
        f"La certification ProLiant Server Solutions (ASE) de {first.engineer.name} expire le 31/01/2027"
        in page
    )
    assert "le niveau Deliver sera perdu le 01/02/2027" in page
    # The certification is highlighted among those expiring within 90 days.
    assert "Expire dans 66 jours" in page
    assert 'class="cert-expiring"' in page


def test_no_risk_banner_when_nothing_expires_within_the_horizon(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    set_tier(partner, "sell")
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="risk-banner"' not in page
    assert 'data-testid="grace-banner"' not in page


def test_grace_banner_shows_the_tier_it_falls_to_and_when(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    set_tier(partner, "deliver")
    partner.grace_until = date(2027, 1, 20)
    partner.pending_tier = Tier.objects.get(code="sell")
    partner.save(update_fields=["grace_until", "pending_tier"])
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="grace-banner"' in page
    assert (
        "Les critères du niveau Deliver ne sont plus remplis. Sans action, le niveau passera "
        "à « Sell » le 20/01/2027 (dans 55 jours)."
    ) in page
    assert "Il manque 2 ingénieurs certifiés ProLiant Server Solutions (ASE) (0 sur 2)." in page


def test_what_if_extra_revenue_moves_the_partner_up_to_sell_with_exact_figures(
    client, partner, partner_admin
):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_admin)
    page = text(client.get("/programme/", {"extra_revenue": "3 200,00"}))
    assert 'data-testid="what-if-result"' in page
    assert "Niveau atteint avec ce scénario : Sell" in page
    assert f"{eur_fr('3 200,00')} de chiffre d'affaires services en plus" in page
    assert f"Chiffre d'affaires services sur 12 mois glissants : {eur_fr('10 000,00')}" in page
    assert (
        f"Seuil atteint{NBSP}: {eur_fr('10 000,00')} de chiffre d'affaires services sur "
        f"12 mois glissants ({eur_fr('10 000,00')} requis)."
    ) in page
    # Nothing was stored: the real figures are unchanged.
    partner.refresh_from_db()
    assert partner.declared_revenue_12m_eur == Decimal("6800.00")
    assert Tier.objects.get(pk=partner.tier_id).code == "registered"


def test_what_if_accepts_french_grouping_with_narrow_spaces_and_cents(
    client, partner, partner_admin
):
    set_revenue(partner, "6800.00")
    client.force_login(partner_admin)
    page = text(client.get("/programme/", {"extra_revenue": f"3{NNBSP}200,50"}))
    assert f"Chiffre d'affaires services sur 12 mois glissants : {eur_fr('10 000,50')}" in page


def test_what_if_one_cent_short_stays_below_sell(client, partner, partner_admin):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_admin)
    page = text(client.get("/programme/", {"extra_revenue": "3 199,99"}))
    assert (
        "Ce scénario ne suffit pas pour changer de niveau : le niveau atteint reste Enregistré."
        in page
    )
    assert f"Il manque 0,01{NBSP}€ de chiffre d'affaires services" in page


def test_what_if_certified_engineers_move_a_sell_partner_to_deliver(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    certify(partner, "PL-ASE", 1)
    set_tier(partner, "sell")
    client.force_login(partner_admin)
    page = text(
        client.get(
            "/programme/",
            {"course_1": "PL-ASE", "engineers_1": "1", "course_2": "NET-ATP", "engineers_2": "1"},
        )
    )
    assert "Niveau atteint avec ce scénario : Deliver" in page
    assert "1 ingénieur certifié ProLiant Server Solutions (ASE) en plus" in page
    assert "Condition remplie" in page
    assert (
        f"Condition remplie{NBSP}: 2 ingénieurs certifiés ProLiant Server Solutions (ASE) (2 requis)."
        in page
    )


def test_what_if_up_to_expert_says_an_application_becomes_possible(client, partner, partner_admin):
    make_deliver(partner)
    client.force_login(partner_admin)
    page = text(
        client.get(
            "/programme/",
            {"course_1": "3PAR-MASE", "engineers_1": "2", "course_2": "CI-MASE"},
        )
    )
    assert (
        "Ce scénario ne suffit pas pour changer de niveau : le niveau atteint reste Deliver."
        in page
    )
    assert (
        "Les critères du niveau Expert seraient remplis : une demande d'accréditation serait "
        "alors possible."
    ) in page


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"extra_revenue": "trois mille"}, "Saisissez un montant en euros, par exemple 3 200,50."),
        ({"extra_revenue": "-5"}, "Le montant ne peut pas être négatif."),
        ({"extra_revenue": "10,005"}, "Le montant a au plus deux décimales."),
        (
            {"course_1": "PL-ASE", "engineers_1": "0"},
            "Assurez-vous que cette valeur est supérieure ou égale à 1.",
        ),
        ({"course_1": "NOPE"}, "Sélectionnez un choix valide."),
        ({"engineers_2": "2"}, "Choisissez la formation."),
    ],
)
def test_what_if_bad_input_shows_a_french_error_and_no_result(
    client, partner, partner_admin, params, error
):
    set_revenue(partner, "6800.00")
    client.force_login(partner_admin)
    response = client.get("/programme/", params)
    assert response.status_code == 200
    page = text(response)
    assert error in page
    assert 'data-testid="what-if-result"' not in page


def test_what_if_error_in_english(client, partner, partner_admin):
    client.force_login(partner_admin)
    in_english(client)
    page = text(client.get("/programme/", {"extra_revenue": "-5"}))
    assert "The amount cannot be negative." in page


def test_programme_lists_certifications_with_expiry_and_state(client, partner, partner_admin):
    certify(partner, "PL-ASE", 1, passed_on=date(2025, 6, 10), prefix="Valide")
    certify(partner, "NET-ATP", 1, passed_on=date(2024, 1, 10), prefix="Expirée")
    certify(
        partner,
        "CI-MASE",
        1,
        passed_on=date(2025, 1, 10),
        expires_on=date(2026, 12, 10),
        prefix="Bientôt",
    )
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert "09/06/2027" in page  # PL-ASE passed 10/06/2025, valid 24 months
    assert "Expirée" in page
    assert "Expire dans 14 jours" in page
    assert "1 expire dans moins de 90 jours" in page


# --- Home panels and navigation ---------------------------------------------------------------------


def test_partner_home_shows_the_tier_and_the_gap_to_the_next_one(client, partner, partner_sales):
    set_revenue(partner, "6800.00")
    set_tier(partner, "registered")
    client.force_login(partner_sales)
    page = text(client.get("/"))
    assert 'data-testid="panel-tier">Enregistré<' in page
    assert "Niveau suivant" in page
    assert f"Il manque {eur_fr('3 200,00')} de chiffre d'affaires services" in page
    assert 'href="/programme/"' in page


def test_programme_manager_home_shows_pending_approvals(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=PARIS), tick=False):
        submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    page = text(client.get("/"))
    assert 'data-testid="pending-count">1<' in page
    assert "La plus ancienne attend depuis 6 jours." in page
    assert 'href="/hp/programme/"' in page


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("admin", ["/programme/", "/programme/team/", "/programme/users/"], ["/hp/programme/"]),
        (
            "sales",
            ["/programme/", "/programme/team/"],
            ["/programme/users/", "/hp/accreditations/"],
        ),
        ("pm", ["/hp/programme/", "/hp/accreditations/"], ['href="/programme/"']),
        ("cds", ["/hp/programme/"], ["/hp/accreditations/", 'href="/programme/"']),
    ],
)
def test_navigation_links_per_role(client, partner, who, present, absent):
    user = {
        "admin": lambda: partner_user(partner, PartnerRole.ADMIN),
        "sales": lambda: partner_user(partner, PartnerRole.SALES),
        "pm": lambda: staff_user(StaffRole.PROGRAMME_MANAGER),
        "cds": lambda: staff_user(StaffRole.CDS_DISPATCHER),
    }[who]()
    client.force_login(user)
    nav = text(client.get("/notifications/")).split('class="mainnav"')[1].split("</nav>")[0]
    for link in present:
        assert link in nav
    for link in absent:
        assert link not in nav


# --- Query counts ---------------------------------------------------------------------------------


def test_mon_programme_query_count_does_not_grow_with_certifications(
    client, partner, partner_admin, django_assert_num_queries
):
    make_deliver(partner)  # 3 certifications
    client.force_login(partner_admin)
    url = "/programme/?extra_revenue=1000&course_1=CI-MASE&engineers_1=1"
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200
    certify(partner, "3PAR-MASE", 20)
    certify(partner, "CI-MASE", 17)
    assert Certification.objects.filter(engineer__partner=partner).count() == 40
    with django_assert_num_queries(14):
        assert client.get(url).status_code == 200


def test_hp_partner_page_query_count_does_not_grow_with_certifications(
    client, partner, programme_manager, django_assert_num_queries
):
    certify(partner, "PL-ASE", 2)
    client.force_login(programme_manager)
    with django_assert_num_queries(14):
        client.get(f"/hp/partners/{partner.pk}/")
    certify(partner, "NET-ATP", 38)
    with django_assert_num_queries(14):
        client.get(f"/hp/partners/{partner.pk}/")
