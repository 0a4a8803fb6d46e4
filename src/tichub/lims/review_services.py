"""Review and approval of results: check, approve, reject, retest, retract (ISO/IEC 17025 7.7 and 7.8.1.1;
authorised signatories 6.2.6; invalidated work 7.10).

An institution reviews in n levels (LabSettings.review_levels, 1 to 3): n - 1 checks by reviewers, then the
approval by an authorised signatory. A submitted result goes SUBMITTED → CHECKED (each check counts one level) →
APPROVED; the independence and authorisation rules are those of lims.review_selectors (the queues show what these
services accept). A rejection returns the result to its analyst with a reason and resets the checks; a retest keeps
the original as a record (RETESTED) and creates a fresh copy of the test; a retraction invalidates an approved
result with a reason (RETRACTED) and also creates a copy, moving the sample back to testing and a completed order
back to in progress. A result already on an issued report is not retracted here: the report is amended.

Every service runs in one transaction, locks the tests (then, through progress_sync, the order: tests first, order
last), is all-or-nothing over the tests named, answers NotFound for a test of another institution, and writes one
audit event per test with its reason; notifications are written in the transaction and e-mailed after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor

from .choices import ReviewAction, SampleStatus, TestStatus
from .models import LabSample, ReviewStep, Test
from .progress_services import progress_sync
from .review_selectors import (
    APPROVE,
    CHECK,
    RETRACT,
    REVIEWABLE,
    Refusal,
    approve_refusal,
    check_refusal,
    people_of,
    review_levels,
    signatory_authorisations,
    state_refusal,
    test_label,
)

BATCH_MAX = 500
TEXT_MAX = 1000
STATE_FIELDS = ("status", "checks_done", "approved_by", "approved_at", "version")
#: What a retest copies from the original: what is measured and how, who measures it, with what, by when.
COPIED_FIELDS = (
    "institution_id", "sample_id", "order_id", "need_item_id", "method_id", "keyword", "parameter", "parameter_en",
    "standard_id", "clause", "accredited", "subcontractor_id", "specification", "lower_limit", "upper_limit",
    "decision_rule", "unit", "places", "round_to_uncertainty", "lod", "loq", "uncertainty_kind", "uncertainty_value",
    "uncertainty_ranges", "coverage_factor", "formula", "non_negative", "analyst_id", "instrument_id", "due_date",
    "internal_note",
)  # fmt: skip


@dataclass(frozen=True)
class Retest:
    """The test kept as a record (RETESTED or RETRACTED) and the copy that will carry the new result."""

    original: Test
    retest: Test


# --- input ------------------------------------------------------------------------------------------------------


def _ids(test_ids: Any) -> list[int]:
    """Test ids as given (duplicates dropped, order kept); every fault named test_ids or test_ids.<n>."""
    if not isinstance(test_ids, Sequence) or isinstance(test_ids, str | bytes) or not test_ids:
        raise ServiceError.field("test_ids", _("请至少选择一个检测项目。"))
    if len(test_ids) > BATCH_MAX:
        raise ServiceError.field(
            "test_ids",
            _("一次最多处理 %(max)d 个检测项目（现为 %(n)d 个）。") % {"max": BATCH_MAX, "n": len(test_ids)},
        )
    fields: dict[str, list[str]] = {}
    ids: list[int] = []
    for index, value in enumerate(test_ids):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fields[f"test_ids.{index}"] = [_("检测项目编号须为正整数（现为“%(value)s”）。") % {"value": value}]
        elif value not in ids:
            ids.append(value)
    if fields:
        raise ServiceError(" ".join(m for msgs in fields.values() for m in msgs), fields=fields)
    return ids


def _id(test_id: Any) -> int:
    if isinstance(test_id, bool) or not isinstance(test_id, int) or test_id < 1:
        raise ServiceError.field("test_id", _("检测项目编号须为正整数（现为“%(value)s”）。") % {"value": test_id})
    return test_id


def _text(value: Any, name: str, *, required: bool) -> str:
    labels = {"reason": _("原因"), "note": _("审核意见")}
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError.field(name, _("%(field)s须为文本。") % {"field": labels[name]})
    value = value.strip()
    if required and not value:
        raise ServiceError.field(name, _("请填写%(field)s：退回、重测和撤销都须说明原因。") % {"field": labels[name]})
    if len(value) > TEXT_MAX:
        raise ServiceError.field(
            name,
            _("%(field)s最多 %(max)d 个字符（现为 %(n)d 个）。")
            % {"field": labels[name], "max": TEXT_MAX, "n": len(value)},
        )
    return value


def _not_found() -> NotFound:
    return NotFound(_("检测项目不存在，或不属于本机构。"))


def _locked(actor: Actor, ids: list[int]) -> list[Test]:
    """The tests of the actor's institution, locked, in the order named; NotFound if any is missing."""
    found = {
        test.pk: test
        for test in Test.objects.select_for_update(of=("self",))
        .select_related("sample", "standard")
        .filter(institution_id=actor.tenant_id, pk__in=ids)
        .order_by("pk")
    }
    if len(found) != len(ids):
        raise _not_found()
    return [found[pk] for pk in ids]


