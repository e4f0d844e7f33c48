"""Helpers of the catalogue-side API tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.models import Asset, Contract, ContractAsset, Site
from contracts.services import contract_sell
from partners.models import Partner
from tests.contracts.factories import offering

TODAY = date(2026, 3, 2)
API = "/api/v1"


def errors(response: Any) -> list[dict[str, Any]]:
    return response.json()["errors"]


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in errors(response)]


def sell(partner: Partner, assets: list[Asset], code: str = "CP-PL-4H-24X7", **kwargs: Any):
    return contract_sell(
        partner=partner,
        customer=kwargs.pop("customer", None) or assets[0].customer,
        offering=offering(code),
        assets=assets,
        starts_on=kwargs.pop("starts_on", TODAY),
        actor=None,
        **kwargs,
    )


def nothing_sold() -> bool:
    return not Contract.objects.exists() and not ContractAsset.objects.exists()


NEW_CUSTOMER = {
    "name": "Clinique du Parc",
    "siren": "552100554",
    "sites": [
        {"name": "Siège", "city": "Metz", "address": "1 rue Serpenoise", "region": "57"},
        {
            "name": "Saint-Denis",
            "city": "Saint-Denis",
            "region": "974",
            "timezone": "Indian/Reunion",
        },
    ],
}


def new_asset(at: Site, **change: Any) -> dict[str, Any]:
    return {
        "serial_number": " czj1234567 ",
        "product_line": "proliant",
        "vendor": "hp",
        "model": "DL380 Gen11",
        "customer": at.customer_id,
        "site": at.pk,
        **change,
    }


def sale(asset: Asset, code: str = "CP-PL-4H-24X7", **change: Any) -> dict[str, Any]:
    return {
        "offering": offering(code).pk,
        "customer": asset.customer_id,
        "assets": [asset.pk],
        "starts_on": "2026-03-02",
        **change,
    }
