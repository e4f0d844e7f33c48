"""Writes of webhooks: endpoints (create, edit, disable, delete, rotate), pings, redeliveries.

Every service is keyword-only, runs in one transaction, checks who may act (a partner's
endpoints: its administrators; programme-wide ones: HP staff), writes an audit row (never
a secret) and queues delivery runs on commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from servicone.access import AnyUser, PartnerRole, is_hp_staff, is_programme_manager, membership_of
from servicone.audit import audit
from servicone.errors import DomainError, NotAllowed, StateConflict
from servicone.notify import notify, partner_admins, programme_managers
from webhooks import addresses, signing
from webhooks.fanout import queue_deliveries, render_bodies
from webhooks.models import (
    SUBSCRIBABLE,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
    Event,
    EventType,
    Payload,
)
from webhooks.registry import Audience

# After a rotation the old secret still signs deliveries this long (both signatures sent).
ROTATION_OVERLAP = timedelta(hours=24)
MAX_URL_LENGTH = 500


# --- Who may do what -----------------------------------------------------------------------


def may_manage(user: AnyUser, partner_id: int | None) -> bool:
    """A partner's endpoints: its administrators; programme-wide ones: HP staff."""
    if partner_id is None:
        return is_hp_staff(user)
    membership = membership_of(user)
    return bool(
        membership is not None
        and membership.role == PartnerRole.ADMIN
        and membership.partner_id == partner_id
    )


def may_read(user: AnyUser, partner_id: int | None) -> bool:
    """HP staff read every endpoint; a partner's administrators their own."""
    return is_hp_staff(user) or may_manage(user, partner_id)


def _check_manage(actor: AnyUser, partner_id: int | None) -> None:
    if not may_manage(actor, partner_id):
        raise NotAllowed(
            "forbidden",
            _(
                "Seuls les administrateurs du partenaire gèrent ses webhooks, et HP ceux du programme."
            )
            if partner_id is not None
            else _("Seul le personnel HP gère les webhooks du programme."),
        )


# --- Checks of what is sent ------------------------------------------------------------------