def _refuse(refusals: list[tuple[int, Refusal]]) -> None:
    """One Conflict for every test refused (fields test_ids.<n>), coded by the first refusal."""
    if refusals:
        raise Conflict(
            " ".join(refusal.message for _index, refusal in refusals),
            code=refusals[0][1].code,
            fields={f"test_ids.{index}": [refusal.message] for index, refusal in refusals},
        )


# --- writing ----------------------------------------------------------------------------------------------------


def _sync(actor: Actor, tests: Iterable[Test], *, reopen: bool = False) -> None:
    for order_id in sorted({test.order_id for test in tests}):
        progress_sync(actor=actor, order_id=order_id, reopen=reopen)


def _steps(
    tests: Sequence[Test], action: str, actor: Actor, at: dt.datetime, reason: str, level: Callable[[Test], int]
) -> None:
    person = actor.person
    ReviewStep.objects.bulk_create(
        [ReviewStep(test=t, action=action, level=level(t), by=person, at=at, reason=reason) for t in tests]
    )


def _audit(
    actor: Actor, action: str, tests: Sequence[Test], before: dict[int, dict[str, Any]], reason: str = ""
) -> None:
    audit_record_many(
        actor=actor,
        action=action,
        changes=[(test, before[test.pk], snapshot(test, STATE_FIELDS)) for test in tests],
        reason=reason,
    )


def review_check(*, actor: Actor, test_ids: Sequence[int], note: str = "") -> list[Test]:
    """Check submitted results (one level each): the checker is neither their analyst nor a reviewer who already
    checked them. SUBMITTED or CHECKED with fewer than n - 1 checks → CHECKED, checks_done + 1."""
    actor.require(CHECK)
    ids = _ids(test_ids)
    note = _text(note, "note", required=False)
    with transaction.atomic():
        tests = _locked(actor, ids)
        levels = review_levels(actor.tenant_id)
        people = people_of(tests)
        person = actor.person.pk
        refusals = [
            (index, refusal)
            for index, test in enumerate(tests)
            if (refusal := check_refusal(test, person, levels, people[test.pk])) is not None
        ]
        _refuse(refusals)
        before = {test.pk: snapshot(test, STATE_FIELDS) for test in tests}
        Test.objects.filter(pk__in=ids).update(
            status=TestStatus.CHECKED, checks_done=F("checks_done") + 1, version=F("version") + 1
        )
        for test in tests:
            test.status, test.checks_done, test.version = TestStatus.CHECKED, test.checks_done + 1, test.version + 1
        _steps(tests, ReviewAction.CHECK, actor, timezone.now(), note, lambda test: test.checks_done)
        _audit(actor, "test.check", tests, before, note)
        _sync(actor, tests)
    return tests


def review_approve(*, actor: Actor, test_ids: Sequence[int]) -> list[Test]:
    """Approve results ready for it (SUBMITTED when the institution has one level, else CHECKED n - 1 times) as an
    authorised signatory whose authorisation, valid today, covers each test's method edition, who is not its
    analyst and did not check it. A sample whose live tests are then all approved is ready for its report (its
    reception is told); an order whose samples are all received and ready is completed."""
    actor.require(APPROVE)
    ids = _ids(test_ids)
    with transaction.atomic():
        tests = _locked(actor, ids)
        levels = review_levels(actor.tenant_id)
        people = people_of(tests)
        held = signatory_authorisations(actor)
        person = actor.person.pk
        refusals = [
            (index, refusal)
            for index, test in enumerate(tests)
            if (refusal := approve_refusal(test, person, levels, people[test.pk], held)) is not None
        ]
        _refuse(refusals)
        before = {test.pk: snapshot(test, STATE_FIELDS) for test in tests}
        now = timezone.now()
        Test.objects.filter(pk__in=ids).update(
            status=TestStatus.APPROVED, approved_by=actor.person, approved_at=now, version=F("version") + 1
        )
        for test in tests:
            test.status, test.approved_by, test.approved_at = TestStatus.APPROVED, actor.person, now
            test.version += 1
        _steps(tests, ReviewAction.APPROVE, actor, now, "", lambda test: levels)
        _audit(actor, "test.approve", tests, before)
        sample_ids = {test.sample_id for test in tests}
        ready_before = set(
            LabSample.objects.filter(pk__in=sample_ids, status=SampleStatus.READY).values_list("pk", flat=True)
        )
        _sync(actor, tests)
        became_ready = list(
            LabSample.objects.filter(pk__in=sample_ids - ready_before, status=SampleStatus.READY)
            .select_related("order")
            .order_by("number")
        )
        if became_ready:
            _notify_ready(actor.tenant_id, became_ready)
    return tests


