"""Reading the review of results: who may check or approve what, the reviewers' and signatories' queues, and one
sample's tests with their whole history (ISO/IEC 17025 7.7, 7.8.1.1; authorised signatories 6.2.6).

The rules of independence and authorisation live here, as pure functions over what the selectors load, so that
the queues show exactly what the review services will accept:

* a result is checked and approved by people other than its analyst: neither the person who entered it nor anyone
  who wrote a revision of it may check or approve it;
* each level of checking is done by a different reviewer, and the signatory has not checked it; checks made before
  a rejection do not count (the corrected result is reviewed afresh);
* the signatory holds an authorisation valid today that covers the test: the same standard edition, or the same
  method of the laboratory (lims.method_selectors.covers).

Every selector needs "lims.sample.view" and reads the actor's institution only; a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .choices import LIVE_TEST_STATES, ResultDecision, ReviewAction, SampleStatus, TestStatus
from .method_selectors import authorisations, covers, lab_settings
from .models import LabSample, ResultRevision, ReviewStep, SignatoryAuthorisation, Test
from .statement import ItemDecision, Statement, sample_statement

VIEW, CHECK, APPROVE, RETRACT = "lims.sample.view", "lims.result.check", "lims.result.approve", "lims.result.retract"
REVIEWABLE = frozenset({TestStatus.SUBMITTED, TestStatus.CHECKED})


@dataclass
class People:
    """Who wrote a test's current result (entered it or revised it) and who checked it since its last rejection."""

    authors: set[int] = field(default_factory=set)
    checkers: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def review_levels(institution_id: int) -> int:
    """The institution's number of review levels (the last one is the signatory's approval)."""
    return lab_settings(institution_id).review_levels


def signatory_authorisations(actor: Actor) -> list[SignatoryAuthorisation]:
    """The actor's own signatory authorisations, whatever their validity (`covers` checks it on the day)."""
    return authorisations(actor, user_id=actor.person.pk)


def people_from(test: Test, revisions: Iterable[ResultRevision], steps: Iterable[ReviewStep]) -> People:
    """The People of one test from its revisions and its review steps (in the order they were taken)."""
    people = People()
    if test.entered_by_id is not None:
        people.authors.add(test.entered_by_id)
    people.authors.update(revision.changed_by_id for revision in revisions)
    for step in steps:
        if step.action == ReviewAction.REJECT:
            people.checkers.clear()
        elif step.action == ReviewAction.CHECK:
            people.checkers.add(step.by_id)
    return people


def people_of(tests: Sequence[Test]) -> dict[int, People]:
    """The People of each test, in two queries whatever the number of tests."""
    ids = [test.pk for test in tests]
    revisions: dict[int, list[ResultRevision]] = {pk: [] for pk in ids}
    for revision in ResultRevision.objects.filter(test_id__in=ids).only("test_id", "changed_by_id"):
        revisions[revision.test_id].append(revision)
    steps: dict[int, list[ReviewStep]] = {pk: [] for pk in ids}
    for step in (
        ReviewStep.objects.filter(test_id__in=ids, action__in=[ReviewAction.CHECK, ReviewAction.REJECT])
        .only("test_id", "action", "by_id")
        .order_by("id")
    ):
        steps[step.test_id].append(step)
    return {test.pk: people_from(test, revisions[test.pk], steps[test.pk]) for test in tests}


def test_label(test: Test) -> str:
    """How messages name a test: its sample's number and its parameter ("S2026-00001 铅")."""
    return f"{test.sample.number} {test.parameter}"


def state_refusal(test: Test, verb: str) -> Refusal:
    """A test that is not awaiting review (SUBMITTED or CHECKED) cannot be checked, approved, rejected, retested."""
    return Refusal(
        "review_state",
        _("%(test)s 当前状态为“%(state)s”，不能%(action)s：只有待审核的结果可以%(action)s。")
        % {"test": test_label(test), "state": test.get_status_display(), "action": verb},
    )


