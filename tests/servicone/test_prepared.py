"""``servicone.prepared``: hot hand-written statements planned once per kept connection."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.selectors import entitlement_rows, entitlements_for_serial
from servicone import prepared
from servicone.session_user import session_user
from tests.conftest import token_client
from tests.servicone.factories import key_client, make_api_key
from tests.tickets.factories import covered_asset
from tickets.routing_facts import opening_coverage


def test_placeholders_are_numbered_in_order():
    assert prepared.numbered("SELECT %s, %s WHERE a = %s") == "SELECT $1, $2 WHERE a = $3"
    for sql in ("SELECT 100%%", "SELECT %(name)s", "SELECT '5%'"):
        with pytest.raises(ValueError, match="only %s placeholders"):
            prepared.numbered(sql)


@pytest.mark.django_db
def test_statements_run_as_they_are_where_nothing_is_prepared(partner_admin):
    # SQLite, or a connection opened for each request (CONN_MAX_AGE 0): no PREPARE.
    assert prepared.prepares(connection) is False
    with connection.cursor() as cursor:
        prepared.execute(cursor, "servicone_test", "SELECT %s + %s", [1, 2])
        assert cursor.fetchone() == (3,)
    assert session_user(partner_admin.pk) == partner_admin


def _prepared_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_kept_connection_prepares_once_and_reads_the_same_rows(
    partner, partner_admin, monkeypatch, django_assert_num_queries
):
    api = token_client(partner_admin)
    keyed = key_client(make_api_key(partner)[1])
    asset = covered_asset(partner)
    today = timezone.localdate()
    plain_coverage = opening_coverage(asset, on=today)
    plain_user = session_user(partner_admin.pk)
    plain_rows = {
        scope: entitlement_rows(asset.serial_number, partner_id=scope, on=today)
        for scope in (partner.pk, None, partner.pk + 1000)
    }
    assert len(plain_rows[partner.pk]) == 1
    assert plain_rows[None] == plain_rows[partner.pk]
    assert plain_rows[partner.pk + 1000] == []
    plain_coverages = entitlements_for_serial(asset.serial_number, partner_id=partner.pk, on=today)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 300)
    assert prepared.prepares(connection) is True
    for _ in range(7):  # past PostgreSQL's five custom plans: its generic plan too
        with django_assert_num_queries(1):  # EXECUTE; the PREPARE is the connection's setup
            coverage = opening_coverage(asset, on=today)
        assert coverage.pk == plain_coverage.pk
        assert coverage.contract.offering == plain_coverage.contract.offering
        assert (coverage.routing_certified, coverage.routing_expert_rank) == (
            plain_coverage.routing_certified,
            plain_coverage.routing_expert_rank,
        )
        user = session_user(partner_admin.pk)
        assert user == plain_user
        assert user.username == plain_user.username
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/me/").status_code == 200
        assert queries[0]["sql"].startswith("EXECUTE servicone_user_by_token(")  # the token
        with CaptureQueriesContext(connection) as queries:
            response = keyed.get(f"/api/v1/entitlements/?serial={asset.serial_number}")
        assert response.status_code == 200
        assert [row["contract"] for row in response.json()] == [
            row.contract_id for row in plain_rows[partner.pk]
        ]
        statements = [query["sql"].split("(")[0] for query in queries]
        # Between them, on the key's first use only: the UPDATE of its last use.
        assert statements[0] == "EXECUTE servicone_user_by_api_key"
        assert statements[-1] == "EXECUTE servicone_entitlements"
        for scope, rows in plain_rows.items():  # a partner's, HP's (NULL), another's
            with django_assert_num_queries(1):
                assert entitlement_rows(asset.serial_number, partner_id=scope, on=today) == rows
        with django_assert_num_queries(1):
            coverages = entitlements_for_serial(asset.serial_number, partner_id=None, on=today)
            assert [(c.pk, c.contract.offering.code, c.asset.site.name) for c in coverages] == [
                (c.pk, c.contract.offering.code, c.asset.site.name) for c in plain_coverages
            ]
    assert {
        "servicone_entitlements",
        "servicone_opening_coverage",
        "servicone_serial_coverages",
        "servicone_session_user",
        "servicone_user_by_api_key",
        "servicone_user_by_token",
    } <= _prepared_names()
    with connection.cursor() as cursor:
        prepared.execute(cursor, "servicone_test", "SELECT %s::int + %s::int", [1, 2])
        assert cursor.fetchone() == (3,)
    with pytest.raises(ValueError, match="not a statement name"), connection.cursor() as cursor:
        prepared.execute(cursor, "no such name!", "SELECT 1", [])


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_column_added_to_the_users_keeps_the_prepared_user_statements_working(
    partner, partner_admin, monkeypatch
):
    # A migration that adds a column to the users' table, while web processes hold their
    # connections: the statements name their columns, so their result type stays the same
    # (with "u.*", PostgreSQL refuses a prepared statement whose result type changed).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 300)
    api = token_client(partner_admin)
    keyed = key_client(make_api_key(partner)[1])
    for client in (api, keyed):
        assert client.get("/api/v1/me/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute('ALTER TABLE "auth_user" ADD COLUMN "servicone_test_extra" integer')
    for client in (api, keyed):
        response = client.get("/api/v1/me/")
        assert response.status_code == 200, response.content
