"""Who is looking: a partner's member with a role, or HP staff; and the page guards.

Partner users belong to exactly one partner (the tenant) through a membership row;
HP staff roles are Django groups. This module is the single place that answers
"which partner, which role", so pages, the API and querysets agree.

The core imports no app: the membership model is named by the setting
``SERVICONE_MEMBERSHIP_MODEL`` (``"partners.Membership"``), the way Django names its
user model, and looked up in the app registry when first needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

    AnyUser = AbstractUser | AnonymousUser
else:
    AnyUser = Any

T = TypeVar("T")
View = Callable[..., HttpResponse]


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
# Who sells on a partner's behalf (the sell flow, customers, the installed base).
SELLING_ROLES = (PartnerRole.ADMIN.value, PartnerRole.SALES.value)
# Who works a partner's tickets (ownership, dispatch, on site, resolution).
WORKING_ROLES = (PartnerRole.ADMIN.value, PartnerRole.ENGINEER.value)


def membership_model() -> type[models.Model]:
    """The model that ties a user to its partner (``SERVICONE_MEMBERSHIP_MODEL``)."""
    return apps.get_model(settings.SERVICONE_MEMBERSHIP_MODEL)


def _cached(user: AnyUser, attr: str, compute: Callable[[], T]) -> T:
    # Roles are read many times per request; the user object lives as long as it.
    if not hasattr(user, attr):
        setattr(user, attr, compute())
    value: T = getattr(user, attr)
    return value


# Where the role helpers cache their answers on the user object (it lives as long as a request).
_STAFF_ROLES_ATTR = "_servicone_staff_roles"
_MEMBERSHIP_ATTR = "_servicone_membership"


def staff_roles(user: AnyUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    groups = user.groups  # an authenticated user is a User, with groups
    return _cached(
        user,
        _STAFF_ROLES_ATTR,
        lambda: frozenset(groups.filter(name__in=STAFF_GROUPS).values_list("name", flat=True)),
    )


def is_hp_staff(user: AnyUser) -> bool:
    """HP staff see every partner's data (what their role allows)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_superuser", False) or staff_roles(user))


