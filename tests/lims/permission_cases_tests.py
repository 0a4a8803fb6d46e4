"""Permission cases for the laboratory tests routes (core.testing.permissions): the test list's bulk assignment,
page and API. Each builder makes a received sample with one test, owned by institution `org`."""

import datetime as dt

from django.utils import timezone

from tests.marketplace.sample_world import order_row
from tichub.core.testing.factories import OrganisationFactory
from tichub.core.testing.permissions import Setup, case
from tichub.lims.models import LabSample, Test
from tichub.marketplace.choices import OrderStatus

from .permission_cases_methods import catalogued

SECRET = "secret-sample-81c2"


def lab_test(org, user) -> Test:
    """One pending test of a sample of a received order to `org` (user: the member who received it)."""
    enterprise = OrganisationFactory()
    order = order_row(enterprise, org, status=OrderStatus.RECEIVED)
    today = timezone.localdate()
    sample = LabSample.objects.create(
        institution=org, enterprise=enterprise, order=order, number=f"S-{order.pk}", description=SECRET,
        quantity="1 kg", received_at=timezone.now(), received_by=user, retention_until=today + dt.timedelta(days=90),
    )  # fmt: skip
    return Test.objects.create(
        institution=org, sample=sample, order=order, keyword="moisture", parameter="水分", standard=catalogued(),
        decision_rule="simple", unit="g/100 g", due_date=today + dt.timedelta(days=5),
    )  # fmt: skip


def _assign(org, user):
    test = lab_test(org, user)
    return Setup(data={"test_ids": [test.pk], "due_date": timezone.localdate().isoformat()})


case("lims:test_assign", method="POST", kind="institution", build=_assign)
case("POST /api/v1/lab/tests/assign", method="POST", kind="institution", build=_assign)
