"""What the programme endpoints share: who may write, and whose a new row is."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request

from partners.models import Partner
from servicone.access import is_partner_admin, is_programme_manager, partner_of
from servicone.api.permissions import WritesAfterTenantLookup


class ProgrammeManagerWrites(WritesAfterTenantLookup):
    """Writes for HP programme managers."""

    message = _("Seul un responsable programme HP peut faire cela.")

    def allowed(self, user: Any) -> bool:
        return is_programme_manager(user)


class PartnerAdminOrProgrammeManagerCreates(WritesAfterTenantLookup):
    """Creation by the partner's admin or a programme manager (detail actions decide on the object)."""

    message = _(
        "Seul l'administrateur du partenaire ou un responsable programme HP peut faire cela."
    )
    check_objects = False

    def allowed(self, user: Any) -> bool:
        return is_programme_manager(user) or is_partner_admin(user)


def _partner_for_creation(request: Request, given: Partner | None) -> Partner:
    """The partner a new row belongs to: the caller's own, or the one HP staff named."""
    if is_programme_manager(request.user):
        if given is None:
            raise exceptions.ValidationError(
                {
                    "partner": [
                        exceptions.ErrorDetail(str(_("This field is required.")), code="required")
                    ]
                }
            )
        return given
    # ScopedPrimaryKeyRelatedField already answered 404 for another partner's id.
    own = partner_of(request.user)
    if own is None:  # pragma: no cover - the permission class requires a partner admin
        raise exceptions.PermissionDenied()
    return own
