"""Laboratory API: review and approval of results, and an order's progress (ISO/IEC 17025 7.7, 7.8.1.1, 6.2.6).

Queues and a sample's review need "lims.sample.view"; checking and retests "lims.result.check"; approving
"lims.result.approve"; retracting "lims.result.retract"; rejecting is open to reviewers and signatories alike (the
route needs "lims.sample.view", the service one of the two). An order's progress is for both parties of the order
("market.order.view"). Another institution's test or sample answers 404 as one that does not exist; refusals
answer 400 (bad input: fields "test_ids", "test_ids.<n>", "reason") or 409 (state, independence, authorisation:
fields "test_ids.<n>" naming each test refused), and nothing is changed.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import progress_selectors, review_selectors, review_services
from .review_selectors import TestReview
from .schemas.review import (
    ApprovalItemOut,
    ApproveIn,
    CheckIn,
    OrderProgressOut,
    RejectIn,
    RetestOut,
    ReviewReasonIn,
    ReviewTestOut,
    SampleReviewOut,
)

router = Router(tags=["laboratory"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, CHECK, APPROVE, RETRACT = "lims.sample.view", "lims.result.check", "lims.result.approve", "lims.result.retract"
ORDER_VIEW = "market.order.view"


@router.get("/review/queue", response={200: list[ReviewTestOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def check_queue(request: HttpRequest) -> Any:
    """Tests awaiting a check by you (not those you entered or already checked), by sample."""
    return review_selectors.check_queue(actor_of(request))


@router.get("/approval/queue", response={200: list[ApprovalItemOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def approval_queue(request: HttpRequest) -> Any:
    """Tests ready for approval, each with whether you may approve it and why not."""
    return review_selectors.approval_queue(actor_of(request))


@router.post("/review/check", response={200: list[ReviewTestOut], **ERRORS})
@policy(CHECK, api=True)
def review_check(request: HttpRequest, payload: CheckIn) -> Any:
    """Check results (one level each), all or nothing."""
    return review_services.review_check(actor=actor_of(request), test_ids=payload.test_ids, note=payload.note)


@router.post("/review/approve", response={200: list[ReviewTestOut], **ERRORS})
@policy(APPROVE, api=True)
def review_approve(request: HttpRequest, payload: ApproveIn) -> Any:
    """Approve results as an authorised signatory, all or nothing."""
    return review_services.review_approve(actor=actor_of(request), test_ids=payload.test_ids)


@router.post("/review/reject", response={200: list[ReviewTestOut], **ERRORS})
@policy(VIEW, api=True)
def review_reject(request: HttpRequest, payload: RejectIn) -> Any:
    """Return results to their analysts with a reason (reviewers and signatories), all or nothing."""
    return review_services.review_reject(actor=actor_of(request), test_ids=payload.test_ids, reason=payload.reason)


@router.post("/tests/{test_id}/retest", response={201: RetestOut, **ERRORS})
@policy(CHECK, api=True)
def review_retest(request: HttpRequest, test_id: int, payload: ReviewReasonIn) -> Any:
    """Ask for a retest: the original is kept (retested), a new pending test is created."""
    done = review_services.review_retest(actor=actor_of(request), test_id=test_id, reason=payload.reason)
    return Status(201, {"original": done.original, "retest": done.retest})


@router.post("/tests/{test_id}/retract", response={201: RetestOut, **ERRORS})
@policy(RETRACT, api=True)
def review_retract(request: HttpRequest, test_id: int, payload: ReviewReasonIn) -> Any:
    """Retract an approved result with a reason: kept (retracted), a new pending test is created."""
    done = review_services.review_retract(actor=actor_of(request), test_id=test_id, reason=payload.reason)
    return Status(201, {"original": done.original, "retest": done.retest})


def _history(item: TestReview) -> dict[str, Any]:
    return {
        "test": item.test,
        "revisions": [revision for revision, _label in item.revisions],
        "steps": item.steps,
        "actions": item.actions,
        "approve_blocked": item.approve_blocked,
    }


@router.get("/samples/{sample_id}/review", response={200: SampleReviewOut, **ERRORS})
@policy(VIEW, api=True)
def sample_review(request: HttpRequest, sample_id: int) -> Any:
    """A sample's tests with their results, decisions, revisions and review steps, and the sample's statement."""
    review = review_selectors.sample_review(actor_of(request), sample_id)
    statement = review.statement
    return {
        "sample": review.sample,
        "levels": review.levels,
        "statement": {
            "decision": statement.decision,
            "text_zh": statement.text_zh,
            "text_en": statement.text_en,
            "rule_zh": statement.rule_zh,
            "rule_en": statement.rule_en,
            "items": {decision: list(items) for decision, items in statement.items.items()},
            "pending": list(statement.pending),
        },
        "tests": [_history(item) for item in review.tests],
    }


@router.get("/orders/{order_id}/progress", response={200: OrderProgressOut, **ERRORS})
@policy(ORDER_VIEW, api=True)
def order_progress(request: HttpRequest, order_id: int) -> Any:
    """The order's samples with their tests counted (total, with a result, approved), due dates and overdue flags;
    for the order's enterprise and institution. No internal notes, names or result values."""
    progress = progress_selectors.order_progress(actor_of(request), order_id)
    return {
        "order_id": progress.order_id,
        "number": progress.number,
        "status": progress.status,
        "tests_total": progress.tests_total,
        "tests_with_result": progress.tests_with_result,
        "tests_approved": progress.tests_approved,
        "samples": progress.samples,
    }
