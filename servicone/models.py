"""Cross-cutting records: the audit trail, the notification outbox, idempotent POSTs, API keys."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what, when, to which object: written by services, never edited."""

    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("partenaire"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("type d'objet"), max_length=60, blank=True, default="")
    object_id = models.BigIntegerField(_("identifiant"), null=True, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-id"]
        indexes = [
            # A partner's history page: its events, newest first.
            models.Index(fields=["partner", "-at"], name="audit_partner_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Notification(models.Model):
    """A message to one user, shown in the portal and e-mailed through this outbox.

    ``dedup_key`` makes "sent once" a database fact: the second attempt to create
    the same notification hits the unique constraint and does nothing.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("destinataire"),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=60)
    dedup_key = models.CharField(max_length=200)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("lien"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("e-mail envoyé le"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # After a failed attempt: not before this time (backoff). One column only: batch jobs
    # insert notifications by the hundred, and every column is a bound parameter per row.
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"], name="notification_once_per_key"
            ),
        ]
        indexes = [
            # Outbox sweep: e-mails not sent yet, oldest first.
            models.Index(
                fields=["created_at"],
                name="notification_outbox_idx",
                condition=models.Q(email_sent_at__isnull=True),
            ),
            # /notifications/: a user's notifications, newest first (the page stops at 20
            # instead of sorting everything the user ever received).
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_newest_idx"
            ),
            # The bell in the header: a user's unread notifications.
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class EmailFrequency(models.TextChoices):
    """How often a person's notifications leave by e-mail (managers may choose a digest)."""

    IMMEDIATE = "immediate", _("Immédiatement, une par une")
    HOURLY = "hourly", _("Un résumé par heure")
    DAILY = "daily", _("Un résumé par jour (7 h)")


# The frequencies that hold e-mails back for a digest (the outbox leaves them alone).
DIGEST_FREQUENCIES = (EmailFrequency.HOURLY.value, EmailFrequency.DAILY.value)


class NotificationPreference(models.Model):
    """A person's choice of e-mail frequency; no row means immediately, one by one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("utilisateur"),
    )
    email_frequency = models.CharField(
        _("envoi des e-mails"),
        max_length=10,
        choices=EmailFrequency.choices,
        default=EmailFrequency.IMMEDIATE,
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email_frequency}"


class IdempotencyKey(models.Model):
    """The first response to a POST carrying ``Idempotency-Key`` (kept 24 h)."""

    #: The longest ``Idempotency-Key`` header accepted (longer ones are refused with 400).
    MAX_KEY_LENGTH = 200

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ApiKey(models.Model):
    """A named, scoped credential of a partner (``partner``) or of HP (``partner`` null).

    A service account, not a person: ``user`` is the key's own service identity (no
    password, no membership, no group), the actor of whatever the key does. Only a hash of
    the key is kept (``servicone.apikeys``); ``prefix`` finds the row, ``key_hash`` proves it.
    """

    name = models.CharField(_("nom"), max_length=100)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("partenaire"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_key",
        verbose_name=_("identité de service"),
    )
    # Space-separated ``<area>:read`` / ``<area>:write`` (``servicone.apikeys.SCOPES``): plain
    # text, so that the authentication's one statement reads it the same on every database.
    scopes = models.CharField(_("portées"), max_length=300)
    prefix = models.CharField(_("préfixe"), max_length=16)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("révoquée par"),
    )

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Also the index of the authentication's look-up: every key call reads one row by it.
            models.UniqueConstraint(fields=["prefix"], name="api_key_prefix_unique"),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True)
                | models.Q(expires_at__gt=models.F("created_at")),
                name="api_key_expires_after_creation",
            ),
        ]
        indexes = [
            # A partner's keys page and ``api-keys/`` for its admins: its keys, newest first.
            models.Index(fields=["partner", "-created_at"], name="api_key_partner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def is_expired(self, at: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (at or timezone.now())

    def is_active(self, at: datetime | None = None) -> bool:
        return self.revoked_at is None and not self.is_expired(at)
