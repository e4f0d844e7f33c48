"""The logged-in user of a page, read with what every page asks of it, in one query.

Django's model backend loads the session's user by its id; the page then asked for the user's
HP staff groups (one query), its membership with its partner (one more) and, on the lists,
its tenant scope (one more). ``PortalUserBackend`` reads them all with the user, in one
hand-written statement, and leaves the answers where ``servicone.access`` looks for them:
``staff_roles``, ``membership_of``, ``partner_of`` and ``tenant_scope`` then run no query for
the rest of the request, as after the API's token authentication.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router

from servicone import prepared
from servicone.access import STAFF_GROUPS, membership_model, remember_viewer
from servicone.raw_rows import ModelColumns, read_row


@cache
def _parts() -> tuple[ModelColumns[Any], ModelColumns[Any], ModelColumns[Any]]:
    membership = membership_model()
    partner: Any = membership._meta.get_field("partner").related_model
    return ModelColumns(get_user_model()), ModelColumns(membership), ModelColumns(partner)


@cache
def _session_user_sql() -> str:
    user, membership, partner = _parts()
    staff = ", ".join(
        'EXISTS (SELECT 1 FROM "auth_user_groups" ug '
        'INNER JOIN "auth_group" g ON g."id" = ug."group_id" '
        'WHERE ug."user_id" = u."id" AND g."name" = %s)'
        for _ in STAFF_GROUPS
    )
    return (
        f"SELECT {user.select('u')}, {membership.select('m')}, {partner.select('p')}, {staff} "  # noqa: S608 (columns and tables of the models)
        f'FROM {user.table} u LEFT OUTER JOIN {membership.table} m ON m."user_id" = u."id" '
        f'LEFT OUTER JOIN {partner.table} p ON p."id" = m."partner_id" '
        'WHERE u."id" = %s'
    )


def session_user(user_id: Any) -> Any:
    """The user of id ``user_id`` with its staff roles, membership and partner, or ``None``."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    database = connections[router.db_for_read(user_model) or DEFAULT_DB_ALIAS]
    with database.cursor() as cursor:
        prepared.execute(cursor, "servicone_session_user", _session_user_sql(), [*STAFF_GROUPS, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    (user, membership, partner), flags = read_row(_parts(), row, database)
    if membership is not None:
        membership.partner = partner
        membership.user = user
    roles = frozenset(group for group, held in zip(STAFF_GROUPS, flags, strict=True) if held)
    remember_viewer(user, staff_roles=roles, membership=membership)
    return user


class PortalUserBackend(ModelBackend):
    """Django's model backend (password log-in, permissions), whose session user comes with
    its roles (``session_user``): a page's viewer costs one query, not three or four."""

    def get_user(self, user_id: Any) -> Any:
        user = session_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
