"""How the sales side reads: labels, targets, dates and the pages' view models.

Nothing here queries the database: selectors gather the rows, these shape them for a
template (grouped by kind, with the days left, the coverage state and its label, why an
offering does not fit a sale…), in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from contracts.models import (
    DELIVERY_CHOSEN,
    DELIVERY_TIER_REQUIRED,
    Asset,
    Contract,
    ContractAsset,
    Customer,
    Offering,
    OfferingKind,
)
from contracts.selectors import CatalogueLine
from servicone.access import Viewer
from servicone.errors import DomainError

T = TypeVar("T")

EMPTY = "—"
KIND_ORDER = [OfferingKind.CARE_PACK, OfferingKind.CONTRACT, OfferingKind.PROACTIVE_CREDITS]

# Public-holiday subdivisions (codes of the ``holidays`` package's France calendar).
REGION_LABELS = {
    "": gettext_lazy("Métropole (jours fériés nationaux)"),
    "57": gettext_lazy("57 — Moselle"),
    "6AE": gettext_lazy("6AE — Alsace (Bas-Rhin, Haut-Rhin)"),
    "971": gettext_lazy("971 — Guadeloupe"),
    "972": gettext_lazy("972 — Martinique"),
    "973": gettext_lazy("973 — Guyane"),
    "974": gettext_lazy("974 — La Réunion"),
    "976": gettext_lazy("976 — Mayotte"),
    "BL": gettext_lazy("BL — Saint-Barthélemy"),
    "MF": gettext_lazy("MF — Saint-Martin"),
    "NC": gettext_lazy("NC — Nouvelle-Calédonie"),
    "PF": gettext_lazy("PF — Polynésie française"),
    "PM": gettext_lazy("PM — Saint-Pierre-et-Miquelon"),
    "TF": gettext_lazy("TF — Terres australes et antarctiques françaises"),
    "WF": gettext_lazy("WF — Wallis-et-Futuna"),
}


# --- Labels and targets ----------------------------------------------------------------------


def region_label(code: str | None) -> str:
    """A public-holiday subdivision as people know it: ``57 — Moselle``; "" is the metropole."""
    return str(REGION_LABELS.get(code or "", code))


def hours(value: int | None) -> str:
    """A target in hours: ``4 h``; no target: ``—``."""
    if value is None:
        return EMPTY
    return _("%(n)s h") % {"n": value}


def onsite_target(offering: Any) -> str:
    """The on-site target of an offering: ``4 h`` or « J+1 ouvré »."""
    if getattr(offering, "onsite_next_business_day", False):
        return _("J+1 ouvré")
    return hours(getattr(offering, "onsite_hours", None))


def coverage_label(offering: Any) -> str:
    """One line for a service level: ``24x7 · prise en charge 2 h · sur site 4 h · …``."""
    parts = [offering.coverage]
    parts.append(_("prise en charge %(t)s") % {"t": hours(offering.response_hours)})
    if offering.onsite_next_business_day or offering.onsite_hours is not None:
        parts.append(_("sur site %(t)s") % {"t": onsite_target(offering)})
    if offering.resolution_hours is not None:
        parts.append(_("remise en service %(t)s") % {"t": hours(offering.resolution_hours)})
    return " · ".join(str(p) for p in parts)


def months(value: int | None) -> str:
    """A duration: ``3 ans``, ``18 mois``."""
    if value is None:
        return EMPTY
    if value % 12 == 0:
        years = value // 12
        return ngettext("%(n)s an", "%(n)s ans", years) % {"n": years}
    return ngettext("%(n)s mois", "%(n)s mois", value) % {"n": value}


def asset_label(asset: Asset) -> str:
    """What the asset is, in the reader's language, its product line said once:
    « Serveurs ProLiant DL380 Gen10 » rather than « Serveurs ProLiant ProLiant DL380 Gen10 »."""
    return describe_asset(asset.product_line.display_name, asset.model)


def describe_asset(line: str, model: str) -> str:
    model = model.strip()
    if not model:
        return line
    line_words, model_words = line.split(), model.split()
    folded_line = [w.casefold() for w in line_words]
    folded_model = [w.casefold() for w in model_words]
    # The model starts with the line's last words ("Serveurs ProLiant" + "ProLiant DL380"):
    # those words once.
    for size in range(min(len(line_words), len(model_words)), 0, -1):
        if folded_line[-size:] == folded_model[:size]:
            return " ".join(line_words + model_words[size:])
    # The model names the line's family anyway ("ProLiant servers" + "ProLiant DL380"):
    # the model says it all.
    if folded_model[0] in folded_line:
        return model
    return f"{line} {model}"


def short_date(day: date) -> str:
    """A date as the reader's language writes it briefly (``26/11/2026``)."""
    return date_format(day, "SHORT_DATE_FORMAT")


