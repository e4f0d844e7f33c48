"""Errors raised by services, independent of the web layer.

Services raise these; the API's exception handler turns them into the
``{"errors": [...]}`` format (400 or 409) and the pages into form errors.
Messages are lazily translated, so each user reads them in their language.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A request that breaks a business rule: 400, nothing was changed."""

    status_code = 400

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class StateConflict(DomainError):
    """The action does not fit the object's current state: 409."""

    status_code = 409


class NotAllowed(DomainError):
    """The user may see the object but not do this to it: 403."""

    status_code = 403
