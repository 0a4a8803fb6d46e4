from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyPurpose(models.TextChoices):
    """What a key signs. Platform keys have no owner organisation; institution keys always have one."""

    PLATFORM_ROOT = "platform_root", _("平台根证书（CA）")
    PLATFORM_TRUST_LIST = "platform_trust_list", _("平台信任列表签名")
    INSTITUTION = "institution", _("机构签名（二维码与 PDF）")
    INSTITUTION_PDF = "institution_pdf", _("机构 PDF 签名（外部 CA 证书）")


PLATFORM_PURPOSES = frozenset({KeyPurpose.PLATFORM_ROOT, KeyPurpose.PLATFORM_TRUST_LIST})
INSTITUTION_PURPOSES = frozenset({KeyPurpose.INSTITUTION, KeyPurpose.INSTITUTION_PDF})


class KeyStatus(models.TextChoices):
    """active: signs now. retired: replaced, still verifies what it signed. revoked: verifies nothing any more."""

    ACTIVE = "active", _("有效")
    RETIRED = "retired", _("已停用")
    REVOKED = "revoked", _("已吊销")


class KeySource(models.TextChoices):
    PLATFORM = "platform", _("平台 CA 签发")
    IMPORTED = "imported", _("机构上传（PKCS#12）")


class KeyAlgorithm(models.TextChoices):
    ES256 = "ES256", _("ECDSA P-256")
    RSA = "RSA", _("RSA")
