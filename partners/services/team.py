"""The partner's people: engineers, their certifications, and portal logins (with roles)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from partners import eligibility as engine
from partners import selectors
from partners.models import Certification, Course, Engineer, Membership, Partner
from partners.services.tiers import schedule_tier_evaluation
from servicone.access import AnyUser, PartnerRole
from servicone.audit import audit
from servicone.errors import DomainError
from webhooks.events import EventSpec, events_emit
from webhooks.models import EventType

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A renewal may be recorded while the current certification is in its last days.
CERTIFICATION_RENEWAL_WINDOW_DAYS = 90

# ``certification.expiring`` webhooks leave this many days before the expiry (the first is
# the programme's warning period), once each.
CERTIFICATION_EXPIRY_NOTICE_DAYS = (engine.EXPIRY_WARNING_DAYS, 30)

# Said whoever holds the username (another partner's user, HP staff): nothing more.
USERNAME_UNAVAILABLE = _("Cet identifiant n'est pas disponible : choisissez-en un autre.")


def username_taken(username: str, *, except_user_id: int | None = None) -> bool:
    """Whether a login already uses ``username``, whatever its case (``Admin`` is ``admin``).

    The unique index on ``LOWER(username)`` (migration ``partners.0005``) holds it in the
    database; this check lets forms say so before trying.
    """
    rows = get_user_model().objects.filter(username__iexact=username.strip())
    if except_user_id is not None:
        rows = rows.exclude(pk=except_user_id)
    return rows.exists()


def _username_unavailable() -> DomainError:
    return DomainError("unique", USERNAME_UNAVAILABLE, field="username")


@transaction.atomic
def engineer_create(
    *, partner: Partner, name: str, email: str = "", actor: AnyUser | None
) -> Engineer:
    """A new engineer of ``partner``; the e-mail, when given, is unique within the partner."""
    name = name.strip()
    if not name:
        raise DomainError("required", _("Le nom de l'ingénieur est obligatoire."), field="name")
    email = email.strip().lower()
    if email and Engineer.objects.filter(partner=partner, email=email).exists():
        raise DomainError(
            "duplicate_email",
            _("Un ingénieur de ce partenaire a déjà cette adresse e-mail."),
            field="email",
        )
    engineer = Engineer.objects.create(partner=partner, name=name, email=email)
    audit(action="engineer.create", actor=actor, partner=partner, obj=engineer, name=name)
    return engineer


@transaction.atomic
def engineer_update(
    *,
    engineer: Engineer,
    actor: AnyUser | None,
    name: str | None = None,
    email: str | None = None,
    is_active: bool | None = None,
    user: User | None = None,
    clear_user: bool = False,
) -> Engineer:
    """Change the given fields (``None``: left as is; ``clear_user`` unlinks the login).

    The e-mail stays unique within the partner; a linked login must be one of the
    partner's users. One audit row lists what changed; (de)activating an engineer
    re-evaluates the partner's tier (certified engineers count only while active).
    """
    locked = Engineer.objects.select_for_update().get(pk=engineer.pk)
    given: dict[str, object] = {}
    if name is not None:
        if not name.strip():
            raise DomainError("required", _("Le nom de l'ingénieur est obligatoire."), field="name")
        given["name"] = name.strip()
    if email is not None:
        email = email.strip().lower()
        duplicate = Engineer.objects.filter(partner_id=locked.partner_id, email=email)
        if email and duplicate.exclude(pk=locked.pk).exists():
            raise DomainError(
                "duplicate_email",
                _("Un ingénieur de ce partenaire a déjà cette adresse e-mail."),
                field="email",
            )
        given["email"] = email
    if is_active is not None:
        given["is_active"] = is_active
    if user is not None:
        if not Membership.objects.filter(user=user, partner_id=locked.partner_id).exists():
            raise DomainError(
                "user_not_of_partner",
                _("Ce compte n'est pas un utilisateur de ce partenaire."),
                field="user",
            )
        given["user_id"] = user.pk
    elif clear_user:
        given["user_id"] = None
    changes = {f: v for f, v in given.items() if getattr(locked, f) != v}
    if not changes:
        return locked
    before = {f: getattr(locked, f) for f in changes}
    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=list(changes))
    except IntegrityError:  # the login is another engineer's
        raise DomainError(
            "user_taken", _("Ce compte est déjà celui d'un autre ingénieur."), field="user"
        ) from None
    audit(
        action="engineer.update",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        changes={f: [str(before[f]), str(v)] for f, v in changes.items()},
    )
    if "is_active" in changes:
        schedule_tier_evaluation(locked.partner_id)
    return locked


@transaction.atomic
def partner_user_create(
    *,
    partner: Partner,
    username: str,
    email: str,
    password: str,
    role: str,
    actor: AnyUser | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A portal login for one of the partner's people, with its role there; audited.

    The caller (form or serializer) has checked the input's shape and the password
    rules. A username already in use, in any case (``Admin`` when ``admin`` exists), is
    a 400 ``unique`` on ``username`` with a message that does not say whose it is (an
    HP login, another partner's); so is one taken meanwhile by a concurrent request.
    """
    user_model = get_user_model()
    if username_taken(username):
        raise _username_unavailable()
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(
                username=username,
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError:
        raise _username_unavailable() from None
    membership = Membership.objects.create(user=user, partner=partner, role=role)
    audit(
        action="membership.create",
        actor=actor,
        partner=partner,
        obj=membership,
        username=user.get_username(),
        role=role,
    )
    user.membership = membership
    return user


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor: AnyUser | None) -> Membership:
    """Give the partner's user another role there; audited."""
    if role not in PartnerRole.values:
        raise DomainError("invalid_choice", _("Rôle inconnu : %(r)s.") % {"r": role}, field="role")
    locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if locked.role == role:
        return locked
    before = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    audit(
        action="membership.role",
        actor=actor,
        partner=locked.partner,
        obj=locked,
        username=locked.user.get_username(),
        before=before,
        after=role,
    )
    return locked


