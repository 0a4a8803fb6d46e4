"""Permission cases for the laboratory review routes (core.testing.permissions).

Each builder makes, as rows, a sample of institution `org` (its description is the secret another institution must
never see) with one lead test in the state the route needs, entered by an analyst of `org` (never by `user`, the
allowed member acting, so that independence does not refuse them). The order progress case is the enterprise's.
"""

import datetime as dt

from django.utils import timezone

from tests.marketplace.sample_world import order_row
from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import Setup, case
from tichub.lims.models import LabSample, SignatoryAuthorisation, Test
from tichub.marketplace.choices import OrderStatus
from tichub.standards.models import StandardEdition

SECRET = "secret-review-4b7d"  # ASCII: the API answers JSON with \\u escapes
LEAD = "GB 5009.12-2017"


def _lead() -> StandardEdition:
    return StandardEdition.objects.filter(canonical=LEAD).first() or edition(LEAD)


def _sample(institution, enterprise=None) -> LabSample:
    enterprise = enterprise or OrganisationFactory()
    order = order_row(enterprise, institution, status=OrderStatus.IN_PROGRESS)
    return LabSample.objects.create(
        institution=institution,
        enterprise=enterprise,
        order=order,
        number=f"{SECRET}-{order.pk}",
        description=SECRET,
        quantity="1 袋",
        received_at=timezone.now(),
        received_by=member(institution, Role.RECEPTION),
        retention_until=timezone.localdate() + dt.timedelta(days=90),
        status="testing",
    )


def _test(org, status: str, **fields) -> Test:
    sample = _sample(org)
    analyst = member(org, Role.ANALYST)
    return Test.objects.create(
        institution=org, sample=sample, order=sample.order, keyword="pb", parameter="铅", standard=_lead(),
        decision_rule="simple", specification="≤ 0.5 mg/kg", upper_limit="0.5", unit="mg/kg", places=3,
        raw_value="0.30", raw_unit="mg/kg", value="0.30", reported_value="0.300", result_text_zh="0.300",
        result_text_en="0.300", decision="pass", analyst=analyst, entered_by=analyst, entered_at=timezone.now(),
        submitted_at=timezone.now(), version=2, status=status, **fields,
    )  # fmt: skip


def _authorise(org, user) -> None:
    SignatoryAuthorisation.objects.create(
        institution=org, user=user, standard=_lead(), valid_from=timezone.localdate() - dt.timedelta(days=1)
    )


def _queue(org, user):
    _test(org, "submitted")
    return Setup(secret=SECRET)


def _approval_queue(org, user):
    _test(org, "checked", checks_done=1)
    return Setup(secret=SECRET)


def _sample_page(org, user):
    test = _test(org, "submitted")
    return Setup(kwargs={"pk": test.sample_id}, secret=SECRET)


def _sample_api(org, user):
    test = _test(org, "submitted")
    return Setup(kwargs={"sample_id": test.sample_id}, secret=SECRET)


def _check(org, user):
    test = _test(org, "submitted")
    return Setup(data={"test_ids": [test.pk], "note": "", "back": "queue"})


def _approve(org, user):
    test = _test(org, "checked", checks_done=1)
    _authorise(org, user)
    return Setup(data={"test_ids": [test.pk], "back": "approve"})


def _reject(org, user):
    """The route is open to the laboratory; the service wants a reviewer or a signatory: `user` is also one."""
    member(org, Role.REVIEWER, user=user)
    test = _test(org, "submitted")
    return Setup(data={"test_ids": [test.pk], "reason": "未附原始记录", "back": "queue"})


def _retest(org, user):
    test = _test(org, "submitted")
    return Setup(kwargs={"pk": test.pk}, data={"reason": "平行样超差", "back": "queue"})


def _retest_api(org, user):
    test = _test(org, "submitted")
    return Setup(kwargs={"test_id": test.pk}, data={"reason": "平行样超差"})


def _approved(org):
    signatory = member(org, Role.AUTHORIZED_SIGNATORY)
    return _test(org, "approved", checks_done=1, approved_by=signatory, approved_at=timezone.now())


def _retract(org, user):
    test = _approved(org)
    return Setup(kwargs={"pk": test.pk}, data={"reason": "标准物质过期", "back": str(test.sample_id)})


def _retract_api(org, user):
    test = _approved(org)
    return Setup(kwargs={"test_id": test.pk}, data={"reason": "标准物质过期"})


def _progress(org, user):
    sample = _sample(InstitutionFactory(), enterprise=org)
    return Setup(kwargs={"order_id": sample.order_id}, secret=SECRET)


case("lims:review_queue", kind="institution", build=_queue)
case("lims:approval_queue", kind="institution", build=_approval_queue)
case("lims:sample_review", kind="institution", build=_sample_page)
case("lims:review_check", method="POST", kind="institution", build=_check)
case("lims:review_approve", method="POST", kind="institution", build=_approve)
case("lims:review_reject", method="POST", kind="institution", build=_reject)
case("lims:review_retest", method="POST", kind="institution", build=_retest)
case("lims:review_retract", method="POST", kind="institution", build=_retract)

case("GET /api/v1/lab/review/queue", kind="institution", build=_queue)
case("GET /api/v1/lab/approval/queue", kind="institution", build=_approval_queue)
case("POST /api/v1/lab/review/check", method="POST", kind="institution", build=_check)
case("POST /api/v1/lab/review/approve", method="POST", kind="institution", build=_approve)
case("POST /api/v1/lab/review/reject", method="POST", kind="institution", build=_reject)
case("POST /api/v1/lab/tests/{test_id}/retest", method="POST", kind="institution", build=_retest_api)
case("POST /api/v1/lab/tests/{test_id}/retract", method="POST", kind="institution", build=_retract_api)
case("GET /api/v1/lab/samples/{sample_id}/review", kind="institution", build=_sample_api)
case("GET /api/v1/lab/orders/{order_id}/progress", kind="enterprise", build=_progress)
