from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardStatus(models.TextChoices):
    """现行 / 即将实施 / 即将废止 / 废止 (a withdrawn edition may name the edition that replaced it)."""

    CURRENT = "current", _("现行")
    UPCOMING = "upcoming", _("即将实施")
    TO_BE_WITHDRAWN = "to_be_withdrawn", _("即将废止")
    WITHDRAWN = "withdrawn", _("废止")


class AdoptionRelation(models.TextChoices):
    IDENTICAL = "IDT", _("等同采用")
    MODIFIED = "MOD", _("修改采用")
    EQUIVALENT = "NEQ", _("非等效")
