"""Signing keys of the platform and of institutions: what signs reports, certificates and the trust list.

One table for both, so that a kid is unique across everything a verifier may meet (a database constraint, not a
hope). It is small (a few keys per institution) and read whole by the public trust list, so when the database is
distributed by organisation (DESIGN.md, Scale) it is a *reference* table copied to every node, not a distributed
one; platform rows have no organisation for that reason and only that one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import PLATFORM_PURPOSES, KeyAlgorithm, KeyPurpose, KeySource, KeyStatus


class SigningKey(TenantModel):
    """A signing key with its X.509 certificate; the private key is stored encrypted (tichub.trust.crypto).

    ISO/IEC 17025 7.8.1.3 and 7.11.3 (integrity and authenticity of reports issued electronically); rotation and
    revocation follow RFC 5280 (status, revocation time and reason). Retired keys keep verifying what they signed
    before they were retired; revoked keys verify nothing (docs/trust.md, "Revocation").
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signing_keys",
        verbose_name=_("所属机构"),
    )
    purpose = models.CharField(_("用途"), max_length=30, choices=KeyPurpose.choices)
    kid = models.CharField(
        _("密钥标识"), max_length=16, unique=True, help_text=_("SPKI 的 SHA-256 前 8 字节（十六进制）")
    )
    algorithm = models.CharField(_("算法"), max_length=10, choices=KeyAlgorithm.choices)
    key_size = models.PositiveSmallIntegerField(_("密钥长度（位）"))
    public_key = models.TextField(_("公钥"), help_text=_("SubjectPublicKeyInfo DER 的 Base64"))
    certificate_pem = models.TextField(_("证书"))
    chain_pem = models.TextField(_("证书链"), blank=True, help_text=_("签发者证书，直至根证书"))
    private_key_encrypted = models.BinaryField(_("加密的私钥"), editable=False)
    source = models.CharField(_("来源"), max_length=20, choices=KeySource.choices)
    subject = models.CharField(_("证书主体"), max_length=600)
    issuer = models.CharField(_("证书签发者"), max_length=600)
    serial = models.CharField(_("证书序列号"), max_length=64)
    status = models.CharField(_("状态"), max_length=20, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    not_before = models.DateTimeField(_("生效时间"))
    not_after = models.DateTimeField(_("失效时间"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revocation_reason = models.CharField(_("吊销原因"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("签名密钥")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="signing_key_org_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=KeyPurpose.values), name="signing_key_purpose_valid"),
            models.CheckConstraint(condition=Q(status__in=KeyStatus.values), name="signing_key_status_valid"),
            models.CheckConstraint(condition=Q(source__in=KeySource.values), name="signing_key_source_valid"),
            models.CheckConstraint(condition=Q(algorithm__in=KeyAlgorithm.values), name="signing_key_algorithm_valid"),
            # Platform keys belong to nobody; every institution key belongs to its institution.
            models.CheckConstraint(
                condition=(Q(purpose__in=sorted(PLATFORM_PURPOSES)) & Q(organisation__isnull=True))
                | (~Q(purpose__in=sorted(PLATFORM_PURPOSES)) & Q(organisation__isnull=False)),
                name="signing_key_owner_matches_purpose",
            ),
            # QR codes are ES256 (RFC 9053 §2.1): only a PDF-only key may be RSA.
            models.CheckConstraint(
                condition=Q(algorithm=KeyAlgorithm.ES256) | Q(purpose=KeyPurpose.INSTITUTION_PDF),
                name="signing_key_rsa_pdf_only",
            ),
            models.CheckConstraint(condition=Q(not_before__lt=models.F("not_after")), name="signing_key_validity"),
            models.CheckConstraint(
                condition=~Q(status=KeyStatus.REVOKED) | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="signing_key_revoked_has_time_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=KeyStatus.RETIRED) | Q(retired_at__isnull=False),
                name="signing_key_retired_has_time",
            ),
            # One active key per institution and purpose (QR+PDF key; PDF-only key from an outside CA) ...
            models.UniqueConstraint(
                fields=["organisation", "purpose"],
                condition=Q(status=KeyStatus.ACTIVE),
                name="signing_key_one_active",
            ),
            # ... and per platform purpose (NULL organisations never collide in the constraint above).
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(status=KeyStatus.ACTIVE, organisation__isnull=True),
                name="signing_key_one_active_platform",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.purpose}, {self.status})"

    @property
    def is_platform(self) -> bool:
        return self.purpose in PLATFORM_PURPOSES

    @property
    def signs_qr(self) -> bool:
        return self.purpose == KeyPurpose.INSTITUTION
