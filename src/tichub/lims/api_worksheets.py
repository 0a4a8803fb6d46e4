"""Laboratory API: worksheets (ISO/IEC 17025 7.7.1). List and read them with their slots and QC verdicts, make
one from tests and QC slots, record QC values and results, submit it for review.

Writing needs "lims.result.enter", reading "lims.sample.view". Another institution's worksheet answers 404 as one
that does not exist; refusals answer 400 (bad input: "test_ids.<i>", "qc.<i>.<field>", "values.<slot id>",
"entries.<i>.<field>", "instrument_id") or 409 (a submitted worksheet, failed or missing QC: "slots.<slot id>").
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import worksheet_selectors, worksheet_services
from .schemas.worksheets import QcValuesIn, WorksheetIn, WorksheetListOut, WorksheetOut, WorksheetResultsIn
from .worksheet_services import SlotResult

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, ENTER = "lims.sample.view", "lims.result.enter"


@router.get("/worksheets", response={200: list[WorksheetListOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def worksheets(
    request: HttpRequest,
    status: str | None = Query(None, description="open or submitted"),
    mine: bool = Query(False, description="only the worksheets you run"),
) -> Any:
    """The institution's worksheets, newest first, with their counts of slots and results."""
    return worksheet_selectors.worksheet_list(actor_of(request), status=status, mine=mine)


@router.post("/worksheets", response={201: WorksheetOut, **ERRORS})
@policy(ENTER, api=True)
def worksheet_create(request: HttpRequest, payload: WorksheetIn) -> Any:
    """Make a worksheet of tests (in that order) and QC slots, run by you; numbered W<year>-<n>."""
    actor = actor_of(request)
    worksheet = worksheet_services.worksheet_create(
        actor=actor,
        test_ids=payload.test_ids,
        method_id=payload.method_id,
        instrument_id=payload.instrument_id,
        qc=[row.dict() for row in payload.qc],
    )
    return Status(201, worksheet_selectors.worksheet_detail(actor, worksheet.pk))


@router.get("/worksheets/{worksheet_id}", response={200: WorksheetOut, **ERRORS})
@policy(VIEW, api=True)
def worksheet_detail(request: HttpRequest, worksheet_id: int) -> Any:
    """The worksheet with its slots in order: tests, samples, current results, QC values and their verdicts."""
    return worksheet_selectors.worksheet_detail(actor_of(request), worksheet_id)


@router.post("/worksheets/{worksheet_id}/qc", response={200: WorksheetOut, **ERRORS})
@policy(ENTER, api=True)
def worksheet_qc(request: HttpRequest, worksheet_id: int, payload: QcValuesIn) -> Any:
    """Record QC values and judge them (all or nothing); the worksheet as it now stands."""
    actor = actor_of(request)
    worksheet_services.worksheet_record_qc(actor=actor, worksheet_id=worksheet_id, values=payload.values)
    return worksheet_selectors.worksheet_detail(actor, worksheet_id)


@router.post("/worksheets/{worksheet_id}/results", response={200: WorksheetOut, **ERRORS})
@policy(ENTER, api=True)
def worksheet_results(request: HttpRequest, worksheet_id: int, payload: WorksheetResultsIn) -> Any:
    """Record results of sample slots (all or nothing), with the worksheet's instrument; the worksheet as it now
    stands."""
    actor = actor_of(request)
    entries = [SlotResult(**entry.dict()) for entry in payload.entries]
    worksheet_services.worksheet_enter(
        actor=actor, worksheet_id=worksheet_id, entries=entries, measured_on=payload.measured_on, source="api"
    )
    return worksheet_selectors.worksheet_detail(actor, worksheet_id)


@router.post("/worksheets/{worksheet_id}/submit", response={200: WorksheetOut, **ERRORS})
@policy(ENTER, api=True)
def worksheet_submit(request: HttpRequest, worksheet_id: int) -> Any:
    """Submit the worksheet's results for review; 409 listing every slot that stops it."""
    actor = actor_of(request)
    worksheet_services.worksheet_submit(actor=actor, worksheet_id=worksheet_id)
    return worksheet_selectors.worksheet_detail(actor, worksheet_id)
