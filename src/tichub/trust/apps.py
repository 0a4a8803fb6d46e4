from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "tichub.trust"
    label = "trust"
    verbose_name = _("签名与信任")
