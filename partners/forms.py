"""Forms of the programme pages. They validate input; services do the writing.

Errors raised by services (``DomainError`` and its subclasses) are put back on
the form with ``add_domain_error``, so the page shows them where the user typed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from partners import eligibility as engine
from partners.models import (
    AvailabilityKind,
    Course,
    Engineer,
    Partner,
    ProductLine,
    StaffedCoverage,
    department_choices,
)
from partners.services import USERNAME_UNAVAILABLE, username_taken
from servicone.access import PartnerRole
from servicone.apikeys import SCOPES, scope_label
from servicone.presenters import is_english

# How many "course + engineers" rows the what-if form offers.
WHAT_IF_ROWS = 3
# Any of these in the query string means the what-if form was submitted.
WHAT_IF_KEYS = (
    "extra_revenue",
    *(f"{field}_{row}" for row in range(1, WHAT_IF_ROWS + 1) for field in ("course", "engineers")),
)
WHAT_IF_MAX_ENGINEERS = 50
WHAT_IF_MAX_REVENUE = Decimal("1000000000")

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_CURRENCY = re.compile(r"(€|eur)$", re.IGNORECASE)
_EN_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_amount(raw: str, *, lang: str | None = None) -> Decimal:
    """A money amount typed the French way (``3 200,50``) or the English way (``3,200.50``).

    Spaces of any kind (including U+202F) and apostrophes group thousands. With both a
    comma and a point, the last one is the decimal separator. A lone comma is the
    decimal separator, except in English when it groups thousands (``3,200``).
    Raises ``ValueError`` when the text is not a number.
    """
    text = _CURRENCY.sub("", _SPACES.sub("", raw))
    if not text:
        raise ValueError("empty")
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in text:
        english = lang.startswith("en") if lang else is_english()
        if english and _EN_THOUSANDS.match(text):
            text = text.replace(",", "")
        else:
            if text.count(",") > 1:
                raise ValueError(raw)
            text = text.replace(",", ".")
    elif text.count(".") > 1:
        raise ValueError(raw)
    if not re.fullmatch(r"[+-]?\d*(\.\d*)?", text) or text in ("", ".", "+", "-"):
        raise ValueError(raw)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(raw) from None


class AmountField(forms.CharField):
    """EUR amount accepting French and English input; returns a ``Decimal`` (2 places)."""

    default_error_messages = {
        "invalid": _("Saisissez un montant en euros, par exemple 3 200,50."),
        "negative": _("Le montant ne peut pas être négatif."),
        "too_precise": _("Le montant a au plus deux décimales."),
        "too_large": _("Le montant est trop élevé."),
    }

    # The amount, where CharField returns the text.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        try:
            amount = parse_amount(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(self.error_messages["too_precise"], code="too_precise")
        if amount > WHAT_IF_MAX_REVENUE:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount.quantize(Decimal("0.01"))


class WhatIfForm(forms.Form):
    """« Et si… » : extra revenue and extra certified engineers, read from GET."""

    extra_revenue = AmountField(
        label=_("Chiffre d'affaires services supplémentaire (EUR)"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "3 200,50", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, courses: list[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— Formation —"))] + [
            (course.code, f"{course.code} · {course.display_name}") for course in courses
        ]
        for row in range(1, WHAT_IF_ROWS + 1):
            self.fields[f"course_{row}"] = forms.ChoiceField(
                label=_("Formation"), required=False, choices=choices
            )
            self.fields[f"engineers_{row}"] = forms.IntegerField(
                label=_("Ingénieurs certifiés en plus"),
                required=False,
                min_value=1,
                max_value=WHAT_IF_MAX_ENGINEERS,
                widget=forms.NumberInput(attrs={"min": 1, "max": WHAT_IF_MAX_ENGINEERS}),
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"course_{row}"], self[f"engineers_{row}"]) for row in range(1, WHAT_IF_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in range(1, WHAT_IF_ROWS + 1):
            course = cleaned.get(f"course_{row}")
            count = cleaned.get(f"engineers_{row}")
            if course and count is None and f"engineers_{row}" not in self.errors:
                # A course chosen without a number means one more engineer.
                cleaned[f"engineers_{row}"] = 1
            elif count is not None and not course:
                self.add_error(f"course_{row}", _("Choisissez la formation."))
        return cleaned

    @property
    def has_scenario(self) -> bool:
        if not self.is_bound or not self.is_valid():
            return False
        scenario = self.scenario()
        return bool(scenario.extra_revenue_eur or scenario.extra_certifications)

    def scenario(self) -> engine.WhatIf:
        data = self.cleaned_data
        extra: dict[str, int] = {}
        for row in range(1, WHAT_IF_ROWS + 1):
            course = data.get(f"course_{row}")
            if course:
                extra[course] = extra.get(course, 0) + (data.get(f"engineers_{row}") or 1)
        return engine.WhatIf(
            extra_revenue_eur=data.get("extra_revenue") or Decimal("0"),
            extra_certifications=tuple(extra.items()),
        )


class EngineerForm(forms.Form):
    name = forms.CharField(label=_("Nom de l'ingénieur"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)


class CourseChoiceField(forms.ModelChoiceField):
    """Courses shown by code and name: « PL-ASE · ProLiant Server Solutions (ASE) »."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.display_name}"


