from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "tichub.standards"
    label = "standards"
    verbose_name = _("标准目录")
