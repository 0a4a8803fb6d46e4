from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccreditationBody(models.TextChoices):
    CNAS = "CNAS", _("CNAS 认可")
    CMA = "CMA", _("CMA 资质认定")
    CNCA = "CNCA", _("CNCA 认证机构批准")
    OTHER = "OTHER", _("其他认可机构")


class ScopeStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUSPENDED = "suspended", _("暂停")
    WITHDRAWN = "withdrawn", pgettext_lazy("scope status", "撤销")


class TermKind(models.TextChoices):
    OBJECT = "object", _("检测对象/产品")
    PARAMETER = "parameter", _("检测项目/参数")


class Coverage(models.TextChoices):
    NONE = "none", _("无机构覆盖")
    PARTIAL = "partial", _("部分覆盖")
