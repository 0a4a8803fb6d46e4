from django.db import models
from django.utils.translation import gettext_lazy as _


class InstrumentStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在用")
    OUT_OF_SERVICE = "out_of_service", _("停用")
    UNDER_CALIBRATION = "under_calibration", _("校准中")
    RETIRED = "retired", _("报废")
