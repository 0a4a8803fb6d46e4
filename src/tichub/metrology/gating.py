"""May this instrument be used for a measurement on that day? (ISO/IEC 17025 6.4.4, 6.4.13)"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from .choices import InstrumentStatus
from .models import Instrument


def instrument_refusal(instrument: Instrument, on: dt.date) -> str | None:
    """Why `instrument` may not be used on `on`, in the user's language; None when it may.

    In service, and (when it needs calibration) calibrated on or before that day with the calibration still valid
    on it: a calibration due on the 30th covers measurements made on the 30th.
    """
    name = str(instrument)
    if instrument.status != InstrumentStatus.IN_SERVICE:
        return _("仪器 %(name)s 状态为“%(status)s”，不能使用。") % {
            "name": name,
            "status": instrument.get_status_display(),
        }
    if not instrument.calibration_required:
        return None
    if instrument.calibration_due is None:
        return _("仪器 %(name)s 没有有效的校准记录，不能使用。") % {"name": name}
    if instrument.calibrated_on is not None and on < instrument.calibrated_on:
        return _("仪器 %(name)s 于 %(date)s 才校准，不能用于此前（%(on)s）的测量。") % {
            "name": name,
            "date": formats.date_format(instrument.calibrated_on, "Y-m-d"),
            "on": formats.date_format(on, "Y-m-d"),
        }
    if on > instrument.calibration_due:
        return _("仪器 %(name)s 的校准已于 %(due)s 到期，%(on)s 不能使用。") % {
            "name": name,
            "due": formats.date_format(instrument.calibration_due, "Y-m-d"),
            "on": formats.date_format(on, "Y-m-d"),
        }
    return None
