"""The demo's customers, pure: a seeded generator, the partners and the day in; customers out.

Partners that deliver get several customers across France, with sites in every kind of
region (metropolitan, Moselle, Alsace, La Réunion) and an installed base under care
packs (sold months or years ago, three years long) and yearly formulas (in force
today); experts co-delivering Proactive Select sell credits too. Partners that only
sell get a customer or two under care packs: their tickets are HP's to deliver.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.demo.data import (
    ALSACE,
    CUSTOMER_PATTERNS,
    FAMILIES,
    INSTALLED_BASE,
    METROPOLE,
    MOSELLE,
    OFFER_FOR_LINE,
    OVESYS_CUSTOMERS,
    PARIS_TZ,
    PARTNER_AREAS,
    PERSONS,
    PROACTIVE_SELECT,
    REUNION,
    REUNION_TZ,
    SAINTS,
    SITE_NAMES,
    TREES,
)

# Offerings sold for 12 months: in force today, so started within the last year.
YEARLY = frozenset({"SC-DATACENTER-24X7", "SC-MULTIVENDOR-9X5", "SC-FOUNDATION-13X5"})


@dataclass(frozen=True, slots=True)
class DemoPartnerRef:
    """What the plan needs to know of a partner."""

    id: int
    name: str
    city: str
    delivers: bool  # Deliver or Expert: its customers' tickets are mostly its own
    proactive_select: bool  # sells Proactive Select credits


@dataclass(frozen=True, slots=True)
class DemoAsset:
    serial: str
    line: str
    vendor: str
    model: str


@dataclass(frozen=True, slots=True)
class DemoSite:
    name: str
    city: str
    postal_code: str
    region: str
    timezone: str
    assets: tuple[DemoAsset, ...]


@dataclass(frozen=True, slots=True)
class DemoContract:
    offering: str
    serials: tuple[str, ...]
    starts_on: date
    delivery_mode: str | None = None


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    partner_id: int
    name: str
    sites: tuple[DemoSite, ...]
    contracts: tuple[DemoContract, ...]


# Where a partner's sites stand, by the partner's own area: (La Réunion, Moselle, Alsace)
# shares, the rest metropolitan. A partner reaches its region first, some way beyond.
_AREA_SHARES = {
    "974": (0.8, 0.0, 0.0),
    "57": (0.02, 0.7, 0.05),
    "6AE": (0.02, 0.05, 0.7),
    "": (0.05, 0.06, 0.09),
}


def _place(rng: random.Random, area: str) -> tuple[str, str, str, str]:
    """(city, postal code, region, time zone): near ``area`` mostly, anywhere sometimes."""
    reunion, moselle, alsace = _AREA_SHARES[area]
    roll = rng.random()
    if roll < reunion:
        city, code = rng.choice(REUNION)
        return city, code, "974", REUNION_TZ
    if roll < reunion + moselle:
        city, code = rng.choice(MOSELLE)
        return city, code, "57", PARIS_TZ
    if roll < reunion + moselle + alsace:
        city, code = rng.choice(ALSACE)
        return city, code, "6AE", PARIS_TZ
    city, code = rng.choice(METROPOLE)
    return city, code, "", PARIS_TZ


class _Planner:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.serials = 0
        self.names: set[str] = set()
        self.weights = [weight for *_rest, weight in INSTALLED_BASE]

    def serial(self, vendor: str) -> str:
        self.serials += 1
        return f"{'CZJ' if vendor == 'hp' else 'DLX'}{self.serials + 4_100_000:07d}"

    def name(self, city: str) -> str:
        rng = self.rng
        for _ in range(50):
            family, family2 = rng.sample(FAMILIES, 2)
            name = rng.choice(CUSTOMER_PATTERNS).format(
                city=city,
                family=family,
                family2=family2,
                person=rng.choice(PERSONS),
                saint=rng.choice(SAINTS),
                tree=rng.choice(TREES),
            )
            if name not in self.names:
                break
        self.names.add(name)
        return name

    def assets(self, count: int, *, lines: tuple[str, ...] | None = None) -> tuple[DemoAsset, ...]:
        base = [b for b in INSTALLED_BASE if lines is None or b[0] in lines]
        weights = [weight for *_rest, weight in base]
        picked = self.rng.choices(base, weights=weights, k=count)
        return tuple(
            DemoAsset(self.serial(vendor), line, vendor, model)
            for line, vendor, model, _w in picked
        )

    def start(self, offering: str) -> date:
        """When the contract started: yearly ones within the year, care packs over 3 years."""
        rng = self.rng
        if offering in YEARLY or offering == PROACTIVE_SELECT:
            return self.today - timedelta(days=rng.randint(45, 330))
        if rng.random() < 0.3:  # sold this year: it counts in the revenue
            return self.today - timedelta(days=rng.randint(20, 360))
        return self.today - timedelta(days=rng.randint(370, 1000))

    def contracts(self, sites: tuple[DemoSite, ...], *, delivers: bool) -> tuple[DemoContract, ...]:
        """Each site's assets under the offering of their line; alike ones in one contract."""
        grouped: dict[tuple[int, str], list[str]] = {}
        for index, site in enumerate(sites):
            for asset in site.assets:
                offering = self.rng.choice(OFFER_FOR_LINE[asset.line])
                grouped.setdefault((index, offering), []).append(asset.serial)
        contracts = []
        for (_site, offering), serials in grouped.items():
            # A few contracts are entrusted to CDS by the partner's own choice.
            mode = "cds" if delivers and self.rng.random() < 0.04 else None
            contracts.append(DemoContract(offering, tuple(serials), self.start(offering), mode))
        return tuple(contracts)


