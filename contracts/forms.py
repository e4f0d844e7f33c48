"""Forms of the catalogue, customer and contract pages. They validate input; services write.

A service's refusal (``DomainError``) goes back on the form with
``servicone.forms.add_domain_error``, on the field the service names when the form has it.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    Contract,
    DeliveryMode,
    OfferingKind,
    Site,
    Vendor,
    normalise_postal_code,
    validate_postal_code,
)
from contracts.presenters import REGION_LABELS
from contracts.serials import SERIAL_INPUT_MAX, clean_serial
from partners.models import ProductLine
from servicone.errors import DomainError

__all__ = [
    "AssetForm",
    "CancelForm",
    "ConfirmSaleForm",
    "ContractFilterForm",
    "CustomerForm",
    "ImportForm",
    "SiteForm",
    "region_choices",
    "timezone_choices",
]

# The time zones of France's sites, metropolitan first; the model accepts any IANA zone.
TIMEZONES = (
    ("Europe/Paris", _("Europe/Paris — métropole, Corse")),
    ("America/Guadeloupe", _("America/Guadeloupe — Guadeloupe")),
    ("America/Martinique", _("America/Martinique — Martinique")),
    ("America/Cayenne", _("America/Cayenne — Guyane")),
    ("Indian/Reunion", _("Indian/Reunion — La Réunion")),
    ("Indian/Mayotte", _("Indian/Mayotte — Mayotte")),
    ("America/St_Barthelemy", _("America/St_Barthelemy — Saint-Barthélemy")),
    ("America/Marigot", _("America/Marigot — Saint-Martin")),
    ("America/Miquelon", _("America/Miquelon — Saint-Pierre-et-Miquelon")),
    ("Pacific/Noumea", _("Pacific/Noumea — Nouvelle-Calédonie")),
    ("Pacific/Tahiti", _("Pacific/Tahiti — Polynésie française")),
    ("Pacific/Wallis", _("Pacific/Wallis — Wallis-et-Futuna")),
    ("Indian/Kerguelen", _("Indian/Kerguelen — Terres australes")),
    ("Europe/Brussels", _("Europe/Brussels — Belgique")),
    ("Europe/Luxembourg", _("Europe/Luxembourg — Luxembourg")),
    ("Europe/Zurich", _("Europe/Zurich — Suisse")),
    ("Europe/Monaco", _("Europe/Monaco — Monaco")),
)


def region_choices() -> list[tuple[str, Any]]:
    from holidays.countries.france import France

    codes = ["", *France.subdivisions]
    return [(code, REGION_LABELS.get(code, code)) for code in codes]


def timezone_choices() -> list[tuple[str, Any]]:
    return list(TIMEZONES)


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_choice_field(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Raison sociale"), max_length=200)
    siren = forms.RegexField(
        label=_("SIREN"),
        regex=r"^\d{9}$",
        required=False,
        max_length=9,
        error_messages={"invalid": _("Le SIREN compte exactement 9 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "552100554"}),
    )


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Nom du site"), max_length=200)
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False)
    postal_code = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "57000"}),
    )
    city = forms.CharField(label=_("Ville"), max_length=120)
    region = forms.ChoiceField(
        label=_("Région (jours fériés)"),
        required=False,
        help_text=_("Les jours fériés régionaux comptent dans les délais en heures ouvrées."),
    )
    timezone = forms.ChoiceField(label=_("Fuseau horaire"), initial="Europe/Paris")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "region").choices = region_choices()
        _choice_field(self, "timezone").choices = timezone_choices()

    def clean_postal_code(self) -> str:
        # The service's rule, here too so that the error shows on the field at once.
        value = normalise_postal_code(self.cleaned_data["postal_code"])
        validate_postal_code(value)
        return value

    def service_kwargs(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "address": data["address"],
            "postal_code": data["postal_code"],
            "city": data["city"],
            "region": data["region"],
            "timezone_name": data["timezone"],
        }


class AssetForm(forms.Form):
    serial_number = forms.CharField(
        label=_("Numéro de série"),
        max_length=SERIAL_INPUT_MAX,
        help_text=_(
            "Tel qu'il figure sur l'étiquette : les espaces sont retirés, les minuscules "
            "passent en majuscules."
        ),
    )
    vendor = forms.ChoiceField(label=_("Constructeur"), choices=Vendor.choices, initial=Vendor.HP)
    product_line = forms.ModelChoiceField(
        label=_("Gamme"), queryset=ProductLine.objects.order_by("name"), empty_label=None
    )
    model = forms.CharField(label=_("Modèle"), max_length=120, required=False)
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), empty_label=None)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = _model_choice_field(self, "site")
        site.queryset = sites
        # Choices read once: a model select would query again for its "required" check.
        site.choices = [(s.pk, str(s)) for s in sites]
        product_line = _model_choice_field(self, "product_line")
        lines = product_line.queryset
        assert lines is not None  # declared with one
        product_line.choices = [(p.pk, p.display_name) for p in lines]

    def clean(self) -> dict[str, Any]:
        # The service's rule (contracts.serials), here too so that the error shows at once
        # on the field, with the vendor chosen: an HP serial holds letters and digits only.
        cleaned = super().clean() or {}
        if "serial_number" in cleaned:
            try:
                cleaned["serial_number"] = clean_serial(
                    cleaned["serial_number"], vendor=cleaned.get("vendor")
                )
            except DomainError as error:
                self.add_error("serial_number", str(error.message))
        return cleaned


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous les statuts")), *Contract.Status.choices],
    )
    customer = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous les types")), *OfferingKind.choices]
    )
    ending = forms.BooleanField(label=_("Se termine dans les 90 jours"), required=False)
    q = forms.CharField(label=_("N° de contrat ou client"), required=False, max_length=100)

    def __init__(self, *args: Any, customers: list[tuple[int, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if customers is None:
            # HP staff: every partner's customers would not fit in a list; search by name
            # (a customer page still links here with its id).
            self.fields["customer"] = forms.IntegerField(
                required=False, min_value=1, widget=forms.HiddenInput
            )
        else:
            _choice_field(self, "customer").choices = [("", _("Tous les clients")), *customers]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif de l'annulation.")},
    )


class ConfirmSaleForm(forms.Form):
    delivery_mode = forms.ChoiceField(
        label=_("Qui délivre le service ?"),
        choices=DeliveryMode.choices,
        initial=DeliveryMode.PARTNER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, may_deliver: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_deliver:
            # Not the partner's choice: the service decides (CDS) and says why.
            del self.fields["delivery_mode"]

    @property
    def chosen_mode(self) -> str | None:
        return self.cleaned_data.get("delivery_mode") or None


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "UTF-8, séparateur « ; » ou « , ». En-tête : "
            "serial_number;vendor;product_line;model;site;city;postal_code;region;timezone"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
