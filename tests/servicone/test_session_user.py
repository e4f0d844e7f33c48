"""The session's user, read with its staff roles, membership and partner in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from servicone.access import (
    StaffRole,
    is_cds,
    is_hp_staff,
    membership_of,
    partner_of,
    staff_roles,
    tenant_scope,
    viewer_of,
)
from servicone.session_user import PortalUserBackend, session_user
from tests.partners.factories import staff_user

pytestmark = pytest.mark.django_db


def test_a_partner_member_comes_with_its_membership_and_partner(partner, partner_admin):
    with CaptureQueriesContext(connection) as captured:
        user = session_user(partner_admin.pk)
        assert user == partner_admin
        assert user.username == partner_admin.username
        assert membership_of(user).role == "admin"
        assert partner_of(user) == partner
        assert partner_of(user).name == partner.name
        assert staff_roles(user) == frozenset()
        assert not is_hp_staff(user)
        assert tenant_scope(user) == (False, partner.pk)
    assert len(captured) == 1


def test_hp_staff_come_with_their_roles_and_no_membership(db):
    dispatcher = staff_user(StaffRole.CDS_DISPATCHER, username="cds.disp2")
    dispatcher.groups.add(*staff_user(StaffRole.PROGRAMME_MANAGER, username="pm2").groups.all())
    with CaptureQueriesContext(connection) as captured:
        user = session_user(dispatcher.pk)
        assert staff_roles(user) == {StaffRole.CDS_DISPATCHER, StaffRole.PROGRAMME_MANAGER}
        assert membership_of(user) is None
        assert is_cds(user)
        assert tenant_scope(user) == (True, None)
    assert len(captured) == 1


def test_the_answers_are_those_of_the_queries_they_spare(partner, partner_sales, cds_engineer):
    for person in (partner_sales, cds_engineer):
        fresh = type(person).objects.get(pk=person.pk)  # read the usual way, one query each
        loaded = session_user(person.pk)
        assert staff_roles(loaded) == staff_roles(fresh)
        assert membership_of(loaded) == membership_of(fresh)
        assert tenant_scope(loaded) == tenant_scope(fresh)
        assert viewer_of_user(loaded) == viewer_of_user(fresh)
        assert {f.attname: getattr(loaded, f.attname) for f in loaded._meta.concrete_fields} == {
            f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields
        }


def viewer_of_user(user):
    request = RequestFactory().get("/")
    request.user = user
    return viewer_of(request)


def test_no_user_for_an_unknown_id_an_id_that_is_no_number_or_an_inactive_user(partner_admin):
    backend = PortalUserBackend()
    assert backend.get_user(999_999_999) is None
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(partner_admin.pk) == partner_admin
    partner_admin.is_active = False
    partner_admin.save(update_fields=["is_active"])
    assert backend.get_user(partner_admin.pk) is None


def test_a_page_reads_its_viewer_with_the_user(client, partner_admin):
    client.force_login(partner_admin)
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/notifications/").status_code == 200
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    # Neither the groups nor the membership are read on their own any more.
    assert 'FROM "auth_group"' not in tables
    assert 'FROM "partners_membership"' not in tables


def test_a_session_opened_before_this_release_stays_open(client, partner_admin):
    client.force_login(partner_admin, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/notifications/").status_code == 200
    client.force_login(partner_admin)  # a new log-in names the portal's backend
    assert client.session["_auth_user_backend"] == "servicone.session_user.PortalUserBackend"