def clean_url(url: str) -> str:
    """The URL as stored, or ``DomainError`` on ``url``.

    ``https://`` only in production (``WEBHOOK_HTTPS_ONLY``, on when ``DEBUG=0``); no
    credentials in it; an address written as an IP must pass the SSRF rules already
    (names are checked when each delivery leaves, ``webhooks.addresses``).
    """
    url = (url or "").strip()
    if not url:
        raise DomainError("required", _("Indiquez l'URL qui recevra les webhooks."), field="url")
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(
            "max_length",
            _("L'URL dépasse %(n)s caractères.") % {"n": MAX_URL_LENGTH},
            field="url",
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DomainError("invalid_url", _("Saisissez une URL http(s) complète."), field="url")
    if parts.scheme.lower() != "https" and settings.WEBHOOK_HTTPS_ONLY:
        raise DomainError("https_required", _("L'URL doit commencer par https://."), field="url")
    if parts.username or parts.password:
        raise DomainError(
            "invalid_url",
            _("L'URL ne doit pas contenir d'identifiant ni de mot de passe."),
            field="url",
        )
    literal = addresses.literal_address(parts.hostname)
    allowed = addresses.parse_networks(settings.WEBHOOK_ALLOWED_NETWORKS)
    if literal is not None and addresses.refusal(literal, allowed) is not None:
        raise DomainError(
            "unsafe_url",
            _("Cette adresse est privée ou réservée : les webhooks n'y sont pas envoyés."),
            field="url",
        )
    if parts.hostname.lower().rstrip(".") == "localhost" and not allowed:
        raise DomainError(
            "unsafe_url",
            _("Cette adresse est privée ou réservée : les webhooks n'y sont pas envoyés."),
            field="url",
        )
    return url


def clean_events(events: Sequence[str]) -> list[str]:
    """Subscribed event types, each once, in the catalogue's order; at least one."""
    chosen = {str(e) for e in events or ()}
    unknown = sorted(chosen - {str(t) for t in SUBSCRIBABLE})
    if unknown:
        raise DomainError(
            "invalid_choice",
            _("Événement inconnu : %(names)s.") % {"names": ", ".join(unknown)},
            field="events",
        )
    if not chosen:
        raise DomainError("required", _("Choisissez au moins un événement."), field="events")
    return [str(t) for t in SUBSCRIBABLE if t in chosen]


# --- Endpoints -----------------------------------------------------------------------------


def _lock(endpoint: Endpoint) -> Endpoint:
    return (
        Endpoint.objects.select_for_update(of=("self",))
        .select_related("partner")
        .get(pk=endpoint.pk)
    )


def _audit(action: str, actor: AnyUser | None, endpoint: Endpoint, **data: Any) -> None:
    audit(action=action, actor=actor, partner=endpoint.partner, obj=endpoint, **data)


@transaction.atomic
def endpoint_create(
    *,
    actor: AnyUser,
    partner: Any,
    url: str,
    events: Sequence[str],
    description: str = "",
) -> tuple[Endpoint, str]:
    """A new endpoint of ``partner`` (``None``: programme-wide); returns it and its secret,
    which is shown this once."""
    partner_id = partner.pk if partner is not None else None
    _check_manage(actor, partner_id)
    secret = signing.new_secret()
    endpoint = Endpoint.objects.create(
        partner=partner,
        url=clean_url(url),
        events=clean_events(events),
        description=(description or "").strip()[:200],
        secret=secret,
        created_by=actor if isinstance(actor, get_user_model()) else None,
    )
    _audit("webhook.create", actor, endpoint, url=endpoint.url, events=endpoint.events)
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    actor: AnyUser,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> Endpoint:
    """Change the URL, the events, the description or whether it is active.

    Turned back on, an endpoint starts afresh: the failures that disabled it no longer
    count toward the 5 days."""
    locked = _lock(endpoint)
    _check_manage(actor, locked.partner_id)
    wanted: dict[str, Any] = {}
    if url is not None:
        wanted["url"] = clean_url(url)
    if events is not None:
        wanted["events"] = clean_events(events)
    if description is not None:
        wanted["description"] = description.strip()[:200]
    changes = {field: value for field, value in wanted.items() if getattr(locked, field) != value}
    for field, value in changes.items():
        setattr(locked, field, value)
    if active is not None and active != locked.active:
        changes["active"] = active
        _set_active(locked, active, DisabledReason.MANUAL)
    if changes:
        locked.save()
        _audit("webhook.update", actor, locked, **changes)
        if locked.active:
            transaction.on_commit(lambda: queue_deliveries([locked.pk]))
    return locked


def _set_active(endpoint: Endpoint, active: bool, reason: str) -> None:
    endpoint.active = active
    if active:
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
    else:
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = reason


@transaction.atomic
def endpoint_disable(*, endpoint: Endpoint, actor: AnyUser) -> Endpoint:
    """Stop sending to the endpoint (its pending deliveries wait until it is turned on)."""
    locked = _lock(endpoint)
    # HP's programme managers may disable any endpoint (the admin's safety switch too).
    if not (is_programme_manager(actor) or may_manage(actor, locked.partner_id)):
        _check_manage(actor, locked.partner_id)
    if locked.active:
        _set_active(locked, False, DisabledReason.MANUAL)
        locked.save()
        _audit("webhook.disable", actor, locked)
    return locked


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor: AnyUser) -> None:
    """Delete the endpoint and its delivery log."""
    locked = _lock(endpoint)
    _check_manage(actor, locked.partner_id)
    _audit("webhook.delete", actor, locked, url=locked.url)
    locked.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: Endpoint, actor: AnyUser, now: datetime | None = None
) -> tuple[Endpoint, str]:
    """A new secret, shown this once; the old one keeps signing for 24 h (two signatures)."""
    now = now or timezone.now()
    locked = _lock(endpoint)
    _check_manage(actor, locked.partner_id)
    secret = signing.new_secret()
    locked.previous_secret = locked.secret
    locked.previous_secret_until = now + ROTATION_OVERLAP
    locked.secret = secret
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    _audit(
        "webhook.rotate_secret",
        actor,
        locked,
        previous_secret_until=locked.previous_secret_until.isoformat(),
    )
    return locked, secret


