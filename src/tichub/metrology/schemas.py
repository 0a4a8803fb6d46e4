"""Instrument API schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from .gating import instrument_refusal
from .selectors import due_state


class InstrumentOut(Schema):
    id: int
    asset_number: str
    name: str
    make: str
    model: str
    serial_number: str
    location: str
    status: str = Field(description="in_service, out_of_service, under_calibration, retired")
    status_label: str
    calibration_required: bool
    calibrated_on: dt.date | None
    calibration_due: dt.date | None
    due_state: str = Field(
        "", description="not_required, none (never calibrated), overdue, soon (due within 30 days), ok, retired"
    )
    refusal: str | None = Field(None, description="why the instrument may not be used today; null when it may")

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_due_state(obj: Any) -> str:
        return due_state(obj, timezone.localdate())

    @staticmethod
    def resolve_refusal(obj: Any) -> str | None:
        return instrument_refusal(obj, timezone.localdate())


class InstrumentIn(Schema):
    asset_number: str = Field(description="unique within the institution, at most 40 characters")
    name: str = Field(description="at most 200 characters")
    make: str = ""
    model: str = ""
    serial_number: str = ""
    location: str = ""
    calibration_required: bool = True


class InstrumentPatch(Schema):
    asset_number: str | None = None
    name: str | None = None
    make: str | None = None
    model: str | None = None
    serial_number: str | None = None
    location: str | None = None
    calibration_required: bool | None = None


class InstrumentStatusIn(Schema):
    status: str = Field(description="in_service, out_of_service, under_calibration or retired")
    reason: str = Field(description="required, at most 500 characters; kept in the audit trail")


class CalibrationIn(Schema):
    calibrated_on: dt.date = Field(description="not in the future, not before the calibration already recorded")
    calibration_due: dt.date = Field(description="after calibrated_on; the instrument may be used on that day")
