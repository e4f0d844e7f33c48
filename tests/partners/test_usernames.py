"""Usernames are unique whatever their case, on every way in, and a refusal never says
whose the username is (an HP login, another partner's user)."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from partners.models import Membership
from partners.services import partner_user_create
from servicone.errors import DomainError
from tests.partners.factories import UserFactory

User = get_user_model()
UNAVAILABLE = "Cet identifiant n'est pas disponible : choisissez-en un autre."
NEW_USER = {
    "email": "j.martin@ovesys.test",
    "role": "sales",
    "password": "Tournesol-Bleu-2026",
}


def _users_url(partner) -> str:
    return f"/api/v1/partners/{partner.pk}/users/"


@pytest.mark.parametrize("username", ["hp.pm", "HP.PM", "Hp.Pm", " hp.pm "])
def test_the_service_refuses_an_hp_username_in_any_case_without_saying_whose(
    partner, partner_admin, programme_manager, username
):
    before = (User.objects.count(), Membership.objects.count())
    with pytest.raises(DomainError) as refused:
        partner_user_create(
            partner=partner,
            username=username,
            email="x@example.test",
            password="Un-mot-de-passe-2026",
            role="sales",
            actor=partner_admin,
        )
    assert (refused.value.code, refused.value.field) == ("unique", "username")
    assert str(refused.value.message) == UNAVAILABLE
    assert (User.objects.count(), Membership.objects.count()) == before


@pytest.mark.parametrize("username", ["o.admin", "O.Admin", "hp.pm", "HP.PM"])
def test_the_api_answers_a_generic_unique_for_another_tenants_username_in_any_case(
    admin_api, partner, other_admin, programme_manager, username
):
    before = User.objects.count()

    response = admin_api.post(
        _users_url(partner), {**NEW_USER, "username": username}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"field": "username", "code": "unique", "message": UNAVAILABLE}]
    }
    assert User.objects.count() == before


def test_the_api_message_is_the_same_in_english_and_says_nothing_of_the_owner(
    admin_api, partner, programme_manager
):
    response = admin_api.post(
        _users_url(partner),
        {**NEW_USER, "username": "HP.PM"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    message = response.json()["errors"][0]["message"]
    assert message == "This username is not available: please choose another one."
    assert "exist" not in message


def test_the_api_still_creates_a_free_username_as_written(admin_api, partner, partner_admin):
    response = admin_api.post(
        _users_url(partner), {**NEW_USER, "username": "J.Martin"}, format="json"
    )

    assert response.status_code == 201
    assert User.objects.get(username="J.Martin").membership.partner == partner


def test_the_users_page_refuses_a_case_variant_of_an_hp_login(
    client, partner, partner_admin, programme_manager
):
    client.force_login(partner_admin)
    before = User.objects.count()

    response = client.post(
        "/programme/users/",
        {
            "username": "Hp.Pm",
            "email": "jules@ovesys.test",
            "role": "sales",
            "password1": "Bleu-Citron-2026",
            "password2": "Bleu-Citron-2026",
        },
    )

    assert response.status_code == 400
    assert UNAVAILABLE in response.content.decode().replace("&#x27;", "'")
    assert User.objects.count() == before


def test_the_database_refuses_a_case_variant_whoever_writes_it(db):
    UserFactory(username="admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ADMIN", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="Admin")])
    assert User.objects.filter(username__iexact="admin").count() == 1


def test_a_race_past_the_check_is_still_a_generic_400(partner, partner_admin, monkeypatch):
    """A concurrent request created the variant after the check: the index answers."""
    from partners.services import team

    UserFactory(username="j.martin")
    monkeypatch.setattr(team, "username_taken", lambda username, **_: False)

    with pytest.raises(DomainError) as refused:
        partner_user_create(
            partner=partner,
            username="J.MARTIN",
            email="x@example.test",
            password="Un-mot-de-passe-2026",
            role="sales",
            actor=partner_admin,
        )
    assert (refused.value.code, str(refused.value.message)) == ("unique", UNAVAILABLE)


def test_the_migration_stops_and_names_accounts_that_differ_only_by_case(db):
    """Existing data that the index would refuse: nothing changes, the pairs are named."""
    migration = importlib.import_module("partners.migrations.0005_username_unique_ignoring_case")
    with transaction.atomic():
        # As before the migration: without the index (the test's transaction puts it back).
        with connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX "{migration.INDEX}"')
        UserFactory(username="Admin")
        UserFactory(username="admin")
        UserFactory(username="claire")
        with pytest.raises(RuntimeError) as stopped:
            migration.refuse_existing_duplicates(apps, None)
        transaction.set_rollback(True)
    assert "Admin, admin" in str(stopped.value)
    assert "claire" not in str(stopped.value)


def test_the_migration_lets_distinct_usernames_through(db):
    migration = importlib.import_module("partners.migrations.0005_username_unique_ignoring_case")
    UserFactory(username="admin")
    UserFactory(username="admin2")
    migration.refuse_existing_duplicates(apps, None)


def test_the_legacy_import_refuses_an_admin_email_taken_as_a_username_in_another_case(db, tmp_path):
    UserFactory(username="Claire.Morel@Kervenic.example", email="")
    path = tmp_path / "legacy.csv"
    path.write_text(
        "name;siren;former_programme;declared_revenue_eur;admin_email;admin_first_name;"
        "admin_last_name\n"
        "Kervénic Systèmes;418732053;ASP;12 500,00;claire.morel@kervenic.example;Claire;Morel\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_legacy_partners", str(path), stdout=StringIO(), stderr=err)

    assert "ligne 2, admin_email : un compte utilise déjà l'adresse" in err.getvalue()
    assert User.objects.filter(username__iexact="claire.morel@kervenic.example").count() == 1
