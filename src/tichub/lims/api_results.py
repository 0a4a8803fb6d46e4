"""Laboratory API: results. Record a batch of results (all or nothing), submit them for review, read a test's
record with every revision and review step (ISO/IEC 17025 7.5.2).

Writing needs "lims.result.enter", reading "lims.sample.view". Another institution's test answers 404 as one that
does not exist; refusals answer 400 (bad input) or 409 (state, assignment, stale version) with the fields at fault
("entries.<i>.<field>", "test_ids").
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import result_selectors, result_services
from .result_services import ResultEntry
from .schemas.results import ResultsIn, ResultsSubmitIn, TestRecordOut, TestResultOut

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, ENTER = "lims.sample.view", "lims.result.enter"


@router.post("/results", response={200: list[TestResultOut], **ERRORS})
@policy(ENTER, api=True)
def results_record(request: HttpRequest, payload: ResultsIn) -> Any:
    """Record results, all or nothing: the tests written, then the calculated tests recomputed."""
    entries = [ResultEntry(**entry.dict()) for entry in payload.entries]
    return result_services.results_record(actor=actor_of(request), entries=entries, source="api")


@router.post("/results/submit", response={200: list[TestResultOut], **ERRORS})
@policy(ENTER, api=True)
def results_submit(request: HttpRequest, payload: ResultsSubmitIn) -> Any:
    """Hand entered results over for review."""
    return result_services.results_submit(actor=actor_of(request), test_ids=payload.test_ids)


@router.get("/tests/{test_id}", response={200: TestRecordOut, **ERRORS})
@policy(VIEW, api=True)
def test_record(request: HttpRequest, test_id: int) -> Any:
    """A test: specification, method settings copied, current result, every revision and review step."""
    return _Record(result_selectors.test_history(actor_of(request), test_id))


class _Record:
    """The test's own fields, with its revisions and review steps as already read (not queried again)."""

    def __init__(self, history: result_selectors.History) -> None:
        self._test = history.test
        self.revisions = history.revisions
        self.review_steps = history.steps

    def __getattr__(self, name: str) -> Any:
        return getattr(self._test, name)
