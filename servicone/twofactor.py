"""Two-factor authentication (django-otp): a TOTP app, plus single-use recovery codes.

Who: anyone may turn it on; HP staff must when ``TWO_FACTOR_REQUIRED_FOR_HP`` is on (the
default with ``DEBUG=0``): they see every partner and approve accreditations. A user with a
confirmed device logs in with the password, then a code; until then every page sends them
to the code page. The API token endpoint asks for the code too (``otp``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from servicone.access import is_hp_staff
from servicone.audit import audit

RECOVERY_CODES = 10
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"


def has_two_factor(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def two_factor_required(user: Any) -> bool:
    """Must this user set up a second factor before using the portal?"""
    return bool(settings.TWO_FACTOR_REQUIRED_FOR_HP and is_hp_staff(user))


def pending_totp(user: Any) -> TOTPDevice:
    """The user's TOTP device being set up (created on first call, unconfirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def two_factor_confirm(*, user: Any, token: str) -> list[str] | None:
    """Confirm the pending TOTP device with a first code; returns the recovery codes
    (shown once), or ``None`` when the code is wrong (nothing changed)."""
    device = pending_totp(user)
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    # One TOTP device per person: a new phone replaces the old one.
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit(action="two_factor.enable", actor=user, partner=None, obj=device)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: Any) -> list[str]:
    """New recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit(action="two_factor.recovery_codes", actor=user, partner=None)
    return codes


@transaction.atomic
def two_factor_disable(*, user: Any) -> None:
    """Remove every device (not allowed where two-factor is required: the view checks)."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit(action="two_factor.disable", actor=user, partner=None)


def two_factor_check(*, user: Any, token: str) -> Any:
    """The device that accepts ``token`` (a TOTP code or an unused recovery code, which is
    used up), or ``None``."""
    return match_token(user, token.strip().replace(" ", ""))


def _new_recovery_codes(user: Any) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


# --- Where the session stands (kept in the session: no query on ordinary requests) ---------

SESSION_KEY = "_servicone_2fa"
OFF = "off"  # no second factor, none required
SETUP = "setup"  # required (HP staff) but not set up yet: only the set-up page is open
PENDING = "pending"  # password given, code not yet
OK = "ok"  # code given (or second factor not needed)


def state_after_password(user: Any) -> str:
    """What a fresh login still needs (read once, at login)."""
    if has_two_factor(user):
        return PENDING
    if two_factor_required(user):
        return SETUP
    return OFF


def session_state(request: Any) -> str:
    state = request.session.get(SESSION_KEY)
    if state is None:  # a session from before two-factor existed: decide once
        state = state_after_password(request.user)
        request.session[SESSION_KEY] = state
    return str(state)


def mark_verified(request: Any, device: Any) -> None:
    from django_otp import login as otp_login

    otp_login(request, device)
    request.session[SESSION_KEY] = OK
    # A new session key after the second factor too (session fixation).
    request.session.cycle_key()


def two_factor_check_device(user: Any) -> Any:
    """The user's confirmed TOTP device (just confirmed)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an app by hand: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
