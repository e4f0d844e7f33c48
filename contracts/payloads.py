"""Contracts in webhook bodies (``contract.sold``, ``.cancelled``, ``.expiring``), as the API
returns them at ``contracts/{id}/`` (registered by ``ContractsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.api.serializers import ContractSerializer
from contracts.models import Contract
from webhooks.registry import Audience, register


def render_contracts(ids: Sequence[int], audience: Audience) -> dict[int, Any]:
    rows = Contract.objects.select_related("offering", "customer").prefetch_related("assets")
    if audience.partner_id is not None:
        rows = rows.filter(partner_id=audience.partner_id)
    contracts = list(rows.filter(pk__in=ids))
    data = ContractSerializer(contracts, many=True).data
    return {contract.pk: item for contract, item in zip(contracts, data, strict=True)}


def register_renderers() -> None:
    register("contract", render_contracts)
