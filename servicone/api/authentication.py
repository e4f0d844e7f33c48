"""Authentication of the API: a person's token or an API key, each read in one statement.

``Authorization: Token <key>`` or ``Authorization: Bearer <key>``, either keyword for
either kind: a key in the ``sok_…`` shape is an API key (``servicone.apikeys``), anything
else a person's token (DRF's ``Token``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Field, ForeignKey, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# DRF's own messages, worded as its TokenAuthentication words them and translated by DRF's
# catalogue: a name makemessages does not collect, so that they stay out of ours.
from django.utils.translation import gettext_lazy as drf_message
from rest_framework import authentication, exceptions

from servicone import apikeys, prepared
from servicone.access import (
    STAFF_GROUPS,
    membership_model,
    remember_membership,
    remember_service_identity,
    remember_tenant_scope,
    scope_columns,
)
from servicone.api.scopes import KeyCredentials, check_key_scope
from servicone.models import ApiKey
from servicone.raw_rows import ModelColumns

KEYWORDS = (b"token", b"bearer")


def _user_relation(token_model: type[Model]) -> tuple[ForeignKey[Any, Any], type[Model]]:
    """The token's ``user`` field (DRF's ``Token``: one-to-one) and the user model it points to."""
    field = token_model._meta.get_field("user")
    if not isinstance(field, ForeignKey) or isinstance(field.related_model, str):
        raise ImproperlyConfigured(f"{token_model.__name__}.user must be a relation to the users.")
    return field, field.related_model


def _column(model: type[Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    if not isinstance(field, Field):
        raise ImproperlyConfigured(f"{model.__name__}.{field_name} must be a column.")
    return field.column


@cache
def _user_by_token_sql(token_model: type[Model]) -> str:
    user_field, user_model = _user_relation(token_model)
    token, user = token_model._meta, user_model._meta
    # Table and column names come from the models, never from the request.
    user_id = f'u."{user.pk.column}"'
    membership = membership_model()._meta.db_table
    # The membership's id and role too: the API's role checks then cost no query.
    return (
        f"SELECT {ModelColumns(user_model).select('u')}, {scope_columns(user_id)}, "  # noqa: S608
        'm."id" AS servicone_membership_id, m."role" AS servicone_role '
        f'FROM "{user.db_table}" u '
        f'INNER JOIN "{token.db_table}" t ON t."{user_field.column}" = {user_id} '
        f'LEFT OUTER JOIN "{membership}" m ON m."user_id" = {user_id} '
        f'WHERE t."{_column(token_model, "key")}" = %s'
    )


@cache
def _user_by_api_key_sql() -> str:
    user_model = ApiKey._meta.get_field("user").related_model
    assert not isinstance(user_model, str)
    key, user = ApiKey._meta, user_model._meta

    def k(field: str) -> str:
        return f'k."{_column(ApiKey, field)}"'

    # Table and column names come from the models, never from the request. The key's
    # state comes as flags computed against the request's time (two placeholders): no
    # column needs a database-specific conversion, the same on SQLite and PostgreSQL.
    return (
        f"SELECT {ModelColumns(user_model).select('u')}, {k('id')} AS servicone_key_id, "  # noqa: S608
        f"{k('key_hash')} AS servicone_key_hash, {k('scopes')} AS servicone_key_scopes, "
        f"{k('partner')} AS servicone_key_partner_id, "
        f"({k('revoked_at')} IS NOT NULL) AS servicone_key_revoked, "
        f"({k('expires_at')} IS NOT NULL AND {k('expires_at')} <= %s) AS servicone_key_expired, "
        f"({k('last_used_at')} IS NULL OR {k('last_used_at')} < %s) AS servicone_key_stale "
        f'FROM "{key.db_table}" k '
        f'INNER JOIN "{user.db_table}" u ON u."{user.pk.column}" = {k("user")} '
        f"WHERE {k('prefix')} = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token|Bearer <key>``: a person's token or an API key, one query each.

    A person's token is answered as DRF answers it, in the same one query.

    DRF loads ``Token.objects.select_related("user").get(key=key)``: compiling that ORM
    query on every API call took longer than running it (0.6 ms against 0.14 ms on
    PostgreSQL). A fixed statement read through ``raw()`` gives the same fully loaded
    user; the token's ``created`` is left deferred (nothing reads it on a request).
    An unknown key or an inactive user goes to DRF's own code for its error.

    An API key is read with its service identity in one statement too (``_api_key``):
    the key's partner is its tenant scope, so scoping costs no query either; the key's
    scopes are checked against the view's area before the view runs.
    """

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() not in KEYWORDS:
            return None
        if len(auth) == 1:
            raise exceptions.AuthenticationFailed(
                drf_message("Invalid token header. No credentials provided.")
            )
        if len(auth) > 2:
            raise exceptions.AuthenticationFailed(
                drf_message("Invalid token header. Token string should not contain spaces.")
            )
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                drf_message(
                    "Invalid token header. Token string should not contain invalid characters."
                )
            ) from None
        if not (key.isascii() and key.isprintable()):
            # No token or key holds one; and PostgreSQL refuses a NUL outright (a 500).
            raise exceptions.AuthenticationFailed(drf_message("Invalid token."))
        prefix = apikeys.prefix_of(key)
        if prefix is None:
            return self.authenticate_credentials(key)
        user, credentials = self._api_key(key, prefix)
        context = getattr(request, "parser_context", None) or {}
        check_key_scope(context.get("view"), request.method, credentials)
        return user, credentials

    def _api_key(self, key: str, prefix: str) -> tuple[Any, KeyCredentials]:
        db = router.db_for_read(ApiKey)
        now = timezone.now()
        adapt = connections[db].ops.adapt_datetimefield_value
        user_model = ApiKey._meta.get_field("user").related_model
        assert not isinstance(user_model, str)
        sql = prepared.statement(
            connections[db], "servicone_user_by_api_key", _user_by_api_key_sql()
        )
        rows = user_model._default_manager.db_manager(db).raw(
            sql, [adapt(now), adapt(now - apikeys.LAST_USED_PRECISION), prefix]
        )
        user: Any = next(iter(rows), None)
        # The same answer for an unknown prefix and a wrong secret: nothing to probe.
        if user is None or not apikeys.digest_matches(key, user.servicone_key_hash):
            raise exceptions.AuthenticationFailed(drf_message("Invalid token."))
        if user.servicone_key_revoked:
            raise exceptions.AuthenticationFailed(
                _("Cette clé d'API a été révoquée."), code="key_revoked"
            )
        if user.servicone_key_expired:
            raise exceptions.AuthenticationFailed(
                _("Cette clé d'API a expiré."), code="key_expired"
            )
        if not user.is_active:
            raise exceptions.AuthenticationFailed(drf_message("User inactive or deleted."))
        key_id, partner_id = user.servicone_key_id, user.servicone_key_partner_id
        remember_service_identity(user, key_id=key_id, partner_id=partner_id)
        if user.servicone_key_stale:
            apikeys.api_key_touch(key_id=key_id, at=now)
        scopes = frozenset(user.servicone_key_scopes.split())
        return user, KeyCredentials(id=key_id, partner_id=partner_id, scopes=scopes)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token_model = self.get_model()
        user_field, user_model = _user_relation(token_model)
        db = router.db_for_read(token_model)
        sql = prepared.statement(
            connections[db], "servicone_user_by_token", _user_by_token_sql(token_model)
        )
        users = user_model._default_manager.db_manager(db).raw(sql, [*STAFF_GROUPS, key])
        # The user row carries the statement's two scope columns as extra attributes.
        user: Any = next(iter(users), None)
        if user is None or not user.is_active:
            return super().authenticate_credentials(key)  # raises AuthenticationFailed
        # The tenant scope came with the user: scoping the request costs no query.
        remember_tenant_scope(
            user, in_staff_group=user.servicone_staff, partner_id=user.servicone_partner_id
        )
        remember_membership(
            user,
            db=db,
            membership_id=user.servicone_membership_id,
            partner_id=user.servicone_partner_id,
            role=user.servicone_role,
        )
        token = token_model.from_db(db, ["key", "user_id"], [key, user.pk])
        # Through the relation's descriptor, as ``token.user = user``: the loaded user is cached.
        setattr(token, user_field.name, user)
        return user, token
