"""Reads of the instrument register, for the actor's institution only (ISO/IEC 17025 6.4.13 records).

Another institution's instrument answers NotFound, as one that does not exist. `instruments_for_choice` feeds the
dropdowns of the laboratory: every instrument, each with the reason it may not be used that day (or None), so a
page can show blocked instruments disabled with their reason instead of hiding them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.tenancy import Actor

from .choices import InstrumentStatus
from .gating import instrument_refusal
from .models import Instrument

VIEW = "metrology.instrument.view"
DUE_SOON_DAYS = 30
DUE_FILTERS = ("soon", "overdue")
Q_MAX = 100


def due_state(instrument: Instrument, today: dt.date) -> str:
    """How the instrument's calibration stands today: "not_required", "none" (needed, never recorded),
    "overdue" (due date passed), "soon" (due within DUE_SOON_DAYS days) or "ok". A retired instrument is "retired"
    (its calibration no longer matters)."""
    if instrument.status == InstrumentStatus.RETIRED:
        return "retired"
    if not instrument.calibration_required:
        return "not_required"
    if instrument.calibration_due is None:
        return "none"
    if instrument.calibration_due < today:
        return "overdue"
    if instrument.calibration_due <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "soon"
    return "ok"


def instrument_list(
    actor: Actor, *, status: str | None = None, due: str | None = None, q: str | None = None
) -> QuerySet[Instrument]:
    """The institution's instruments by asset number. `due="soon"`: calibration due within 30 days (today
    included); `due="overdue"`: due date passed. Both leave out retired instruments and those needing no
    calibration. `q` matches asset number, name, make, model, serial number or location."""
    actor.require(VIEW)
    instruments = Instrument.objects.filter(institution_id=actor.tenant_id)
    if status:
        if status not in InstrumentStatus.values:
            raise ServiceError.field("status", _("未知的仪器状态“%(status)s”。") % {"status": status})
        instruments = instruments.filter(status=status)
    if due:
        if due not in DUE_FILTERS:
            raise ServiceError.field("due", _("未知的校准筛选“%(due)s”：可选 soon、overdue。") % {"due": due})
        today = timezone.localdate()
        live = instruments.filter(calibration_required=True).exclude(status=InstrumentStatus.RETIRED)
        if due == "overdue":
            instruments = live.filter(calibration_due__lt=today)
        else:
            soon = today + dt.timedelta(days=DUE_SOON_DAYS)
            instruments = live.filter(calibration_due__gte=today, calibration_due__lte=soon)
    text = " ".join((q or "").split())[:Q_MAX]
    if text:
        instruments = instruments.filter(
            Q(asset_number__icontains=text)
            | Q(name__icontains=text)
            | Q(make__icontains=text)
            | Q(model__icontains=text)
            | Q(serial_number__icontains=text)
            | Q(location__icontains=text)
        )
    return instruments.order_by("asset_number", "pk")


def instrument_get(actor: Actor, instrument_id: int) -> Instrument:
    actor.require(VIEW)
    instrument = Instrument.objects.filter(pk=instrument_id, institution_id=actor.tenant_id).first()
    if instrument is None:
        raise NotFound(_("仪器设备不存在，或不属于本机构。"))
    return instrument


def instruments_for_choice(actor: Actor, on: dt.date) -> list[tuple[Instrument, str | None]]:
    """Every instrument of the institution, by asset number, with the reason it may not be used on `on` (None
    when it may): one query."""
    actor.require(VIEW)
    instruments = Instrument.objects.filter(institution_id=actor.tenant_id).order_by("asset_number", "pk")
    return [(instrument, instrument_refusal(instrument, on)) for instrument in instruments]


HISTORY_MAX = 50


def instrument_history(actor: Actor, instrument_id: int) -> list[AuditEvent]:
    """The instrument's registration, edits, status changes (with reasons) and calibrations, newest first: the
    record ISO/IEC 17025 6.4.13 asks for, readable by everyone who may see the instrument."""
    instrument = instrument_get(actor, instrument_id)
    return list(
        AuditEvent.objects.filter(
            organisation_id=actor.tenant_id,
            object_type=Instrument._meta.label_lower,
            object_id=str(instrument.pk),
        ).select_related("actor")[:HISTORY_MAX]
    )
