"""API keys for integrations: a partner's (created by its admins) or HP's (programme managers).

A key is a service account, not a person's password. Each key has a user row of its own,
its *service identity* (no password, no membership, no group): it is the actor of what the
key does (audit rows, ticket timelines, idempotency keys, throttling). When a key
authenticates, ``servicone.access.remember_service_identity`` gives that identity the rights
of its owner's administrator — a partner key acts as the partner's admin, an HP key as a
programme manager — so the tenancy and role code answers for it as for a person; its scopes
(``<area>:read`` / ``<area>:write``) then limit which API views it may call
(``servicone.api.scopes``). A key reaches the API only: never the pages, the admin, nor the
management of keys (a person creates and revokes keys).

The key is ``sok_<prefix>_<secret>``: the prefix (public, shown in lists) finds the row,
the SHA-256 of the whole key proves it (a fast hash is right for 256 random bits; compared
in constant time). The key itself is shown once, at creation, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicone.access import (
    AnyUser,
    PartnerRole,
    is_hp_staff,
    is_partner_admin,
    is_programme_manager,
    is_service_identity,
    membership_of,
    tenant_scope,
)
from servicone.audit import audit
from servicone.errors import DomainError, NotAllowed
from servicone.models import ApiKey
from servicone.text import single_line

# --- Scopes ------------------------------------------------------------------------------------


class Area(models.TextChoices):
    """What a key may reach; each API view declares its own (``api_area``)."""

    PROGRAMME = "programme", _("Programme (partenaires, équipe, accréditations)")
    CONTRACTS = "contracts", _("Contrats (catalogue, clients, équipements, contrats)")
    TICKETS = "tickets", _("Tickets et SLA")
    REPORTS = "reports", _("Rapports")
    WEBHOOKS = "webhooks", _("Webhooks")


READ, WRITE = "read", "write"
SCOPES = tuple(f"{area}:{access}" for area in Area.values for access in (READ, WRITE))


def scope_label(scope: str) -> str:
    area, _sep, access = scope.partition(":")
    label = Area(area).label if area in Area.values else area
    access_label = _("écriture") if access == WRITE else _("lecture")
    return f"{label} — {access_label}"


def grants(scopes: Iterable[str], *, area: str, write: bool) -> bool:
    """Whether ``scopes`` let a call of ``area`` through: ``write`` includes ``read``."""
    held = set(scopes)
    if f"{area}:{WRITE}" in held:
        return True
    return not write and f"{area}:{READ}" in held


# --- Key material ------------------------------------------------------------------------------

KEY_MARK = "sok_"
PREFIX_LENGTH = 10
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SECRET_BYTES = 32
# ``last_used_at`` is written at most this often per key: a key calling all day costs one
# write a minute, not one per call.
LAST_USED_PRECISION = timedelta(minutes=1)
SERVICE_USERNAME = "apikey:{prefix}"  # ":" is no username character: no person can take it


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    """The prefix of a key in the ``sok_<prefix>_<secret>`` shape, else ``None``."""
    start, end = len(KEY_MARK), len(KEY_MARK) + PREFIX_LENGTH
    if not key.startswith(KEY_MARK) or len(key) <= end + 1 or key[end] != "_":
        return None
    prefix = key[start:end]
    return prefix if all(c in _PREFIX_ALPHABET for c in prefix) else None


def digest_matches(key: str, stored_digest: str) -> bool:
    return hmac.compare_digest(key_digest(key), stored_digest)


def _new_key() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    return prefix, f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"


# --- Who may do what ---------------------------------------------------------------------------


def may_see_keys(user: AnyUser) -> bool:
    """A partner's admins (its keys) and HP staff (every key); never a key."""
    if is_service_identity(user):
        return False
    return is_partner_admin(user) or is_hp_staff(user)


def may_create_key(user: AnyUser, partner: Any) -> bool:
    """A partner's key by its admins, an HP key by a programme manager; never by a key."""
    if is_service_identity(user):
        return False
    if partner is None:
        return is_programme_manager(user)
    return is_partner_admin(user, partner)


def may_revoke_key(user: AnyUser, key: ApiKey) -> bool:
    """The owner partner's admins; programme managers, any key (a leak is HP's concern too)."""
    if is_service_identity(user):
        return False
    if is_programme_manager(user):
        return True
    membership = membership_of(user)
    return (
        key.partner_id is not None
        and membership is not None
        and membership.role == PartnerRole.ADMIN
        and membership.partner_id == key.partner_id
    )


