from __future__ import annotations

import factory

from contracts.models import Asset, Customer, Offering, Site
from partners.models import ProductLine
from tests.partners.factories import PartnerFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Client {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    city = "Lyon"
    region = ""
    timezone = "Europe/Paris"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    site = factory.SubFactory(SiteFactory)
    customer = factory.LazyAttribute(lambda a: a.site.customer)
    serial_number = factory.Sequence(lambda n: f"CZJ{n:07d}")
    vendor = "hp"
    product_line = factory.LazyFunction(lambda: ProductLine.objects.get(code="proliant"))


def offering(code: str) -> Offering:
    return Offering.objects.get(code=code)


def asset_of(partner, line: str = "proliant", **kwargs) -> Asset:
    """An asset of a new customer of ``partner`` on product line ``line``."""
    site = SiteFactory(customer=CustomerFactory(partner=partner), **kwargs.pop("site_kwargs", {}))
    return AssetFactory(site=site, product_line=ProductLine.objects.get(code=line), **kwargs)


def sell(partner, asset, code: str = "CP-PL-4H-24X7", actor=None, *, starts_on, **kwargs):
    """``asset`` sold to its customer by ``partner`` under offering ``code``, from ``starts_on``
    (``contract_sell``'s other arguments as keywords)."""
    from contracts.services import contract_sell

    return contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering(code),
        assets=[asset],
        starts_on=starts_on,
        actor=actor,
        **kwargs,
    )
