"""Writes of the catalogue side: customers, sites, assets, contracts, credits.

Selling checks the partner's tier at sale time, locks the assets it covers so
two sales cannot both cover the same asset, books the revenue that drives
eligibility and re-evaluates the partner's tier in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from contracts.models import (
    Asset,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    DeliveryMode,
    Offering,
    OfferingKind,
    Site,
    Vendor,
    validate_region,
    validate_timezone,
)
from partners.eligibility import format_date_fr
from partners.models import Partner, ProductLine
from partners.selectors import today as local_today
from partners.services import partner_apply_evaluation
from servicone.audit import audit
from servicone.errors import DomainError, StateConflict
from servicone.notify import notify, partner_admins

# Renewal reminders, in days before a contract ends (each sent once).
RENEWAL_REMINDER_DAYS = (90, 60, 30)


# --- Customers, sites, assets ---------------------------------------------------------


@transaction.atomic
def customer_create(*, partner: Partner, name: str, siren: str = "", actor: Any) -> Customer:
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


def _validate_site_fields(region: str, tz: str) -> None:
    for field, value, validator in (
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
    timezone_name: str = "Europe/Paris",
    actor: Any,
) -> Site:
    if not name.strip():
        raise DomainError("required", _("Le nom du site est obligatoire."), field="name")
    if not city.strip():
        raise DomainError("required", _("La ville du site est obligatoire."), field="city")
    _validate_site_fields(region, timezone_name)
    site = Site.objects.create(
        customer=customer,
        name=name.strip(),
        city=city.strip(),
        address=address.strip(),
        postal_code=postal_code.strip(),
        region=region,
        timezone=timezone_name,
    )
    audit(action="site.create", actor=actor, partner=customer.partner, obj=site, name=site.name)
    return site


def _check_asset_fields(*, customer: Customer, site: Site, serial_number: str, vendor: str) -> str:
    serial = serial_number.strip().upper()
    if not serial:
        raise DomainError(
            "required", _("Le numéro de série est obligatoire."), field="serial_number"
        )
    if vendor not in Vendor.values:
        raise DomainError(
            "invalid_choice", _("Constructeur inconnu : %(v)s.") % {"v": vendor}, field="vendor"
        )
    if site.customer_id != customer.pk:
        raise DomainError(
            "site_not_of_customer", _("Ce site n'appartient pas à ce client."), field="site"
        )
    return serial


@transaction.atomic
def asset_create(
    *,
    customer: Customer,
    site: Site,
    serial_number: str,
    product_line: ProductLine,
    vendor: str = Vendor.HP,
    model: str = "",
    actor: Any,
) -> Asset:
    serial = _check_asset_fields(
        customer=customer, site=site, serial_number=serial_number, vendor=vendor
    )
    try:
        with transaction.atomic():
            asset = Asset.objects.create(
                customer=customer,
                site=site,
                serial_number=serial,
                vendor=vendor,
                product_line=product_line,
                model=model.strip(),
            )
    except IntegrityError:
        # Never say whose it is: another partner's installed base stays invisible.
        raise DomainError(
            "serial_taken",
            _("Ce numéro de série est déjà enregistré pour ce constructeur."),
            field="serial_number",
        ) from None
    audit(action="asset.create", actor=actor, partner=customer.partner, obj=asset, serial=serial)
    return asset


# --- Selling -----------------------------------------------------------------------------------


def contract_end(offering: Offering, starts_on: date) -> date:
    """Covered through the day before the same date ``duration_months`` later."""
    return starts_on + relativedelta(months=offering.duration_months) - timedelta(days=1)


def contract_price(offering: Offering, asset_count: int) -> Decimal:
    """Care packs are priced per asset; formulas and credits per contract."""
    if offering.kind == OfferingKind.CARE_PACK:
        return offering.list_price_eur * max(asset_count, 1)
    return offering.list_price_eur


def may_deliver(partner: Partner, offering: Offering) -> bool:
    return partner.tier is not None and partner.tier.rank >= offering.tier_to_deliver.rank


def delivery_for(partner: Partner, offering: Offering, requested: str | None) -> tuple[str, str]:
    """The delivery mode and its reason: the partner's choice only where its tier may deliver."""
    if may_deliver(partner, offering):
        mode = requested or DeliveryMode.PARTNER
        if mode not in DeliveryMode.values:
            raise DomainError(
                "invalid_choice", _("Mode de délivrance inconnu."), field="delivery_mode"
            )
        reasons = {
            DeliveryMode.PARTNER: _("Choix du partenaire : délivré par ses ingénieurs."),
            DeliveryMode.CO_DELIVERY: _("Choix du partenaire : co-délivré avec HP."),
            DeliveryMode.CDS: _("Choix du partenaire : confié au CDS."),
        }
        return mode, str(reasons[DeliveryMode(mode)])
    reason = _(
        "Le niveau %(tier)s est requis pour délivrer cette offre : elle est confiée au CDS (HP)."
    ) % {"tier": offering.tier_to_deliver.display_name}
    if requested and requested != DeliveryMode.CDS:
        raise DomainError("delivery_mode_not_allowed", reason, field="delivery_mode")
    return DeliveryMode.CDS, str(reason)


