"""The bodies of the ticket actions, and what the actions read around them: the dispatch
candidates, best first, and whether the caller muted the ticket.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tickets import dispatch_presenters
from tickets.assignment import REASON_MAX
from tickets.models import PauseReason


class DispatchSerializer(serializers.Serializer):
    engineer = serializers.IntegerField(
        min_value=1,
        help_text="Who goes on site. When the partner delivers: the id of one of the "
        "partner's active engineers (`engineers/`). When CDS delivers: the user id of a CDS "
        "engineer. An id the caller cannot see: 404.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX,
        help_text="Why this engineer goes: required when the partner's engineer is not "
        "certified on the ticket's product line (else 400 `reason_required` on `reason`); "
        "kept on the timeline (`detail.reason`; `detail.certified` is false when not).",
    )


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000,
        help_text="The intervention report (what was done), required: kept on the timeline "
        "(`detail.note` of the `resolved` event).",
    )


class PauseRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=PauseReason.choices, help_text="The SLA clock stops until `resume`."
    )


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class HandoverSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why the partner entrusts the ticket to CDS (required)."
    )


# --- Around the actions ------------------------------------------------------------------------


class TicketMuteSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text="The ticket's id.")
    muted = serializers.BooleanField(
        help_text="True while the caller muted the ticket: it notifies them of nothing."
    )


class DispatchCandidateSerializer(serializers.Serializer[Any]):
    """One line of ``tickets/{id}/dispatch-candidates/``, best first (``tickets.dispatch``)."""

    engineer = serializers.IntegerField(
        source="engineer_id",
        help_text="The partner's engineer id (a partner ticket) or the CDS user's (a CDS one).",
    )
    name = serializers.CharField()
    rank = serializers.IntegerField(help_text="1 = best.")
    certified_on_line = serializers.BooleanField(
        allow_null=True, help_text="Null for a CDS engineer (no partner certification)."
    )
    available = serializers.BooleanField(
        help_text="Not absent now; outside the partner's staffed hours, on call."
    )
    department = serializers.CharField(help_text="Home département ('' when not said).")
    open_tickets = serializers.IntegerField()
    rank_reason = serializers.SerializerMethodField(
        help_text="Why the engineer stands there, in the caller's language."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="The codes of each rule: certification, availability, département.",
    )

    def get_rank_reason(self, candidate: Any) -> str:
        return dispatch_presenters.rank_reason(candidate, self.context["line"])
