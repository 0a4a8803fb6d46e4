"""Laboratory API: receiving samples, the sample list, one sample, sub-samples, custody and disposal (ISO/IEC
17025 7.4).

Institution roles only; another institution's sample or announcement answers 404, as one that does not exist.
Errors: {code, message, fields} as everywhere; creations answer 201.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import sample_selectors as selectors
from . import sample_services as services
from .sample_selectors import SampleDetail
from .schemas.samples import (
    CustodyIn,
    CustodyOut,
    DisposeIn,
    LabSampleDetailOut,
    LabSampleListOut,
    LabSampleOut,
    ReceiptLookupOut,
    ReceiveIn,
    SplitIn,
)

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, RECEIVE, CUSTODY = "lims.sample.view", "lims.sample.receive", "lims.custody.record"


class _DetailOut:
    """The sample's own attributes, with its tests, parts and custody as the selector loaded them (no more
    queries: the model's reverse managers would query again)."""

    def __init__(self, detail: SampleDetail) -> None:
        self._detail = detail

    def __getattr__(self, name: str) -> Any:
        if name in ("tests", "parts", "custody"):
            return getattr(self._detail, name)
        return getattr(self._detail.sample, name)


@router.get("/samples", response={200: list[LabSampleListOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def sample_list(
    request: HttpRequest,
    status: str = "",
    q: str = Query("", max_length=100, description="sample number, description, order number or reference"),
    order_id: int | None = None,
    awaiting: bool = Query(False, description="the disposal queue: past the retention date, not disposed of"),
):
    """The institution's samples and sub-samples, newest receipt first."""
    return selectors.sample_list(actor_of(request), status=status, q=q, order_id=order_id, awaiting=awaiting)


# Declared before /samples/{sample_id}: ninja's path parameters match any text, "receive" included.
@router.post("/samples/receive", response={201: LabSampleDetailOut, **ERRORS})
@policy(RECEIVE, api=True)
def sample_receive(request: HttpRequest, payload: ReceiveIn):
    """Receive an announced sample: number, condition, deviation handling, tests from the contract review."""
    actor = actor_of(request)
    sample = services.sample_receive(actor=actor, **payload.dict())
    return Status(201, _DetailOut(selectors.sample_detail(actor, sample.pk)))


@router.get("/samples/{sample_id}", response={200: LabSampleDetailOut, **ERRORS})
@policy(VIEW, api=True)
def sample_detail(request: HttpRequest, sample_id: int):
    """One sample with its tests (summary), parts and chain of custody."""
    return _DetailOut(selectors.sample_detail(actor_of(request), sample_id))


@router.get("/receipt/lookup", response={200: ReceiptLookupOut, **ERRORS})
@policy(VIEW, api=True)
def receipt_lookup(request: HttpRequest, code: str = Query(..., max_length=200, description="scanned label text")):
    """The announced sample a scanned label (or a sample reference) names, what will be tested, and whether it has
    been received."""
    found = selectors.receipt_lookup(actor=actor_of(request), scanned_text=code)
    return {
        "announcement": found.announcement,
        "order": found.order,
        "items": found.items,
        "received": found.received,
        "receivable": found.receivable,
        "sample": found.lab_sample,
    }


@router.post("/samples/{sample_id}/parts", response={201: list[LabSampleOut], **ERRORS})
@policy(RECEIVE, api=True)
def sample_split(request: HttpRequest, sample_id: int, payload: SplitIn):
    """Make sub-samples <number>-1, -2, …; optionally move pending tests to a single part."""
    parts = services.sample_split(
        actor=actor_of(request),
        sample_id=sample_id,
        parts=[part.dict() for part in payload.parts],
        test_ids=payload.test_ids,
    )
    return Status(201, parts)


@router.post("/samples/{sample_id}/custody", response={201: CustodyOut, **ERRORS})
@policy(CUSTODY, api=True)
def custody_record(request: HttpRequest, sample_id: int, payload: CustodyIn):
    """Record a hand-over, a move or a return to the customer."""
    event = services.custody_record(actor=actor_of(request), sample_id=sample_id, **payload.dict())
    return Status(201, event)


@router.post("/samples/{sample_id}/dispose", response={200: LabSampleOut, **ERRORS})
@policy(RECEIVE, api=True)
def sample_dispose(request: HttpRequest, sample_id: int, payload: DisposeIn):
    """Record the sample's disposal (before the retention date only with `early_reason`)."""
    actor = actor_of(request)
    services.sample_dispose(actor=actor, sample_id=sample_id, **payload.dict())
    return selectors.sample_get(actor, sample_id)
