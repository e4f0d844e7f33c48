"""Proactive Select credits: consumed by delivered preventive services, never below zero."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.models import Contract, CreditEntry, OfferingKind
from contracts.services.common import Actor, ledger_entry
from servicone.audit import audit
from servicone.errors import DomainError, StateConflict


@transaction.atomic
def credits_consume(
    *, contract: Contract, credits: int, actor: Actor, reference: str = "", dedup_key: str = ""
) -> CreditEntry:
    """Consume credits for a delivered preventive service; never below zero.

    The contract row is locked, so two consumptions racing see each other's
    result; the CHECK constraint on the balance is the last line of defence.
    ``dedup_key`` (e.g. the ticket) makes a retried consumption a no-op.
    """
    if credits <= 0:
        raise DomainError("invalid", _("Le nombre de crédits doit être positif."), field="credits")
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("offering")
        .get(pk=contract.pk)
    )
    if dedup_key:
        existing = CreditEntry.objects.filter(contract=locked, dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    if (
        locked.offering.kind != OfferingKind.PROACTIVE_CREDITS
        or locked.status != Contract.Status.ACTIVE
    ):
        raise StateConflict(
            "no_credits", _("Ce contrat n'a pas de crédits Proactive Select actifs.")
        )
    if locked.credits_balance < credits:
        raise DomainError(
            "insufficient_credits",
            _("Solde insuffisant : %(balance)s, %(needed)s.")
            % {
                "balance": ngettext(
                    "%(n)s crédit disponible", "%(n)s crédits disponibles", locked.credits_balance
                )
                % {"n": locked.credits_balance},
                "needed": ngettext("%(n)s demandé", "%(n)s demandés", credits) % {"n": credits},
            },
            field="credits",
        )
    entry = ledger_entry(
        locked,
        CreditEntry.Kind.CONSUMED,
        -credits,
        actor=actor,
        reference=reference,
        dedup_key=dedup_key,
    )
    audit(
        action="credits.consume",
        actor=actor,
        partner=None,
        obj=locked,
        credits=credits,
        reference=reference,
    )
    contract.credits_balance = locked.credits_balance
    return entry