def demo_customers(
    partners: list[DemoPartnerRef], today: date, *, seed: int = 26112026
) -> tuple[DemoCustomer, ...]:
    """The customers of ``partners`` for ``today``: same partners and day, same plan."""
    planner = _Planner(random.Random(seed), today)  # noqa: S311 - demo data, not secrets
    rng = planner.rng
    customers = []
    for partner in partners:
        area = PARTNER_AREAS.get(partner.city, "")
        made: list[DemoCustomer] = []
        sites: tuple[DemoSite, ...]
        if partner.name == "Ovesys":
            for name, site, city, code, region, tz in OVESYS_CUSTOMERS:
                sites = (DemoSite(site, city, code, region, tz, planner.assets(rng.randint(4, 7))),)
                made.append(
                    DemoCustomer(partner.id, name, sites, planner.contracts(sites, delivers=True))
                )
        elif partner.delivers:
            for _ in range(rng.randint(4, 7)):
                places = [_place(rng, area) for _ in range(1 if rng.random() < 0.7 else 2)]
                names = rng.sample(SITE_NAMES, len(places))
                sites = tuple(
                    DemoSite(site, city, code, region, tz, planner.assets(rng.randint(2, 6)))
                    for site, (city, code, region, tz) in zip(names, places, strict=True)
                )
                made.append(
                    DemoCustomer(
                        partner.id,
                        planner.name(places[0][0]),
                        sites,
                        planner.contracts(sites, delivers=True),
                    )
                )
        else:
            for _ in range(rng.randint(1, 2)):
                city, code, region, tz = _place(rng, area)
                sites = (
                    DemoSite(
                        rng.choice(SITE_NAMES),
                        city,
                        code,
                        region,
                        tz,
                        planner.assets(rng.randint(1, 3), lines=("proliant", "networking")),
                    ),
                )
                made.append(
                    DemoCustomer(
                        partner.id,
                        planner.name(city),
                        sites,
                        planner.contracts(sites, delivers=False),
                    )
                )
        if partner.proactive_select and made:
            first = made[0]
            made[0] = DemoCustomer(
                first.partner_id,
                first.name,
                first.sites,
                (
                    *first.contracts,
                    DemoContract(PROACTIVE_SELECT, (), planner.start(PROACTIVE_SELECT)),
                ),
            )
        customers += made
    return tuple(customers)
