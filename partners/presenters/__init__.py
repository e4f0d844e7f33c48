"""Presentation of the programme: labels, formatting and the pages' view models.

``criteria`` turns the engine's verdicts into rows and tier cards; ``programme`` builds
« Mon programme », the team's certifications and the partner home panel; ``hp`` builds
HP's approval queue, review page, programme overview and home panel; ``api_keys`` the
keys tables. They read through
``partners.selectors``; views and the context processor import them.
"""

from partners.presenters.api_keys import api_key_rows
from partners.presenters.criteria import (
    Labels,
    criteria_rows,
    criterion_row,
    tier_block,
)
from partners.presenters.hp import (
    accreditation_review,
    approval_queue,
    hp_summary,
    partner_rows,
    programme_overview,
    snapshot_comparison,
)
from partners.presenters.programme import (
    EXPIRY_WARNING_DAYS,
    OPEN_STATUSES,
    certification_state,
    programme_page,
    programme_summary,
    revenue_target,
    revenue_view,
    team_rows,
    tier_risk,
    what_if_view,
)

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "OPEN_STATUSES",
    "Labels",
    "accreditation_review",
    "api_key_rows",
    "approval_queue",
    "certification_state",
    "criteria_rows",
    "criterion_row",
    "hp_summary",
    "partner_rows",
    "programme_overview",
    "programme_page",
    "programme_summary",
    "revenue_target",
    "revenue_view",
    "snapshot_comparison",
    "team_rows",
    "tier_block",
    "tier_risk",
    "what_if_view",
]
