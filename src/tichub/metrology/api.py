"""Instrument API: the register of the caller's institution (ISO/IEC 17025 6.4).

Everyone of the institution reads it ("metrology.instrument.view"); instrument keepers (laboratory managers and
metrologists, "metrology.instrument.manage") register, edit, change the status with a reason and record
calibrations. Another institution's instrument answers 404.
"""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import selectors, services
from .schemas import CalibrationIn, InstrumentIn, InstrumentOut, InstrumentPatch, InstrumentStatusIn

router = Router(tags=["metrology"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, MANAGE = "metrology.instrument.view", "metrology.instrument.manage"


@router.get("/instruments", response={200: list[InstrumentOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def instruments(
    request: HttpRequest,
    status: str = Query("", description="one instrument status"),
    due: str = Query("", description="soon: calibration due within 30 days; overdue: due date passed"),
    q: str = Query("", max_length=100, description="asset number, name, make, model, serial number or location"),
):
    """The institution's instruments by asset number, each with its calibration state and, when it may not be
    used today, why."""
    return selectors.instrument_list(actor_of(request), status=status, due=due, q=q)


@router.get("/instruments/{instrument_id}", response={200: InstrumentOut, **ERRORS})
@policy(VIEW, api=True)
def instrument(request: HttpRequest, instrument_id: int):
    return selectors.instrument_get(actor_of(request), instrument_id)


@router.post("/instruments", response={201: InstrumentOut, **ERRORS})
@policy(MANAGE, api=True)
def instrument_register(request: HttpRequest, payload: InstrumentIn):
    """Register an instrument: in service, without a calibration yet (one that needs calibration cannot be used
    until its first calibration is recorded)."""
    return Status(201, services.instrument_register(actor=actor_of(request), **payload.dict()))


@router.patch("/instruments/{instrument_id}", response={200: InstrumentOut, **ERRORS})
@policy(MANAGE, api=True)
def instrument_update(request: HttpRequest, instrument_id: int, payload: InstrumentPatch):
    """Correct the fields sent: asset number, name, make, model, serial number, location, calibration required."""
    return services.instrument_update(
        actor=actor_of(request), instrument_id=instrument_id, **payload.dict(exclude_unset=True)
    )


@router.post("/instruments/{instrument_id}/status", response={200: InstrumentOut, **ERRORS})
@policy(MANAGE, api=True)
def instrument_status(request: HttpRequest, instrument_id: int, payload: InstrumentStatusIn):
    """Change the status, with the reason (a retired instrument stays retired)."""
    return services.instrument_set_status(actor=actor_of(request), instrument_id=instrument_id, **payload.dict())


@router.post("/instruments/{instrument_id}/calibration", response={200: InstrumentOut, **ERRORS})
@policy(MANAGE, api=True)
def instrument_calibration(request: HttpRequest, instrument_id: int, payload: CalibrationIn):
    """Record the latest calibration: its date (not in the future) and the date it is due again (after it)."""
    return services.instrument_record_calibration(
        actor=actor_of(request), instrument_id=instrument_id, **payload.dict()
    )
