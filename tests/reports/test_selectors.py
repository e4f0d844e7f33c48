"""Reads behind the report pages that are not figures: which partners a scorecard can be about."""

from __future__ import annotations

from partners.models import Tier
from reports.selectors import scorecard_partner_choices, scorecard_partners
from tests.partners.factories import PartnerFactory


def test_hp_staff_pick_among_active_partners_sorted_by_name(db):
    zeta = PartnerFactory(name="Zeta Services")
    alpha = PartnerFactory(name="Alpha Info")
    PartnerFactory(name="Ancien partenaire", is_active=False)
    assert scorecard_partner_choices() == [(alpha.pk, "Alpha Info"), (zeta.pk, "Zeta Services")]


def test_a_scorecards_partner_comes_with_its_tier_in_the_same_query(db, django_assert_num_queries):
    tier = Tier.objects.order_by("-rank").first()
    partner = PartnerFactory(name="Ovesys", tier=tier)
    with django_assert_num_queries(1):
        found = scorecard_partners().get(pk=partner.pk)
        assert found.tier.code == tier.code
