"""The rules a sale must meet, one function each: what ``contract_sell`` refuses, and what
each step of the sell flow checks before the next one, so that a sale the last submit would
refuse is stopped at the step where it went wrong, with the same words.

Each rule answers the ``DomainError`` it would raise, or ``None``; the refusal names its
field (``offering``, ``starts_on``, ``assets``), so a page puts it beside that field and the
API answers it as is. ``sale_refusals`` runs them all, for a step that shows every problem
at once; the services raise the first, in the order ``contract_sell`` always checked them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.models import Asset, AssetRegistration, Contract, ContractAsset, Customer, Offering
from partners.models import Partner
from servicone.errors import DomainError
from servicone.money import format_date_fr

# A sale (or its renewal) starts within this many years: further is a typing error (a year
# 2206), and it keeps the end date computable.
MAX_START_YEARS_AHEAD = 10


def contract_end(offering: Offering, starts_on: date) -> date:
    """Covered through the day before the same date ``duration_months`` later."""
    same_day_later: date = starts_on + relativedelta(months=offering.duration_months)
    return same_day_later - timedelta(days=1)


def offering_refusal(offering: Offering | None) -> DomainError | None:
    """No offering chosen, or one no longer on the catalogue."""
    if offering is None:
        return DomainError("required", _("Choisissez une offre."), field="offering")
    if not offering.is_active:
        return DomainError(
            "offering_inactive", _("Cette offre n'est plus au catalogue."), field="offering"
        )
    return None


def tier_refusal(
    partner: Partner, offering: Offering, *, at_activation: bool = False
) -> DomainError | None:
    """``tier_not_allowed`` unless the partner's tier, read now, may sell ``offering``.

    Selling names the offering and the partner's tier on the offering field; activating
    a quote, whose page names both already, says the tier needed only.
    """
    rank = partner.tier.rank if partner.tier else -1
    if rank >= offering.tier_to_sell.rank:
        return None
    needed = offering.tier_to_sell.display_name
    if at_activation:
        return DomainError(
            "tier_not_allowed",
            _("Le niveau %(needed)s est requis pour vendre cette offre.") % {"needed": needed},
        )
    return DomainError(
        "tier_not_allowed",
        _(
            "Le niveau %(needed)s est requis pour vendre « %(offering)s » (votre niveau : %(current)s)."
        )
        % {
            "needed": needed,
            "offering": offering.display_name,
            "current": partner.tier.display_name if partner.tier else "—",
        },
        field="offering",
    )


def start_refusal(starts_on: date | None, *, today: date) -> DomainError | None:
    """No start, a start in the past, or one more than ``MAX_START_YEARS_AHEAD`` years ahead."""
    if starts_on is None:
        return DomainError(
            "required", _("Indiquez la date de début de la couverture."), field="starts_on"
        )
    if starts_on < today:
        return DomainError(
            "start_in_past", _("Le contrat ne peut pas commencer dans le passé."), field="starts_on"
        )
    latest = today + relativedelta(years=MAX_START_YEARS_AHEAD)
    if starts_on > latest:
        return DomainError(
            "start_too_late",
            _("Le contrat doit commencer au plus tard le %(date)s (dans %(years)s ans).")
            % {"date": date_format(latest, "SHORT_DATE_FORMAT"), "years": MAX_START_YEARS_AHEAD},
            field="starts_on",
        )
    return None


def assets_refusal(offering: Offering, assets: Sequence[Asset]) -> DomainError | None:
    """A care pack or a formula covers at least one asset (credits cover none)."""
    if offering.covers_assets and not assets:
        return DomainError(
            "required", _("Choisissez au moins un équipement à couvrir."), field="assets"
        )
    return None


def fit_refusal(
    customer: Customer, assets: Sequence[Asset], covered_line_ids: Collection[int]
) -> DomainError | None:
    """An asset of another customer, or of a product line the offering does not cover."""
    for asset in assets:
        if asset.customer_id != customer.pk:
            return DomainError(
                "asset_not_of_customer",
                _("L'équipement %(s)s n'appartient pas à ce client.") % {"s": asset.serial_number},
                field="assets",
            )
        if asset.product_line_id not in covered_line_ids:
            return DomainError(
                "product_line_not_covered",
                _("L'offre ne couvre pas la gamme %(line)s de l'équipement %(serial)s.")
                % {"line": asset.product_line.display_name, "serial": asset.serial_number},
                field="assets",
            )
    return None


def registration_refusal(assets: Sequence[Asset]) -> DomainError | None:
    """Only a confirmed asset may be covered (a held one waits for HP's arbitration)."""
    for asset in assets:
        if asset.registration == AssetRegistration.HELD:
            message = _(
                "L'équipement %(serial)s est en cours de vérification par HP : il ne peut pas "
                "encore être couvert."
            )
        elif asset.registration == AssetRegistration.REJECTED:
            message = _(
                "L'équipement %(serial)s n'a pas été retenu par HP : il ne peut pas être couvert."
            )
        else:
            continue
        return DomainError(
            "asset_not_confirmed", message % {"serial": asset.serial_number}, field="assets"
        )
    return None


def overlap_refusal(
    *,
    assets: Sequence[Asset],
    kind: str,
    starts_on: date,
    ends_on: date,
    exclude: int | None = None,
) -> DomainError | None:
    """An asset already under active coverage of the same kind in ``[starts_on, ends_on]``."""
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
    if first is None:
        return None
    return DomainError(
        "coverage_overlap",
        _("L'équipement %(serial)s est déjà couvert par le contrat %(number)s jusqu'au %(end)s.")
        % {
            "serial": first.asset.serial_number,
            "number": first.contract.number,
            "end": format_date_fr(first.ends_on),
        },
        field="assets",
    )


def covered_line_ids(offering: Offering) -> set[int]:
    return set(offering.product_lines.values_list("pk", flat=True))


def sale_refusals(
    *,
    partner: Partner,
    customer: Customer,
    offering: Offering | None,
    assets: Sequence[Asset],
    starts_on: date | None,
    today: date,
) -> list[DomainError]:
    """Every rule of ``contract_sell`` that this sale breaks, as a step shows them.

    The same checks as the final submit, on the rows as they are now (the submit checks
    again, under its locks). At most one refusal per field, the first ``contract_sell``
    would raise for it; the overlap is looked for only once the rest holds.
    """
    refusals: list[DomainError] = []
    if customer.partner_id != partner.pk:
        refusals.append(DomainError("not_found", _("Client introuvable."), field="customer"))
    offering_problem = offering_refusal(offering)
    if offering_problem is None and offering is not None:
        offering_problem = tier_refusal(partner, offering)
    asset_problem = None
    if offering is not None:
        asset_problem = assets_refusal(offering, assets) or fit_refusal(
            customer, assets, covered_line_ids(offering)
        )
    asset_problem = asset_problem or registration_refusal(assets)
    refusals.extend(
        problem
        for problem in (offering_problem, start_refusal(starts_on, today=today), asset_problem)
        if problem is not None
    )
    if not refusals and offering is not None and offering.covers_assets:
        assert starts_on is not None  # start_refusal said nothing
        overlap = overlap_refusal(
            assets=assets,
            kind=offering.kind,
            starts_on=starts_on,
            ends_on=contract_end(offering, starts_on),
        )
        if overlap is not None:
            refusals.append(overlap)
    return refusals