def check_refusal(test: Test, person_id: int, levels: int, people: People) -> Refusal | None:
    """Why `person_id` may not check `test` now (None: they may)."""
    if test.status not in REVIEWABLE:
        return state_refusal(test, pgettext("不能……的动作", "审核"))
    if levels == 1:
        return Refusal(
            "not_ready",
            _("%(test)s：本机构设为一级审核，结果由授权签字人直接批准，无需审核。") % {"test": test_label(test)},
        )
    if test.checks_done >= levels - 1:
        return Refusal(
            "not_ready",
            _("%(test)s 已完成全部 %(done)d 级审核，等待授权签字人批准。")
            % {"test": test_label(test), "done": test.checks_done},
        )
    if person_id in people.authors:
        return Refusal("own_result", _("%(test)s：您录入了该结果，须由另一名审核人审核。") % {"test": test_label(test)})
    if person_id in people.checkers:
        return Refusal(
            "checked_already",
            _("%(test)s：您已审核过该结果，下一级审核须由另一名审核人进行。") % {"test": test_label(test)},
        )
    return None


def approve_refusal(
    test: Test, person_id: int, levels: int, people: People, held: Sequence[SignatoryAuthorisation]
) -> Refusal | None:
    """Why `person_id`, holding the authorisations `held`, may not approve `test` today (None: they may)."""
    if test.status not in REVIEWABLE:
        return state_refusal(test, pgettext("不能……的动作", "批准"))
    missing = levels - 1 - test.checks_done
    if missing > 0:
        return Refusal(
            "not_ready",
            _("%(test)s 尚需 %(missing)d 级审核才能批准（本机构为 %(checks)d 级审核加批准，已完成 %(done)d 级）。")
            % {"test": test_label(test), "missing": missing, "checks": levels - 1, "done": test.checks_done},
        )
    if person_id in people.authors:
        return Refusal(
            "own_result",
            _("%(test)s：您录入了该结果，须由另一名授权签字人批准。") % {"test": test_label(test)},
        )
    if person_id in people.checkers:
        return Refusal(
            "checked_already",
            _("%(test)s：您审核过该结果，须由另一名授权签字人批准。") % {"test": test_label(test)},
        )
    if not covers(held, test, timezone.localdate()):
        return Refusal(
            "not_authorised",
            _("%(test)s：您的授权签字范围不包括方法 %(edition)s（%(parameter)s），不能批准。")
            % {"test": test_label(test), "edition": test.standard.canonical, "parameter": test.parameter},
        )
    return None


def _ready_q(levels: int) -> Q:
    if levels == 1:
        return Q(status=TestStatus.SUBMITTED)
    return Q(status=TestStatus.CHECKED, checks_done=levels - 1)


# --- queues -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalItem:
    """A test awaiting approval, with whether this signatory may approve it and, if not, why."""

    test: Test
    covered: bool
    reason: str


def _queue(actor: Actor, condition: Q) -> list[Test]:
    return list(
        Test.objects.filter(condition, institution_id=actor.tenant_id)
        .select_related("sample", "standard", "entered_by")
        .order_by("sample__received_at", "sample_id", "pk")
    )


def check_queue(actor: Actor) -> list[Test]:
    """Tests awaiting a check that this reviewer may make (not those they entered or already checked), grouped by
    sample, oldest sample first. Four queries."""
    actor.require(VIEW)
    levels = review_levels(actor.tenant_id)
    if levels == 1:
        return []
    tests = _queue(actor, Q(status__in=REVIEWABLE, checks_done__lt=levels - 1))
    people = people_of(tests)
    person = actor.person.pk
    return [test for test in tests if check_refusal(test, person, levels, people[test.pk]) is None]


def approval_queue(actor: Actor) -> list[ApprovalItem]:
    """Tests ready for approval, each with whether this signatory's authorisation (and independence) allows
    approving it and the reason when not. Five queries."""
    actor.require(VIEW)
    levels = review_levels(actor.tenant_id)
    tests = _queue(actor, _ready_q(levels))
    people = people_of(tests)
    held = signatory_authorisations(actor)
    person = actor.person.pk
    items = []
    for test in tests:
        refusal = approve_refusal(test, person, levels, people[test.pk], held)
        items.append(ApprovalItem(test=test, covered=refusal is None, reason=refusal.message if refusal else ""))
    return items


