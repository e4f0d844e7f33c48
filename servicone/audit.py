"""The audit trail's one writer: who did what, when, to which object.

Services call it inside their transaction, so an audit row exists exactly when the
change it describes was committed.
"""

from __future__ import annotations

from typing import Any

from servicone.models import AuditEvent


def audit(*, action: str, actor: Any, partner: Any, obj: Any = None, **data: Any) -> AuditEvent:
    """Record ``action`` by ``actor`` (a user, or ``None``/anonymous for the system)."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        partner=partner,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        data=data,
    )
