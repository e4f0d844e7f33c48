from __future__ import annotations

from datetime import date

from contracts.services import contract_sell
from tests.contracts.factories import asset_of, offering
from tests.partners.factories import EngineerFactory, certify, set_tier

COURSE_OF_LINE = {
    "proliant": "PL-ASE",
    "networking": "NET-ATP",
    "3par": "3PAR-MASE",
    "converged": "CI-MASE",
    "non_hp": "MV-SUPPORT",
}


def certified_engineer(partner, line: str = "proliant", **engineer_kwargs):
    """An engineer of ``partner`` certified on product line ``line`` (the one a dispatch
    sends without a reason)."""
    from partners.models import Certification, Course
    from partners.services import certification_expiry

    engineer = EngineerFactory(partner=partner, **engineer_kwargs)
    course = Course.objects.get(code=COURSE_OF_LINE[line])
    passed_on = date(2026, 1, 5)
    Certification.objects.create(
        engineer=engineer,
        course=course,
        passed_on=passed_on,
        expires_on=certification_expiry(course, passed_on),
    )
    return engineer


def covered_asset(
    partner,
    *,
    code: str = "CP-PL-4H-24X7",
    line: str = "proliant",
    tier: str = "deliver",
    certified: bool = True,
    starts_on: date | None = None,
    delivery_mode: str | None = None,
    today: date | None = None,
    **asset_kwargs,
):
    """An asset of ``partner``'s customer under an active contract of ``code``."""
    from partners.selectors import today as local_today

    set_tier(partner, tier)
    if certified:
        certify(partner, COURSE_OF_LINE[line], 1, passed_on=date(2026, 1, 5))
    asset = asset_of(partner, line=line, **asset_kwargs)
    day = today or local_today()
    contract_sell(
        partner=partner,
        customer=asset.customer,
        offering=offering(code),
        assets=[asset],
        starts_on=starts_on or day,
        actor=None,
        delivery_mode=delivery_mode,
        today=day,
    )
    return asset
