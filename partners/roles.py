"""Who a user is in the portal: a partner's member with a role, or HP staff.

Partner users belong to exactly one partner (the tenant) through a
``Membership``; HP staff roles are Django groups. These helpers are the single
place that answers "which partner, which role" so views and querysets agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from partners.models import Partner


class PartnerRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur partenaire")
    SALES = "sales", _("Commercial")
    ENGINEER = "engineer", _("Ingénieur")


class StaffRole(models.TextChoices):
    PROGRAMME_MANAGER = "programme_manager", _("Responsable programme HP")
    CDS_DISPATCHER = "cds_dispatcher", _("Répartiteur CDS")
    CDS_ENGINEER = "cds_engineer", _("Ingénieur CDS")


STAFF_GROUPS = tuple(StaffRole.values)
CDS_GROUPS = (StaffRole.CDS_DISPATCHER.value, StaffRole.CDS_ENGINEER.value)


def _cached(user: AbstractBaseUser | AnonymousUser, attr: str, compute):  # type: ignore[no-untyped-def]
    # Roles are read many times per request; the user object lives as long as it.
    if not hasattr(user, attr):
        setattr(user, attr, compute())
    return getattr(user, attr)


def staff_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "_servicone_staff_roles",
        lambda: frozenset(user.groups.filter(name__in=STAFF_GROUPS).values_list("name", flat=True)),  # type: ignore[union-attr]
    )


def is_hp_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    """HP staff see every partner's data (what their role allows)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or staff_roles(user))  # type: ignore[union-attr]


def is_programme_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or StaffRole.PROGRAMME_MANAGER in staff_roles(user))  # type: ignore[union-attr]


def is_cds(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or staff_roles(user) & set(CDS_GROUPS))  # type: ignore[union-attr]


def membership_of(user: AbstractBaseUser | AnonymousUser):  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return None

    def load():  # type: ignore[no-untyped-def]
        from partners.models import Membership

        return Membership.objects.select_related("partner").filter(user=user).first()

    return _cached(user, "_servicone_membership", load)


def partner_of(user: AbstractBaseUser | AnonymousUser) -> Partner | None:
    membership = membership_of(user)
    return membership.partner if membership else None


def partner_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def is_partner_admin(
    user: AbstractBaseUser | AnonymousUser, partner: Partner | None = None
) -> bool:
    membership = membership_of(user)
    if membership is None or membership.role != PartnerRole.ADMIN:
        return False
    return partner is None or membership.partner_id == partner.pk


def roles_of(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """Role codes as the API's ``me/`` lists them: partner role, then staff groups."""
    roles: list[str] = []
    role = partner_role(user)
    if role:
        roles.append(role)
    roles.extend(sorted(staff_roles(user)))
    return roles


# Written out rather than compiled by the ORM on every call: on the serial look-up (the
# API's hot path) compiling the Exists/Subquery version cost more than the whole look-up.
# Only placeholders and a column reference are interpolated (one placeholder per staff
# group); the API's token authentication reads the same two columns with the user.
def scope_columns(user_ref: str) -> str:
    """``servicone_staff, servicone_partner_id`` of user ``user_ref`` (placeholder or column)."""
    groups = ", ".join(["%s"] * len(STAFF_GROUPS))
    return (
        'EXISTS (SELECT 1 FROM "auth_user_groups" ug '  # noqa: S608 (placeholders, a column)
        'INNER JOIN "auth_group" g ON g."id" = ug."group_id" '
        f'WHERE ug."user_id" = {user_ref} AND g."name" IN ({groups})) AS servicone_staff, '
        '(SELECT m."partner_id" FROM "partners_membership" m '
        f'WHERE m."user_id" = {user_ref}) AS servicone_partner_id'
    )


_SCOPE_SQL = "SELECT " + scope_columns("%s")
_SCOPE_ATTR = "_servicone_tenant_scope"


def remember_tenant_scope(user: Any, *, in_staff_group: bool, partner_id: int | None) -> None:
    """Cache what ``tenant_scope`` answers, read along with the user (API authentication)."""
    setattr(user, _SCOPE_ATTR, (True, None) if in_staff_group else (False, partner_id))


def tenant_scope(user: AbstractBaseUser | AnonymousUser) -> tuple[bool, int | None]:
    """``(sees_all, partner_id)``: what ``is_hp_staff`` and ``partner_of`` say, in one query.

    Those cost a query each (and load the partner); this answers with ids only:
    ``(True, None)`` for HP staff, ``(False, partner_id)`` for a partner's member,
    ``(False, None)`` for anyone else. No query for an anonymous user or a superuser.
    """
    if not user.is_authenticated or not user.is_active:
        return False, None
    if user.is_superuser:  # type: ignore[union-attr]
        return True, None
    if not hasattr(user, _SCOPE_ATTR):
        with connection.cursor() as cursor:
            cursor.execute(_SCOPE_SQL, [user.pk, *STAFF_GROUPS, user.pk])
            in_staff_group, partner_id = cursor.fetchone()
        remember_tenant_scope(user, in_staff_group=in_staff_group, partner_id=partner_id)
    return getattr(user, _SCOPE_ATTR)
