"""Demo programme data that mirrors the article (``shared/seed-article-fr.txt``).

About 130 partners: ~100 eligible to sell (10,000 EUR of services revenue), ~30
delivering, a "petite vingtaine" of experts approved by HP, six of whom deliver
Proactive Select. Plus what makes the pages worth opening: partners just under the
threshold, certifications expiring within 60 days (tier at risk), partners in a grace
period, expert applications waiting for HP, former ASP/PSP members. Ovesys, whose users
log in, holds Deliver, lacks one CI-MASE engineer for Expert and has a ProLiant
certification expiring soon, which puts Deliver itself at risk.

``demo_plan`` is pure: a seeded ``random.Random`` and the day's date in, the partners
to create out. ``seed_programme_demo`` writes it with bulk inserts, looking everything
up by natural key first (partner SIREN, user name, engineer e-mail, certification
(engineer, course, passed_on), one expert accreditation per partner), so a second run
changes nothing. Tiers are then set by the normal evaluation, never by hand, except
the few partners seeded in a grace period (the tier they held is history).

The modules: ``data`` (the figures and names the plan draws from), ``plan`` (the pure
plan), ``seeding`` (the writes) and ``applications`` (the expert accreditations).
"""

from partners.demo.data import (
    ACTIVITIES,
    APPLICANTS,
    APPROVAL_COMMENTS,
    CITIES,
    DELIVERERS,
    DELIVERERS_AT_RISK,
    DELIVERERS_IN_GRACE,
    EMAIL_DOMAIN,
    EXPERTS,
    EXPERTS_AT_RISK,
    EXPERTS_IN_GRACE,
    FIRST_NAMES,
    JUST_BELOW,
    LAST_NAMES,
    LEGAL_FORMS,
    MONTHS,
    OVESYS_DOMAIN,
    OVESYS_TEAM,
    PROACTIVE_SELECT,
    REGISTERED,
    SEED,
    SELLERS,
    STEMS,
)
from partners.demo.plan import (
    DemoApplication,
    DemoCertification,
    DemoEngineer,
    DemoGrace,
    DemoPartner,
    demo_plan,
    ovesys_team,
)
from partners.demo.seeding import DemoSeedResult, seed_programme_demo

__all__ = [
    "ACTIVITIES",
    "APPLICANTS",
    "APPROVAL_COMMENTS",
    "CITIES",
    "DELIVERERS",
    "DELIVERERS_AT_RISK",
    "DELIVERERS_IN_GRACE",
    "EMAIL_DOMAIN",
    "EXPERTS",
    "EXPERTS_AT_RISK",
    "EXPERTS_IN_GRACE",
    "FIRST_NAMES",
    "JUST_BELOW",
    "LAST_NAMES",
    "LEGAL_FORMS",
    "MONTHS",
    "OVESYS_DOMAIN",
    "OVESYS_TEAM",
    "PROACTIVE_SELECT",
    "REGISTERED",
    "SEED",
    "SELLERS",
    "STEMS",
    "DemoApplication",
    "DemoCertification",
    "DemoEngineer",
    "DemoGrace",
    "DemoPartner",
    "DemoSeedResult",
    "demo_plan",
    "ovesys_team",
    "seed_programme_demo",
]
