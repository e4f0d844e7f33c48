"""Demo customers, sites, assets and contracts (``seed_demo``).

Every partner that may sell gets end customers across France (metropolitan sites,
Moselle, Alsace, La Réunion) with an installed base; partners that deliver get several,
under care packs and yearly formulas, so that a year of tickets can be opened on them.
Contracts are sold through ``contract_sell``. The modules: ``data`` (places, names,
installed bases), ``plan`` (the pure plan) and ``seeding`` (the writes).
"""

from contracts.demo.plan import DemoContract, DemoCustomer, DemoPartnerRef, demo_customers
from contracts.demo.seeding import demo_sellers, seed_contracts_demo

__all__ = [
    "DemoContract",
    "DemoCustomer",
    "DemoPartnerRef",
    "demo_customers",
    "demo_sellers",
    "seed_contracts_demo",
]
