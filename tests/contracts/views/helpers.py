"""Helpers of the sales pages' tests."""

from __future__ import annotations

from datetime import date
from html import unescape

from django.contrib.messages import get_messages

from contracts.services import contract_sell
from partners.models import ProductLine
from tests.contracts.factories import offering

TODAY = date(2026, 11, 26)
NNBSP = "\u202f"
NBSP = "\u00a0"


def eur_fr(text: str) -> str:
    """``"2 900,00 €"`` written with plain spaces -> the page's narrow no-break spaces."""
    amount, _, _sign = text.rpartition(" ")
    return amount.replace(" ", NNBSP) + NBSP + "€"


def sell(partner, assets, code="CP-PL-4H-24X7", starts_on=TODAY, **kwargs):
    assets = assets if isinstance(assets, list) else [assets]
    return contract_sell(
        partner=partner,
        customer=assets[0].customer if assets else kwargs.pop("customer"),
        offering=offering(code),
        assets=assets,
        starts_on=starts_on,
        actor=None,
        **kwargs,
    )


def html(response) -> str:
    """The page's text with entities decoded (« l'équipement », not « l&#x27;équipement »)."""
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def product_line(code):
    return ProductLine.objects.get(code=code)