# --- one sample ---------------------------------------------------------------------------------------------------


@dataclass
class TestReview:
    """A test of the sample with its revisions, its review steps, and what the actor may do with it now."""

    __test__ = False  # not a pytest class

    test: Test
    revisions: list[tuple[ResultRevision, str]]  # each version with its decision as people read it
    steps: list[ReviewStep]
    actions: list[str]
    approve_blocked: str  # why this signatory may not approve it ("" when they may, or when it is not their step)


@dataclass
class SampleReview:
    sample: LabSample
    levels: int
    tests: list[TestReview]
    statement: Statement


def sample_not_found() -> NotFound:
    return NotFound(_("样品不存在，或不属于本机构。"))


def _actions(
    actor: Actor, test: Test, levels: int, people: People, held: Sequence[SignatoryAuthorisation]
) -> tuple[list[str], str]:
    person = actor.person.pk
    actions = []
    blocked = ""
    if actor.can(CHECK) and check_refusal(test, person, levels, people) is None:
        actions.append("check")
    if actor.can(APPROVE) and test.status in REVIEWABLE and test.checks_done >= levels - 1:
        refusal = approve_refusal(test, person, levels, people, held)
        if refusal is None:
            actions.append("approve")
        else:
            blocked = refusal.message
    if test.status in REVIEWABLE and (actor.can(CHECK) or actor.can(APPROVE)):
        actions.append("reject")
    if test.status in REVIEWABLE and actor.can(CHECK):
        actions.append("retest")
    if test.status == TestStatus.APPROVED and actor.can(RETRACT) and test.sample.status != SampleStatus.REPORTED:
        actions.append("retract")
    return actions, blocked


def _decision_label(decision: str) -> str:
    return str(ResultDecision(decision).label) if decision in ResultDecision.values else ""


def item_decisions(tests: Iterable[Test]) -> list[ItemDecision]:
    """What the statement needs of the live tests among `tests`."""
    return [
        ItemDecision(
            parameter=test.parameter,
            parameter_en=test.parameter_en,
            has_limit=bool(test.lower_limit or test.upper_limit),
            decision=test.decision,
        )
        for test in tests
        if test.status in LIVE_TEST_STATES
    ]


def sample_review(actor: Actor, sample_id: int) -> SampleReview:
    """A sample of the actor's institution with all its tests (retested and retracted ones included), each with
    its result, decision, revisions and review steps, what the actor may do with it, and the sample's statement.
    Six queries whatever the number of tests."""
    actor.require(VIEW)
    sample = (
        LabSample.objects.select_related("order", "enterprise")
        .filter(institution_id=actor.tenant_id, pk=sample_id)
        .first()
    )
    if sample is None:
        raise sample_not_found()
    tests = list(
        Test.objects.filter(sample_id=sample.pk)
        .select_related("standard", "analyst", "entered_by", "approved_by", "instrument")
        .prefetch_related(
            Prefetch("revisions", queryset=ResultRevision.objects.select_related("changed_by").order_by("version")),
            Prefetch("review_steps", queryset=ReviewStep.objects.select_related("by").order_by("id")),
        )
        .order_by("pk")
    )
    levels = review_levels(actor.tenant_id)
    held = signatory_authorisations(actor) if actor.can(APPROVE) else []
    reviews = []
    for test in tests:
        test.sample = sample
        revisions = list(test.revisions.all())
        steps = list(test.review_steps.all())
        people = people_from(test, revisions, steps)
        actions, blocked = _actions(actor, test, levels, people, held)
        labelled = [(revision, _decision_label(revision.decision)) for revision in revisions]
        reviews.append(TestReview(test, labelled, steps, actions, blocked))
    rule = tests[0].decision_rule if tests else sample.order.decision_rule
    statement = sample_statement(item_decisions(tests), rule)
    return SampleReview(sample=sample, levels=levels, tests=reviews, statement=statement)
