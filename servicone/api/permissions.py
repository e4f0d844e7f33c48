"""Role permissions for the API (see ``partners.roles``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from partners.roles import is_hp_staff, is_partner_admin, is_programme_manager


class IsHPStaff(BasePermission):
    message = "Only HP staff may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_hp_staff(request.user)


class IsProgrammeManager(BasePermission):
    message = "Only an HP programme manager may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_programme_manager(request.user)


class ReadOnlyOrProgrammeManager(BasePermission):
    message = "Only an HP programme manager may change this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_programme_manager(request.user)


class IsPartnerAdminOrStaff(BasePermission):
    message = "Only the partner's administrator or HP staff may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_hp_staff(request.user) or is_partner_admin(request.user)
