"""Representations of the programme in the v1 API (field names are the contract: ``API.md``).

Contract decisions documented here and in the schema:

* ``name`` of tiers, courses and product lines follows the request's language.
* ``courses/``: ``product_line`` is an object ``{code, name}``.
* ``certifications/``: ``course`` is the course id on output; on input the id or the
  course code (``"PL-ASE"``) is accepted. ``accreditations/``: ``tier`` is ``{id, code,
  name}`` on output; on input the id or the tier code (``"expert"``).
* ``partners/{id}/eligibility/``: ``evaluated_at`` is the evaluation date (``YYYY-MM-DD``):
  eligibility is decided per day.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from partners import eligibility as engine
from partners import selectors, services
from partners.models import (
    Accreditation,
    Certification,
    Course,
    DeliveryPolicy,
    Engineer,
    EngineerAvailability,
    Partner,
    ProductLine,
    StaffedCoverage,
    Tier,
    TierRequirement,
)
from servicone.access import PartnerRole
from servicone.api.ids import looks_like_id
from servicone.api.tenancy import ScopedPrimaryKeyRelatedField

User = get_user_model()

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


# --- Small shared pieces -------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "The id, or the code (an all-digit value is read as an id).",
    }
)
class IdOrCodeRelatedField(serializers.RelatedField):
    """A related object given by id or by its ``code``; shown as its id."""

    default_error_messages = {
        "does_not_exist": _("Object with {slug_name}={value} does not exist."),
        "incorrect_type": _("Incorrect type. Expected pk value, received {data_type}."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, (int, str)) or data == "":
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data).strip()
        # ASCII digits only: "²" is a digit to str.isdigit but not to int() (a 500 once).
        lookup: dict[str, int | str] = {"pk": int(text)} if looks_like_id(text) else {"code": text}
        try:
            return self.get_queryset().get(**lookup)
        except (ObjectDoesNotExist, ValueError, OverflowError):
            self.fail("does_not_exist", slug_name="id" if "pk" in lookup else "code", value=text)

    def to_representation(self, value: Any) -> int:
        return value.pk


class CodeNameSerializer(serializers.Serializer):
    """``{code, name}`` of a tier or product line; the name in the request's language."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class TierRefSerializer(CodeNameSerializer):
    id = serializers.IntegerField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


# --- Programme ---------------------------------------------------------------------------------


class TierRequirementSerializer(serializers.ModelSerializer):
    amount_eur = serializers.DecimalField(**MONEY, read_only=True, allow_null=True)
    course = CodeNameSerializer(read_only=True, allow_null=True)
    min_engineers = serializers.SerializerMethodField(
        help_text="Certified engineers needed (course requirements only)."
    )
    previous_tier: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = TierRequirement
        fields = ["kind", "amount_eur", "course", "min_engineers", "previous_tier"]

    def get_min_engineers(self, requirement: TierRequirement) -> int | None:
        return (
            requirement.min_engineers if requirement.kind == TierRequirement.Kind.COURSE else None
        )


class TierSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    min_revenue_eur = serializers.DecimalField(
        **MONEY,
        read_only=True,
        allow_null=True,
        help_text="Trailing-12-month services revenue needed, or null when none is.",
    )
    requirements = TierRequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "code",
            "name",
            "rank",
            "requires_approval",
            "min_revenue_eur",
            "description",
            "requirements",
        ]


class ProductLineSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = ProductLine
        fields = ["code", "name"]


class CourseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    product_line = ProductLineSerializer(read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "name", "product_line", "validity_months", "is_advanced"]


# --- Partners and their users -----------------------------------------------------------------