def import_done(assets: int, sites: int) -> str:
    """« Import terminé : 2 équipements et 1 site créés. », each count with its plural."""
    what = ngettext("%(n)s équipement", "%(n)s équipements", assets) % {"n": assets}
    if not sites:
        return ngettext(
            "Import terminé : %(assets)s créé.", "Import terminé : %(assets)s créés.", assets
        ) % {"assets": what}
    where = ngettext("%(n)s site", "%(n)s sites", sites) % {"n": sites}
    return _("Import terminé : %(assets)s et %(sites)s créés.") % {"assets": what, "sites": where}


# --- Grouping by kind of offering --------------------------------------------------------------


@dataclass(frozen=True)
class KindGroup(Generic[T]):
    kind: str
    label: str
    items: list[T]


def group_by_kind(items: Iterable[T], kind_of: Callable[[T], str]) -> list[KindGroup[T]]:
    """Care packs, then formulas, then credits (any other kind after); empty kinds left out."""
    groups: dict[str, list[T]] = {kind: [] for kind in KIND_ORDER}
    for item in items:
        groups.setdefault(kind_of(item), []).append(item)
    return [
        KindGroup(kind=kind, label=str(OfferingKind(kind).label), items=rows)
        for kind, rows in groups.items()
        if rows
    ]


# --- The sell flow -------------------------------------------------------------------------------


@dataclass
class SaleDraft:
    """The sale being prepared, carried from step to step in the URL's query string."""

    customer: Customer | None = None
    assets: list[Asset] = field(default_factory=list)
    offering: Offering | None = None
    starts_on: date | None = None
    starts_on_invalid: bool = False

    def query(self, **override: Any) -> str:
        """The query string of this draft, with some values replaced (``None``: left out)."""
        values: dict[str, Any] = {
            "customer": self.customer.pk if self.customer else None,
            "assets": [a.pk for a in self.assets],
            "offering": self.offering.code if self.offering else None,
            "starts_on": self.starts_on.isoformat() if self.starts_on else None,
        }
        values.update(override)
        pairs: list[tuple[str, Any]] = []
        for key, value in values.items():
            if isinstance(value, list):
                pairs.extend((key, v) for v in value)
            elif value not in (None, ""):
                pairs.append((key, value))
        return urlencode(pairs)

    def url(self, name: str, **override: Any) -> str:
        """The URL named ``name`` carrying this draft."""
        query = self.query(**override)
        return f"{reverse(name)}?{query}" if query else reverse(name)


@dataclass(frozen=True)
class StepErrors:
    """A step's refusals, each where the page shows it: beside the offering list, beside the
    start date, or above the form (the assets, chosen at the step before)."""

    offering: str = ""
    starts_on: str = ""
    others: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.offering or self.starts_on or self.others)


def step_errors(refusals: Iterable[DomainError]) -> StepErrors:
    by_field: dict[str, str] = {}
    others: list[str] = []
    for refusal in refusals:
        if refusal.field in ("offering", "starts_on") and refusal.field not in by_field:
            by_field[refusal.field] = str(refusal.message)
        else:
            others.append(str(refusal.message))
    return StepErrors(
        offering=by_field.get("offering", ""),
        starts_on=by_field.get("starts_on", ""),
        others=tuple(others),
    )


@dataclass
class OfferingChoice:
    """An offering in step 3, and why it cannot be chosen for this sale ("" = it can)."""

    line: CatalogueLine
    reason: str = ""

    @property
    def available(self) -> bool:
        return not self.reason


# How many serial numbers a "does not cover" reason names before "…".
MISFITS_NAMED = 5