class CertificationForm(forms.Form):
    engineer = forms.ModelChoiceField(label=_("Ingénieur"), queryset=Engineer.objects.none())
    course = CourseChoiceField(label=_("Formation"), queryset=Course.objects.none())
    passed_on = forms.DateField(
        label=_("Obtenue le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, partner: Partner, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engineer_field = self.fields["engineer"]
        assert isinstance(engineer_field, forms.ModelChoiceField)
        engineer_field.queryset = Engineer.objects.filter(partner=partner, is_active=True)
        course_field = self.fields["course"]
        assert isinstance(course_field, forms.ModelChoiceField)
        course_field.queryset = Course.objects.select_related("product_line")


class PartnerUserForm(forms.Form):
    """A new portal account for one of the partner's people, with its role."""

    username = forms.CharField(label=_("Identifiant"), max_length=150)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Rôle"), choices=PartnerRole.choices)
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        try:
            user_model._meta.get_field("username").run_validators(username)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        if username_taken(username):
            raise forms.ValidationError(USERNAME_UNAVAILABLE, code="unique")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif password1:
            candidate = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned

    def save(self, *, partner: Partner, actor: Any) -> Any:
        from partners.services import partner_user_create

        data = self.cleaned_data
        return partner_user_create(
            partner=partner,
            actor=actor,
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )


class DecisionForm(forms.Form):
    """Approve (comment optional) or reject (comment required, checked by the service)."""

    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Validity of a new API key, in days (0: no expiry).
API_KEY_VALIDITY_DAYS = (30, 90, 180, 365, 0)


def _scope_choices() -> list[tuple[str, str]]:
    # A callable: the labels are read when the form is shown, in the reader's language.
    return [(scope, scope_label(scope)) for scope in SCOPES]


def _validity_choices() -> list[tuple[int, str]]:
    return [
        (days, str(_("%(n)s jours") % {"n": days} if days else _("Sans expiration")))
        for days in API_KEY_VALIDITY_DAYS
    ]


class ApiKeyForm(forms.Form):
    """A new API key: what it is for, what it may reach, how long it lasts."""

    name = forms.CharField(
        label=_("Nom de la clé"),
        max_length=100,
        help_text=_("À quoi elle sert, par exemple « ServiceNow production »."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Portées"),
        choices=_scope_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "L'écriture comprend la lecture. Ne donnez que ce dont l'intégration a besoin."
        ),
    )
    validity_days = forms.TypedChoiceField(
        label=_("Validité"), coerce=int, choices=_validity_choices, initial=90
    )


# --- Delivery policy and engineers' availability ------------------------------------------


class ProductLineChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class DeliveryPolicyForm(forms.Form):
    """A new version of the partner's delivery policy (or the values of a what-if)."""

    departments = forms.MultipleChoiceField(
        label=_("Départements d'intervention"),
        choices=department_choices,
        # The départements' names are French proper names, in every language.
        widget=forms.SelectMultiple(attrs={"size": 12, "lang": "fr"}),
        help_text=_("Ctrl ou Cmd + clic pour en choisir plusieurs."),
    )
    staffed_coverage = forms.ChoiceField(
        label=_("Heures ouvrées"), choices=StaffedCoverage.choices, widget=forms.RadioSelect
    )
    hand_back_at_opening = forms.BooleanField(
        label=_("Reprendre à l'ouverture les tickets pris par le CDS hors des heures ouvrées"),
        required=False,
    )
    product_lines_declined = ProductLineChoiceField(
        label=_("Gammes refusées (même avec des ingénieurs certifiés)"),
        queryset=ProductLine.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_open_tickets_per_engineer = forms.IntegerField(
        label=_("Capacité : tickets ouverts au plus par ingénieur certifié"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Vide : pas de limite."),
    )
    effective_from = forms.DateField(
        label=_("En vigueur à partir du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _EngineerChoiceForm(forms.Form):
    """A form naming one of the partner's engineers, from the list the page already read
    (its choices cost no query of their own)."""

    def __init__(self, *args: Any, engineers: list[Engineer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._engineers = {str(engineer.pk): engineer for engineer in engineers}
        self.fields["engineer"] = forms.ChoiceField(
            label=_("Ingénieur"),
            choices=[("", "—"), *((str(e.pk), e.name) for e in engineers)],
        )
        self.order_fields(["engineer"])

    def clean_engineer(self) -> Engineer:
        return self._engineers[self.cleaned_data["engineer"]]


class EngineerDepartmentForm(_EngineerChoiceForm):
    home_department = forms.ChoiceField(
        label=_("Département de rattachement"),
        required=False,
        choices=lambda: [("", "—"), *department_choices()],
        widget=forms.Select(attrs={"lang": "fr"}),
    )


class AvailabilityForm(_EngineerChoiceForm):
    kind = forms.ChoiceField(label=_("Type"), choices=AvailabilityKind.choices)
    starts_at = forms.DateTimeField(
        label=_("Du"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Au"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("La fin doit suivre le début."))
        return cleaned