def is_programme_manager(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(
        getattr(user, "is_superuser", False) or StaffRole.PROGRAMME_MANAGER in staff_roles(user)
    )


def is_cds(user: AnyUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_superuser", False) or staff_roles(user) & set(CDS_GROUPS))


def may_choose_email_digest(user: AnyUser) -> bool:
    """Managers, whom many notifications reach, may have them e-mailed as a digest:
    partner administrators, CDS dispatchers and HP programme staff (not engineers or sales)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        is_partner_admin(user)
        or is_programme_manager(user)
        or StaffRole.CDS_DISPATCHER in staff_roles(user)
    )


def membership_of(user: AnyUser) -> Any:
    """The user's membership (with its partner loaded), or ``None``."""
    if not user.is_authenticated:
        return None

    def load() -> Any:
        model = membership_model()
        return model._default_manager.select_related("partner").filter(user=user).first()

    return _cached(user, _MEMBERSHIP_ATTR, load)


def partner_of(user: AnyUser) -> Any:
    """The user's partner, or ``None`` (HP staff, users without a role)."""
    membership = membership_of(user)
    return membership.partner if membership else None


def partner_id_of(user: AnyUser) -> int | None:
    """The id of the user's partner, or ``None``; the partner itself is not loaded for it."""
    membership = membership_of(user)
    return membership.partner_id if membership else None


def partner_role(user: AnyUser) -> str | None:
    membership = membership_of(user)
    return membership.role if membership else None


def is_partner_admin(user: AnyUser, partner: Any = None) -> bool:
    membership = membership_of(user)
    if membership is None or membership.role != PartnerRole.ADMIN:
        return False
    return partner is None or membership.partner_id == partner.pk


def roles_of(user: AnyUser) -> list[str]:
    """Role codes as the API's ``me/`` lists them: partner role, then staff groups."""
    roles: list[str] = []
    role = partner_role(user)
    if role:
        roles.append(role)
    roles.extend(sorted(staff_roles(user)))
    return roles


# Written out rather than compiled by the ORM on every call: on the serial look-up (the
# API's hot path) compiling the Exists/Subquery version cost more than the whole look-up.
# Only placeholders, a column reference and table names from the models' metadata are
# interpolated (one placeholder per staff group); the API's token authentication reads
# the same two columns with the user.
def scope_columns(user_ref: str) -> str:
    """``servicone_staff, servicone_partner_id`` of user ``user_ref`` (placeholder or column)."""
    groups = ", ".join(["%s"] * len(STAFF_GROUPS))
    membership = membership_model()._meta.db_table
    return (
        'EXISTS (SELECT 1 FROM "auth_user_groups" ug '  # noqa: S608 (placeholders, a column)
        'INNER JOIN "auth_group" g ON g."id" = ug."group_id" '
        f'WHERE ug."user_id" = {user_ref} AND g."name" IN ({groups})) AS servicone_staff, '
        f'(SELECT m."partner_id" FROM "{membership}" m '
        f'WHERE m."user_id" = {user_ref}) AS servicone_partner_id'
    )


@cache
def _scope_sql() -> str:
    return "SELECT " + scope_columns("%s")


_SCOPE_ATTR = "_servicone_tenant_scope"


def remember_tenant_scope(user: Any, *, in_staff_group: bool, partner_id: int | None) -> None:
    """Cache what ``tenant_scope`` answers, read along with the user (API authentication)."""
    setattr(user, _SCOPE_ATTR, (True, None) if in_staff_group else (False, partner_id))


def remember_membership(
    user: Any, *, db: str, membership_id: int | None, partner_id: int | None, role: str | None
) -> None:
    """Cache what ``membership_of`` answers, read along with the user (API authentication).

    The membership's partner is left to load on first use (most API calls need its id only).
    """
    membership = None
    if membership_id is not None:
        fields = ["id", "user_id", "partner_id", "role"]
        values = [membership_id, user.pk, partner_id, role]
        membership = membership_model().from_db(db, fields, values)
    setattr(user, _MEMBERSHIP_ATTR, membership)


def remember_viewer(user: Any, *, staff_roles: frozenset[str], membership: Any) -> None:
    """Cache the user's staff roles, membership (its partner loaded, or ``None``) and tenant
    scope, read along with the user (``servicone.session_user``)."""
    setattr(user, _STAFF_ROLES_ATTR, staff_roles)
    setattr(user, _MEMBERSHIP_ATTR, membership)
    remember_tenant_scope(
        user,
        in_staff_group=bool(staff_roles),
        partner_id=membership.partner_id if membership is not None else None,
    )


_SERVICE_KEY_ATTR = "_servicone_api_key_id"


def remember_service_identity(user: Any, *, key_id: int, partner_id: int | None) -> None:
    """An API key's service identity (``servicone.apikeys``) takes its owner's admin role.

    A partner key acts as that partner's administrator, an HP key (``partner_id`` None) as
    a programme manager: what every helper here answers for ``user`` from now on, with no
    query and no membership or group row (the identity is nobody's colleague: it is in no
    list of users, receives no notification). The key's scopes limit it further.
    """
    setattr(user, _SERVICE_KEY_ATTR, key_id)
    if partner_id is None:
        setattr(user, _STAFF_ROLES_ATTR, frozenset({StaffRole.PROGRAMME_MANAGER.value}))
        setattr(user, _MEMBERSHIP_ATTR, None)
    else:
        setattr(user, _STAFF_ROLES_ATTR, frozenset())
        membership = membership_model()(user=user, partner_id=partner_id, role=PartnerRole.ADMIN)
        setattr(user, _MEMBERSHIP_ATTR, membership)
    remember_tenant_scope(user, in_staff_group=partner_id is None, partner_id=partner_id)


def is_service_identity(user: AnyUser) -> bool:
    """Whether ``user`` is an API key at work (not a person): keys never manage keys."""
    return getattr(user, _SERVICE_KEY_ATTR, None) is not None


def remembered_tenant_scope(user: AnyUser) -> tuple[bool, int | None] | None:
    """The scope an earlier read left on ``user`` (its API token's query), or ``None``."""
    scope: tuple[bool, int | None] | None = getattr(user, _SCOPE_ATTR, None)
    return scope


def tenant_scope(user: AnyUser) -> tuple[bool, int | None]:
    """``(sees_all, partner_id)``: what ``is_hp_staff`` and ``partner_of`` say, in one query.

    Those cost a query each (and load the partner); this answers with ids only:
    ``(True, None)`` for HP staff, ``(False, partner_id)`` for a partner's member,
    ``(False, None)`` for anyone else. No query for an anonymous user or a superuser.
    """
    if not user.is_authenticated or not user.is_active:
        return False, None
    if getattr(user, "is_superuser", False):
        return True, None
    if not hasattr(user, _SCOPE_ATTR):
        with connection.cursor() as cursor:
            cursor.execute(_scope_sql(), [user.pk, *STAFF_GROUPS, user.pk])
            in_staff_group, partner_id = cursor.fetchone()
        remember_tenant_scope(user, in_staff_group=in_staff_group, partner_id=partner_id)
    scope: tuple[bool, int | None] = getattr(user, _SCOPE_ATTR)
    return scope


# --- The viewer of a page --------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """A partner member (its partner and role) or HP staff (every partner, read only).

    Selectors take a viewer and scope their rows by it first: ``partner_id is None``
    means every partner's rows.
    """

    partner: Any
    role: str | None

    @property
    def is_hp(self) -> bool:
        return self.partner is None

    @property
    def partner_id(self) -> int | None:
        return None if self.partner is None else self.partner.pk

    @property
    def may_sell(self) -> bool:
        return self.role in SELLING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == PartnerRole.ADMIN


def viewer_of(request: HttpRequest) -> Viewer:
    """The request's viewer; anyone with neither a membership nor an HP role gets 403."""
    membership = membership_of(request.user)
    if membership is not None:
        return Viewer(partner=membership.partner, role=membership.role)
    if is_hp_staff(request.user):
        return Viewer(partner=None, role=None)
    raise PermissionDenied


# --- Page guards -------------------------------------------------------------------------


def with_viewer(view: View) -> View:
    """Partner members and HP staff, the view getting the ``Viewer``; anyone else 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, viewer_of(request), *args, **kwargs)

    return wrapped


def seller_required(view: View) -> View:
    """Writes of the sales side: the partner's admins and sales people only.

    Engineers read; HP staff read everything but sell nothing on a partner's behalf.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        viewer = viewer_of(request)
        if not viewer.may_sell:
            raise PermissionDenied
        return view(request, viewer, *args, **kwargs)

    return wrapped


def partner_member_required(view: View) -> View:
    """Partner pages: the caller's own partner only (the view gets the membership)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = membership_of(request.user)
        if membership is None:
            raise PermissionDenied
        return view(request, membership, *args, **kwargs)

    return wrapped


def partner_admin_required(view: View) -> View:
    """The partner's administrators only (the view gets the membership)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = membership_of(request.user)
        if membership is None or membership.role != PartnerRole.ADMIN:
            raise PermissionDenied
        return view(request, membership, *args, **kwargs)

    return wrapped


def hp_staff_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_hp_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def programme_manager_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_programme_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def cds_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_cds(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
