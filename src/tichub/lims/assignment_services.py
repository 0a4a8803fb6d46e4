"""Assigning tests to analysts, instruments and due dates (ISO/IEC 17025 6.2.5 competent personnel, 6.4.4 and
6.4.13 equipment fit for use, 7.1.1 d agreed turnaround).

`tests_assign` needs "lims.test.assign" and acts on the actor's institution's tests only. It is all-or-nothing:
one test of another institution answers NotFound and one test that may no longer be assigned refuses the whole
request, with nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.audit import audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor
from tichub.metrology.gating import instrument_refusal
from tichub.metrology.models import Instrument

from .models import Test
from .queue_selectors import OPEN_STATES

ASSIGN = "lims.test.assign"
ASSIGNED = ("analyst", "instrument", "due_date")
BATCH_MAX = 500
LISTED_MAX = 10  # tests named in one message


def _day(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def _test_ids(value: Any) -> list[int]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes) or not value:
        raise ServiceError.field("test_ids", _("请至少选择一个检测项目。"))
    if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in value):
        raise ServiceError.field("test_ids", _("检测项目须以编号（整数）列出。"))
    ids = list(dict.fromkeys(value))
    if len(ids) > BATCH_MAX:
        raise ServiceError.field(
            "test_ids", _("一次最多分配 %(max)d 个检测项目（现为 %(n)d 个）。") % {"max": BATCH_MAX, "n": len(ids)}
        )
    return ids


def _analyst(institution_id: int, analyst_id: Any) -> User | None:
    """The person if they are an active member of the institution with the analyst role."""
    if isinstance(analyst_id, bool) or not isinstance(analyst_id, int):
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(organisation_id=institution_id, user_id=analyst_id, role=Role.ANALYST, user__is_active=True)
        .first()
    )
    return membership.user if membership is not None else None


def _named(tests: Sequence[Test]) -> str:
    names = [f"{test.sample.number}/{test.keyword}" for test in tests[:LISTED_MAX]]
    if len(tests) > LISTED_MAX:
        names.append("…")
    return "、".join(names)


def tests_assign(
    *,
    actor: Actor,
    test_ids: Sequence[int],
    analyst_id: int | None = None,
    instrument_id: int | None = None,
    due_date: dt.date | None = None,
) -> list[Test]:
    """Give tests an analyst, an instrument and/or a due date (at least one; what is not given stays as it is).

    The tests must be the institution's (else NotFound), live and not approved. The analyst must be an active
    member with the analyst role; the instrument must be usable today (metrology.gating: in service, calibrated
    and within its calibration) and is refused with the gate's own reason; the due date cannot be in the past.
    Each changed test gets its version bumped and an audit event; a newly assigned analyst is notified.
    Returns the tests by sample number and id.
    """
    actor.require(ASSIGN)
    tenant = actor.tenant_id
    ids = _test_ids(test_ids)
    if analyst_id is None and instrument_id is None and due_date is None:
        raise ServiceError.field("analyst_id", _("请至少选择检测人员、仪器或要求完成日期中的一项。"))
    today = timezone.localdate()
    fields: dict[str, list[str]] = {}
    analyst: User | None = None
    if analyst_id is not None:
        analyst = _analyst(tenant, analyst_id)
        if analyst is None:
            fields["analyst_id"] = [_("所选人员不是本机构在职的检测人员。")]
    if due_date is not None:
        if not isinstance(due_date, dt.date):
            fields["due_date"] = [_("要求完成日期须为日期。")]
        elif due_date < today:
            fields["due_date"] = [
                _("要求完成日期（%(date)s）不能早于今天（%(today)s）。")
                % {"date": _day(due_date), "today": _day(today)}
            ]
    if fields:
        raise ServiceError("；".join(f"{name}: {msgs[0]}" for name, msgs in fields.items()), fields=fields)
    with transaction.atomic():
        tests = list(
            Test.objects.select_for_update(of=("self",))
            .select_related("sample")
            .filter(institution_id=tenant, pk__in=ids)
            .order_by("sample__number", "pk")
        )
        missing = sorted(set(ids) - {test.pk for test in tests})
        if missing:
            raise NotFound(
                _("检测项目 %(ids)s 不存在，或不属于本机构。") % {"ids": ", ".join(map(str, missing[:LISTED_MAX]))}
            )
        closed = [test for test in tests if test.status not in OPEN_STATES]
        if closed:
            raise Conflict(
                _("以下检测项目已批准、已重测或已撤销，不能再分配：%(tests)s。") % {"tests": _named(closed)},
                code="test_state",
            )
        instrument = None
        if instrument_id is not None:
            instrument = Instrument.objects.select_for_update().filter(pk=instrument_id, institution_id=tenant).first()
            if instrument is None:
                raise ServiceError.field("instrument_id", _("仪器设备不存在，或不属于本机构。"))
            refusal = instrument_refusal(instrument, today)
            if refusal is not None:
                raise ServiceError.field("instrument_id", refusal, code="instrument_refused")
        changes: dict[str, Any] = {}
        if analyst is not None:
            changes["analyst"] = analyst
        if instrument is not None:
            changes["instrument"] = instrument
        if due_date is not None:
            changes["due_date"] = due_date
        befores = {test.pk: snapshot(test, ASSIGNED) for test in tests}
        changed = _apply(actor, tests, changes, befores)
        if analyst is not None and analyst != actor.user:
            _notify_analyst(tenant, analyst, [t for t in changed if befores[t.pk]["analyst"] != analyst.pk])
    return tests


def _apply(actor: Actor, tests: list[Test], changes: dict[str, Any], befores: dict[int, dict[str, Any]]) -> list[Test]:
    """Write `changes` on the tests they change (one UPDATE), bump their versions, audit each; return them."""
    for test in tests:
        for name, value in changes.items():
            setattr(test, name, value)
    changed = [test for test in tests if snapshot(test, ASSIGNED) != befores[test.pk]]
    if not changed:
        return []
    Test.objects.filter(pk__in=[test.pk for test in changed]).update(**changes, version=F("version") + 1)
    for test in changed:
        test.version += 1
    audit_record_many(
        actor=actor,
        action="test.assign",
        changes=[(test, befores[test.pk], snapshot(test, ASSIGNED)) for test in changed],
    )
    return changed


def _notify_analyst(institution_id: int, analyst: User, tests: list[Test]) -> None:
    """Tell the analyst, in the app, which tests are newly theirs (written in this transaction)."""
    if not tests:
        return
    url = reverse("lims:home")
    for language, users in by_language([analyst]).items():
        with translation.override(language):
            title = _("新分配给您的检测任务：%(n)d 项") % {"n": len(tests)}
            body = _("检测项目：%(tests)s。") % {"tests": _named(tests)}
        notify(users=users, organisation_id=institution_id, title=title, body=body, url=url)
