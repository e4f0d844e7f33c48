"""The team page (engineers, certifications) and the partner's users page."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from partners.models import (
    Certification,
    Course,
    Engineer,
    Membership,
)
from servicone.access import PartnerRole
from tests.partners.factories import partner_user
from tests.partners.pages import (
    PARIS,
    certify,
    in_english,
    text,
)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


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
        ({"username": "P.ADMIN"}, "Cet identifiant n'est pas disponible : choisissez-en un autre."),
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


# --- Query counts ---------------------------------------------------------------------------------


def test_team_query_count_does_not_grow_with_engineers(
    client, partner, partner_admin, django_assert_num_queries
):
    certify(partner, "PL-ASE", 2)
    client.force_login(partner_admin)
    with django_assert_num_queries(7):
        client.get("/programme/team/")
    certify(partner, "NET-ATP", 30)
    with django_assert_num_queries(7):
        client.get("/programme/team/")
