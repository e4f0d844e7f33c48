"""The portal's menus by role: the main menu and the account menu, one current item at most.

Each role sees what it works with: a partner's sales and engineers no API, CDS engineers
no HP programme pages, nobody an « Administration » link to an admin they cannot use.
The current page highlights one item: the one whose address is the longest beginning
of the page's (``/contracts/sell/assets/`` is « Contrats », not « Clients » too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from servicone.access import (
    CDS_GROUPS,
    PartnerRole,
    StaffRole,
    is_cds,
    is_programme_manager,
    may_choose_email_digest,
    partner_role,
    staff_roles,
)


@dataclass(frozen=True)
class MenuItem:
    label: Promise
    url: str
    prefixes: tuple[str, ...]  # the addresses it stands for (beginnings of paths)
    current: bool = False
    testid: str = ""


def _item(label: Promise, name: str, *more: str, exact: bool = False, testid: str = "") -> MenuItem:
    url = reverse(name)
    return MenuItem(label, url, () if exact else (url, *more), testid=testid)


def _hp_programme_staff(user: Any) -> bool:
    """HP staff who work on the programme (not only on tickets): programme managers,
    CDS dispatchers (who back partners up), technical administrators."""
    roles = staff_roles(user)
    return bool(
        getattr(user, "is_superuser", False)
        or StaffRole.PROGRAMME_MANAGER in roles
        or StaffRole.CDS_DISPATCHER in roles
    )


def main_items(user: Any) -> list[MenuItem]:
    """The main menu of ``user``, in reading order."""
    items = [_item(_("Accueil"), "home", exact=True)]
    role = partner_role(user)
    if role is not None:
        items.append(_item(_("Mon programme"), "partners:programme"))
        items.append(_item(_("Équipe"), "partners:team"))
        items.append(_item(_("Accréditations"), "partners:accreditations"))
        if role == PartnerRole.ADMIN:
            items.append(_item(_("Utilisateurs"), "partners:users"))
        if role in (PartnerRole.ADMIN, PartnerRole.SALES):
            items += _sales_items()
        items.append(_item(_("Tickets"), "tickets:queue"))
        items.append(_item(_("Fiche de performance"), "reports:scorecard"))
        return items
    if _hp_programme_staff(user):
        items.append(_item(_("Programme"), "partners:hp-overview", "/hp/partners/"))
        items += _sales_items()
    if _hp_programme_staff(user) or staff_roles(user) & set(CDS_GROUPS):
        items.append(_item(_("Tickets"), "tickets:queue"))
    if _hp_programme_staff(user):
        items.append(_item(_("Tableau de bord"), "reports:programme"))
        items.append(_item(_("Fiches de performance"), "reports:scorecard"))
    if is_cds(user):
        items.append(_item(_("File CDS"), "tickets:cds-queue"))
    if is_programme_manager(user):
        items.append(_item(_("Accréditations à valider"), "partners:hp-queue"))
        items.append(_item(_("Équipements à vérifier"), "contracts:asset-claims"))
    return items


def _sales_items() -> list[MenuItem]:
    return [
        _item(_("Catalogue"), "contracts:catalogue"),
        _item(_("Clients"), "contracts:customers", "/assets/"),
        _item(_("Contrats"), "contracts:list"),
    ]


def may_use_admin(user: Any) -> bool:
    """Who finds something in Django's admin: superusers and staff with a permission there
    (programme managers); CDS staff work in the portal only."""
    if not getattr(user, "is_staff", False) or not user.is_active:
        return False
    return bool(user.is_superuser or is_programme_manager(user))


def may_use_api_docs(user: Any) -> bool:
    """Who builds integrations: a partner's administrator, HP programme staff."""
    return partner_role(user) == PartnerRole.ADMIN or is_programme_manager(user)


def account_items(user: Any) -> list[MenuItem]:
    """The account menu: the person's own settings, and the admin and API where useful."""
    items = []
    if may_choose_email_digest(user):
        items.append(_item(_("Envoi des notifications"), "notification-preferences"))
    items.append(_item(_("Mot de passe"), "password_change"))
    items.append(_item(_("Double authentification"), "two-factor", testid="two-factor-link"))
    if may_use_admin(user):
        items.append(MenuItem(_("Administration"), reverse("admin:index"), ()))
    if may_use_api_docs(user):
        items.append(MenuItem(_("API"), reverse("api-docs"), ()))
        keys = (
            "partners:api-keys"
            if partner_role(user) == PartnerRole.ADMIN
            else "partners:hp-api-keys"
        )
        items.append(_item(_("Clés d'API"), keys))
        items.append(_item(_("Webhooks"), "webhooks:list"))
    return items


def with_current(items: list[MenuItem], path: str) -> list[MenuItem]:
    """Mark the one item the page belongs to: the longest address that begins the path."""
    best: tuple[int, int] | None = None
    for index, item in enumerate(items):
        matched = [len(p) for p in item.prefixes if path.startswith(p)]
        if item.url == path:
            matched.append(len(path) + 1)  # the page itself beats any beginning
        if matched and (best is None or max(matched) > best[0]):
            best = (max(matched), index)
    return [
        MenuItem(i.label, i.url, i.prefixes, best is not None and index == best[1], i.testid)
        for index, i in enumerate(items)
    ]


def menus(user: Any, path: str) -> dict[str, list[MenuItem]]:
    """Both menus of ``user`` on the page at ``path``."""
    return {
        "main": with_current(main_items(user), path),
        "account": with_current(account_items(user), path),
    }
