"""The menus by role: what each person finds in the header, and which item is current."""

from __future__ import annotations

import html
import re

import pytest

from servicone.access import PartnerRole, StaffRole
from tests.contracts.factories import CustomerFactory
from tests.partners.factories import UserFactory, partner_user, staff_user


def main_menu(response) -> list[tuple[str, bool]]:
    """(label, current) of each main menu item."""
    nav = response.content.decode().split('class="mainnav"')[1].split("</nav>")[0]
    return [
        (label.strip(), bool(current))
        for current, label in re.findall(r'<a href="[^"]+"( aria-current="page")?>([^<]+)</a>', nav)
    ]


def account_menu(response) -> list[str]:
    nav = response.content.decode().split('class="accountnav"')[1].split("</nav>")[0]
    return [html.unescape(label.strip()) for label in re.findall(r"<a [^>]+>([^<]+)</a>", nav)]


def labels(response) -> list[str]:
    return [label for label, _current in main_menu(response)]


@pytest.fixture
def people(partner):
    return {
        "admin": partner_user(partner, PartnerRole.ADMIN),
        "sales": partner_user(partner, PartnerRole.SALES),
        "engineer": partner_user(partner, PartnerRole.ENGINEER),
        "pm": staff_user(StaffRole.PROGRAMME_MANAGER),
        "dispatcher": staff_user(StaffRole.CDS_DISPATCHER),
        "cds_engineer": staff_user(StaffRole.CDS_ENGINEER),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }


def test_each_role_has_its_own_main_menu(client, people):
    expected = {
        "admin": [
            "Accueil", "Mon programme", "Équipe", "Accréditations", "Utilisateurs", "Catalogue",
            "Clients", "Contrats", "Tickets", "Fiche de performance",
        ],
        "sales": [
            "Accueil", "Mon programme", "Équipe", "Accréditations", "Catalogue", "Clients",
            "Contrats", "Tickets", "Fiche de performance",
        ],
        "engineer": [
            "Accueil", "Mon programme", "Équipe", "Accréditations", "Tickets",
            "Fiche de performance",
        ],
        "pm": [
            "Accueil", "Programme", "Catalogue", "Clients", "Contrats", "Tickets",
            "Tableau de bord", "Fiches de performance", "Accréditations à valider",
            "Équipements à vérifier",
        ],
        "dispatcher": [
            "Accueil", "Programme", "Catalogue", "Clients", "Contrats", "Tickets",
            "Tableau de bord", "Fiches de performance", "File CDS",
        ],
        # CDS engineers work tickets: no HP programme menus.
        "cds_engineer": ["Accueil", "Tickets", "File CDS"],
    }  # fmt: skip
    for who, menu in expected.items():
        client.force_login(people[who])
        assert labels(client.get("/notifications/")) == menu, who


def test_administration_and_api_are_offered_only_to_who_can_use_them(client, people):
    expected = {
        "admin": [
            "Envoi des notifications", "Mot de passe", "Double authentification", "API",
            "Clés d'API", "Webhooks",
        ],
        "sales": ["Mot de passe", "Double authentification"],
        "engineer": ["Mot de passe", "Double authentification"],
        "pm": [
            "Envoi des notifications", "Mot de passe", "Double authentification",
            "Administration", "API", "Clés d'API", "Webhooks",
        ],
        "dispatcher": ["Envoi des notifications", "Mot de passe", "Double authentification"],
        "cds_engineer": ["Mot de passe", "Double authentification"],
        "superuser": [
            "Envoi des notifications", "Mot de passe", "Double authentification",
            "Administration", "API", "Clés d'API", "Webhooks",
        ],
    }  # fmt: skip
    for who, menu in expected.items():
        client.force_login(people[who])
        assert account_menu(client.get("/")) == menu, who


def test_one_item_is_current_at_a_time_in_the_sell_flow_and_elsewhere(client, people, partner):
    customer = CustomerFactory(partner=partner)
    pages = {
        "admin": {
            f"/contracts/sell/assets/?customer={customer.pk}": "Contrats",
            "/contracts/": "Contrats",
            "/customers/": "Clients",
            "/programme/team/": "Équipe",
            "/programme/": "Mon programme",
            "/": "Accueil",
            "/tickets/new/": "Tickets",
        },
        "dispatcher": {"/tickets/cds/": "File CDS", "/tickets/": "Tickets"},
        "pm": {
            "/hp/accreditations/": "Accréditations à valider",
            "/reports/programme/": "Tableau de bord",
        },
    }
    for who, by_path in pages.items():
        client.force_login(people[who])
        for path, label in by_path.items():
            response = client.get(path)
            assert response.status_code == 200, path
            current = [item for item, is_current in main_menu(response) if is_current]
            assert current == [label], (who, path, current)


def test_the_menu_button_and_its_script_are_there_and_nothing_is_inline(client, people):
    client.force_login(people["sales"])
    body = client.get("/").content.decode()
    assert re.search(
        r'<button type="button" class="menu-toggle" aria-controls="site-menu" aria-expanded="false"',
        body,
    )
    assert 'id="site-menu"' in body
    assert re.search(r'<script src="/static/servicone/menu\.js" defer></script>', body)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)  # no inline script
    assert " style=" not in body


def test_the_menus_read_in_english(client, people):
    client.force_login(people["pm"])
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert labels(response)[:3] == ["Home", "Programme", "Catalogue"]
    assert "Two-factor authentication" in account_menu(response)
    assert ">Menu<" in response.content.decode()
