"""Forms of the ticket pages. They validate input; services do the writing.

A service's refusal (``DomainError`` and its 403/409 subclasses) is shown as a
form error on the opening form and as a message on the ticket page's actions.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Asset
from contracts.presenters import asset_label
from contracts.serials import SERIAL_INPUT_MAX, clean_serial
from partners.models import Engineer
from servicone.errors import DomainError
from servicone.widgets import QuickSelect
from tickets import dispatch
from tickets.assignment import REASON_MAX
from tickets.dispatch_presenters import dispatch_choices
from tickets.models import Kind, Organisation, PauseReason, Status, Ticket
from tickets.selectors import cds_engineers

SEVERITY_CHOICES = [
    (1, _("1 — Critique : arrêt de production")),
    (2, _("2 — Majeur : production fortement dégradée")),
    (3, _("3 — Normal : fonctionnement dégradé")),
    (4, _("4 — Faible : demande sans impact")),
]


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the field it names, else on the whole form.

    A hidden field shows no errors: its refusal goes on the whole form.
    """
    field = error.field if error.field in form.fields else None
    if field is not None and form.fields[field].widget.is_hidden:
        field = None
    form.add_error(field, str(error.message))


# --- Opening ------------------------------------------------------------------------------


class SerialLookupForm(forms.Form):
    serial = forms.CharField(
        label=_("Numéro de série de l'équipement"),
        max_length=SERIAL_INPUT_MAX,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "CZJ1234567"}),
    )

    def clean_serial(self) -> str:
        """Normalised as stored (``contracts.serials``): "czj 000 0022" is CZJ0000022."""
        try:
            return clean_serial(self.cleaned_data["serial"], field="serial")
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code=error.code) from None


