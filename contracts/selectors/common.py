"""What a viewer may see of customers, assets and contracts, and the coverage in force.

Tenancy first: every read of a page starts from these rows, its own partner's for a
partner's member, every partner's for HP staff (``viewer.partner_id is None``).
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet

from contracts.models import Asset, Contract, ContractAsset, Customer
from servicone.access import Viewer

M = TypeVar("M", bound=models.Model)


def _one(rows: QuerySet[M], pk: int) -> M | None:
    try:
        return rows.get(pk=pk)
    except ObjectDoesNotExist:
        return None


def customers_for(viewer: Viewer) -> QuerySet[Customer]:
    rows = Customer.objects.all()
    return rows if viewer.partner_id is None else rows.filter(partner_id=viewer.partner_id)


def assets_for(viewer: Viewer) -> QuerySet[Asset]:
    rows = Asset.objects.all()
    if viewer.partner_id is None:
        return rows
    return rows.filter(customer__partner_id=viewer.partner_id)


def contracts_for(viewer: Viewer) -> QuerySet[Contract]:
    rows = Contract.objects.all()
    return rows if viewer.partner_id is None else rows.filter(partner_id=viewer.partner_id)


def coverages_in_force(on: date) -> QuerySet[ContractAsset]:
    return ContractAsset.objects.filter(
        is_active=True,
        starts_on__lte=on,
        ends_on__gte=on,
        contract__status=Contract.Status.ACTIVE,
    )


def in_force_prefetch(
    on: date, *, to_attr: str = "in_force"
) -> Prefetch[str, QuerySet[ContractAsset], str]:
    """Each asset's coverage in force on ``on`` as ``asset.<to_attr>``, soonest end first."""
    return Prefetch(
        "coverages",
        queryset=coverages_in_force(on)
        .select_related("contract__offering")
        .order_by("ends_on", "pk"),
        to_attr=to_attr,
    )
