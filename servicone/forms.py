"""Form helpers every app's pages share."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicone.errors import DomainError
from servicone.models import EmailFrequency


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class EmailFrequencyForm(forms.Form):
    email_frequency = forms.ChoiceField(
        label=_("Envoi de mes notifications par e-mail"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Les notifications restent visibles dans le portail dès leur arrivée ; seul "
            "l'envoi par e-mail est regroupé."
        ),
    )
