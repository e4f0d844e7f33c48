"""Programme pages: « Mon programme », équipe, utilisateurs, accréditations, HP queue and overview."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Membership,
    Tier,
)
from partners.services import (
    accreditation_create,
    accreditation_submit,
    certification_expiry,
)
from servicone.access import PartnerRole, StaffRole
from tests.partners.factories import PartnerFactory, partner_user, staff_user

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 26)
NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


# --- Data helpers ----------------------------------------------------------------------


def certify(partner, course_code, count=1, *, passed_on=None, expires_on=None, prefix=None):
    """``count`` new engineers of ``partner``, each certified on ``course_code``."""
    course = Course.objects.get(code=course_code)
    passed_on = passed_on or TODAY - timedelta(days=30)
    made = []
    start = Engineer.objects.filter(partner=partner).count()
    for i in range(count):
        engineer = Engineer.objects.create(
            partner=partner, name=f"{prefix or course_code} Ingénieur {start + i + 1}"
        )
        made.append(
            Certification.objects.create(
                engineer=engineer,
                course=course,
                passed_on=passed_on,
                expires_on=expires_on or certification_expiry(course, passed_on),
            )
        )
    return made


def set_revenue(partner, amount):
    partner.declared_revenue_12m_eur = Decimal(amount)
    partner.save(update_fields=["declared_revenue_12m_eur"])


def set_tier(partner, code, since=None):
    partner.tier = Tier.objects.get(code=code)
    partner.tier_since = since or date(2026, 1, 15)
    partner.save(update_fields=["tier", "tier_since"])


def make_deliver(partner):
    set_revenue(partner, "12000.00")
    certify(partner, "PL-ASE", 2)
    certify(partner, "NET-ATP", 1)
    set_tier(partner, "deliver")


def make_expert_ready(partner):
    make_deliver(partner)
    certify(partner, "3PAR-MASE", 2)
    certify(partner, "CI-MASE", 1)


def submit_application(partner, admin, tier="expert"):
    application = accreditation_create(
        partner=partner, tier=Tier.objects.get(code=tier), actor=admin
    )
    return accreditation_submit(accreditation=application, actor=admin)


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded, spaces collapsed)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def eur_fr(digits: str) -> str:
    """'3 200,00' written with plain spaces -> the French money string the pages print."""
    return digits.replace(" ", NNBSP) + NBSP + "€"


def in_english(client):
    client.cookies["django_language"] = "en"


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


# --- Accreditation application from « Mon programme » ---------------------------------------


def test_admin_sees_the_apply_button_when_only_approval_is_missing(client, partner, partner_admin):
    make_expert_ready(partner)
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert "Approbation HP requise" in page
    assert 'data-testid="apply-expert"' in page
    assert "Demander l'accréditation" in page


def test_sales_sees_no_apply_button_and_cannot_apply(client, partner, partner_sales):
    make_expert_ready(partner)
    client.force_login(partner_sales)
    page = text(client.get("/programme/"))
    assert 'data-testid="apply-expert"' not in page
    assert "Seul l'administrateur du partenaire peut demander l'accréditation." in page
    assert client.post("/programme/accreditations/apply/", {"tier": "expert"}).status_code == 403
    assert not Accreditation.objects.exists()


def test_no_apply_button_while_other_expert_criteria_are_unmet(client, partner, partner_admin):
    make_deliver(partner)
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="apply-expert"' not in page
    assert (
        "une demande d'accréditation pour le niveau Expert sera possible une fois les autres "
        "critères remplis."
    ) in page


def test_admin_applies_and_sees_the_application_submitted(client, partner, partner_admin):
    make_expert_ready(partner)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    application = Accreditation.objects.get()
    assert application.status == Accreditation.Status.SUBMITTED
    assert application.eligibility_snapshot["tiers"]
    page = text(response)
    assert "Votre demande d'accréditation au niveau Expert est soumise à HP." in page
    assert "Soumise" in page
    assert "le 26/11/2026, en attente de la décision HP" in page
    assert 'data-testid="apply-expert"' not in page
    listing = text(client.get("/programme/accreditations/"))
    assert 'data-status="submitted"' in listing
    assert "Retirer la demande" in listing


def test_applying_with_unmet_criteria_creates_nothing(client, partner, partner_admin):
    make_deliver(partner)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    assert "Demande impossible : les autres critères du niveau Expert ne sont pas remplis." in text(
        response
    )
    assert not Accreditation.objects.exists()


def test_applying_twice_shows_the_service_refusal_and_keeps_one_application(
    client, partner, partner_admin
):
    make_expert_ready(partner)
    submit_application(partner, partner_admin)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    assert "Une demande est déjà en cours pour ce niveau." in text(response)
    assert Accreditation.objects.count() == 1


def test_applying_for_an_automatic_tier_is_refused(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "sell"}, follow=True)
    assert "est attribué automatiquement" in text(response)
    assert not Accreditation.objects.exists()


def test_admin_withdraws_an_application(client, partner, partner_admin):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(partner_admin)
    response = client.post(f"/programme/accreditations/{application.pk}/withdraw/", follow=True)
    assert "La demande d'accréditation a été retirée." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.WITHDRAWN


def test_withdrawing_another_partners_application_is_404(
    client, partner, partner_admin, other_partner, other_admin
):
    make_expert_ready(other_partner)
    application = submit_application(other_partner, other_admin)
    client.force_login(partner_admin)
    assert client.post(f"/programme/accreditations/{application.pk}/withdraw/").status_code == 404
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED


def test_accreditations_page_shows_an_empty_state(client, partner_engineer):
    client.force_login(partner_engineer)
    page = text(client.get("/programme/accreditations/"))
    assert "Aucune demande d'accréditation pour l'instant." in page
    assert "Retirer la demande" not in page


# --- Équipe ------------------------------------------------------------------------------------


def test_team_lists_engineers_with_certification_badges(client, partner, partner_engineer):
    certify(partner, "PL-ASE", 1, passed_on=date(2025, 6, 10), prefix="Alice")
    certify(partner, "NET-ATP", 1, passed_on=date(2024, 1, 10), prefix="Bruno")
    Engineer.objects.create(partner=partner, name="Chloé Sans Certif")
    client.force_login(partner_engineer)
    page = text(client.get("/programme/team/"))
    assert "3 ingénieurs" in page
    assert "Alice Ingénieur 1" in page
    assert "Valide" in page
    assert "Expirée" in page
    assert "Aucune certification" in page
    # Read-only for anyone but the partner admin.
    assert "Ajouter un ingénieur" not in page
    assert "Consultation seule" in page


def test_admin_adds_an_engineer(client, partner, partner_admin):
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {"action": "engineer", "engineer-name": "Léa Martin", "engineer-email": "lea@ovesys.test"},
        follow=True,
    )
    assert "Ingénieur Léa Martin ajouté." in text(response)
    assert Engineer.objects.filter(partner=partner, name="Léa Martin").exists()


def test_adding_an_engineer_with_a_duplicate_email_shows_the_french_error(
    client, partner, partner_admin
):
    Engineer.objects.create(partner=partner, name="Léa", email="lea@ovesys.test")
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {"action": "engineer", "engineer-name": "Léa bis", "engineer-email": "lea@ovesys.test"},
    )
    assert response.status_code == 400
    assert "Un ingénieur de ce partenaire a déjà cette adresse e-mail." in text(response)
    assert Engineer.objects.filter(partner=partner).count() == 1


def test_admin_records_a_certification_with_its_computed_expiry(client, partner, partner_admin):
    engineer = Engineer.objects.create(partner=partner, name="Léa Martin")
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "certification",
            "cert-engineer": engineer.pk,
            "cert-course": Course.objects.get(code="NET-ATP").pk,
            "cert-passed_on": "2026-11-02",
        },
        follow=True,
    )
    assert "Certification NET-ATP de Léa Martin enregistrée." in text(response)
    certification = Certification.objects.get(engineer=engineer)
    assert certification.expires_on == date(2028, 11, 1)
    assert "01/11/2028" in text(response)


def test_a_certification_passed_in_the_future_is_refused_in_french(client, partner, partner_admin):
    engineer = Engineer.objects.create(partner=partner, name="Léa Martin")
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "certification",
            "cert-engineer": engineer.pk,
            "cert-course": Course.objects.get(code="NET-ATP").pk,
            "cert-passed_on": "2026-11-27",
        },
    )
    assert response.status_code == 400
    assert "La date d'obtention ne peut pas être dans le futur." in text(response)
    assert not Certification.objects.exists()


def test_a_certification_passed_in_the_future_is_refused_in_english(client, partner, partner_admin):
    engineer = Engineer.objects.create(partner=partner, name="Léa Martin")
    client.force_login(partner_admin)
    in_english(client)
    response = client.post(
        "/programme/team/",
        {
            "action": "certification",
            "cert-engineer": engineer.pk,
            "cert-course": Course.objects.get(code="NET-ATP").pk,
            "cert-passed_on": "2026-12-01",
        },
    )
    assert "The pass date cannot be in the future." in text(response)
    assert not Certification.objects.exists()


def test_a_duplicate_certification_is_refused_and_nothing_changes(client, partner, partner_admin):
    [existing] = certify(partner, "NET-ATP", 1, passed_on=date(2026, 6, 1))
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "certification",
            "cert-engineer": existing.engineer_id,
            "cert-course": existing.course_id,
            "cert-passed_on": "2026-11-20",
        },
    )
    assert response.status_code == 400
    assert (
        "Cet ingénieur détient déjà une certification valide sur cette formation "
        "(jusqu'au 31/05/2028)."
    ) in text(response)
    assert Certification.objects.count() == 1


def test_a_certification_for_another_partners_engineer_is_refused(
    client, partner, partner_admin, other_partner
):
    stranger = Engineer.objects.create(partner=other_partner, name="Étranger")
    client.force_login(partner_admin)
    response = client.post(
        "/programme/team/",
        {
            "action": "certification",
            "cert-engineer": stranger.pk,
            "cert-course": Course.objects.get(code="NET-ATP").pk,
            "cert-passed_on": "2026-11-02",
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text(response)
    assert not Certification.objects.exists()


@pytest.mark.parametrize("role", [PartnerRole.SALES, PartnerRole.ENGINEER])
def test_other_roles_cannot_post_to_the_team(client, partner, role):
    client.force_login(partner_user(partner, role))
    response = client.post("/programme/team/", {"action": "engineer", "engineer-name": "Intrus"})
    assert response.status_code == 403
    assert not Engineer.objects.exists()


# --- Utilisateurs ----------------------------------------------------------------------------------


def test_admin_lists_and_creates_a_partner_user_with_a_role(client, partner, partner_admin):
    client.force_login(partner_admin)
    page = text(client.get("/programme/users/"))
    assert "p.admin" in page
    assert "Administrateur partenaire" in page
    response = client.post(
        "/programme/users/",
        {
            "username": "j.vendeur",
            "first_name": "Jules",
            "last_name": "Vendeur",
            "email": "jules@ovesys.test",
            "role": "sales",
            "password1": "Bleu-Citron-2026",
            "password2": "Bleu-Citron-2026",
        },
        follow=True,
    )
    assert "Le compte j.vendeur a été créé." in text(response)
    membership = Membership.objects.get(user__username="j.vendeur")
    assert membership.partner == partner
    assert membership.role == PartnerRole.SALES
    assert membership.user.check_password("Bleu-Citron-2026")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"password1": "court", "password2": "court"}, "Ce mot de passe est trop court."),
        ({"password2": "Autre-Chose-2026"}, "Les deux mots de passe ne correspondent pas."),
        ({"username": "P.ADMIN"}, "Cet identifiant est déjà utilisé."),
        ({"role": "superuser"}, "Sélectionnez un choix valide."),
    ],
)
def test_creating_a_user_with_bad_input_shows_french_errors_and_creates_nothing(
    client, partner, partner_admin, changes, error
):
    client.force_login(partner_admin)
    data = {
        "username": "j.vendeur",
        "email": "jules@ovesys.test",
        "role": "sales",
        "password1": "Bleu-Citron-2026",
        "password2": "Bleu-Citron-2026",
        **changes,
    }
    users_before = get_user_model().objects.count()
    response = client.post("/programme/users/", data)
    assert response.status_code == 400
    assert error in text(response)
    assert get_user_model().objects.count() == users_before


@pytest.mark.parametrize("role", [PartnerRole.SALES, PartnerRole.ENGINEER])
def test_only_the_admin_manages_users(client, partner, role):
    client.force_login(partner_user(partner, role))
    assert client.get("/programme/users/").status_code == 403


# --- HP approval queue -----------------------------------------------------------------------------


def test_queue_lists_submitted_applications_oldest_first_with_their_age(
    client, programme_manager, partner_admin, partner, other_partner, other_admin
):
    make_expert_ready(partner)
    make_expert_ready(other_partner)
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=PARIS), tick=False):
        submit_application(other_partner, other_admin)
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=PARIS), tick=False):
        submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    page = text(client.get("/hp/accreditations/"))
    assert "2 demandes en attente" in page
    assert page.index("Concurrent SA") < page.index("Ovesys Test")
    assert "10 jours" in page
    assert "2 jours" in page


def test_queue_shows_an_empty_state(client, programme_manager):
    client.force_login(programme_manager)
    assert "Aucune demande en attente : tout est à jour." in text(client.get("/hp/accreditations/"))


def test_detail_shows_the_snapshot_beside_the_live_evaluation_and_what_changed(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    # Since submission, one CI-MASE engineer left: that criterion no longer holds.
    Certification.objects.filter(course__code="CI-MASE").delete()
    client.force_login(programme_manager)
    page = text(client.get(f"/hp/accreditations/{application.pk}/"))
    assert "Demande d'accréditation Expert — Ovesys Test" in page
    assert "Évaluation à la soumission et aujourd'hui" in page
    assert "(au 26/11/2026)" in page
    assert (
        f"Condition remplie{NBSP}: 1 ingénieur certifié Infrastructures convergées Master ASE (1 requis)."
        in page
    )
    assert "Il manque 1 ingénieur certifié Infrastructures convergées Master ASE (0 sur 1)." in page
    assert "1 changement" in page
    assert page.count('class="changed"') == 1
    assert "Validation impossible aujourd'hui" in page


def test_programme_manager_approves_and_the_partner_becomes_expert(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(
        f"/hp/accreditations/{application.pk}/approve/",
        {"approve-comment": "Dossier complet."},
        follow=True,
    )
    assert "Accréditation validée : Ovesys Test passe au niveau Expert." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.APPROVED
    assert application.decision_comment == "Dossier complet."
    assert application.valid_until == date(2027, 11, 25)
    partner.refresh_from_db()
    assert partner.tier.code == "expert"
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="current-tier">Expert<' in page
    assert "Le niveau le plus élevé du programme est atteint." in page


def test_approving_with_an_unmet_criterion_shows_prerequisites_unmet_and_changes_nothing(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    Certification.objects.filter(course__code="3PAR-MASE").first().delete()
    client.force_login(programme_manager)
    response = client.post(f"/hp/accreditations/{application.pk}/approve/", {})
    assert response.status_code == 400
    page = text(response)
    assert (
        "Validation impossible : 1 critère(s) non rempli(s) — Il manque 1 ingénieur certifié 3PAR StoreServ Master ASE (1 sur 2)."
        in page
    )
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"


def test_rejecting_without_a_comment_is_refused_in_french(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(f"/hp/accreditations/{application.pk}/reject/", {"reject-comment": "  "})
    assert response.status_code == 400
    assert "Un refus doit être motivé par un commentaire." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED


def test_programme_manager_rejects_with_a_comment_and_the_partner_reads_it(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(
        f"/hp/accreditations/{application.pk}/reject/",
        {"reject-comment": "Références 3PAR insuffisantes."},
        follow=True,
    )
    assert "Demande refusée : Ovesys Test a été notifié avec votre commentaire." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.REJECTED
    client.force_login(partner_admin)
    page = text(client.get("/programme/accreditations/"))
    assert "Références 3PAR insuffisantes." in page
    assert "Refusée" in page
    # The partner may apply again.
    assert 'data-testid="apply-expert"' in text(client.get("/programme/"))


def test_deciding_twice_shows_the_state_conflict_and_changes_nothing(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    client.post(f"/hp/accreditations/{application.pk}/reject/", {"reject-comment": "Non."})
    response = client.post(f"/hp/accreditations/{application.pk}/approve/", {}, follow=True)
    assert response.redirect_chain == [(f"/hp/accreditations/{application.pk}/", 302)]
    assert "Seule une demande soumise peut être décidée (statut actuel : Refusée)." in text(
        response
    )
    application.refresh_from_db()
    assert application.status == Accreditation.Status.REJECTED


# --- HP programme overview --------------------------------------------------------------------------


def test_overview_counts_partners_per_tier_grace_and_pending(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    submit_application(partner, partner_admin)
    for i in range(3):
        p = PartnerFactory(name=f"Vendeur {i}")
        set_revenue(p, "15000.00")
        set_tier(p, "sell")
    in_grace = PartnerFactory(name="En Grâce SARL")
    set_tier(in_grace, "sell")
    in_grace.grace_until = date(2027, 2, 1)
    in_grace.pending_tier = Tier.objects.get(code="registered")
    in_grace.save(update_fields=["grace_until", "pending_tier"])
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/"))
    assert re.search(r'data-tier="sell">.*?<strong>4</strong>', page)
    assert re.search(r'data-tier="deliver">.*?<strong>1</strong>', page)
    assert 'data-testid="pending">1<' in page
    assert 'data-testid="in-grace-count">1<' in page
    assert "En Grâce SARL" in page
    assert "01/02/2027" in page
    assert eur_fr("15 000,00") in page
    assert eur_fr("12 000,00") in page


def test_overview_filters_by_tier_and_searches_by_name(client, programme_manager):
    for name, tier in [
        ("Alpha Services", "sell"),
        ("Beta Infogérance", "deliver"),
        ("Alpha Réseaux", "deliver"),
    ]:
        set_tier(PartnerFactory(name=name), tier)
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/", {"tier": "deliver"}))
    assert "Beta Infogérance" in page
    assert "Alpha Réseaux" in page
    assert ">Alpha Services<" not in page
    page = text(client.get("/hp/programme/", {"tier": "deliver", "q": "alpha"}))
    assert "Alpha Réseaux" in page
    assert "Beta Infogérance" not in page.split("Partenaires</h2>")[-1]
    page = text(client.get("/hp/programme/", {"q": "zzz"}))
    assert "Aucun partenaire ne correspond à ces critères." in page


def test_overview_paginates_and_keeps_the_filters(client, programme_manager):
    for i in range(30):
        set_tier(PartnerFactory(name=f"Partenaire {i:02d}"), "sell")
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/", {"tier": "sell"}))
    assert "30 partenaires" in page
    assert "Page 1 sur 2" in page
    assert "?tier=sell&amp;page=2" in page or "?tier=sell&page=2" in page
    page = text(client.get("/hp/programme/", {"tier": "sell", "page": "2"}))
    assert "Partenaire 29" in page
    assert "Partenaire 00" not in page.split("Partenaires</h2>")[-1]


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
    with django_assert_num_queries(16):
        assert client.get(url).status_code == 200
    certify(partner, "3PAR-MASE", 20)
    certify(partner, "CI-MASE", 17)
    assert Certification.objects.filter(engineer__partner=partner).count() == 40
    with django_assert_num_queries(16):
        assert client.get(url).status_code == 200


def test_hp_partner_page_query_count_does_not_grow_with_certifications(
    client, partner, programme_manager, django_assert_num_queries
):
    certify(partner, "PL-ASE", 2)
    client.force_login(programme_manager)
    with django_assert_num_queries(16):
        client.get(f"/hp/partners/{partner.pk}/")
    certify(partner, "NET-ATP", 38)
    with django_assert_num_queries(16):
        client.get(f"/hp/partners/{partner.pk}/")


def test_overview_query_count_does_not_grow_with_partners(
    client, programme_manager, django_assert_num_queries
):
    def add_partners(n):
        for _ in range(n):
            p = PartnerFactory()
            set_revenue(p, "11000.00")
            set_tier(p, "sell")
            certify(p, "PL-ASE", 1)

    add_partners(5)
    client.force_login(programme_manager)
    with django_assert_num_queries(15):
        assert client.get("/hp/programme/").status_code == 200
    add_partners(45)
    with django_assert_num_queries(15):
        assert client.get("/hp/programme/").status_code == 200


def test_team_query_count_does_not_grow_with_engineers(
    client, partner, partner_admin, django_assert_num_queries
):
    certify(partner, "PL-ASE", 2)
    client.force_login(partner_admin)
    with django_assert_num_queries(9):
        client.get("/programme/team/")
    certify(partner, "NET-ATP", 30)
    with django_assert_num_queries(9):
        client.get("/programme/team/")


def test_approval_queue_query_count_does_not_grow_with_applications(
    client, programme_manager, django_assert_num_queries
):
    def add_applications(n):
        for _ in range(n):
            p = PartnerFactory()
            make_expert_ready(p)
            submit_application(p, partner_user(p, PartnerRole.ADMIN))

    add_applications(1)
    client.force_login(programme_manager)
    with django_assert_num_queries(7):
        client.get("/hp/accreditations/")
    add_applications(6)
    with django_assert_num_queries(7):
        client.get("/hp/accreditations/")