class PartnerSerializer(serializers.ModelSerializer):
    tier = CodeNameSerializer(read_only=True, allow_null=True)
    pending_tier = CodeNameSerializer(
        read_only=True,
        allow_null=True,
        help_text="The tier the partner falls to when the grace period ends (null outside grace).",
    )
    declared_revenue_12m_eur = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        help_text="Revenue made outside the portal (HP-editable, every change audited).",
    )
    services_revenue_12m_eur = serializers.SerializerMethodField(
        help_text="Declared revenue + contracts sold in the trailing 12 months."
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "siren",
            "city",
            "is_active",
            "legacy_programme",
            "tier",
            "tier_since",
            "grace_until",
            "pending_tier",
            "evaluated_on",
            "declared_revenue_12m_eur",
            "services_revenue_12m_eur",
            "created_at",
        ]
        read_only_fields = ["tier_since", "grace_until", "evaluated_on", "created_at"]

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_services_revenue_12m_eur(self, partner: Partner) -> str:
        # Lists compute the figure for the whole page at once (see the view).
        amount = self.context.get("services_revenue", {}).get(partner.pk)
        if amount is None:
            amount = selectors.services_revenue_12m(partner)
        return f"{amount.quantize(Decimal('0.01')):.2f}"

    def validate_siren(self, value: str) -> str:
        if value:
            others = Partner.objects.filter(siren=value)
            if self.instance is not None:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise serializers.ValidationError(services.SIREN_TAKEN, code="unique")
        return value

    # The services write and audit; a SIREN taken meanwhile is their 400 on ``siren``.
    def create(self, validated_data: dict[str, Any]) -> Partner:
        return services.partner_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance: Partner, validated_data: dict[str, Any]) -> Partner:
        return services.partner_update(
            partner=instance, actor=self.context["request"].user, **validated_data
        )


class PartnerUserSerializer(serializers.ModelSerializer):
    """A portal login of one partner, with its role there.

    ``username``: Django's rules for its characters and length; whether it is free (in
    any case) is the service's check, answered ``unique`` without saying whose it is.
    """

    username = serializers.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only; unique whatever the case.",
    )
    role = serializers.ChoiceField(choices=PartnerRole.choices, source="membership.role")
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Checked against the portal's password rules; never returned.",
    )

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "role", "password"]
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(
            username=attrs.get("username", ""),
            email=attrs.get("email", ""),
            first_name=attrs.get("first_name", ""),
            last_name=attrs.get("last_name", ""),
        )
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                {
                    "password": [
                        ErrorDetail(message, code=error.code or "invalid")
                        for error, message in zip(exc.error_list, exc.messages, strict=True)
                    ]
                }
            ) from None
        return attrs

    def validate_username(self, value: str) -> str:
        if services.username_taken(value):
            raise serializers.ValidationError(services.USERNAME_UNAVAILABLE, code="unique")
        return value

    def create(self, validated_data: dict[str, Any]) -> Any:
        return services.partner_user_create(
            partner=self.context["partner"],
            actor=self.context["request"].user,
            role=validated_data.pop("membership")["role"],
            **validated_data,
        )


# --- Eligibility (documentation of the response; the view returns the dict as is) --------------


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text='"min_revenue", "course:<code>", "previous_tier:<code>", "approval".'
    )
    kind = serializers.ChoiceField(choices=TierRequirement.Kind.choices)
    met = serializers.BooleanField()
    # The criterion's "required" value (an API field), not Field.required.
    required = serializers.CharField()  # type: ignore[assignment]
    actual = serializers.CharField()
    missing = serializers.CharField(
        help_text='What is missing ("3200.00", "1", …); "0.00"/"0"/"" when met.'
    )
    message = serializers.CharField(help_text="In the request's language.")
    messages = serializers.DictField(
        child=serializers.CharField(), help_text="By language: fr, en."
    )
    progress = serializers.FloatField(help_text="0 to 1.")


class TierEvaluationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    requires_approval = serializers.BooleanField()
    eligible = serializers.BooleanField()
    eligible_but_approval = serializers.BooleanField(
        help_text="Every criterion but HP approval is met (an application may be submitted)."
    )
    criteria = CriterionSerializer(many=True)