def _lock_assets(assets: Sequence[Asset]) -> list[Asset]:
    # Locked in id order so that two sales on overlapping asset sets cannot deadlock.
    ids = sorted({a.pk for a in assets})
    return list(
        Asset.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("product_line")
        .order_by("pk")
    )


def _check_overlap(
    *,
    assets: Sequence[Asset],
    kind: str,
    starts_on: date,
    ends_on: date,
    exclude: int | None = None,
) -> None:
    clash = (
        ContractAsset.objects.filter(
            asset__in=[a.pk for a in assets],
            kind=kind,
            is_active=True,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        )
        .exclude(contract__status__in=[Contract.Status.CANCELLED, Contract.Status.EXPIRED])
        .select_related("asset", "contract")
    )
    if exclude is not None:
        clash = clash.exclude(contract_id=exclude)
    first = clash.first()
    if first is not None:
        raise DomainError(
            "coverage_overlap",
            _(
                "L'équipement %(serial)s est déjà couvert par le contrat %(number)s jusqu'au %(end)s."
            )
            % {
                "serial": first.asset.serial_number,
                "number": first.contract.number,
                "end": format_date_fr(first.ends_on),
            },
            field="assets",
        )


@transaction.atomic
def contract_sell(
    *,
    partner: Partner,
    customer: Customer,
    offering: Offering,
    assets: Sequence[Asset],
    starts_on: date,
    actor: Any,
    delivery_mode: str | None = None,
    quote: bool = False,
    today: date | None = None,
) -> Contract:
    """Sell ``offering`` to ``customer`` covering ``assets`` from ``starts_on``.

    Refuses (``DomainError``, nothing written): a tier that may not sell it
    (``tier_not_allowed``), a customer or asset of another partner, a product
    line the offering does not cover, coverage overlapping an active contract of
    the same kind (``coverage_overlap``), a start in the past.
    """
    today = today or local_today()
    partner = (
        Partner.objects.select_for_update(of=("self",)).select_related("tier").get(pk=partner.pk)
    )
    if customer.partner_id != partner.pk:
        raise DomainError("not_found", _("Client introuvable."), field="customer")
    if not offering.is_active:
        raise DomainError(
            "offering_inactive", _("Cette offre n'est plus au catalogue."), field="offering"
        )
    rank = partner.tier.rank if partner.tier else -1
    if rank < offering.tier_to_sell.rank:
        raise DomainError(
            "tier_not_allowed",
            _(
                "Le niveau %(needed)s est requis pour vendre « %(offering)s » (votre niveau : %(current)s)."
            )
            % {
                "needed": offering.tier_to_sell.display_name,
                "offering": offering.display_name,
                "current": partner.tier.display_name if partner.tier else "—",
            },
            field="offering",
        )
    if starts_on < today:
        raise DomainError(
            "start_in_past", _("Le contrat ne peut pas commencer dans le passé."), field="starts_on"
        )
    if offering.covers_assets and not assets:
        raise DomainError(
            "required", _("Choisissez au moins un équipement à couvrir."), field="assets"
        )

    locked = _lock_assets(assets)
    covered_lines = set(offering.product_lines.values_list("pk", flat=True))
    for asset in locked:
        if asset.customer_id != customer.pk:
            raise DomainError(
                "asset_not_of_customer",
                _("L'équipement %(s)s n'appartient pas à ce client.") % {"s": asset.serial_number},
                field="assets",
            )
        if asset.product_line_id not in covered_lines:
            raise DomainError(
                "product_line_not_covered",
                _("L'offre ne couvre pas la gamme %(line)s de l'équipement %(serial)s.")
                % {"line": asset.product_line.display_name, "serial": asset.serial_number},
                field="assets",
            )
    ends_on = contract_end(offering, starts_on)
    if offering.covers_assets:
        _check_overlap(assets=locked, kind=offering.kind, starts_on=starts_on, ends_on=ends_on)

    mode, reason = delivery_for(partner, offering, delivery_mode)
    status = Contract.Status.QUOTE if quote else Contract.Status.ACTIVE
    contract = Contract.objects.create(
        # A unique placeholder until the id is known (fits the 20-character column).
        number=f"T-{uuid.uuid4().hex[:16]}",
        partner=partner,
        customer=customer,
        offering=offering,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
        price_eur=contract_price(offering, len(locked)),
        delivery_mode=mode,
        delivery_reason=reason,
        booked_on=None if quote else today,
        sold_by=actor if getattr(actor, "is_authenticated", False) else None,
        credits_balance=0,
    )
    # Readable and unique without a counter table: the year of the start and the row id.
    contract.number = f"SO-{starts_on.year}-{contract.pk:06d}"
    contract.save(update_fields=["number"])
    ContractAsset.objects.bulk_create(
        ContractAsset(
            contract=contract,
            asset=a,
            kind=offering.kind,
            starts_on=starts_on,
            ends_on=ends_on,
            is_active=not quote,
        )
        for a in locked
    )
    if offering.kind == OfferingKind.PROACTIVE_CREDITS and not quote:
        _credit(
            contract,
            CreditEntry.Kind.PURCHASED,
            offering.credits,
            actor=actor,
            reference=contract.number,
        )
    audit(
        action="contract.quote" if quote else "contract.sell",
        actor=actor,
        partner=partner,
        obj=contract,
        number=contract.number,
        offering=offering.code,
        price=f"{contract.price_eur:.2f}",
        assets=[a.serial_number for a in locked],
        delivery_mode=mode,
    )
    if not quote:
        # The sale counts at once: the tier is re-evaluated (as of today) in this transaction.
        partner_apply_evaluation(partner=partner)
    return contract


