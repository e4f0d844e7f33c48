"""Opening a ticket through the API: the asset named by its id or by its serial number."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from contracts.models import Asset
from servicone.access import tenant_scope
from servicone.api.tenancy import ScopedPrimaryKeyRelatedField
from tickets import selectors
from tickets.api.serializers.tickets import TicketDetailSerializer
from tickets.models import Kind, Ticket

_ASSET_OR_SERIAL = _(
    "Indiquez l'équipement : son identifiant (asset) ou son numéro de série (serial)."
)
_NOT_BOTH = _(
    "Indiquez l'équipement par son identifiant (asset) ou par son numéro de série (serial), "
    "pas les deux."
)
_AMBIGUOUS_SERIAL = _(
    "Plusieurs équipements portent le numéro de série « %(serial)s » (constructeurs : "
    "%(vendors)s) : indiquez celui concerné par son identifiant (asset : %(ids)s)."
)
_SERIAL_NOT_ENTITLED = _(
    "Aucun équipement couvert ne porte le numéro de série « %(serial)s » chez vos clients : "
    "aucun ticket ne peut être ouvert."
)


class TicketOpenSerializer(serializers.Serializer):
    """Opening a ticket; answers with the ticket's full representation.

    The asset is named by its id (``asset``) or, as an integration knows it from the box,
    by its serial number (``serial``): exactly one of the two.
    """

    asset = ScopedPrimaryKeyRelatedField(
        # Joined as opening reads them (tickets.services.ticket_opening skips its reload).
        queryset=Asset.objects.select_related("site", "product_line", "customer"),
        tenant_field="customer__partner",
        required=False,
        help_text="The asset's id: one of the caller's customers' (HP and CDS staff: any). "
        "Another partner's asset: 404. Give `asset` or `serial`, not both.",
    )
    serial = serializers.CharField(
        required=False,
        max_length=64,
        help_text="The asset's serial number instead of its id, read as the ticket page reads "
        "it (surrounding spaces ignored), among the caller's customers' assets (HP and CDS "
        "staff: any). Unknown, another partner's or without active coverage: 400 "
        "`not_entitled` on `serial`; the same serial under two vendors: 400 "
        "`ambiguous_serial` (give `asset`).",
    )
    severity = serializers.IntegerField(
        min_value=1, max_value=4, help_text="1 (critical) to 4 (low)."
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        asset, serial = attrs.get("asset"), attrs.pop("serial", None)
        if asset is None and not serial:
            raise serializers.ValidationError(
                {"asset": [ErrorDetail(str(_ASSET_OR_SERIAL), code="required")]}
            )
        if asset is not None and serial:
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(_NOT_BOTH), code="invalid")]}
            )
        if serial:
            attrs["asset"] = self._asset_by_serial(serial)
            attrs["by_serial"] = True
        return attrs

    def _asset_by_serial(self, serial: str) -> Asset:
        """The one covered asset of the caller's with this serial number, as the page finds it."""
        request = self.context["request"]
        sees_all, partner_id = tenant_scope(request.user)
        found = (
            selectors.lookup_serial(serial, None if sees_all else partner_id)
            if sees_all or partner_id is not None
            else []
        )
        # Only a confirmed registration can be covered; two of them: two vendors' boxes.
        registered = [f for f in found if f.asset.is_confirmed]
        if len(registered) > 1:
            message = _AMBIGUOUS_SERIAL % {
                "serial": serial,
                "vendors": ", ".join(f.asset.get_vendor_display() for f in registered),
                "ids": ", ".join(str(f.asset.pk) for f in registered),
            }
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(message), code="ambiguous_serial")]}
            )
        covered = [f for f in registered if f.applies is not None]
        if not covered:
            message = _SERIAL_NOT_ENTITLED % {"serial": serial}
            raise serializers.ValidationError(
                {"serial": [ErrorDetail(str(message), code="not_entitled")]}
            )
        return covered[0].asset

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        return TicketDetailSerializer(instance, context=self.context).data