def review_reject(*, actor: Actor, test_ids: Sequence[int], reason: str) -> list[Test]:
    """Return submitted or checked results to their analyst with a reason (reviewers and signatories): REJECTED,
    checks reset; the analyst is told in the app and by e-mail."""
    if not (actor.can(CHECK) or actor.can(APPROVE)):
        raise PermissionDenied(CHECK)
    ids = _ids(test_ids)
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        tests = _locked(actor, ids)
        verb = pgettext("不能……的动作", "退回")
        _refuse([(i, state_refusal(test, verb)) for i, test in enumerate(tests) if test.status not in REVIEWABLE])
        before = {test.pk: snapshot(test, STATE_FIELDS) for test in tests}
        at_level = {test.pk: test.checks_done + 1 for test in tests}
        Test.objects.filter(pk__in=ids).update(status=TestStatus.REJECTED, checks_done=0, version=F("version") + 1)
        for test in tests:
            test.status, test.checks_done, test.version = TestStatus.REJECTED, 0, test.version + 1
        _steps(tests, ReviewAction.REJECT, actor, timezone.now(), reason, lambda test: at_level[test.pk])
        _audit(actor, "test.reject", tests, before, reason)
        _sync(actor, tests)
        _notify_analysts(
            actor,
            tests,
            title=lambda labels: _("检测结果被退回：%(tests)s") % {"tests": labels},
            body=lambda labels: (
                _("%(who)s 退回了以下检测结果，请复核后重新提交：%(tests)s。退回原因：%(reason)s")
                % {"who": actor.person.name, "tests": labels, "reason": reason}
            ),
            email=True,
        )
    return tests


def _copy(original: Test) -> Test:
    copy = Test(
        **{name: getattr(original, name) for name in COPIED_FIELDS}, retest_of=original, status=TestStatus.PENDING
    )
    copy.save()
    copy.sample, copy.standard = original.sample, original.standard  # already loaded: no query to read them
    return copy


def _replace(actor: Actor, original: Test, to: str, action: str, reason: str) -> Test:
    """Keep `original` as a record in state `to` (nothing else of it changes) and create its copy to redo."""
    before = {"status": original.status}
    Test.objects.filter(pk=original.pk).update(status=to)
    original.status = to
    copy = _copy(original)
    ReviewStep.objects.create(
        test=original, action=action, level=original.checks_done, by=actor.person, at=timezone.now(), reason=reason
    )
    audit_record(
        actor=actor,
        action=f"test.{action}",
        obj=original,
        before=before,
        after={"status": to, "retest": copy.pk},
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="test.create",
        obj=copy,
        after={**snapshot(copy, ("sample", "keyword", "analyst", "instrument", "due_date")), "retest_of": original.pk},
        reason=reason,
    )
    return copy


def review_retest(*, actor: Actor, test_id: int, reason: str) -> Retest:
    """Ask for a retest of a submitted or checked result (reviewers): the original is kept unchanged as RETESTED
    and a copy without result (same method settings, analyst, instrument and due date) is PENDING."""
    actor.require(CHECK)
    pk = _id(test_id)
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        [original] = _locked(actor, [pk])
        if original.status not in REVIEWABLE:
            _refuse([(0, state_refusal(original, pgettext("不能……的动作", "要求重测")))])
        copy = _replace(actor, original, TestStatus.RETESTED, ReviewAction.RETEST, reason)
        _sync(actor, [original])
        _notify_analysts(
            actor,
            [copy],
            title=lambda labels: _("需要重测：%(tests)s") % {"tests": labels},
            body=lambda labels: (
                _("%(who)s 要求重测 %(tests)s，原结果保留备查。原因：%(reason)s")
                % {"who": actor.person.name, "tests": labels, "reason": reason}
            ),
        )
    return Retest(original=original, retest=copy)


