"""Token authentication: what DRF's gives, from one fixed statement."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DrfTokenAuthentication
from rest_framework.authtoken.models import Token

from servicone.api.authentication import TokenAuthentication


def drf_answer(key: str):
    try:
        return DrfTokenAuthentication().authenticate_credentials(key)
    except exceptions.AuthenticationFailed as error:
        return str(error.detail)


def ours(key: str):
    try:
        return TokenAuthentication().authenticate_credentials(key)
    except exceptions.AuthenticationFailed as error:
        return str(error.detail)


def test_a_token_gives_its_user_fully_loaded_in_one_query(partner_admin, django_assert_num_queries):
    key = Token.objects.create(user=partner_admin).key

    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate_credentials(key)
        assert token.user is user
        assert (token.pk, token.user_id) == (key, partner_admin.pk)
    expected, _ = drf_answer(key)
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [getattr(user, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert user.date_joined.tzinfo is not None  # converted like the ORM does
    assert token.created == Token.objects.get(key=key).created  # deferred, still readable


@pytest.mark.parametrize("case", ["unknown", "inactive"])
def test_an_unknown_key_or_an_inactive_user_is_refused_as_drf_refuses_it(partner_admin, case):
    key = Token.objects.create(user=partner_admin).key
    if case == "unknown":
        key = "0" * 40
    else:
        partner_admin.is_active = False
        partner_admin.save()

    answer = ours(key)

    assert isinstance(answer, str)
    assert answer == drf_answer(key)


def test_the_api_authenticates_with_this_class(admin_api, partner_admin, monkeypatch):
    calls = []
    original = TokenAuthentication.authenticate_credentials

    def spy(self, key):
        calls.append(key)
        return original(self, key)

    monkeypatch.setattr(TokenAuthentication, "authenticate_credentials", spy)

    assert admin_api.get("/api/v1/me/").json()["username"] == partner_admin.username
    assert len(calls) == 1


def test_the_token_query_brings_the_tenant_scope_so_scoping_needs_no_query(
    partner_admin, programme_manager, django_assert_num_queries
):
    from rest_framework.authtoken.models import Token

    from servicone.access import tenant_scope
    from servicone.api.authentication import TokenAuthentication

    for user, scope in (
        (partner_admin, (False, partner_admin.membership.partner_id)),
        (programme_manager, (True, None)),
    ):
        key = Token.objects.get_or_create(user=user)[0].key
        with django_assert_num_queries(1):
            authenticated, _token = TokenAuthentication().authenticate_credentials(key)
            assert tenant_scope(authenticated) == scope
