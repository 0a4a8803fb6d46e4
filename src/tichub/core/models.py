"""Base models, the audit trail and numbering sequences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    """A row owned by one organisation. Read it only through selectors, write it only through services.

    `make lint` (tools/lint_tenancy.py) fails on `<TenantModel subclass>.objects` anywhere else.
    """

    tenant_field = "organisation"

    class Meta:
        abstract = True


class AuditEvent(TenantModel):
    """Append-only record of who did what, when, to which object, and why (ISO/IEC 17025 8.4 records).

    The application offers no edit or delete; database triggers (migration 0002) refuse UPDATE everywhere and
    DELETE on PostgreSQL.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_object_idx"),
            models.Index(fields=["organisation", "-created_at"], name="audit_org_idx"),
        ]
        verbose_name = _("审计事件")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"


class NumberingRule(TenantModel):
    """How an institution numbers its samples, orders and reports: prefix + year + zero-padded sequence."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="numbering_rules")
    kind = models.CharField(max_length=20)
    prefix = models.CharField(max_length=20)
    digits = models.PositiveSmallIntegerField(default=5)
    yearly = models.BooleanField(default=True, help_text=_("每年重新从 1 开始编号"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="numbering_rule_unique"),
            models.CheckConstraint(condition=models.Q(digits__gte=1, digits__lte=12), name="numbering_digits_range"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.kind} {self.prefix}"


class NumberSequence(TenantModel):
    """The last number handed out per organisation, kind and year (year 0 when numbering never restarts)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "year"], name="number_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.kind}:{self.year}={self.last}"


class Notification(models.Model):
    """An in-app message to one person (e-mailed too when it matters), e.g. a withdrawn standard in their scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title
