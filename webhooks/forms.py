"""The endpoint form of the pages (the services check the URL and the events)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from webhooks.models import SUBSCRIBABLE, EventType


def _event_label(event: EventType) -> SafeString:
    # The code is in no language (the same in French and English pages): marked so.
    return format_html('<span class="code" translate="no">{}</span> — {}', event.value, event.label)


# Rendered in the reader's language, when the form is shown.
event_label = lazy(_event_label, SafeString)


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL du récepteur"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_(
            "Adresse https:// de votre système qui recevra les événements (requêtes POST "
            "signées selon Standard Webhooks)."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Événements"),
        choices=[(t.value, event_label(t)) for t in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un événement.")},
    )


class EndpointEditForm(EndpointForm):
    active = forms.BooleanField(
        label=_("Actif"),
        required=False,
        help_text=_("Réactivé, l'endpoint repart de zéro : les échecs passés ne comptent plus."),
    )