def certification_expiry(course: Course, passed_on: date) -> date:
    """Valid through the day before the same date ``validity_months`` later."""
    expires_on: date = passed_on + relativedelta(months=course.validity_months) - timedelta(days=1)
    return expires_on


@transaction.atomic
def certification_create(
    *,
    engineer: Engineer,
    course: Course,
    passed_on: date,
    actor: AnyUser | None,
    today: date | None = None,
) -> Certification:
    """Record that ``engineer`` passed ``course``; refuses future dates and duplicates."""
    today = today or selectors.today()
    if passed_on > today:
        raise DomainError(
            "passed_in_future",
            _("La date d'obtention ne peut pas être dans le futur."),
            field="passed_on",
        )
    # Lock the engineer: two concurrent submissions of the same pass cannot both pass the check.
    Engineer.objects.select_for_update().get(pk=engineer.pk)
    current = (
        Certification.objects.filter(engineer=engineer, course=course)
        .valid_on(passed_on)
        .order_by("-expires_on")
        .first()
    )
    if (
        current is not None
        and (current.expires_on - passed_on).days > CERTIFICATION_RENEWAL_WINDOW_DAYS
    ):
        raise DomainError(
            "duplicate_certification",
            _(
                "Cet ingénieur détient déjà une certification valide sur cette formation (jusqu'au %(date)s)."
            )
            % {"date": engine.format_date_fr(current.expires_on)},
            field="course",
        )
    try:
        with transaction.atomic():
            certification = Certification.objects.create(
                engineer=engineer,
                course=course,
                passed_on=passed_on,
                expires_on=certification_expiry(course, passed_on),
            )
    except IntegrityError:
        raise DomainError(
            "duplicate_certification",
            _("Cette certification est déjà enregistrée."),
            field="course",
        ) from None
    audit(
        action="certification.create",
        actor=actor,
        partner=engineer.partner,
        obj=certification,
        engineer=engineer.name,
        course=course.code,
        passed_on=passed_on.isoformat(),
        expires_on=certification.expires_on.isoformat(),
    )
    schedule_tier_evaluation(engineer.partner_id)
    return certification


@transaction.atomic
def certification_delete(*, certification: Certification, actor: AnyUser | None) -> None:
    """Remove a certification recorded by mistake; audited, and the tier re-evaluated."""
    locked = (
        Certification.objects.select_for_update(of=("self",))
        .select_related("engineer__partner", "course")
        .get(pk=certification.pk)
    )
    partner = locked.engineer.partner
    audit(
        action="certification.delete",
        actor=actor,
        partner=partner,
        obj=locked,
        engineer=locked.engineer.name,
        course=locked.course.code,
        passed_on=locked.passed_on.isoformat(),
        expires_on=locked.expires_on.isoformat(),
    )
    locked.delete()
    schedule_tier_evaluation(partner.pk)


@transaction.atomic
def certifications_announce_expiring(*, today: date | None = None) -> int:
    """Emit ``certification.expiring`` for certifications 90 then 30 days from expiry.

    Once per certification and threshold (the events' key): a job run twice, or after a
    missed day, emits each one once. Certifications of inactive engineers, and those
    already renewed (a later one on the same course), are left out. One query to find
    them, one INSERT for the events; returns how many were due.
    """
    today = today or selectors.today()
    horizon = today + timedelta(days=max(CERTIFICATION_EXPIRY_NOTICE_DAYS))
    renewed = Certification.objects.filter(
        engineer=OuterRef("engineer"),
        course=OuterRef("course"),
        expires_on__gt=OuterRef("expires_on"),
    )
    due = (
        Certification.objects.expiring_between(today, horizon)
        .filter(engineer__is_active=True, engineer__partner__is_active=True)
        .exclude(Exists(renewed))
        .values_list("pk", "engineer__partner_id", "expires_on")
    )
    specs = []
    for pk, partner_id, expires_on in due:
        days_left = (expires_on - today).days
        # The smallest threshold not yet passed: a missed day still emits its event once.
        threshold = min(d for d in CERTIFICATION_EXPIRY_NOTICE_DAYS if days_left <= d)
        specs.append(
            EventSpec(
                EventType.CERTIFICATION_EXPIRING,
                partner_id,
                pk,
                dedup_key=f"certification-expiring:{pk}:{threshold}",
            )
        )
    events_emit(specs)
    return len(specs)
