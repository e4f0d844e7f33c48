"""Writes of a partner's installed base: end customers, their sites and assets.

A serial number another partner already holds is held for HP's arbitration
(``contracts.models.AssetRegistration``; the decisions are in ``claims``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    Asset,
    AssetRegistration,
    Customer,
    Site,
    Vendor,
    normalise_postal_code,
    validate_postal_code,
    validate_region,
    validate_timezone,
)
from contracts.serials import clean_serial
from contracts.services.claims import claim_held_notice
from contracts.services.common import Actor
from partners.models import Partner, ProductLine
from servicone.audit import audit
from servicone.errors import DomainError

DEFAULT_TIMEZONE = "Europe/Paris"


@transaction.atomic
def customer_create(*, partner: Partner, name: str, siren: str = "", actor: Actor) -> Customer:
    """A new end customer of ``partner``; its name is unique among the partner's customers."""
    name = name.strip()
    if not name:
        raise DomainError(
            "required", _("La raison sociale du client est obligatoire."), field="name"
        )
    if Customer.objects.filter(partner=partner, name__iexact=name).exists():
        raise DomainError(
            "duplicate_customer", _("Vous avez déjà un client de ce nom."), field="name"
        )
    customer = Customer.objects.create(partner=partner, name=name, siren=siren.strip())
    audit(action="customer.create", actor=actor, partner=partner, obj=customer, name=name)
    return customer


def _validate_site_fields(region: str, tz: str, postal_code: str) -> None:
    for field, value, validator in (
        ("postal_code", postal_code, validate_postal_code),
        ("region", region, validate_region),
        ("timezone", tz, validate_timezone),
    ):
        try:
            validator(value)
        except ValidationError as error:
            raise DomainError(error.code or "invalid", error.messages[0], field=field) from None


@transaction.atomic
def site_create(
    *,
    customer: Customer,
    name: str,
    city: str,
    address: str = "",
    postal_code: str = "",
    region: str = "",
    timezone_name: str = DEFAULT_TIMEZONE,
    actor: Actor,
) -> Site:
    """A site of ``customer``: its region picks the public holidays, its time zone the clock.

    The postal code, optional, is French (metropolitan or overseas: ``invalid_postal_code``),
    its spaces dropped ("57 000" is 57000).
    """
    if not name.strip():
        raise DomainError("required", _("Le nom du site est obligatoire."), field="name")
    if not city.strip():
        raise DomainError("required", _("La ville du site est obligatoire."), field="city")
    postal_code = normalise_postal_code(postal_code)
    _validate_site_fields(region, timezone_name, postal_code)
    site = Site.objects.create(
        customer=customer,
        name=name.strip(),
        city=city.strip(),
        address=address.strip(),
        postal_code=postal_code,
        region=region,
        timezone=timezone_name,
    )
    audit(action="site.create", actor=actor, partner=customer.partner, obj=site, name=site.name)
    return site


@dataclass(frozen=True)
class SiteSpec:
    """A site to create with its customer (the arguments of ``site_create``)."""

    name: str
    city: str
    address: str = ""
    postal_code: str = ""
    region: str = ""
    timezone_name: str = DEFAULT_TIMEZONE


def customer_create_with_sites(
    *, partner: Partner, name: str, siren: str = "", sites: Sequence[SiteSpec], actor: Actor
) -> Customer:
    """A new customer with its sites, all or nothing: a refused site leaves no customer.

    A site's refusal names where it is: field ``sites[<index>].<field>`` (``sites[<index>]``
    when the refusal is about the whole site). A concurrent creation of the same name is
    refused like a duplicate (``duplicate_customer``).
    """
    try:
        with transaction.atomic():
            customer = customer_create(partner=partner, name=name, siren=siren, actor=actor)
            for index, site in enumerate(sites):
                try:
                    site_create(
                        customer=customer,
                        name=site.name,
                        city=site.city,
                        address=site.address,
                        postal_code=site.postal_code,
                        region=site.region,
                        timezone_name=site.timezone_name,
                        actor=actor,
                    )
                except DomainError as error:
                    where = f"sites[{index}]"
                    raise DomainError(
                        error.code,
                        error.message,
                        field=f"{where}.{error.field}" if error.field else where,
                    ) from None
    except IntegrityError:  # another request took the name meanwhile
        raise DomainError(
            "duplicate_customer", _("Vous avez déjà un client de ce nom."), field="name"
        ) from None
    return customer


def _check_asset_fields(*, customer: Customer, site: Site, serial_number: str, vendor: str) -> str:
    """The serial number normalised (``contracts.serials``), or a refusal naming the field."""
    serial = clean_serial(serial_number, vendor=vendor if vendor in Vendor.values else None)
    if vendor not in Vendor.values:
        raise DomainError(
            "invalid_choice", _("Constructeur inconnu : %(v)s.") % {"v": vendor}, field="vendor"
        )
    if site.customer_id != customer.pk:
        raise DomainError(
            "site_not_of_customer", _("Ce site n'appartient pas à ce client."), field="site"
        )
    return serial


def _registered_by(partner_id: int, *, vendor: str, serial: str) -> bool:
    """The partner already has this serial (confirmed or held) at one of its customers."""
    return (
        Asset.objects.filter(vendor=vendor, serial_number=serial, customer__partner_id=partner_id)
        .exclude(registration=AssetRegistration.REJECTED)
        .exists()
    )


def _serial_taken() -> DomainError:
    return DomainError(
        "serial_taken",
        _("Ce numéro de série est déjà enregistré pour ce constructeur."),
        field="serial_number",
    )


@transaction.atomic
def asset_create(
    *,
    customer: Customer,
    site: Site,
    serial_number: str,
    product_line: ProductLine,
    vendor: str = Vendor.HP,
    model: str = "",
    actor: Actor,
) -> Asset:
    """An asset at one of ``customer``'s sites.

    The serial number is normalised and checked (``contracts.serials``: ``invalid_serial``).
    A serial number (per vendor) is registered once per partner: registering it again is
    refused (``serial_taken``). When *another* partner already holds it, the registration
    is accepted but held for HP's arbitration (``AssetRegistration.HELD``: not coverable
    until HP staff decide), the answer saying nothing of that partner, and HP's programme
    managers are notified. The first registration of a serial is confirmed at once.
    """
    serial = _check_asset_fields(
        customer=customer, site=site, serial_number=serial_number, vendor=vendor
    )
    fields = {
        "customer": customer,
        "site": site,
        "serial_number": serial,
        "vendor": vendor,
        "product_line": product_line,
        "model": model.strip(),
    }
    try:
        with transaction.atomic():
            asset = Asset.objects.create(**fields, registration=AssetRegistration.CONFIRMED)
    except IntegrityError:
        # Confirmed already: this partner's own (refused), or another partner's (held).
        # Asked only now, so that the usual first registration costs no extra query.
        if _registered_by(customer.partner_id, vendor=vendor, serial=serial):
            raise _serial_taken() from None
        try:
            with transaction.atomic():
                asset = Asset.objects.create(**fields, registration=AssetRegistration.HELD)
        except IntegrityError:  # the same customer's concurrent request won
            raise _serial_taken() from None
        audit(
            action="asset.claim_held",
            actor=actor,
            partner=customer.partner,
            obj=asset,
            serial=serial,
            vendor=vendor,
        )
        claim_held_notice(asset)
        return asset
    audit(action="asset.create", actor=actor, partner=customer.partner, obj=asset, serial=serial)
    return asset
