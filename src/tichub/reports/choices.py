from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    """A report version's life (ISO/IEC 17025 7.8.8): current until an amendment replaces it or it is withdrawn."""

    ISSUED = "issued", _("有效")
    SUPERSEDED = "superseded", _("已被更正版替代")
    WITHDRAWN = "withdrawn", _("已撤回")


class AccessKind(models.TextChoices):
    """How a report file or page was reached (the enterprise sees every access of its reports)."""

    DOWNLOAD = "download", _("下载")
    SHARE_VIEW = "share_view", _("通过分享链接查看")
    SHARE_DOWNLOAD = "share_download", _("通过分享链接下载")
