"""Pages: login required, home per role, language switch, password change."""

from __future__ import annotations

import pytest

from servicone.access import PartnerRole, StaffRole
from tests.partners.factories import PASSWORD, partner_user, staff_user


def test_every_page_but_login_redirects_anonymous_users_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_in_french_by_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Connexion au portail partenaires" in response.content.decode()


def test_login_with_a_wrong_password_shows_a_french_error_and_stays_anonymous(
    client, partner_admin
):
    response = client.post("/accounts/login/", {"username": "p.admin", "password": "bad"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_partner_admin_lands_on_the_partner_space_with_the_partners_name(client, partner_admin):
    assert client.login(username="p.admin", password=PASSWORD)
    html = client.get("/").content.decode()
    assert "Espace partenaire — Ovesys Test" in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (PartnerRole.SALES, "Vendez des Care Packs"),
        (PartnerRole.ENGINEER, "Prenez en charge les appels"),
    ],
)
def test_partner_roles_get_their_own_home(client, partner, role, expected):
    client.force_login(partner_user(partner, role))
    assert expected in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (StaffRole.PROGRAMME_MANAGER, "Pilotage du programme ServiceOne"),
        (StaffRole.CDS_DISPATCHER, "Centre de support (CDS)"),
        (StaffRole.CDS_ENGINEER, "Centre de support (CDS)"),
    ],
)
def test_hp_roles_get_their_own_home(client, db, role, expected):
    client.force_login(staff_user(role))
    assert expected in client.get("/").content.decode()


def test_switching_to_english_shows_the_english_page(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert "Partner space — Ovesys Test" in html
    assert 'lang="en"' in html


def test_password_change_page_changes_the_password(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Tr3s-b0n-MotDePasse",
            "new_password2": "Tr3s-b0n-MotDePasse",
        },
    )
    assert response.status_code == 302
    partner_admin.refresh_from_db()
    assert partner_admin.check_password("Tr3s-b0n-MotDePasse")


def test_password_change_refuses_a_wrong_old_password_in_french(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password1": "Tr3s-b0n-MotDePasse",
            "new_password2": "Tr3s-b0n-MotDePasse",
        },
    )
    assert response.status_code == 200
    assert "ancien mot de passe est incorrect" in response.content.decode()
    partner_admin.refresh_from_db()
    assert partner_admin.check_password(PASSWORD)


def test_admin_is_open_to_a_programme_manager(client, programme_manager):
    client.force_login(programme_manager)
    assert client.get("/admin/").status_code == 200


def test_admin_is_closed_to_partner_users(client, partner_admin):
    client.force_login(partner_admin)
    assert client.get("/admin/").status_code == 302
