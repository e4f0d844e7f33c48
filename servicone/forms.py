"""Form helpers every app's pages share."""

from __future__ import annotations

from django import forms

from servicone.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))
