from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LimsConfig(AppConfig):
    name = "tichub.lims"
    label = "lims"
    verbose_name = _("实验室管理")
