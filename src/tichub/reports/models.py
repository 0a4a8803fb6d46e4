"""Test reports (ISO/IEC 17025 7.8): immutable signed versions, their amendments and withdrawals, and delivery.

A report is a chain of versions sharing one number: version 1 is the original, version n + 1 amends version n
("Amendment n to report N", 7.8.8.2) and names it in `amends`. Each version is one row with its own signed PDF,
QR code and unguessable public id, so an old copy keeps verifying: as superseded, with a link to the newer one.
Nothing of an issued version is ever rewritten except its status (issued → superseded / withdrawn), the
withdrawal's reason, the enterprise's choice to show or hide the public summary, and its verification count.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import AccessKind, ReportStatus

USER = settings.AUTH_USER_MODEL
ORG = "accounts.Organisation"


class Report(TenantModel):
    """检测报告 (one version): what was issued, signed and hashed, and how it stands now."""

    tenant_field = "institution"
    institution = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="reports")
    enterprise = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="reports_received")
    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, related_name="reports")
    sample = models.ForeignKey("lims.LabSample", on_delete=models.PROTECT, related_name="reports")
    number = models.CharField(_("报告编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by", verbose_name=_("被更正版本")
    )
    amendment_reason = models.TextField(_("更正原因"), blank=True)
    public_id = models.CharField(max_length=32, unique=True, help_text="unguessable: 128 random bits, base32")
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.ISSUED)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("签发人"))
    valid_until = models.DateField(_("声明有效期至"), null=True, blank=True)
    # The public summary (in the QR claims and, while the enterprise allows it, on the verification page).
    product = models.CharField(_("样品名称"), max_length=300)
    conclusion = models.CharField(_("结论"), max_length=16, blank=True, help_text="ResultDecision value")
    conclusion_zh = models.CharField(max_length=200, blank=True)
    conclusion_en = models.CharField(max_length=200, blank=True)
    summary_public = models.BooleanField(_("核验页公开样品名称与结论"), default=True)
    # What was signed.
    content = models.JSONField(help_text="the data the PDF was rendered from (embedded in it as report.json)")
    content_sha256 = models.CharField(max_length=64, help_text="of report.json: the QR's `sha` claim")
    pdf = models.FileField(upload_to="reports/%Y/%m/")
    sha256 = models.CharField(max_length=64, db_index=True, help_text="of the signed PDF file")
    pages = models.PositiveSmallIntegerField(default=1)
    qr_text = models.TextField()
    kid = models.CharField(max_length=16, help_text="the key that signed the QR code")
    pdf_kid = models.CharField(max_length=16, help_text="the key that signed the PDF")
    # Withdrawal (7.8.8: the customer is told; the report verifies as withdrawn with this reason).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawal_reason = models.TextField(_("撤回原因"), blank=True)
    verification_count = models.PositiveIntegerField(_("核验次数"), default=0)
    last_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["institution", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number", "version"], name="report_version_unique"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_positive"),
            models.CheckConstraint(
                condition=Q(version=1, amends__isnull=True, amendment_reason="")
                | (Q(version__gt=1, amends__isnull=False) & ~Q(amendment_reason="")),
                name="report_amendment_named",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.WITHDRAWN)
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="report_withdrawal_explained",
            ),
            # At most one current version per report number.
            models.UniqueConstraint(
                fields=["institution", "number"],
                condition=Q(status=ReportStatus.ISSUED),
                name="report_one_current_version",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "-issued_at"], name="report_institution_idx"),
            models.Index(fields=["enterprise", "-issued_at"], name="report_enterprise_idx"),
            models.Index(fields=["sample", "version"], name="report_sample_idx"),
        ]

    def __str__(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"


class ReportShare(TenantModel):
    """An expiring link through which the enterprise lets a third party (a buyer, customs) open one report."""

    tenant_field = "enterprise"
    enterprise = models.ForeignKey(ORG, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="shares")
    token = models.CharField(max_length=48, unique=True, help_text="unguessable: 192 random bits")
    recipient = models.CharField(_("接收方"), max_length=120, help_text=_("便于识别，如“越南进口商 ABC”"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "-created_at"]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="report_share_enterprise_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.recipient}"


class ReportAccess(models.Model):
    """Who opened a report: a download by a member of the enterprise, or a visit through a share link."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="accesses")
    share = models.ForeignKey(ReportShare, null=True, blank=True, on_delete=models.CASCADE, related_name="accesses")
    kind = models.CharField(max_length=16, choices=AccessKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["report", "-at"]
        indexes = [models.Index(fields=["report", "-at"], name="report_access_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccessKind.values), name="report_access_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