def offering_choices(
    lines: Iterable[CatalogueLine], assets: Sequence[Asset]
) -> list[OfferingChoice]:
    """Every offering with, for this sale, why it does or does not fit."""
    choices = []
    for line in lines:
        offering = line.offering
        choice = OfferingChoice(line=line)
        covered = {p.pk for p in offering.product_lines.all()}
        if not line.may_sell:
            choice.reason = _("Débloqué au niveau %(tier)s.") % {"tier": line.tier_to_sell_name}
        elif offering.covers_assets and not assets:
            choice.reason = _("Choisissez au moins un équipement à couvrir.")
        else:
            misfits = [a for a in assets if a.product_line_id not in covered]
            if misfits:
                names = sorted({a.product_line.display_name for a in misfits})
                choice.reason = _("Ne couvre pas la gamme %(lines)s (%(serials)s).") % {
                    "lines": ", ".join(names),
                    "serials": ", ".join(a.serial_number for a in misfits[:MISFITS_NAMED])
                    + ("…" if len(misfits) > MISFITS_NAMED else ""),
                }
        choices.append(choice)
    return choices


# --- Contracts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedContract:
    """A contract in a list, with the days left until its end (negative once ended)."""

    contract: Contract
    days_left: int


def with_days_left(contracts: Iterable[Contract], on: date) -> list[DatedContract]:
    return [DatedContract(contract=c, days_left=(c.ends_on - on).days) for c in contracts]


@dataclass(frozen=True)
class ContractActions:
    """What the viewer may do to a contract from its page."""

    can_cancel: bool
    can_activate: bool
    can_renew: bool


def contract_actions(viewer: Viewer, contract: Contract, *, renewed: bool) -> ContractActions:
    """Sellers of the partner act; HP staff and engineers read. One renewal per contract."""
    may_act = viewer.may_sell and viewer.partner is not None
    status = contract.status
    return ContractActions(
        can_cancel=may_act and status in (Contract.Status.QUOTE, Contract.Status.ACTIVE),
        can_activate=may_act and status == Contract.Status.QUOTE,
        can_renew=may_act
        and status in (Contract.Status.ACTIVE, Contract.Status.EXPIRED)
        and not renewed,
    )


def _delivery_sentences(offering: Offering) -> list[str]:
    """The reasons a sale of ``offering`` may store, in the active language."""
    return [str(text) for text in DELIVERY_CHOSEN.values()] + [
        str(DELIVERY_TIER_REQUIRED % {"tier": offering.tier_to_deliver.display_name})
    ]


def delivery_reason(contract: Contract) -> str:
    """Why the contract is delivered as it is, in the reader's language.

    The reason was written at sale time in the seller's language; when it is one of the
    portal's own sentences it is said again in the reader's, else shown as written.
    """
    stored = contract.delivery_reason
    if not stored:
        return ""
    reader = get_language()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            sentences = _delivery_sentences(contract.offering)
        if stored in sentences:
            with translation.override(reader):
                return _delivery_sentences(contract.offering)[sentences.index(stored)]
    return stored


# --- Coverage of an asset -------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageState:
    label: str | Promise
    badge: str  # the badge's style beside "badge" ("" for a plain one)
    rank: int  # order on the asset page


COVERAGE_STATES = {
    "in_force": CoverageState(gettext_lazy("En vigueur"), "ok", 0),
    "upcoming": CoverageState(gettext_lazy("À venir"), "info", 1),
    Contract.Status.QUOTE.value: CoverageState(gettext_lazy("Devis"), "info", 2),
    "past": CoverageState(gettext_lazy("Terminé"), "", 3),
    Contract.Status.CANCELLED.value: CoverageState(gettext_lazy("Annulé"), "bad", 4),
}


def coverage_state(coverage: ContractAsset, today: date) -> str:
    """``in_force``, ``upcoming``, ``quote``, ``past`` or ``cancelled``."""
    status = coverage.contract.status
    if status in (Contract.Status.CANCELLED, Contract.Status.QUOTE):
        return str(status)
    if status == Contract.Status.EXPIRED or coverage.ends_on < today:
        return "past"
    if coverage.starts_on > today:
        return "upcoming"
    return "in_force"


@dataclass(frozen=True)
class CoverageRow:
    coverage: ContractAsset
    state: str

    @property
    def label(self) -> str | Promise:
        return COVERAGE_STATES[self.state].label

    @property
    def badge(self) -> str:
        return COVERAGE_STATES[self.state].badge


def coverage_rows(coverages: Iterable[ContractAsset], today: date) -> list[CoverageRow]:
    """Coverage in force first, then upcoming, quotes, past and cancelled (stable order)."""
    rows = [CoverageRow(coverage=c, state=coverage_state(c, today)) for c in coverages]
    rows.sort(key=lambda r: COVERAGE_STATES[r.state].rank)
    return rows
