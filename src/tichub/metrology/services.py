"""Writes of the instrument register (ISO/IEC 17025 6.4): register and edit, change status, record a calibration.

Every service needs "metrology.instrument.manage", acts on the actor's institution only (another institution's
instrument answers NotFound, as one that does not exist), runs in one transaction with the instrument locked and
writes its audit event there. Whether an instrument may be used on a given day is decided in one place,
`metrology.gating.instrument_refusal`, from the status and the calibration dates kept here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, FieldErrors, NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import InstrumentStatus
from .models import Instrument

MANAGE = "metrology.instrument.manage"
TEXT_MAX = {"asset_number": 40, "name": 200, "make": 120, "model": 120, "serial_number": 80, "location": 120}
REQUIRED = frozenset({"asset_number", "name"})
EDITABLE = frozenset({*TEXT_MAX, "calibration_required"})
AUDITED = (*TEXT_MAX, "calibration_required", "status", "calibrated_on", "calibration_due")
REASON_MAX = 500


def _label(name: str) -> str:
    return str(getattr(Instrument._meta.get_field(name), "verbose_name", name))


def _day(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def instrument_not_found() -> NotFound:
    return NotFound(_("仪器设备不存在，或不属于本机构。"))


def _clean_text(errors: FieldErrors, name: str, value: Any) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("%(field)s 须为文本。") % {"field": _label(name)})
        return ""
    value = " ".join(value.split())
    if name in REQUIRED and not value:
        errors.add(name, _("请填写%(field)s。") % {"field": _label(name)})
    if len(value) > TEXT_MAX[name]:
        errors.add(
            name,
            _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。")
            % {"field": _label(name), "max": TEXT_MAX[name], "n": len(value)},
        )
    return value


def _clean(errors: FieldErrors, data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {name: _clean_text(errors, name, data.get(name)) for name in TEXT_MAX if name in data}
    if "calibration_required" in data:
        required = data["calibration_required"]
        if not isinstance(required, bool):
            errors.add("calibration_required", _("“需要校准”须为是或否。"))
        cleaned["calibration_required"] = required is True
    return cleaned


def _check_asset_free(
    errors: FieldErrors, institution_id: int, cleaned: dict[str, Any], exclude_pk: int | None
) -> None:
    asset_number = cleaned.get("asset_number")
    if not asset_number or "asset_number" in errors.fields:
        return
    rows = Instrument.objects.filter(institution_id=institution_id, asset_number__iexact=asset_number)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        errors.add("asset_number", _("设备编号 %(number)s 已被本机构的另一台仪器使用。") % {"number": asset_number})


def _locked(actor: Actor, instrument_id: int) -> Instrument:
    instrument = Instrument.objects.select_for_update().filter(pk=instrument_id, institution_id=actor.tenant_id).first()
    if instrument is None:
        raise instrument_not_found()
    return instrument


def _save(instrument: Instrument) -> None:
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError as exc:  # two registrations of one asset number at the same moment
        raise Conflict(
            _("设备编号 %(number)s 已被本机构的另一台仪器使用。") % {"number": instrument.asset_number},
            code="asset_number_taken",
        ) from exc


def instrument_register(
    *,
    actor: Actor,
    asset_number: str,
    name: str,
    make: str = "",
    model: str = "",
    serial_number: str = "",
    location: str = "",
    calibration_required: bool = True,
) -> Instrument:
    """Enter an instrument in the register (ISO/IEC 17025 6.4.13 a–c): in service, without a calibration yet.

    The asset number is unique within the institution (compared without regard to case). An instrument that
    needs calibration cannot be used until its first calibration is recorded.
    """
    actor.require(MANAGE)
    errors = FieldErrors()
    cleaned = _clean(
        errors,
        {
            "asset_number": asset_number,
            "name": name,
            "make": make,
            "model": model,
            "serial_number": serial_number,
            "location": location,
            "calibration_required": calibration_required,
        },
    )
    with transaction.atomic():
        _check_asset_free(errors, actor.tenant_id, cleaned, None)
        errors.raise_if_any()
        instrument = Instrument(institution_id=actor.tenant_id, **cleaned)
        _save(instrument)
        audit_record(actor=actor, action="instrument.register", obj=instrument, after=snapshot(instrument, AUDITED))
    return instrument


def instrument_update(*, actor: Actor, instrument_id: int, **changes: Any) -> Instrument:
    """Correct an instrument's identity and place: asset number, name, make, model, serial number, location, and
    whether it needs calibration. Status and calibration have their own services (they carry reasons and dates)."""
    actor.require(MANAGE)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ServiceError(
            _("不能在此修改：%(fields)s。") % {"fields": ", ".join(unknown)},
            code="unknown_field",
            fields={name: [_("未知字段。")] for name in unknown},
        )
    errors = FieldErrors()
    cleaned = _clean(errors, changes)
    with transaction.atomic():
        instrument = _locked(actor, instrument_id)
        _check_asset_free(errors, actor.tenant_id, cleaned, instrument.pk)
        errors.raise_if_any()
        before = snapshot(instrument, AUDITED)
        for name, value in cleaned.items():
            setattr(instrument, name, value)
        after = snapshot(instrument, AUDITED)
        if after == before:
            return instrument
        _save(instrument)
        audit_record(actor=actor, action="instrument.update", obj=instrument, before=before, after=after)
    return instrument


def instrument_set_status(*, actor: Actor, instrument_id: int, status: str, reason: str) -> Instrument:
    """Put an instrument in service, out of service, under calibration, or retire it (ISO/IEC 17025 6.4.9: an
    instrument found defective is taken out of service and marked). The reason is required and kept in the audit
    trail. A retired instrument stays retired: a new life is a new registration."""
    actor.require(MANAGE)
    errors = FieldErrors()
    if status not in InstrumentStatus.values:
        errors.add(
            "status",
            _("未知的仪器状态“%(status)s”：可选 %(choices)s。")
            % {"status": status, "choices": "、".join(str(label) for label in InstrumentStatus.labels)},
        )
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not reason:
        errors.add("reason", _("请说明变更状态的原因。"))
    elif len(reason) > REASON_MAX:
        errors.add("reason", _("原因最多 %(max)d 个字符（现为 %(n)d 个）。") % {"max": REASON_MAX, "n": len(reason)})
    errors.raise_if_any()
    with transaction.atomic():
        instrument = _locked(actor, instrument_id)
        if instrument.status == InstrumentStatus.RETIRED:
            raise Conflict(
                _("仪器 %(name)s 已报废，状态不能再变更。") % {"name": str(instrument)}, code="instrument_retired"
            )
        if instrument.status == status:
            raise Conflict(
                _("仪器 %(name)s 的状态已是“%(status)s”。")
                % {"name": str(instrument), "status": instrument.get_status_display()},
                code="same_status",
            )
        before = {"status": instrument.status}
        instrument.status = status
        instrument.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="instrument.status",
            obj=instrument,
            before=before,
            after={"status": instrument.status},
            reason=reason,
        )
    return instrument


def instrument_record_calibration(
    *, actor: Actor, instrument_id: int, calibrated_on: dt.date, calibration_due: dt.date
) -> Instrument:
    """Record the instrument's latest calibration: the date it was calibrated and the date it is due again
    (ISO/IEC 17025 6.4.7, 6.4.13 e). The calibration date cannot be in the future nor before the calibration
    already recorded; the due date comes after it. The status is left as it is: an instrument back from
    calibration is put in service with `instrument_set_status`, deliberately."""
    actor.require(MANAGE)
    errors = FieldErrors()
    today = timezone.localdate()
    if not isinstance(calibrated_on, dt.date):
        errors.add("calibrated_on", _("请填写校准日期。"))
    elif calibrated_on > today:
        errors.add(
            "calibrated_on",
            _("校准日期（%(date)s）不能晚于今天（%(today)s）。") % {"date": _day(calibrated_on), "today": _day(today)},
        )
    if not isinstance(calibration_due, dt.date):
        errors.add("calibration_due", _("请填写校准有效期。"))
    elif isinstance(calibrated_on, dt.date) and calibration_due <= calibrated_on:
        errors.add(
            "calibration_due",
            _("校准有效期（%(due)s）须晚于校准日期（%(date)s）。")
            % {"due": _day(calibration_due), "date": _day(calibrated_on)},
        )
    errors.raise_if_any()
    with transaction.atomic():
        instrument = _locked(actor, instrument_id)
        if instrument.status == InstrumentStatus.RETIRED:
            raise Conflict(
                _("仪器 %(name)s 已报废，不能再记录校准。") % {"name": str(instrument)}, code="instrument_retired"
            )
        if instrument.calibrated_on is not None and calibrated_on < instrument.calibrated_on:
            raise ServiceError.field(
                "calibrated_on",
                _("校准日期（%(date)s）不能早于已记录的上次校准日期（%(last)s）。")
                % {"date": _day(calibrated_on), "last": _day(instrument.calibrated_on)},
            )
        before = snapshot(instrument, ("calibrated_on", "calibration_due"))
        instrument.calibrated_on = calibrated_on
        instrument.calibration_due = calibration_due
        instrument.save(update_fields=["calibrated_on", "calibration_due"])
        audit_record(
            actor=actor,
            action="instrument.calibration",
            obj=instrument,
            before=before,
            after=snapshot(instrument, ("calibrated_on", "calibration_due")),
        )
    return instrument
