"""Who a user is: the one-query tenant scope agrees with the role helpers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group

from servicone.access import is_hp_staff, partner_of, tenant_scope


def fresh(user):
    # The role helpers cache their answers on the user object.
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize(
    "who",
    ["partner_admin", "partner_sales", "partner_engineer", "programme_manager", "cds_engineer"],
)
def test_tenant_scope_says_what_the_role_helpers_say(who, request):
    user = request.getfixturevalue(who)
    partner = partner_of(fresh(user))
    sees_all = is_hp_staff(fresh(user))

    assert tenant_scope(fresh(user)) == (sees_all, None if sees_all else partner.pk)


def test_tenant_scope_is_one_query_and_none_for_a_superuser(db, django_assert_num_queries):
    member = get_user_model().objects.create_user("someone", password="x")
    root = get_user_model().objects.create_superuser("root", password="x")

    with django_assert_num_queries(1):
        assert tenant_scope(member) == (False, None)
    with django_assert_num_queries(0):
        assert tenant_scope(root) == (True, None)
        assert tenant_scope(AnonymousUser()) == (False, None)


def test_a_group_that_is_not_hp_staff_sees_only_its_partner(partner_sales):
    partner_sales.groups.add(Group.objects.create(name="newsletter"))

    assert tenant_scope(fresh(partner_sales)) == (False, partner_sales.membership.partner_id)


def test_an_inactive_staff_member_sees_nothing(programme_manager):
    programme_manager.is_active = False
    programme_manager.save()

    assert tenant_scope(fresh(programme_manager)) == (False, None)
    assert is_hp_staff(fresh(programme_manager)) is False