def secrets_in_force(endpoint: Endpoint, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one for the
    24 h after a rotation."""
    found = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        found.append(endpoint.previous_secret)
    return found


@transaction.atomic
def endpoint_ping(*, endpoint: Endpoint, actor: AnyUser) -> Delivery:
    """Send a ``ping`` event to this endpoint alone (its ``data``: the endpoint)."""
    locked = _lock(endpoint)
    _check_manage(actor, locked.partner_id)
    if not locked.active:
        raise StateConflict("endpoint_inactive", _("Réactivez l'endpoint avant de le tester."))
    now = timezone.now()
    event = Event.objects.create(
        type=EventType.PING,
        partner_id=locked.partner_id,
        resource_id=locked.pk,
        occurred_at=now,
        dispatched_at=now,  # delivered below, to this endpoint only
    )
    audience = Audience(locked.partner_id)
    body = render_bodies([(event, audience)])[(event.pk, audience.code)]
    payload = Payload.objects.create(event=event, audience=audience.code, body=body)
    delivery = Delivery.objects.create(
        endpoint=locked, event=event, payload=payload, next_attempt_at=now, created_at=now
    )
    transaction.on_commit(lambda: queue_deliveries([locked.pk]))
    return delivery


@transaction.atomic
def delivery_redeliver(*, delivery: Delivery, actor: AnyUser) -> Delivery:
    """Send the delivery again now, same event id and body (it keeps its attempt count)."""
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("endpoint__partner", "event")
        .get(pk=delivery.pk)
    )
    endpoint = locked.endpoint
    _check_manage(actor, endpoint.partner_id)
    if not endpoint.active:
        raise StateConflict("endpoint_inactive", _("Réactivez l'endpoint avant de relancer."))
    locked.status = DeliveryStatus.PENDING
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "next_attempt_at"])
    _audit("webhook.redeliver", actor, endpoint, delivery=locked.pk, event=locked.event.uid)
    transaction.on_commit(lambda: queue_deliveries([endpoint.pk]))
    return locked


# --- An endpoint that keeps failing ----------------------------------------------------------


@transaction.atomic
def endpoint_disable_failing(*, endpoint_id: int, now: datetime) -> bool:
    """No success for 5 days: disable the endpoint and tell its owners (portal and e-mail).

    Owners: the partner's administrators; for a programme-wide endpoint, HP's programme
    managers and whoever created it. Returns whether it was disabled here.
    """
    locked = Endpoint.objects.select_for_update(of=("self",)).select_related(
        "partner", "created_by"
    )
    endpoint = locked.filter(pk=endpoint_id, active=True).first()
    if endpoint is None:
        return False
    _set_active(endpoint, False, DisabledReason.FAILING)
    endpoint.save()
    _audit(
        "webhook.disable_failing",
        None,
        endpoint,
        failing_since=endpoint.failing_since.isoformat() if endpoint.failing_since else None,
    )
    if endpoint.partner is not None:
        owners = partner_admins(endpoint.partner)
    else:
        owners = programme_managers()
        if endpoint.created_by is not None and endpoint.created_by.is_active:
            owners.append(endpoint.created_by)
    with override(settings.LANGUAGE_CODE):
        notify(
            recipients=owners,
            partner=endpoint.partner,
            kind="webhook_disabled",
            dedup_key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}",
            subject=gettext("ServiceOne : webhook désactivé après 5 jours d'échecs"),
            body=gettext(
                "Aucune livraison n'a réussi depuis 5 jours vers %(url)s : l'endpoint est "
                "désactivé. Corrigez le récepteur, puis réactivez l'endpoint depuis le "
                "portail ; les livraisons en attente repartiront."
            )
            % {"url": endpoint.url},
            link=f"/webhooks/{endpoint.pk}/",
        )
    return True
