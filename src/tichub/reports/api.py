"""Reports API at /api/v1/reports: the reports of the actor's organisation (issued by the institution, received by
the enterprise), issuing and amending (authorized signatories), opening a correction, withdrawal, and the
enterprise's choice of what the public verification page shows.

Another organisation's report or sample answers 404, as one that does not exist. Refusals answer 400 (a field at
fault: "reason", "valid_until", "expected_version", "status"), 403 (role), 409 (the rule, in `code`: e.g.
report_not_ready, report_signatory_scope, report_state, no_signing_key) or 422 (a body that does not parse), and
change nothing.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from tichub.core.api_support import Error
from tichub.core.routes import actor_of, policy

from . import report_selectors, report_services
from .schemas import ReasonIn, ReportDetailOut, ReportIssueIn, ReportOut, SummaryIn

router = Router(tags=["reports"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
VIEW, ISSUE, WITHDRAW, SHARE = "reports.view", "reports.issue", "reports.withdraw", "reports.share"


@router.get("", response={200: list[ReportOut], **ERRORS})
@policy(VIEW, api=True)
@paginate
def report_list(request: HttpRequest, q: str = "", status: str = "") -> Any:
    """Every report version of the organisation, newest first; `q` searches the report number, the sample number
    and the product; `status` is issued, superseded or withdrawn. Verification counts are the issuer's only."""
    return report_selectors.report_list(actor_of(request), q=q[:100], status=status[:20])


def _detail(request: HttpRequest, report_id: int) -> Any:
    report = report_selectors.report_get(actor_of(request), report_id)
    report.versions = report_selectors.report_versions(report)  # type: ignore[attr-defined]
    report.correction_open = report_selectors.is_correction_open(report)  # type: ignore[attr-defined]
    return report


@router.get("/{report_id}", response={200: ReportDetailOut, **ERRORS})
@policy(VIEW, api=True)
def report_get(request: HttpRequest, report_id: int) -> Any:
    """One version with the whole chain of versions of its number."""
    return _detail(request, report_id)


@router.post("", response={201: ReportDetailOut, **ERRORS})
@policy(ISSUE, api=True)
def report_issue(request: HttpRequest, payload: ReportIssueIn) -> Any:
    """Issue the sample's report (version 1 under a new number) or, when it has a current version, amend it
    (`reason` required): signed PDF and QR code; the enterprise is told."""
    actor = actor_of(request)
    issued = report_services.report_issue(
        actor=actor,
        sample_id=payload.sample_id,
        reason=payload.reason,
        valid_until=payload.valid_until,
        expected_version=payload.expected_version,
    )
    return Status(201, _detail(request, issued.pk))


@router.post("/{report_id}/withdraw", response={200: ReportDetailOut, **ERRORS})
@policy(WITHDRAW, api=True)
def report_withdraw(request: HttpRequest, report_id: int, payload: ReasonIn) -> Any:
    """Withdraw the current version with a reason; it verifies as withdrawn. The sample may get a new report (new
    number) once corrected."""
    report_services.report_withdraw(actor=actor_of(request), report_id=report_id, reason=payload.reason)
    return _detail(request, report_id)


@router.post("/{report_id}/correction", response={200: ReportDetailOut, **ERRORS})
@policy(ISSUE, api=True)
def report_correction(request: HttpRequest, report_id: int, payload: ReasonIn) -> Any:
    """Reopen the sample of the current version so that its results can be retracted and retested; the version
    stays valid until the amendment is issued."""
    report_services.report_correction_open(actor=actor_of(request), report_id=report_id, reason=payload.reason)
    return _detail(request, report_id)


@router.post("/{report_id}/summary", response={200: ReportDetailOut, **ERRORS})
@policy(SHARE, api=True)
def report_summary(request: HttpRequest, report_id: int, payload: SummaryIn) -> Any:
    """The enterprise shows or hides product and conclusion on the version's public verification page."""
    report_services.report_summary_set(actor=actor_of(request), report_id=report_id, public=payload.public)
    return _detail(request, report_id)
