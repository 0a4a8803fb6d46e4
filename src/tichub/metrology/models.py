"""Instruments of an institution and whether they may be used (ISO/IEC 17025 6.4).

This is the register's core that the laboratory workflow needs (identity, status, calibration due date); the
Metrology issue grows it into calibration plans, records with uncertainty budgets and certificates.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tichub.core.models import TenantModel

from .choices import InstrumentStatus


class Instrument(TenantModel):
    """仪器设备: one measuring instrument of an institution."""

    tenant_field = "institution"
    institution = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="instruments")
    asset_number = models.CharField(_("设备编号"), max_length=40)
    name = models.CharField(_("名称"), max_length=200)
    make = models.CharField(_("制造商"), max_length=120, blank=True)
    model = models.CharField(_("型号"), max_length=120, blank=True)
    serial_number = models.CharField(_("出厂编号"), max_length=80, blank=True)
    location = models.CharField(_("存放地点"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=InstrumentStatus.choices, default=InstrumentStatus.IN_SERVICE
    )
    calibrated_on = models.DateField(_("上次校准日期"), null=True, blank=True)
    calibration_due = models.DateField(_("校准有效期至"), null=True, blank=True)
    calibration_required = models.BooleanField(_("需要校准"), default=True)

    class Meta:
        ordering = ["institution", "asset_number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "asset_number"], name="instrument_asset_unique"),
            models.CheckConstraint(condition=Q(status__in=InstrumentStatus.values), name="instrument_status_valid"),
            models.CheckConstraint(
                condition=Q(calibrated_on__isnull=True)
                | Q(calibration_due__isnull=True)
                | Q(calibration_due__gte=models.F("calibrated_on")),
                name="instrument_due_after_calibration",
            ),
        ]
        indexes = [models.Index(fields=["institution", "calibration_due"], name="instrument_due_idx")]

    def __str__(self) -> str:
        return f"{self.asset_number} {self.name}"