def review_retract(*, actor: Actor, test_id: int, reason: str) -> Retest:
    """Retract an approved result with a reason (quality manager, signatory; ISO/IEC 17025 7.10): it is kept,
    invalidated, as RETRACTED and a copy is created to redo it; the sample returns to testing and a completed
    order to in progress. A sample already reported is refused: its report is amended instead."""
    actor.require(RETRACT)
    pk = _id(test_id)
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        [original] = _locked(actor, [pk])
        if original.status != TestStatus.APPROVED:
            raise Conflict(
                _("%(test)s 当前状态为“%(state)s”，不能撤销：只有已批准的结果可以撤销。")
                % {"test": test_label(original), "state": original.get_status_display()},
                code="review_state",
            )
        sample = LabSample.objects.select_for_update().get(pk=original.sample_id)
        if sample.status == SampleStatus.REPORTED:
            raise Conflict(
                _("样品 %(sample)s 已出具报告：已报告的结果须通过修改报告（发布更正版报告）更正，不能在此撤销。")
                % {"sample": sample.number},
                code="reported",
            )
        copy = _replace(actor, original, TestStatus.RETRACTED, ReviewAction.RETRACT, reason)
        _sync(actor, [original], reopen=True)
        _notify_analysts(
            actor,
            [copy],
            title=lambda labels: _("已批准的结果被撤销，需要重测：%(tests)s") % {"tests": labels},
            body=lambda labels: (
                _("%(who)s 撤销了 %(tests)s 已批准的结果，请重新检测。撤销原因：%(reason)s")
                % {"who": actor.person.name, "tests": labels, "reason": reason}
            ),
        )
    return Retest(original=original, retest=copy)


# --- notifications ----------------------------------------------------------------------------------------------


def _sample_url(sample_id: int) -> str:
    return reverse("lims:sample_review", args=[sample_id])


def _notify_analysts(
    actor: Actor,
    tests: Sequence[Test],
    *,
    title: Callable[[str], str],
    body: Callable[[str], str],
    email: bool = False,
) -> None:
    """Tell each analyst (assigned, or who entered the result) about their tests, in their language."""
    wanted: dict[int, list[Test]] = {}
    for test in tests:
        for user_id in {test.analyst_id, test.entered_by_id}:
            if user_id is not None:
                wanted.setdefault(user_id, []).append(test)
    users = {user.pk: user for user in User.objects.filter(pk__in=wanted)}
    for user_id, own in wanted.items():
        user = users[user_id]
        labels = "、".join(test_label(test) for test in own)
        with translation.override(user.language or "zh-hans"):
            notify(
                users=[user],
                organisation_id=actor.tenant_id,
                title=title(labels),
                body=body(labels),
                url=_sample_url(own[0].sample_id),
                email=email,
            )


def _reception_of(institution_id: int) -> list[User]:
    """The institution's reception clerks (who issue reports); its administrators when it has none."""
    memberships = Membership.objects.filter(
        organisation_id=institution_id, role__in=[Role.RECEPTION, Role.INSTITUTION_ADMIN], user__is_active=True
    ).select_related("user")
    by_role: dict[str, dict[int, User]] = {Role.RECEPTION: {}, Role.INSTITUTION_ADMIN: {}}
    for membership in memberships:
        by_role[membership.role][membership.user_id] = membership.user
    return list((by_role[Role.RECEPTION] or by_role[Role.INSTITUTION_ADMIN]).values())


def _notify_ready(institution_id: int, samples: Sequence[LabSample]) -> None:
    """ISO/IEC 17025 7.8.1.1: results are reported once reviewed and authorised; tell reception it may issue."""
    for language, users in by_language(_reception_of(institution_id)).items():
        with translation.override(language):
            for sample in samples:
                notify(
                    users=users,
                    organisation_id=institution_id,
                    title=_("样品 %(sample)s 全部结果已批准，可出具报告") % {"sample": sample.number},
                    body=_("委托单 %(order)s 的样品 %(sample)s（%(description)s）全部检测结果已批准，可以出具报告。")
                    % {"order": str(sample.order), "sample": sample.number, "description": sample.description},
                    url=_sample_url(sample.pk),
                )
