"""Reading results: a sample's result grid and a test's history (ISO/IEC 17025 7.5: the record of every result).

Both need "lims.sample.view" and see only the actor's institution: another institution's sample or test answers
NotFound, as one that does not exist. Each reads a constant number of queries, whatever the number of tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor
from tichub.metrology.models import Instrument
from tichub.metrology.selectors import instruments_for_choice

from .choices import LIVE_TEST_STATES
from .models import LabSample, ResultRevision, ReviewStep, Test

VIEW = "lims.sample.view"
TEST_RELATED = ("standard", "instrument", "analyst", "entered_by")


@dataclass(frozen=True)
class Grid:
    """A sample, its live tests in creation order, and the institution's instruments with the reason each may
    not be used on `on` (None when it may)."""

    sample: LabSample
    tests: list[Test]
    instruments: list[tuple[Instrument, str | None]]
    on: dt.date


@dataclass(frozen=True)
class History:
    """A test with every version of its result and every step of its review, oldest first."""

    test: Test
    revisions: list[ResultRevision]
    steps: list[ReviewStep]


def test_not_found() -> NotFound:
    return NotFound(_("检测项目不存在，或不属于本机构。"))


def sample_not_found() -> NotFound:
    return NotFound(_("样品不存在，或不属于本机构。"))


def sample_grid(actor: Actor, sample_id: int, *, test_ids: Collection[int] | None = None) -> Grid:
    """The result grid of a sample: its live tests (only `test_ids` of them when given) and the instruments."""
    actor.require(VIEW)
    sample = LabSample.objects.select_related("order").filter(pk=sample_id, institution_id=actor.tenant_id).first()
    if sample is None:
        raise sample_not_found()
    tests = Test.objects.filter(sample_id=sample.pk, status__in=LIVE_TEST_STATES).select_related(*TEST_RELATED)
    if test_ids is not None:
        tests = tests.filter(pk__in=list(test_ids))
    rows = list(tests.order_by("pk"))
    for test in rows:
        test.sample = sample  # messages and labels read the sample's number: no query per row
    on = timezone.localdate()
    return Grid(sample=sample, tests=rows, instruments=instruments_for_choice(actor, on), on=on)


def test_grid(actor: Actor, test_id: int) -> Grid:
    """The grid reduced to one test's row (to re-render it alone); NotFound for another institution's test or
    one that is no longer live."""
    actor.require(VIEW)
    test = (
        Test.objects.select_related("sample__order", *TEST_RELATED)
        .filter(pk=test_id, institution_id=actor.tenant_id, status__in=LIVE_TEST_STATES)
        .first()
    )
    if test is None:
        raise test_not_found()
    on = timezone.localdate()
    return Grid(sample=test.sample, tests=[test], instruments=instruments_for_choice(actor, on), on=on)


def test_history(actor: Actor, test_id: int) -> History:
    """A test of the institution (any state: retested and retracted tests keep their record) with its sample,
    method, revisions and review steps: three queries."""
    actor.require(VIEW)
    test = (
        Test.objects.select_related("sample", "order", "method", "retest_of", "approved_by", *TEST_RELATED)
        .filter(pk=test_id, institution_id=actor.tenant_id)
        .first()
    )
    if test is None:
        raise test_not_found()
    revisions = list(
        ResultRevision.objects.filter(test_id=test.pk).select_related("changed_by", "instrument").order_by("version")
    )
    steps = list(ReviewStep.objects.filter(test_id=test.pk).select_related("by").order_by("at", "pk"))
    for revision in revisions:
        revision.test = test
    for step in steps:
        step.test = test
    return History(test=test, revisions=revisions, steps=steps)
