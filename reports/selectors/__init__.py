"""The scorecard and the programme dashboard, read from the portal's own data.

Every figure is an aggregate query (counts, sums, one sorted read per
percentile): the number of queries does not depend on how many tickets there
are, and no Python loop walks over tickets. Definitions, once:

- a ticket belongs to the month it was opened in (Europe/Paris);
- SLA compliance counts the enforced targets of those tickets: met (on time),
  breached (late, or still open past the deadline), running (neither yet:
  running, warned or paused); compliance = met / (met + breached);
- ownership time = opened → acknowledged (taken in charge), arrival time =
  opened → engineer on site, in elapsed minutes;
- delivering organisation = who delivers the ticket now: the partner, or CDS,
  either from the start (routing, with its reason), after a handover by the
  partner (with the partner's reason) or after the ownership window elapsed
  (fallback).

The reads live by concern: ``figures`` (tickets and SLA outcomes, month series),
``window`` (a partner's figures over some months), ``scorecard``, ``dashboard`` and
``ranking`` (partners by SLA compliance and volume).
Import them from here.
"""

from reports.selectors.dashboard import (
    Dashboard,
    OrganisationCompliance,
    PendingAccreditation,
    TierAtRisk,
    TierCount,
    TierMonth,
    programme_dashboard,
)
from reports.selectors.figures import LOOKAHEAD_DAYS, RUNNING_STATES, MonthPoint, TargetCompliance
from reports.selectors.ranking import DEFAULT_SORT, SORTS, PartnerRank, partner_ranking
from reports.selectors.scorecard import (
    ExpiringCertification,
    RevenueStanding,
    Scorecard,
    partner_scorecard,
    scorecard_partner_choices,
    scorecard_partners,
)
from reports.selectors.window import (
    ROUTING_REASON_LABELS,
    TOP_HANDOVER_REASONS,
    Delivery,
    Durations,
    Reason,
    Window,
)

__all__ = [
    "DEFAULT_SORT",
    "LOOKAHEAD_DAYS",
    "ROUTING_REASON_LABELS",
    "RUNNING_STATES",
    "SORTS",
    "TOP_HANDOVER_REASONS",
    "Dashboard",
    "Delivery",
    "Durations",
    "ExpiringCertification",
    "MonthPoint",
    "OrganisationCompliance",
    "PartnerRank",
    "PendingAccreditation",
    "Reason",
    "RevenueStanding",
    "Scorecard",
    "TargetCompliance",
    "TierAtRisk",
    "TierCount",
    "TierMonth",
    "Window",
    "partner_ranking",
    "partner_scorecard",
    "programme_dashboard",
    "scorecard_partner_choices",
    "scorecard_partners",
]
