"""Representations of tickets and of the SLA calculator in the v1 API (``API.md``).

Decisions documented here and in the schema:

* Every instant of a ticket (milestones, SLA deadlines, timeline, segments) is shown
  in the **site's time zone**, with its offset: the customer reads its deadlines on
  its own wall clock. ``sla/calculate/`` answers the same way. Stored in UTC.
* ``partner``, ``customer``, ``site``, ``asset``, ``contract`` and ``offering`` are ids,
  with readable companions (``asset_serial``, ``contract_number``, ``offering_code``…).
* ``routing_message`` follows the request's language (``Accept-Language``; French by
  default); ``routing_reason`` is the machine code.
* ``assigned_engineer`` is ``{kind: partner|cds, id, name}``: ``id`` is a partner
  ``Engineer`` id (``engineers/``) for a partner engineer, a user id for a CDS engineer.
* ``sla`` lists the targets the service level has, in the order response, onsite,
  resolution; ``explanation`` (detail only) says what did not count before the deadline.

One module per family (``tickets``: the ticket's representations; ``opening``; ``actions``:
the actions' bodies, dispatch candidates, mutes; ``sla``: the calculator; ``errors``;
``common``); every serializer is importable from here, as the views have always imported
them.
"""

from tickets.api.serializers.actions import (
    DispatchCandidateSerializer,
    DispatchSerializer,
    EscalateSerializer,
    HandoverSerializer,
    PauseRequestSerializer,
    ResolveSerializer,
    TicketMuteSerializer,
)
from tickets.api.serializers.common import FieldsBuiltOnce, SiteTimeSerializerMixin
from tickets.api.serializers.errors import ErrorItemSerializer, TicketErrorsSerializer
from tickets.api.serializers.opening import TicketOpenSerializer
from tickets.api.serializers.sla import (
    AwareDateTimeField,
    CalendarSerializer,
    SlaCalculateSerializer,
    SlaCalculationSerializer,
)
from tickets.api.serializers.tickets import (
    AssignedEngineerSerializer,
    ExplanationEntrySerializer,
    PauseSerializer,
    SegmentSerializer,
    SlaTargetDetailSerializer,
    SlaTargetSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TimelineEventSerializer,
    explanation,
)

__all__ = [
    "AssignedEngineerSerializer",
    "AwareDateTimeField",
    "CalendarSerializer",
    "DispatchCandidateSerializer",
    "DispatchSerializer",
    "ErrorItemSerializer",
    "EscalateSerializer",
    "ExplanationEntrySerializer",
    "FieldsBuiltOnce",
    "HandoverSerializer",
    "PauseRequestSerializer",
    "PauseSerializer",
    "ResolveSerializer",
    "SegmentSerializer",
    "SiteTimeSerializerMixin",
    "SlaCalculateSerializer",
    "SlaCalculationSerializer",
    "SlaTargetDetailSerializer",
    "SlaTargetSerializer",
    "TicketDetailSerializer",
    "TicketErrorsSerializer",
    "TicketMuteSerializer",
    "TicketOpenSerializer",
    "TicketSerializer",
    "TimelineEventSerializer",
    "explanation",
]
