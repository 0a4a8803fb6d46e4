"""Permission cases for the instrument routes (core.testing.permissions): pages and API. Each builder registers an
instrument of institution `org` whose name (`SECRET`) must never reach another institution."""

import datetime as dt

from django.utils import timezone

from tichub.core.testing.permissions import Setup, case
from tichub.metrology.models import Instrument

SECRET = "secret-instrument-5d07"


def _instrument(org) -> Instrument:
    today = timezone.localdate()
    return Instrument.objects.create(
        institution=org,
        asset_number="ICP-01",
        name=SECRET,
        calibrated_on=today - dt.timedelta(days=10),
        calibration_due=today + dt.timedelta(days=300),
    )


def _detail(org, user):
    return Setup(kwargs={"pk": _instrument(org).pk}, secret=SECRET)


def _status(org, user):
    return Setup(kwargs={"pk": _instrument(org).pk}, data={"status": "out_of_service", "reason": "维修"})


def _calibration(org, user):
    today = timezone.localdate()
    data = {"calibrated_on": today.isoformat(), "calibration_due": (today + dt.timedelta(days=365)).isoformat()}
    return Setup(kwargs={"pk": _instrument(org).pk}, data=data)


def _api(org, user):
    return Setup(kwargs={"instrument_id": _instrument(org).pk}, secret=SECRET)


def _api_with(data):
    def build(org, user):
        return Setup(kwargs={"instrument_id": _instrument(org).pk}, data=data)

    return build


def _register_api(org, user):
    return Setup(data={"asset_number": "BAL-01", "name": "天平"})


def _calibration_api(org, user):
    setup = _calibration(org, user)
    return Setup(kwargs={"instrument_id": setup.kwargs["pk"]}, data=setup.data)


case("metrology:instrument_detail", kind="institution", build=_detail)
case("metrology:instrument_status", method="POST", kind="institution", build=_status)
case("metrology:instrument_calibration", method="POST", kind="institution", build=_calibration)

case("GET /api/v1/metrology/instruments/{instrument_id}", kind="institution", build=_api)
case("POST /api/v1/metrology/instruments", method="POST", kind="institution", build=_register_api)
case(
    "PATCH /api/v1/metrology/instruments/{instrument_id}",
    method="PATCH",
    kind="institution",
    build=_api_with({"location": "仪器室 305"}),
)
case(
    "POST /api/v1/metrology/instruments/{instrument_id}/status",
    method="POST",
    kind="institution",
    build=_api_with({"status": "out_of_service", "reason": "维修"}),
)
case(
    "POST /api/v1/metrology/instruments/{instrument_id}/calibration",
    method="POST",
    kind="institution",
    build=_calibration_api,
)