class AtRiskSerializer(serializers.Serializer):
    tier = serializers.CharField()
    date = serializers.DateField(help_text="First day the tier's criteria no longer hold.")
    reason = serializers.ChoiceField(
        choices=[
            engine.REASON_CERTIFICATION_EXPIRY,
            engine.REASON_REVENUE_WINDOW,
            engine.REASON_APPROVAL_EXPIRY,
        ]
    )
    message = serializers.CharField()
    criterion = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    partner_name = serializers.CharField()
    evaluated_at = serializers.DateField()
    current_tier = serializers.CharField(allow_null=True)
    grace_until = serializers.DateField(allow_null=True)
    pending_tier = serializers.CharField(allow_null=True)
    services_revenue_12m_eur = serializers.DecimalField(**MONEY)
    next_tier = serializers.CharField(
        allow_null=True,
        help_text="The lowest tier above the highest one the partner is eligible for.",
    )
    at_risk = AtRiskSerializer(
        allow_null=True,
        help_text="When the current tier would be lost if nothing new happens (null: not within two years).",
    )
    tiers = TierEvaluationSerializer(many=True)


class ExtraCertificationSerializer(serializers.Serializer):
    course = IdOrCodeRelatedField(queryset=Course.objects.all())
    count = serializers.IntegerField(min_value=1, max_value=100, default=1)


class WhatIfRequestSerializer(serializers.Serializer):
    extra_revenue_eur = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), default=Decimal("0")
    )
    # many=True makes a ListSerializer, which takes max_length (the stubs type the child).
    extra_certifications = ExtraCertificationSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=50
    )


class WhatIfScenarioSerializer(serializers.Serializer):
    extra_revenue_eur = serializers.DecimalField(**MONEY)
    extra_certifications = serializers.ListField(child=serializers.DictField())


class WhatIfSerializer(EligibilitySerializer):
    highest_tier = serializers.CharField(
        allow_null=True, help_text="The highest tier reachable with the scenario."
    )
    highest_tier_status = serializers.ChoiceField(
        choices=["eligible", "eligible_but_approval"],
        allow_null=True,
        help_text='"eligible_but_approval" when that tier still needs HP approval.',
    )
    scenario = WhatIfScenarioSerializer()


# --- Engineers and certifications ---------------------------------------------------------------


class EngineerSerializer(serializers.ModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(
        tenant_field="pk",
        queryset=Partner.objects.all(),
        required=False,
        help_text="Required from HP staff; a partner administrator's own partner otherwise.",
    )
    valid_certifications = serializers.SerializerMethodField(
        help_text="Certifications valid today."
    )

    class Meta:
        model = Engineer
        fields = [
            "id",
            "partner",
            "name",
            "email",
            "is_active",
            "valid_certifications",
            "home_department",
            "created_at",
        ]
        read_only_fields = ["is_active", "created_at"]
        # The service checks e-mail uniqueness per partner (code duplicate_email).
        validators: list[Any] = []

    def get_valid_certifications(self, engineer: Engineer) -> int:
        count = getattr(engineer, "valid_certification_count", None)
        if count is None:
            count = engineer.certifications.valid_on(selectors.today()).count()
        return count


class CertificationSerializer(serializers.ModelSerializer):
    engineer = ScopedPrimaryKeyRelatedField(tenant_field="partner", queryset=Engineer.objects.all())
    engineer_name = serializers.CharField(source="engineer.name", read_only=True)
    partner = serializers.IntegerField(source="engineer.partner_id", read_only=True)
    course = IdOrCodeRelatedField(
        queryset=Course.objects.all(), help_text="Course id (or, on input, its code)."
    )
    course_code = serializers.CharField(source="course.code", read_only=True)
    course_name = serializers.CharField(source="course.display_name", read_only=True)
    valid = serializers.SerializerMethodField(help_text="Valid today.")

    class Meta:
        model = Certification
        fields = [
            "id",
            "engineer",
            "engineer_name",
            "partner",
            "course",
            "course_code",
            "course_name",
            "passed_on",
            "expires_on",
            "valid",
            "created_at",
        ]
        read_only_fields = ["expires_on", "created_at"]
        # The service refuses duplicates with code duplicate_certification.
        validators: list[Any] = []

    def get_valid(self, certification: Certification) -> bool:
        today = self.context.get("today") or selectors.today()
        return certification.is_valid_on(today)


# --- Accreditations -----------------------------------------------------------------------------


class AccreditationSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    tier = TierRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    submitted_by = UserRefSerializer(read_only=True, allow_null=True)
    eligibility_snapshot = serializers.JSONField(
        read_only=True, allow_null=True, help_text="The evaluation as it stood at submission."
    )
    decision_snapshot = serializers.JSONField(
        read_only=True, allow_null=True, help_text="The evaluation as it stood at the decision."
    )

    class Meta:
        model = Accreditation
        fields = [
            "id",
            "partner",
            "partner_name",
            "tier",
            "status",
            "created_at",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "decision_comment",
            "valid_until",
            "eligibility_snapshot",
            "decision_snapshot",
        ]
        read_only_fields = fields


class AccreditationCreateSerializer(serializers.Serializer):
    """A draft application: the tier (id or code), and the partner when HP creates it."""

    tier = IdOrCodeRelatedField(queryset=Tier.objects.all())
    partner = ScopedPrimaryKeyRelatedField(
        tenant_field="pk",
        queryset=Partner.objects.all(),
        required=False,
        help_text="Required from HP staff; a partner administrator's own partner otherwise.",
    )

    def to_representation(self, instance: Accreditation) -> dict[str, Any]:
        return AccreditationSerializer(instance, context=self.context).data


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Required to reject.",
    )