@transaction.atomic
def contract_activate(*, contract: Contract, actor: Any, today: date | None = None) -> Contract:
    """A quote becomes a sale: same checks as selling (tier, overlap) at activation time."""
    today = today or local_today()
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offering", "partner__tier")
        .get(pk=contract.pk)
    )
    if locked.status != Contract.Status.QUOTE:
        raise StateConflict("invalid_status", _("Seul un devis peut être activé."))
    offering = locked.offering
    rank = locked.partner.tier.rank if locked.partner.tier else -1
    if rank < offering.tier_to_sell.rank:
        raise DomainError(
            "tier_not_allowed",
            _("Le niveau %(needed)s est requis pour vendre cette offre.")
            % {"needed": offering.tier_to_sell.display_name},
        )
    assets = _lock_assets(list(locked.assets.all()))
    if offering.covers_assets:
        _check_overlap(
            assets=assets,
            kind=offering.kind,
            starts_on=locked.starts_on,
            ends_on=locked.ends_on,
            exclude=locked.pk,
        )
    locked.status = Contract.Status.ACTIVE
    locked.booked_on = today
    locked.save(update_fields=["status", "booked_on"])
    locked.coverages.update(is_active=True)
    if offering.kind == OfferingKind.PROACTIVE_CREDITS:
        _credit(
            locked,
            CreditEntry.Kind.PURCHASED,
            offering.credits,
            actor=actor,
            reference=locked.number,
        )
    audit(
        action="contract.activate",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        number=locked.number,
    )
    partner_apply_evaluation(partner=locked.partner)
    return locked


