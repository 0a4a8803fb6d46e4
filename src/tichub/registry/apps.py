from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "tichub.registry"
    label = "registry"
    verbose_name = _("机构与能力目录")
