"""Permission cases for the laboratory results routes (core.testing.permissions): the result grid, saving a row,
submitting, a test's record, and the results API.

Each builder makes, for institution `org`, a received sample with one lead test whose parameter and sample
description carry `SECRET`; another institution's analyst must get 404 and never see it.
"""

import datetime as dt

from django.utils import timezone

from tests.marketplace.sample_world import order_row
from tests.registry.search_world import edition
from tichub.core.testing.factories import OrganisationFactory
from tichub.core.testing.permissions import Setup, case
from tichub.lims.models import LabSample, Test
from tichub.marketplace.choices import OrderStatus
from tichub.standards.models import StandardEdition

SECRET = "secret-result-5b2e"  # ASCII: the API answers JSON with \\u escapes
LEAD = "GB 5009.12-2017"


def _test(org, user, *, entered=False):
    """A received sample of `org` with one lead test (entered: with a result, ready to submit)."""
    enterprise = OrganisationFactory()
    order = order_row(enterprise, org, status=OrderStatus.RECEIVED)
    standard = StandardEdition.objects.filter(canonical=LEAD).first() or edition(LEAD)
    sample = LabSample.objects.create(
        institution=org,
        enterprise=enterprise,
        order=order,
        number=f"S2026-{order.pk:05d}",
        description=SECRET,
        quantity="1 袋",
        received_at=timezone.now(),
        received_by=user,
        retention_until=timezone.localdate() + dt.timedelta(days=90),
    )
    result = {}
    if entered:
        result = {"status": "entered", "raw_value": "0.1", "raw_unit": "mg/kg", "value": "0.1", "version": 1}
    return Test.objects.create(
        institution=org,
        sample=sample,
        order=order,
        keyword="pb",
        parameter=SECRET,
        standard=standard,
        decision_rule="simple",
        upper_limit="0.5",
        unit="mg/kg",
        places=3,
        **result,
    )


def _grid_page(org, user):
    return Setup(kwargs={"pk": _test(org, user).sample_id}, secret=SECRET)


def _submit_page(org, user):
    test = _test(org, user, entered=True)
    return Setup(kwargs={"pk": test.sample_id}, data={"test_ids": [test.pk]})


def _row_save(org, user):
    test = _test(org, user)
    return Setup(kwargs={"pk": test.pk}, data={f"t{test.pk}-value": "0.12", f"t{test.pk}-version": "0"})


def _test_page(org, user):
    return Setup(kwargs={"pk": _test(org, user).pk}, secret=SECRET)


def _record_api(org, user):
    return Setup(data={"entries": [{"test_id": _test(org, user).pk, "value": "0.12", "version": 0}]})


def _submit_api(org, user):
    return Setup(data={"test_ids": [_test(org, user, entered=True).pk]})


def _test_api(org, user):
    return Setup(kwargs={"test_id": _test(org, user).pk}, secret=SECRET)


case("lims:sample_results", kind="institution", build=_grid_page)
case("lims:sample_results_submit", method="POST", kind="institution", build=_submit_page)
case("lims:test_result", method="POST", kind="institution", build=_row_save)
case("lims:test_detail", kind="institution", build=_test_page)
case("POST /api/v1/lab/results", method="POST", kind="institution", build=_record_api)
case("POST /api/v1/lab/results/submit", method="POST", kind="institution", build=_submit_api)
case("GET /api/v1/lab/tests/{test_id}", kind="institution", build=_test_api)