@transaction.atomic
def contract_cancel(
    *, contract: Contract, actor: Any, reason: str, today: date | None = None
) -> Contract:
    """Cancel a quote or an active contract: coverage ends, its revenue stops counting."""
    today = today or local_today()
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=contract.pk)
    )
    if locked.status not in (Contract.Status.QUOTE, Contract.Status.ACTIVE):
        raise StateConflict(
            "invalid_status",
            _("Ce contrat ne peut plus être annulé (statut : %(s)s).")
            % {"s": locked.get_status_display()},
        )
    if not reason.strip():
        raise DomainError("required", _("Indiquez le motif de l'annulation."), field="reason")
    was_sold = locked.status == Contract.Status.ACTIVE
    locked.status = Contract.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at"])
    locked.coverages.update(is_active=False)
    if locked.credits_balance:
        _credit(
            locked,
            CreditEntry.Kind.EXPIRED,
            -locked.credits_balance,
            actor=actor,
            reference=_("annulation"),
        )
    audit(
        action="contract.cancel",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        number=locked.number,
        reason=reason.strip(),
    )
    if was_sold:
        partner_apply_evaluation(partner=locked.partner)
    return locked


@transaction.atomic
def contract_renew(*, contract: Contract, actor: Any, today: date | None = None) -> Contract:
    """The follow-on contract: same offering and assets, starting the day after the end."""
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offering", "customer", "partner")
        .get(pk=contract.pk)
    )
    if locked.status not in (Contract.Status.ACTIVE, Contract.Status.EXPIRED):
        raise StateConflict(
            "invalid_status", _("Seul un contrat actif ou expiré peut être renouvelé.")
        )
    # One renewal per contract (a one-to-one link), even when that renewal was cancelled:
    # sell a new contract instead.
    if Contract.objects.filter(renewed_from=locked).exists():
        raise StateConflict(
            "already_renewed",
            _("Ce contrat a déjà un renouvellement (même annulé) : vendez un nouveau contrat."),
        )
    today = today or local_today()
    starts_on = max(locked.ends_on + timedelta(days=1), today)
    renewal = contract_sell(
        partner=locked.partner,
        customer=locked.customer,
        offering=locked.offering,
        assets=list(locked.assets.all()),
        starts_on=starts_on,
        actor=actor,
        delivery_mode=locked.delivery_mode
        if may_deliver(locked.partner, locked.offering)
        else None,
        today=today,
    )
    renewal.renewed_from = locked
    renewal.save(update_fields=["renewed_from"])
    return renewal


# --- Proactive Select credits ----------------------------------------------------------------------


def _credit(
    contract: Contract,
    kind: str,
    credits: int,
    *,
    actor: Any,
    reference: str = "",
    dedup_key: str = "",
) -> CreditEntry:
    contract.credits_balance += credits
    contract.save(update_fields=["credits_balance"])
    return CreditEntry.objects.create(
        contract=contract,
        kind=kind,
        credits=credits,
        balance_after=contract.credits_balance,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reference=str(reference)[:120],
        dedup_key=dedup_key,
    )


