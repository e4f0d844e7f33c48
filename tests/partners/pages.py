"""Shared data helpers of the programme page tests (``test_pages_*.py``)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from partners.models import Certification, Course, Engineer, Tier
from partners.services import accreditation_create, accreditation_submit, certification_expiry

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 26)
NNBSP = "\u202f"
NBSP = "\u00a0"


def certify(partner, course_code, count=1, *, passed_on=None, expires_on=None, prefix=None):
    """``count`` new engineers of ``partner``, each certified on ``course_code``."""
    course = Course.objects.get(code=course_code)
    passed_on = passed_on or TODAY - timedelta(days=30)
    made = []
    start = Engineer.objects.filter(partner=partner).count()
    for i in range(count):
        engineer = Engineer.objects.create(
            partner=partner, name=f"{prefix or course_code} Ingénieur {start + i + 1}"
        )
        made.append(
            Certification.objects.create(
                engineer=engineer,
                course=course,
                passed_on=passed_on,
                expires_on=expires_on or certification_expiry(course, passed_on),
            )
        )
    return made


def set_revenue(partner, amount):
    partner.declared_revenue_12m_eur = Decimal(amount)
    partner.save(update_fields=["declared_revenue_12m_eur"])


def set_tier(partner, code, since=None):
    partner.tier = Tier.objects.get(code=code)
    partner.tier_since = since or date(2026, 1, 15)
    partner.save(update_fields=["tier", "tier_since"])


def make_deliver(partner):
    set_revenue(partner, "12000.00")
    certify(partner, "PL-ASE", 2)
    certify(partner, "NET-ATP", 1)
    set_tier(partner, "deliver")


def make_expert_ready(partner):
    make_deliver(partner)
    certify(partner, "3PAR-MASE", 2)
    certify(partner, "CI-MASE", 1)


def submit_application(partner, admin, tier="expert"):
    application = accreditation_create(
        partner=partner, tier=Tier.objects.get(code=tier), actor=admin
    )
    return accreditation_submit(accreditation=application, actor=admin)


def text(response) -> str:
    """The page as a reader sees its characters (entities decoded, spaces collapsed)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def eur_fr(digits: str) -> str:
    """'3 200,00' written with plain spaces -> the French money string the pages print."""
    return digits.replace(" ", NNBSP) + NBSP + "€"


def in_english(client):
    client.cookies["django_language"] = "en"