# --- Reads -------------------------------------------------------------------------------------


def api_keys_visible_to(user: AnyUser) -> QuerySet[ApiKey]:
    """The keys ``user`` may list: its partner's for a partner admin, every key for HP staff."""
    keys = ApiKey.objects.select_related("partner", "created_by", "revoked_by")
    if is_service_identity(user):
        return keys.none()
    sees_all, partner_id = tenant_scope(user)
    if sees_all:
        return keys
    return keys.none() if partner_id is None else keys.filter(partner_id=partner_id)


# --- Writes ------------------------------------------------------------------------------------

_INVALID_SCOPES = _("Choisissez au moins une portée parmi : %(scopes)s.")


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(scope).strip() for scope in scopes))
    if not chosen or any(scope not in SCOPES for scope in chosen):
        raise DomainError(
            "invalid_scope", _INVALID_SCOPES % {"scopes": ", ".join(SCOPES)}, field="scopes"
        )
    return [scope for scope in SCOPES if scope in chosen]  # in the catalogue's order


def api_key_create(
    *,
    name: str,
    partner: Any,
    scopes: Iterable[str],
    expires_at: datetime | None,
    actor: AnyUser,
) -> tuple[ApiKey, str]:
    """Create a key for ``partner`` (``None``: HP) and its service identity; audited.

    Returns the key row and the key itself, which exists nowhere else: show it once.
    """
    if not may_create_key(actor, partner):
        raise NotAllowed(
            "forbidden",
            _("Seuls les administrateurs du partenaire créent ses clés d'API.")
            if partner is not None
            else _("Seuls les responsables programme HP créent les clés d'API HP."),
        )
    label = single_line(name, limit=100)
    if not label:
        raise DomainError("required", _("Donnez un nom à la clé."), field="name")
    chosen = _clean_scopes(scopes)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise DomainError(
            "invalid", _("La date d'expiration doit être dans le futur."), field="expires_at"
        )
    for attempt in range(3):
        prefix, key = _new_key()
        try:
            with transaction.atomic():
                service_user = get_user_model()(
                    username=SERVICE_USERNAME.format(prefix=prefix), first_name=label[:150]
                )
                service_user.set_unusable_password()
                service_user.save()
                row = ApiKey.objects.create(
                    name=label,
                    partner=partner,
                    user=service_user,
                    scopes=" ".join(chosen),
                    prefix=prefix,
                    key_hash=key_digest(key),
                    created_by_id=actor.pk if actor.is_authenticated else None,
                    created_at=now,
                    expires_at=expires_at,
                )
                audit(
                    action="api_key.create",
                    actor=actor,
                    partner=partner,
                    obj=row,
                    name=label,
                    prefix=prefix,
                    scopes=chosen,
                    expires_at=expires_at.isoformat() if expires_at else None,
                )
        except IntegrityError:  # the random prefix is taken: draw another
            if attempt == 2:
                raise
            continue
        return row, key
    raise AssertionError("unreachable")  # pragma: no cover


def api_key_revoke(*, key: ApiKey, actor: AnyUser) -> ApiKey:
    """Revoke ``key`` for good (it answers 401 from now on); audited. Revoking twice is a no-op."""
    if not may_revoke_key(actor, key):
        raise NotAllowed("forbidden", _("Vous ne pouvez pas révoquer cette clé."))
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by_id = actor.pk if actor.is_authenticated else None
            locked.save(update_fields=["revoked_at", "revoked_by"])
            # The identity goes too: nothing authenticates as it any more, whatever the path.
            get_user_model().objects.filter(pk=locked.user_id).update(is_active=False)
            audit(
                action="api_key.revoke",
                actor=actor,
                partner=locked.partner,
                obj=locked,
                name=locked.name,
                prefix=locked.prefix,
            )
    key.revoked_at, key.revoked_by_id = locked.revoked_at, locked.revoked_by_id
    return key


def api_key_touch(*, key_id: int, at: datetime) -> None:
    """Record that the key was used at ``at``, unless it was less than a minute ago.

    A conditional update: two calls in the same minute write once, whoever comes first.
    """
    ApiKey.objects.filter(pk=key_id).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_PRECISION)
    ).update(last_used_at=at)
