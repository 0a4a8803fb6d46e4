"""Laboratory API: the test list, bulk assignment, the caller's work queue and the lab overview.

Everyone of the institution reads ("lims.sample.view"); sample handlers and laboratory managers assign
("lims.test.assign"). A test of another institution in an assignment answers 404 and nothing is assigned.
"""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import assignment_services as services
from . import queue_selectors as selectors
from .schemas.tests import AssignIn, AssignOut, LabTestOut, OverviewOut

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, ASSIGN = "lims.sample.view", "lims.test.assign"


@router.get("/tests", response={200: list[LabTestOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def tests(
    request: HttpRequest,
    status: str = Query("", description='one test status, or "open" for every state with work to do'),
    analyst: int | None = Query(None, description="user id of the analyst assigned"),
    unassigned: bool = Query(False, description="open tests without an analyst"),
    overdue: bool = Query(False, description="open tests past their due date"),
    method: int | None = Query(None, description="method id"),
    keyword: str = Query("", max_length=40, description="method keyword"),
    q: str = Query("", max_length=100, description="sample number, order number or parameter"),
):
    """The laboratory's tests by due date (none last), sample number and id."""
    return selectors.test_list(
        actor_of(request),
        status=status,
        analyst=analyst,
        unassigned=unassigned,
        overdue=overdue,
        method=method,
        keyword=keyword,
        q=q,
    )


@router.post("/tests/assign", response={200: AssignOut, **ERRORS})
@policy(ASSIGN, api=True)
def tests_assign(request: HttpRequest, payload: AssignIn):
    """Give tests an analyst, an instrument usable today and/or a due date (at least one), all or nothing."""
    assigned = services.tests_assign(actor=actor_of(request), **payload.dict())
    return {"assigned": assigned}


@router.get("/my-queue", response={200: list[LabTestOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def my_queue(request: HttpRequest):
    """The tests assigned to the caller with work still to do, by due date, overdue flagged."""
    return selectors.my_queue(actor_of(request))


@router.get("/overview", response={200: OverviewOut, **ERRORS})
@policy(VIEW, api=True)
def overview(request: HttpRequest):
    """Counts for the lab home page."""
    return selectors.lab_overview(actor_of(request))
