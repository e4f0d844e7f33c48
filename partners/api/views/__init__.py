"""Programme endpoints of the v1 API: thin views over ``partners.selectors`` / ``partners.services``.

Order of checks on every object: the tenant lookup first (another partner's object is a
404, whatever the method), then the role (403 for someone who may see it but not act).

One module per family, as the pages: ``programme`` (tiers, courses), ``partner`` (partners,
their evaluation, what-if and delivery policy), ``team`` (portal users, engineers,
certifications), ``accreditations``; ``common`` holds the write permissions they share.
Every view is importable from here, where ``partners.api.urls`` registers them.
"""

from partners.api.views.accreditations import AccreditationViewSet
from partners.api.views.common import (
    PartnerAdminOrProgrammeManagerCreates,
    ProgrammeManagerWrites,
)
from partners.api.views.partner import PartnerViewSet
from partners.api.views.programme import CourseViewSet, TierViewSet
from partners.api.views.team import (
    PARTNER_ID,
    CertificationViewSet,
    EngineerViewSet,
    PartnerUserViewSet,
)

__all__ = [
    "PARTNER_ID",
    "AccreditationViewSet",
    "CertificationViewSet",
    "CourseViewSet",
    "EngineerViewSet",
    "PartnerAdminOrProgrammeManagerCreates",
    "PartnerUserViewSet",
    "PartnerViewSet",
    "ProgrammeManagerWrites",
    "TierViewSet",
]
