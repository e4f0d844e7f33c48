"""What the services of contracts share: who acts, the credit ledger, the end of coverage."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from contracts.models import Contract, CreditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Who acts: a request's user, or ``None`` for the system (scheduled jobs, imports).
Actor = AbstractBaseUser | AnonymousUser | None


def recorded_user(actor: Actor) -> User | None:
    """The user a row records as its author: ``None`` for the system or an anonymous caller."""
    if actor is None or not actor.is_authenticated:
        return None
    # AUTH_USER_MODEL is Django's User: an authenticated request's user is one.
    return cast("User", actor)


def ledger_entry(
    contract: Contract,
    kind: str,
    credits: int,
    *,
    actor: Actor,
    reference: str = "",
    dedup_key: str = "",
) -> CreditEntry:
    """Move ``credits`` on the (locked) contract's balance and write the ledger line."""
    contract.credits_balance += credits
    contract.save(update_fields=["credits_balance"])
    return CreditEntry.objects.create(
        contract=contract,
        kind=kind,
        credits=credits,
        balance_after=contract.credits_balance,
        actor=recorded_user(actor),
        reference=str(reference)[:120],
        dedup_key=dedup_key,
    )


def end_coverage(contract: Contract, *, actor: Actor, credits_reference: str) -> None:
    """The (locked) contract stops covering its assets and its unused credits expire."""
    contract.coverages.update(is_active=False)
    if contract.credits_balance:
        ledger_entry(
            contract,
            CreditEntry.Kind.EXPIRED,
            -contract.credits_balance,
            actor=actor,
            reference=credits_reference,
        )
