"""Permission cases for the report pages and /api/v1/reports (core.testing.permissions).

Each builder makes, as rows, a sample of an institution whose one lead test is approved (its description is the
secret another organisation must never see), gives the institution a signing key and, where the route issues, an
authorisation for `user` (the allowed member acting). Routes on an existing report issue it first through the real
service, signed by another signatory of the institution. The summary routes are the enterprise's: `org` is then
the report's customer.
"""

import datetime as dt

from django.utils import timezone

from tests.lims.world import actor_of
from tests.marketplace.sample_world import order_row
from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.lims.models import LabSample, SignatoryAuthorisation, Test
from tichub.marketplace.choices import OrderStatus
from tichub.reports.report_services import report_issue
from tichub.standards.models import StandardEdition
from tichub.trust import key_services

SECRET = "secret-report-7c2e"  # ASCII: the API answers JSON with \\u escapes
LEAD = "GB 5009.12-2017"
SYSTEM = Actor(user=None)


def _lead() -> StandardEdition:
    return StandardEdition.objects.filter(canonical=LEAD).first() or edition(LEAD)


def _authorise(institution, user) -> None:
    SignatoryAuthorisation.objects.create(
        institution=institution, user=user, standard=_lead(), valid_from=timezone.localdate() - dt.timedelta(days=1)
    )


def _ready_sample(institution, enterprise=None) -> LabSample:
    """A sample of `institution` whose one test is approved, and the institution's signing key."""
    key_services.platform_init(actor=SYSTEM)
    admin = member(institution, Role.INSTITUTION_ADMIN)
    key_services.key_issue(actor=actor_of(institution, admin, Role.INSTITUTION_ADMIN))
    enterprise = enterprise or OrganisationFactory()
    order = order_row(enterprise, institution, status=OrderStatus.COMPLETED)
    sample = LabSample.objects.create(
        institution=institution, enterprise=enterprise, order=order, number=f"{SECRET}-{order.pk}",
        description=SECRET, quantity="1 袋", received_at=timezone.now(),
        received_by=member(institution, Role.RECEPTION), retention_until=timezone.localdate() + dt.timedelta(days=90),
        status="ready",
    )  # fmt: skip
    analyst, signatory = member(institution, Role.ANALYST), member(institution, Role.AUTHORIZED_SIGNATORY)
    Test.objects.create(
        institution=institution, sample=sample, order=order, keyword="pb", parameter="铅", standard=_lead(),
        decision_rule="simple", specification="≤ 0.5 mg/kg", upper_limit="0.5", unit="mg/kg", places=3,
        raw_value="0.30", raw_unit="mg/kg", value="0.30", reported_value="0.300", result_text_zh="0.300",
        result_text_en="0.300", decision="pass", analyst=analyst, entered_by=analyst, entered_at=timezone.now(),
        submitted_at=timezone.now(), version=3, status="approved", checks_done=1, approved_by=signatory,
        approved_at=timezone.now(),
    )  # fmt: skip
    return sample


def _report(institution, enterprise=None):
    """A report issued for a ready sample of `institution` by another signatory of it."""
    sample = _ready_sample(institution, enterprise)
    signatory = member(institution, Role.AUTHORIZED_SIGNATORY)
    _authorise(institution, signatory)
    return report_issue(actor=actor_of(institution, signatory, Role.AUTHORIZED_SIGNATORY), sample_id=sample.pk)


def _list(org, user):
    _report(org)
    return Setup(secret=SECRET)


def _detail(org, user):
    return Setup(kwargs={"report_id": _report(org).pk}, secret=SECRET)


def _withdraw_page(org, user):
    return Setup(kwargs={"report_id": _report(org).pk}, data={"withdraw-reason": "样品标识有误"})


def _correction_page(org, user):
    return Setup(kwargs={"report_id": _report(org).pk}, data={"correction-reason": "铅的标准物质已过期"})


def _summary_page(org, user):
    report = _report(InstitutionFactory(), enterprise=org)
    return Setup(kwargs={"report_id": report.pk}, data={"public": "0"})


def _issue_page(org, user):
    sample = _ready_sample(org)
    _authorise(org, user)
    return Setup(kwargs={"sample_id": sample.pk}, secret=SECRET)


def _preview(org, user):
    """The draft PDF: the secret is inside compressed streams, so none is checked here."""
    sample = _ready_sample(org)
    _authorise(org, user)
    return Setup(kwargs={"sample_id": sample.pk})


def _issue_api(org, user):
    sample = _ready_sample(org)
    _authorise(org, user)
    return Setup(data={"sample_id": sample.pk})


def _reason_api(org, user):
    return Setup(kwargs={"report_id": _report(org).pk}, data={"reason": "样品标识有误"})


def _summary_api(org, user):
    report = _report(InstitutionFactory(), enterprise=org)
    return Setup(kwargs={"report_id": report.pk}, data={"public": False})


case("reports:list", kind="institution", build=_list)
case("reports:detail", kind="institution", build=_detail)
case("reports:withdraw", method="POST", kind="institution", build=_withdraw_page)
case("reports:correction", method="POST", kind="institution", build=_correction_page)
case("reports:summary", method="POST", kind="enterprise", build=_summary_page)
case("reports:issue", kind="institution", build=_issue_page)
case("reports:preview", kind="institution", build=_preview)

case("GET /api/v1/reports", kind="institution", build=_list)
case("GET /api/v1/reports/{report_id}", kind="institution", build=_detail)
case("POST /api/v1/reports", method="POST", kind="institution", build=_issue_api)
case("POST /api/v1/reports/{report_id}/withdraw", method="POST", kind="institution", build=_reason_api)
case("POST /api/v1/reports/{report_id}/correction", method="POST", kind="institution", build=_reason_api)
case("POST /api/v1/reports/{report_id}/summary", method="POST", kind="enterprise", build=_summary_api)
