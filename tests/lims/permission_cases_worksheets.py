"""Permission cases for the laboratory worksheets routes (core.testing.permissions): the list, making one, the
grid and its rows, submitting, the bench sheet, and the worksheets API.

Each builder makes, for institution `org`, received samples with one lead test each (sample number and parameter
carry `SECRET`) and, when the route needs one, a worksheet of them with a blank (limit 0.01) built through the
services by `user`; another institution's analyst must get 404 and never see the secret.
"""

import datetime as dt

from django.utils import timezone

from tests.marketplace.sample_world import order_row
from tests.registry.search_world import edition
from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import OrganisationFactory
from tichub.core.testing.permissions import Setup, case
from tichub.lims import worksheet_services
from tichub.lims.models import LabSample, Test, TestMethod
from tichub.marketplace.choices import OrderStatus
from tichub.standards.models import StandardEdition

SECRET = "secret-worksheet-8d3c"  # ASCII: the API answers JSON with \\u escapes
LEAD = "GB 5009.12-2017"


def _tests(org, user, n=1):
    """`n` received samples of `org`, each with one pending lead test of the lead method (named `SECRET`)."""
    enterprise = OrganisationFactory()
    order = order_row(enterprise, org, status=OrderStatus.RECEIVED)
    standard = StandardEdition.objects.filter(canonical=LEAD).first() or edition(LEAD)
    method = TestMethod.objects.create(
        institution=org, keyword="pb", parameter=SECRET, parameter_key="pb", standard=standard, unit="mg/kg"
    )
    tests = []
    for i in range(n):
        sample = LabSample.objects.create(
            institution=org,
            enterprise=enterprise,
            order=order,
            number=f"{SECRET}-{order.pk}-{i}",
            description="白砂糖",
            quantity="1 袋",
            received_at=timezone.now(),
            received_by=user,
            retention_until=timezone.localdate() + dt.timedelta(days=90),
        )
        tests.append(
            Test.objects.create(
                institution=org,
                sample=sample,
                order=order,
                method=method,
                keyword="pb",
                parameter=SECRET,
                standard=standard,
                decision_rule="simple",
                unit="mg/kg",
                places=3,
            )
        )
    return tests


def _analyst(org, user):
    return Actor(user=user, organisation=org, roles=frozenset({Role.ANALYST}))


def _worksheet(org, user, *, ready=False):
    """A worksheet of one test and a blank; `ready`: result and blank value recorded, so it may be submitted."""
    actor = _analyst(org, user)
    [test] = _tests(org, user)
    worksheet = worksheet_services.worksheet_create(
        actor=actor, test_ids=[test.pk], method_id=test.method_id, qc=[{"kind": "blank", "expected": "0.01"}]
    )
    sample_slot, blank = worksheet.slots.order_by("position")
    if ready:
        worksheet_services.worksheet_enter(
            actor=actor,
            worksheet_id=worksheet.pk,
            entries=[worksheet_services.SlotResult(sample_slot.pk, "0.1")],
            qc={blank.pk: "0.001"},
        )
    return worksheet, sample_slot, blank


def _detail_page(org, user):
    worksheet, _slot, _blank = _worksheet(org, user)
    return Setup(kwargs={"pk": worksheet.pk}, secret=SECRET)


def _add_page(org, user):
    worksheet, _slot, _blank = _worksheet(org, user)
    return Setup(kwargs={"pk": worksheet.pk})


def _submit_page(org, user):
    worksheet, _slot, _blank = _worksheet(org, user, ready=True)
    return Setup(kwargs={"pk": worksheet.pk})


def _row_save(org, user):
    worksheet, slot, _blank = _worksheet(org, user)
    return Setup(kwargs={"pk": worksheet.pk, "slot_id": slot.pk}, data={f"s{slot.pk}-value": "0.12"})


def _row_remove(org, user):
    worksheet, _slot, blank = _worksheet(org, user)
    return Setup(kwargs={"pk": worksheet.pk, "slot_id": blank.pk})


def _list_api(org, user):
    _worksheet(org, user)
    return Setup(secret=SECRET)


def _create_api(org, user):
    [test] = _tests(org, user)
    return Setup(data={"test_ids": [test.pk], "qc": [{"kind": "blank", "expected": "0.01"}]})


def _detail_api(org, user):
    worksheet, _slot, _blank = _worksheet(org, user)
    return Setup(kwargs={"worksheet_id": worksheet.pk}, secret=SECRET)


def _qc_api(org, user):
    worksheet, _slot, blank = _worksheet(org, user)
    return Setup(kwargs={"worksheet_id": worksheet.pk}, data={"values": {str(blank.pk): "0.002"}})


def _results_api(org, user):
    worksheet, slot, _blank = _worksheet(org, user)
    return Setup(kwargs={"worksheet_id": worksheet.pk}, data={"entries": [{"slot_id": slot.pk, "value": "0.12"}]})


def _submit_api(org, user):
    worksheet, _slot, _blank = _worksheet(org, user, ready=True)
    return Setup(kwargs={"worksheet_id": worksheet.pk})


case("lims:worksheet_list", kind="institution", build=_list_api)
case("lims:worksheet_new", kind="institution")
case("lims:worksheet_detail", kind="institution", build=_detail_page)
case("lims:worksheet_add", kind="institution", build=_add_page)
case("lims:worksheet_print", kind="institution", build=_detail_page)
case("lims:worksheet_submit", method="POST", kind="institution", build=_submit_page)
case("lims:worksheet_slot", method="POST", kind="institution", build=_row_save)
case("lims:worksheet_slot_remove", method="POST", kind="institution", build=_row_remove)

W = "/api/v1/lab/worksheets"
case(f"GET {W}", kind="institution", build=_list_api)
case(f"POST {W}", method="POST", kind="institution", build=_create_api)
case(f"GET {W}/{{worksheet_id}}", kind="institution", build=_detail_api)
case(f"POST {W}/{{worksheet_id}}/qc", method="POST", kind="institution", build=_qc_api)
case(f"POST {W}/{{worksheet_id}}/results", method="POST", kind="institution", build=_results_api)
case(f"POST {W}/{{worksheet_id}}/submit", method="POST", kind="institution", build=_submit_api)