@transaction.atomic
def credits_consume(
    *, contract: Contract, credits: int, actor: Any, reference: str = "", dedup_key: str = ""
) -> CreditEntry:
    """Consume credits for a delivered preventive service; never below zero.

    The contract row is locked, so two consumptions racing see each other's
    result; the CHECK constraint on the balance is the last line of defence.
    ``dedup_key`` (e.g. the ticket) makes a retried consumption a no-op.
    """
    if credits <= 0:
        raise DomainError("invalid", _("Le nombre de crédits doit être positif."), field="credits")
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offering")
        .get(pk=contract.pk)
    )
    if dedup_key:
        existing = CreditEntry.objects.filter(contract=locked, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    if (
        locked.offering.kind != OfferingKind.PROACTIVE_CREDITS
        or locked.status != Contract.Status.ACTIVE
    ):
        raise StateConflict(
            "no_credits", _("Ce contrat n'a pas de crédits Proactive Select actifs.")
        )
    if locked.credits_balance < credits:
        raise DomainError(
            "insufficient_credits",
            _("Solde insuffisant : %(balance)s crédit(s) disponible(s), %(needed)s demandé(s).")
            % {"balance": locked.credits_balance, "needed": credits},
            field="credits",
        )
    entry = _credit(
        locked,
        CreditEntry.Kind.CONSUMED,
        -credits,
        actor=actor,
        reference=reference,
        dedup_key=dedup_key,
    )
    audit(
        action="credits.consume",
        actor=actor,
        partner=None,
        obj=locked,
        credits=credits,
        reference=reference,
    )
    contract.credits_balance = locked.credits_balance
    return entry


# --- Scheduled jobs -----------------------------------------------------------------------------------


def contracts_expire_due(*, today: date | None = None, batch_size: int = 500) -> int:
    """Active contracts past their end become expired; unused credits expire. Idempotent."""
    today = today or local_today()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Contract.Status.ACTIVE, ends_on__lt=today)
                .order_by("ends_on", "pk")[:batch_size]
            )
            for contract in due:
                contract.status = Contract.Status.EXPIRED
                contract.save(update_fields=["status"])
                contract.coverages.update(is_active=False)
                if contract.credits_balance:
                    _credit(
                        contract,
                        CreditEntry.Kind.EXPIRED,
                        -contract.credits_balance,
                        actor=None,
                        reference=_("fin du contrat"),
                    )
                audit(
                    action="contract.expire",
                    actor=None,
                    partner=None,
                    obj=contract,
                    number=contract.number,
                )
        done += len(due)
        if len(due) < batch_size:
            return done


def contracts_send_renewal_reminders(*, today: date | None = None) -> int:
    """Remind the partner 90, 60 and 30 days before an active contract ends, once each."""
    today = today or local_today()
    horizon = today + timedelta(days=max(RENEWAL_REMINDER_DAYS))
    sent = 0
    rows = (
        Contract.objects.filter(
            status=Contract.Status.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=horizon,
            renewal__isnull=True,
        )
        .select_related("partner", "customer", "offering")
        .order_by("ends_on")
    )
    for contract in rows:
        days_left = (contract.ends_on - today).days
        # The smallest threshold not yet passed: a missed day still sends its reminder once.
        threshold = min(d for d in RENEWAL_REMINDER_DAYS if days_left <= d)
        with override(settings.LANGUAGE_CODE), transaction.atomic():
            sent += notify(
                recipients=partner_admins(contract.partner),
                partner=contract.partner,
                kind="contract_renewal",
                dedup_key=f"contract-renewal:{contract.pk}:{threshold}",
                subject=f"ServiceOne : le contrat {contract.number} ({contract.customer.name}) se termine dans {days_left} jours",
                body=(
                    f"Le contrat {contract.number} — {contract.offering.name} — pour {contract.customer.name} "
                    f"se termine le {format_date_fr(contract.ends_on)}. Renouvelez-le depuis le portail pour "
                    "garder les équipements couverts et le chiffre d'affaires qui compte pour votre niveau."
                ),
                link=f"/contracts/{contract.pk}/",
            )
    return sent