# --- Delivery policy ---------------------------------------------------------------------


class DeliveryPolicySerializer(serializers.Serializer[Any]):
    """``partners/{id}/delivery-policy/``: the version in force (GET) or a new one (PUT)."""

    departments = serializers.ListField(
        child=serializers.CharField(max_length=3),
        allow_empty=False,
        help_text="Codes of the départements and overseas regions served: 01…95, 2A, 2B, 971…976.",
    )
    staffed_coverage = serializers.ChoiceField(choices=StaffedCoverage.choices)
    hand_back_at_opening = serializers.BooleanField(default=False)
    product_lines_declined = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ProductLine.objects.all(),
        many=True,
        required=False,
        help_text="Codes of the product lines the partner leaves to CDS.",
    )
    max_open_tickets_per_engineer = serializers.IntegerField(
        min_value=1, max_value=100, allow_null=True, required=False, default=None
    )
    effective_from = serializers.DateField(
        required=False, help_text="Today by default; never in the past."
    )
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    in_force = serializers.SerializerMethodField(
        help_text="False when the version shown is only scheduled (none in force yet)."
    )

    def get_in_force(self, policy: DeliveryPolicy) -> bool:
        return policy.effective_from <= selectors.today()


class DeliveryPolicyAnswerSerializer(DeliveryPolicySerializer):
    """What GET and PUT answer: the fields a partner without any version has null."""

    staffed_coverage = serializers.ChoiceField(
        choices=StaffedCoverage.choices, allow_null=True, read_only=True
    )
    effective_from = serializers.DateField(allow_null=True, read_only=True)
    id = serializers.IntegerField(allow_null=True, read_only=True)
    created_at = serializers.DateTimeField(allow_null=True, read_only=True)


# What GET answers for a partner that has set no policy yet.
NO_DELIVERY_POLICY: dict[str, Any] = {
    "departments": [],
    "staffed_coverage": None,
    "hand_back_at_opening": False,
    "product_lines_declined": [],
    "max_open_tickets_per_engineer": None,
    "effective_from": None,
    "id": None,
    "created_at": None,
    "in_force": False,
}


class EngineerAvailabilitySerializer(serializers.ModelSerializer[EngineerAvailability]):
    """An absence or on-call period of an engineer (``engineers/{id}/availability/``)."""

    class Meta:
        model = EngineerAvailability
        fields = ["id", "kind", "starts_at", "ends_at", "note"]


class HomeDepartmentSerializer(serializers.Serializer[Any]):
    home_department = serializers.CharField(
        max_length=3, allow_blank=True, help_text="A département code, or '' (not said)."
    )