class TicketOpenForm(forms.Form):
    """What the caller describes once the asset and its coverage are known.

    ``assets``: the covered assets the serial look-up found, already loaded (with their site,
    product line and customer, as opening reads them): the choice is checked against them,
    with no query of its own.
    """

    asset = forms.TypedChoiceField(
        label=_("Équipement"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez un équipement de la liste.")},
    )
    severity = forms.TypedChoiceField(
        label=_("Sévérité"), choices=SEVERITY_CHOICES, coerce=int, initial=3
    )
    kind = forms.ChoiceField(label=_("Type d'intervention"), choices=Kind.choices)
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=200,
        help_text=_("Le problème en une ligne, par exemple « Disque 2 en panne, RAID dégradé »."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Symptômes, messages d'erreur, accès au site, contact sur place."),
    )

    def __init__(self, *args: Any, assets: list[Asset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assets = {asset.pk: asset for asset in assets}
        field = cast("forms.TypedChoiceField", self.fields["asset"])
        field.choices = [
            (asset.pk, f"{asset.serial_number} — {asset_label(asset)}") for asset in assets
        ]
        if len(assets) == 1:
            # One asset with this serial: nothing to choose.
            field.widget = forms.HiddenInput()
            field.initial = assets[0].pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "asset" in cleaned:
            cleaned["asset"] = self.assets[cleaned["asset"]]
        if "asset" in self.errors and self.fields["asset"].widget.is_hidden:
            # Nobody sees a hidden field's error: say it for the whole form.
            for message in self.errors.pop("asset"):
                self.add_error(None, message)
        return cleaned


# --- Actions on a ticket ---------------------------------------------------------------------


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class DispatchForm(forms.Form):
    engineer = forms.ModelChoiceField(
        label=_("Ingénieur"),
        queryset=Engineer.objects.none(),
        empty_label=_("— Choisir un ingénieur —"),
        error_messages={
            "required": _("Choisissez l'ingénieur à dépêcher."),
            "invalid_choice": _("Cet ingénieur ne peut pas intervenir sur ce ticket."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.TextInput(),
        help_text=_("Requis pour envoyer un ingénieur non certifié sur la gamme de l'équipement."),
    )

    def __init__(
        self,
        *args: Any,
        ticket: Ticket,
        candidates: list[dispatch.Candidate] | None = None,
        line: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if ticket.delivered_by == Organisation.CDS:
            field = _UserChoiceField(
                label=_("Ingénieur CDS"),
                queryset=cds_engineers(),
                empty_label=_("— Choisir un ingénieur CDS —"),
                error_messages=self.fields["engineer"].error_messages,
            )
            self.fields["engineer"] = field
            # CDS engineers hold no partner certification: nothing to justify.
            del self.fields["reason"]
        else:
            engineers = cast("forms.ModelChoiceField[Engineer]", self.fields["engineer"])
            engineers.queryset = Engineer.objects.filter(
                partner_id=ticket.partner_id, is_active=True
            ).order_by("name", "id")
        if candidates is not None:
            # The ranked list (certified first, least loaded first), read once: the select
            # shows it without querying again; the queryset still checks what is posted.
            choice = cast("forms.ModelChoiceField[Any]", self.fields["engineer"])
            choice.choices = dispatch_choices(candidates, line, str(choice.empty_label))
        current = ticket.assigned_cds_user_id or ticket.assigned_engineer_id
        if current:
            self.fields["engineer"].initial = current


class PauseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=PauseReason.choices,
        error_messages={"required": _("Choisissez le motif de la pause.")},
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("Compte rendu"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ce qui a été fait pour rétablir le service (requis)."),
        error_messages={
            "required": _(
                "Rédigez le compte rendu de l'intervention : il est requis pour résoudre."
            )
        },
    )


class HandoverForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du transfert"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez pourquoi le ticket est confié au CDS.")},
    )


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(),
    )


class EmptyForm(forms.Form):
    """Actions without parameters (acknowledge, arrive, close, resume)."""


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "acknowledge": EmptyForm,
    "dispatch": DispatchForm,
    "arrive": EmptyForm,
    "resolve": ResolveForm,
    "close": EmptyForm,
    "pause": PauseForm,
    "resume": EmptyForm,
    "escalate": EscalateForm,
    "handover": HandoverForm,
}


def action_form(
    action: str,
    ticket: Ticket,
    data: Any = None,
    *,
    candidates: list[dispatch.Candidate] | None = None,
    line: str = "",
) -> forms.Form:
    """The form of ``action``; the dispatch form lists ``candidates`` (certified on ``line``
    first) when given."""
    form_class = ACTION_FORMS[action]
    prefix = action
    if form_class is DispatchForm:
        return DispatchForm(data, ticket=ticket, candidates=candidates, line=line, prefix=prefix)
    return form_class(data, prefix=prefix)


# --- Queue filters ---------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters, read from GET; an invalid value is ignored."""

    state = forms.ChoiceField(
        label=_("Tickets"),
        required=False,
        widget=QuickSelect,
        choices=[
            ("open", _("Ouverts")),
            ("", _("Ouverts et clos")),
            ("closed", _("Résolus ou clos")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("Tous les statuts")), *Status.choices],
    )
    delivered_by = forms.ChoiceField(
        label=_("Délivré par"),
        required=False,
        widget=QuickSelect,
        choices=[
            ("", _("Partenaire et CDS")),
            *Organisation.choices,
            ("backup", _("Renfort CDS demandé")),
        ],
    )
    severity = forms.TypedChoiceField(
        label=_("Sévérité"),
        required=False,
        widget=QuickSelect,
        coerce=int,
        empty_value=None,
        choices=[("", _("Toutes"))] + [(i, str(i)) for i in range(1, 5)],
    )

    def __init__(self, *args: Any, partners: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"] = forms.TypedChoiceField(
                label=_("Partenaire"),
                required=False,
                widget=QuickSelect,
                coerce=int,
                empty_value=None,
                choices=[("", _("Tous les partenaires"))] + [(p.pk, p.name) for p in partners],
            )

    def values(self) -> dict[str, Any]:
        """The valid filters only (a bad value in the URL is dropped, not an error page)."""
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name in self.cleaned_data and self.cleaned_data[name] not in ("", None)
        }
