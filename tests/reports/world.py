"""Builders for the report tests: a laboratory world (tests/lims/world.py) whose first sample has every test
approved, with the platform's keys and the laboratory's signing key issued, and reports issued through the real
services.

`ready_world()` → (w, sample): lead 0.48 mg/kg (conditional pass under the non-binary rule, accredited: CNAS),
cadmium 0.05 mg/kg (pass, outside the CNAS scope), checked by `w.reviewer`, approved by `w.signatory`.
`issued(w, sample)` issues its report as `w.signatory`.
"""

from __future__ import annotations

from tests.lims.review_world import submitted
from tests.lims.world import LabWorld, lab_world, received
from tichub.core.tenancy import Actor
from tichub.lims.models import LabSample
from tichub.lims.review_services import review_approve, review_check
from tichub.reports.models import Report
from tichub.reports.report_services import report_issue
from tichub.trust import key_services

SYSTEM = Actor(user=None)


def approve_all(w: LabWorld, sample: LabSample, values: dict[str, str] | None = None) -> None:
    tests = submitted(w, sample, values)
    ids = [test.pk for test in tests.values()]
    review_check(actor=w.reviewer_actor, test_ids=ids)
    review_approve(actor=w.signatory_actor, test_ids=ids)


def ready_world(**kwargs) -> tuple[LabWorld, LabSample]:
    w = lab_world(**kwargs)
    key_services.platform_init(actor=SYSTEM)
    key_services.key_issue(actor=w.admin_actor)
    sample = received(w)
    approve_all(w, sample)
    sample.refresh_from_db()
    return w, sample


def issued(w: LabWorld, sample: LabSample, **kwargs) -> Report:
    return report_issue(actor=w.signatory_actor, sample_id=sample.pk, **kwargs)
