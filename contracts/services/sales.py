"""Selling: quotes and sales, activation, cancellation, renewal.

Selling checks the partner's tier at sale time, locks the assets it covers so
two sales cannot both cover the same asset, books the revenue that drives
eligibility and re-evaluates the partner's tier in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    DELIVERY_CHOSEN,
    DELIVERY_TIER_REQUIRED,
    Asset,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    DeliveryMode,
    Offering,
    OfferingKind,
)
from contracts.services.common import Actor, end_coverage, ledger_entry, recorded_user
from contracts.services.sale_rules import (
    assets_refusal,
    contract_end,
    covered_line_ids,
    fit_refusal,
    offering_refusal,
    overlap_refusal,
    registration_refusal,
    start_refusal,
    tier_refusal,
)
from partners.models import Partner
from partners.selectors import today as local_today
from partners.services import partner_apply_evaluation
from servicone.audit import audit
from servicone.errors import DomainError, StateConflict
from webhooks.events import event_emit
from webhooks.models import EventType

# --- Selling -----------------------------------------------------------------------------------


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
        return mode, str(DELIVERY_CHOSEN[DeliveryMode(mode)])
    reason = DELIVERY_TIER_REQUIRED % {"tier": offering.tier_to_deliver.display_name}
    if requested and requested != DeliveryMode.CDS:
        raise DomainError("delivery_mode_not_allowed", reason, field="delivery_mode")
    return DeliveryMode.CDS, str(reason)


def _raise_first(*rules: Callable[[], DomainError | None]) -> None:
    """Run the rules in order (each may query); raise the first refusal."""
    for rule in rules:
        refusal = rule()
        if refusal is not None:
            raise refusal


def _lock_assets(assets: Sequence[Asset]) -> list[Asset]:
    # Locked in id order so that two sales on overlapping asset sets cannot deadlock.
    ids = sorted({a.pk for a in assets})
    return list(
        Asset.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("product_line")
        .order_by("pk")
    )


@transaction.atomic
def contract_sell(
    *,
    partner: Partner,
    customer: Customer,
    offering: Offering,
    assets: Sequence[Asset],
    starts_on: date,
    actor: Actor,
    delivery_mode: str | None = None,
    quote: bool = False,
    today: date | None = None,
) -> Contract:
    """Sell ``offering`` to ``customer`` covering ``assets`` from ``starts_on``.

    Refuses (``DomainError``, nothing written): a tier that may not sell it
    (``tier_not_allowed``), a customer or asset of another partner, a product
    line the offering does not cover, an asset whose registration is not confirmed
    (held for HP's arbitration or rejected: ``asset_not_confirmed``), coverage
    overlapping an active contract of the same kind (``coverage_overlap``), a start in
    the past.
    """
    today = today or local_today()
    partner = (
        Partner.objects.select_for_update(of=("self",)).select_related("tier").get(pk=partner.pk)
    )
    if customer.partner_id != partner.pk:
        raise DomainError("not_found", _("Client introuvable."), field="customer")
    # The rules the sell flow's steps check too (sale_rules), in the order they were always
    # checked; the assets' ones on the rows locked for this sale.
    _raise_first(
        lambda: offering_refusal(offering),
        lambda: tier_refusal(partner, offering),
        lambda: start_refusal(starts_on, today=today),
        lambda: assets_refusal(offering, assets),
    )
    locked = _lock_assets(assets)
    ends_on = contract_end(offering, starts_on)
    _raise_first(
        lambda: fit_refusal(customer, locked, covered_line_ids(offering)),
        lambda: registration_refusal(locked),
        lambda: overlap_refusal(
            assets=locked, kind=offering.kind, starts_on=starts_on, ends_on=ends_on
        )
        if offering.covers_assets
        else None,
    )

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
        sold_by=recorded_user(actor),
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
        ledger_entry(
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
        event_emit(type=EventType.CONTRACT_SOLD, partner_id=partner.pk, resource_id=contract.pk)
        # The sale counts at once: the tier is re-evaluated (as of today) in this transaction.
        partner_apply_evaluation(partner=partner)
    return contract


@transaction.atomic
def contract_activate(*, contract: Contract, actor: Actor, today: date | None = None) -> Contract:
    """A quote becomes a sale: same checks as selling (tier, registrations, overlap) at
    activation time."""
    today = today or local_today()
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offering", "partner__tier")
        .get(pk=contract.pk)
    )
    if locked.status != Contract.Status.QUOTE:
        raise StateConflict("invalid_status", _("Seul un devis peut être activé."))
    offering = locked.offering
    _raise_first(lambda: tier_refusal(locked.partner, offering, at_activation=True))
    assets = _lock_assets(list(locked.assets.all()))
    # An asset HP gave to another partner since the quote was written cannot be covered.
    _raise_first(
        lambda: registration_refusal(assets),
        lambda: overlap_refusal(
            assets=assets,
            kind=offering.kind,
            starts_on=locked.starts_on,
            ends_on=locked.ends_on,
            exclude=locked.pk,
        )
        if offering.covers_assets
        else None,
    )
    locked.status = Contract.Status.ACTIVE
    locked.booked_on = today
    locked.save(update_fields=["status", "booked_on"])
    locked.coverages.update(is_active=True)
    if offering.kind == OfferingKind.PROACTIVE_CREDITS:
        ledger_entry(
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
    event_emit(type=EventType.CONTRACT_SOLD, partner_id=locked.partner_id, resource_id=locked.pk)
    partner_apply_evaluation(partner=locked.partner)
    return locked


@transaction.atomic
def contract_cancel(
    *, contract: Contract, actor: Actor, reason: str, today: date | None = None
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
    end_coverage(locked, actor=actor, credits_reference=gettext("annulation"))
    audit(
        action="contract.cancel",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        number=locked.number,
        reason=reason.strip(),
    )
    event_emit(
        type=EventType.CONTRACT_CANCELLED, partner_id=locked.partner_id, resource_id=locked.pk
    )
    if was_sold:
        partner_apply_evaluation(partner=locked.partner)
    return locked


@transaction.atomic
def contract_renew(*, contract: Contract, actor: Actor, today: date | None = None) -> Contract:
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
