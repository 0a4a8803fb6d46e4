"""Receiving samples into the laboratory and keeping them (ISO/IEC 17025 7.4): receipt with its condition and
deviations, sub-samples, the chain of custody, disposal.

Receipt, sub-sampling and disposal need "lims.sample.receive"; hand-overs, moves and returns "lims.custody.record".
The sample (or the announcement's order) must belong to the actor's institution, else NotFound. Each service runs
in one transaction, locks what it changes (tests first, then the sample, the order last), writes its audit event
and its custody event; bad input is refused with messages naming the field, and leaves the database unchanged.

Receipt (7.4.1-7.4.3): the sample gets the institution's next number, its condition, seal and temperature are
recorded, and its tests are created from the order's contract review (tichub.lims.plan) in a constant number of
queries. A deviation from the expected condition is either raised with the customer (a message on the order's
thread) or accepted with a statement that the report will carry, or both (7.4.3). The first receipt moves the
order to 样品已接收; every receipt adds a timeline entry the customer sees (never the internal note).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.models import Membership
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.numbering import number_next
from tichub.core.tenancy import Actor
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.message_services import message_post
from tichub.marketplace.models import Order, ReviewItem, SampleAnnouncement
from tichub.marketplace.order_services import INSTITUTION, add_working_days, order_apply_transition
from tichub.marketplace.timeline import timeline_add
from tichub.registry.services import alias_map, parameter_key
from tichub.science.rounding import to_decimal

from .choices import LIVE_TEST_STATES, CustodyKind, SampleCondition, SampleStatus, TestStatus
from .method_selectors import lab_settings
from .models import CustodyEvent, LabSample, Test, TestMethod
from .plan import TESTED_VERDICTS, MethodKey, plan_tests
from .progress_services import progress_sync
from .sample_selectors import RECEIVABLE, custody_returned, sample_not_found

RECEIVE = "lims.sample.receive"
CUSTODY = "lims.custody.record"
NUMBER_MAX = 40  # LabSample.number
PARTS_MAX = 20  # sub-samples made in one go
TEMPERATURE_MIN, TEMPERATURE_MAX = Decimal("-200"), Decimal("100")
TEXT_MAX = {
    "condition_note": 300, "temperature": 12, "quantity": 60, "storage_location": 120, "deviation": 2000,
    "disclaimer": 2000, "internal_note": 2000, "description": 300, "to_location": 120, "note": 300, "method": 200,
    "early_reason": 1000,
}  # fmt: skip
#: Texts kept on one line (labels, lists); the others keep their line breaks.
ONE_LINE = frozenset({"condition_note", "quantity", "storage_location", "description", "to_location", "note", "method"})
CUSTODY_KINDS = (CustodyKind.HANDOVER, CustodyKind.MOVE, CustodyKind.RETURN)
#: Conditions as the timeline and the customer's message state them (stored text, whatever the interface language).
CONDITION_TEXT: dict[str, tuple[str, str]] = {
    SampleCondition.INTACT: ("完好", "intact"),
    SampleCondition.DAMAGED: ("包装破损", "packaging damaged"),
    SampleCondition.LEAKING: ("泄漏", "leaking"),
    SampleCondition.INSUFFICIENT: ("数量不足", "insufficient quantity"),
    SampleCondition.TEMPERATURE: ("温度不符合要求", "temperature out of requirement"),
    SampleCondition.OTHER: ("其他异常", "other abnormality"),
}
SAMPLE_FIELDS = (
    "number", "order", "announcement", "parent", "description", "quantity", "condition", "condition_note",
    "seal_intact", "temperature", "received_at", "received_by", "storage_location", "custodian", "retention_until",
    "deviation", "customer_consulted_at", "disclaimer", "internal_note", "status",
)  # fmt: skip


# --- input --------------------------------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    return {
        "condition": _("样品状态"),
        "condition_note": _("状态说明"),
        "seal_intact": _("封识"),
        "temperature": _("接收温度"),
        "quantity": _("数量"),
        "storage_location": _("存放位置"),
        "deviation": _("偏离情况"),
        "consult_customer": _("征询客户"),
        "disclaimer": _("报告声明"),
        "internal_note": _("内部备注"),
        "description": _("样品描述"),
        "to_location": _("去向位置"),
        "to_person_id": _("接收人"),
        "note": _("说明"),
        "kind": _("记录类型"),
        "method": _("处置方式"),
        "early_reason": _("提前处置原因"),
        "test_ids": _("移交的检测项目"),
    }


def _add(fields: dict[str, list[str]], path: str, message: str) -> None:
    fields.setdefault(path, []).append(message)


def _text(fields: dict[str, list[str]], name: str, value: Any, *, path: str = "", required: bool = False) -> str:
    """Text of field `name` trimmed (one line where it is shown on one line), checked for presence and length."""
    path = path or name
    label = _labels()[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(fields, path, _("%(field)s 须为文本。") % {"field": label})
        return ""
    value = " ".join(value.split()) if name in ONE_LINE else value.strip()
    if required and not value:
        _add(fields, path, _("请填写%(field)s。") % {"field": label})
    limit = TEXT_MAX[name]
    if len(value) > limit:
        _add(
            fields,
            path,
            _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。") % {"field": label, "max": limit, "n": len(value)},
        )
    return value


def _flag(fields: dict[str, list[str]], name: str, value: Any, *, nullable: bool = False) -> bool | None:
    if value is None and nullable:
        return None
    if not isinstance(value, bool):
        _add(fields, name, _("%(field)s 须为是或否。") % {"field": _labels()[name]})
        return None
    return value


def _raise(fields: dict[str, list[str]]) -> None:
    if fields:
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise ServiceError(summary, fields=fields)


def _temperature(fields: dict[str, list[str]], value: Any) -> str:
    """Decimal text in °C as written (a thermometer's reading keeps its digits), or "" when not measured."""
    text = _text(fields, "temperature", value)
    if not text or "temperature" in fields:
        return text
    try:
        degrees = to_decimal(text)
    except (TypeError, ValueError):
        _add(
            fields, "temperature", _("接收温度须为以 °C 计的数值，如 4.5 或 -18（现为“%(value)s”）。") % {"value": text}
        )
        return text
    if not TEMPERATURE_MIN <= degrees <= TEMPERATURE_MAX:
        _add(
            fields,
            "temperature",
            _("接收温度须在 %(min)s °C 至 %(max)s °C 之间（现为 %(value)s °C）。")
            % {"min": TEMPERATURE_MIN, "max": TEMPERATURE_MAX, "value": text},
        )
    return text


@dataclass(frozen=True)
class _Receipt:
    condition: str
    condition_note: str
    seal_intact: bool | None
    temperature: str
    quantity: str
    storage_location: str
    deviation: str
    consult_customer: bool
    disclaimer: str
    internal_note: str

    @property
    def has_deviation(self) -> bool:
        return self.condition != SampleCondition.INTACT or self.seal_intact is False or bool(self.deviation)


def _clean_receipt(fields: dict[str, list[str]], raw: Mapping[str, Any]) -> _Receipt:
    condition = raw["condition"]
    if condition not in SampleCondition.values:
        _add(
            fields,
            "condition",
            _("样品状态须为以下之一：%(values)s。")
            % {"values": "、".join(f"{value}（{label}）" for value, label in SampleCondition.choices)},
        )
    receipt = _Receipt(
        condition=condition if isinstance(condition, str) else "",
        condition_note=_text(fields, "condition_note", raw["condition_note"]),
        seal_intact=_flag(fields, "seal_intact", raw["seal_intact"], nullable=True),
        temperature=_temperature(fields, raw["temperature"]),
        quantity=_text(fields, "quantity", raw["quantity"]),
        storage_location=_text(fields, "storage_location", raw["storage_location"]),
        deviation=_text(fields, "deviation", raw["deviation"]),
        consult_customer=bool(_flag(fields, "consult_customer", raw["consult_customer"])),
        disclaimer=_text(fields, "disclaimer", raw["disclaimer"]),
        internal_note=_text(fields, "internal_note", raw["internal_note"]),
    )
    if "condition" in fields:
        return receipt  # whether there is a deviation depends on the condition: judged once it is valid
    if receipt.condition == SampleCondition.OTHER and not receipt.condition_note and "condition_note" not in fields:
        _add(fields, "condition_note", _("样品状态为“其他异常”时，请在状态说明中写明异常情况。"))
    if receipt.has_deviation:
        if not receipt.consult_customer and not receipt.disclaimer and "disclaimer" not in fields:
            _add(
                fields,
                "disclaimer",
                _(
                    "样品存在偏离（状态异常、封识破损或填写了偏离情况）：请勾选征询客户，或填写继续检测时写入报告的声明。"
                ),
            )
    else:
        if receipt.consult_customer:
            _add(fields, "consult_customer", _("没有记录偏离，无需征询客户：请先记录样品状态、封识或偏离情况。"))
        if receipt.disclaimer:
            _add(fields, "disclaimer", _("没有记录偏离，报告无需声明：请先记录样品状态、封识或偏离情况。"))
    return receipt


# --- receipt ------------------------------------------------------------------------------------------------------


def _announcement_and_order_locked(actor: Actor, announcement_id: int) -> tuple[SampleAnnouncement, Order]:
    """The announcement of one of the institution's orders, and that order locked; NotFound for anything else."""
    announcement = (
        SampleAnnouncement.objects.filter(pk=announcement_id, order__institution_id=actor.tenant_id).order_by().first()
    )
    if announcement is None:
        raise NotFound(_("该样品不存在，或不是寄往本机构的。"))
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("quote", "enterprise")
        .get(pk=announcement.order_id)
    )
    announcement.order = order
    return announcement, order


def _due_date(order: Order, today: dt.date) -> dt.date | None:
    """The order's agreed date; else the quote's turnaround in working days from receipt."""
    if order.due_date:
        return order.due_date
    turnaround = order.quote.turnaround_days
    return add_working_days(today, turnaround) if turnaround else None


def _planned_tests(order: Order, sample: LabSample, due_date: dt.date | None) -> list[Test]:
    """Unsaved tests of the sample: review items with their need items, parameter keys and the institution's
    matching active methods read in three queries, whatever the number of items."""
    review_items = list(
        ReviewItem.objects.filter(review__order_id=order.pk, verdict__in=TESTED_VERDICTS).select_related("item")
    )
    if not review_items:
        return []
    aliases = alias_map()
    keys = {ri.item.pk: parameter_key(ri.item.parameter, aliases=aliases) for ri in review_items}
    methods: dict[MethodKey, TestMethod] = {}
    candidates = TestMethod.objects.filter(
        institution_id=order.institution_id,
        active=True,
        standard_id__in={ri.item.standard_id for ri in review_items},
        parameter_key__in=set(keys.values()),
    ).order_by("keyword")
    for method in candidates:
        methods.setdefault((method.standard_id, method.parameter_key), method)
    return plan_tests(
        order=order, sample=sample, review_items=review_items, methods=methods, parameter_keys=keys, due_date=due_date
    )


def _insert_tests(tests: Sequence[Test]) -> None:
    """All the tests of a sample in one statement (executemany).

    Django's bulk_create splits an SQLite insert into batches of 999 parameters (~18 tests of ~55 columns), so the
    number of queries of a receipt would grow with the number of tests; one prepared statement run for every row
    keeps it constant on both databases. The rows are unsaved model instances, so each column's value goes through
    its field's own conversion (JSON, dates) exactly as in a save.
    """
    if not tests:
        return
    connection = connections[router.db_for_write(Test)]
    quote = connection.ops.quote_name
    columns = [field for field in Test._meta.concrete_fields if not field.primary_key]
    # Identifiers come from the model's own metadata, quoted by the backend; every value is a bound parameter.
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608
        table=quote(Test._meta.db_table),
        columns=", ".join(quote(field.column) for field in columns),
        values=", ".join(["%s"] * len(columns)),
    )
    rows = [[field.get_db_prep_save(field.pre_save(test, True), connection) for field in columns] for test in tests]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _deviation_lines(receipt: _Receipt, language: str) -> list[str]:
    zh = language == "zh"
    condition = CONDITION_TEXT[receipt.condition][0 if zh else 1]
    lines = []
    if receipt.condition != SampleCondition.INTACT or receipt.condition_note:
        note = (("：" if zh else ": ") + receipt.condition_note) if receipt.condition_note else ""
        lines.append(("- 样品状态：" if zh else "- Condition: ") + condition + note)
    if receipt.seal_intact is False:
        lines.append("- 封识：已破损" if zh else "- Seal: broken")
    if receipt.temperature:
        lines.append(("- 接收温度：" if zh else "- Temperature at receipt: ") + f"{receipt.temperature} °C")
    if receipt.deviation:
        lines.append(("- 偏离情况：" if zh else "- Deviation: ") + receipt.deviation)
    return lines


def _consult_message(announcement: SampleAnnouncement, number: str, receipt: _Receipt) -> str:
    """The message that raises a deviation with the customer, in Chinese and English (it stays on the order's
    record, read by whoever follows the order, whatever their interface language)."""
    statement_zh = f"如继续检测，报告将注明：{receipt.disclaimer}" if receipt.disclaimer else ""
    statement_en = f"If testing proceeds, the report will state: {receipt.disclaimer}" if receipt.disclaimer else ""
    zh = [
        "样品接收偏离，请确认（ISO/IEC 17025 7.4.3）",
        f"样品 {announcement.reference}（实验室样品编号 {number}）接收时发现以下偏离：",
        *_deviation_lines(receipt, "zh"),
        "请回复是否继续检测。" + statement_zh,
    ]
    en = [
        "Deviation found at sample receipt: please confirm (ISO/IEC 17025 7.4.3)",
        f"Sample {announcement.reference} (laboratory number {number}) was received with these deviations:",
        *_deviation_lines(receipt, "en"),
        "Please reply whether testing should proceed. " + statement_en,
    ]
    return "\n".join(zh).strip() + "\n\n" + "\n".join(en).strip()


def _timeline_texts(announcement: SampleAnnouncement, number: str, receipt: _Receipt) -> tuple[str, str]:
    condition_zh, condition_en = CONDITION_TEXT[receipt.condition]
    zh = f"实验室已接收样品 {announcement.reference}，样品编号 {number}，样品状态：{condition_zh}"
    en = f"Sample {announcement.reference} received by the laboratory as {number}; condition: {condition_en}"
    if receipt.seal_intact is False:
        zh, en = zh + "，封识破损", en + ", seal broken"
    if receipt.consult_customer:
        zh, en = zh + "（偏离已在留言中征询客户）", en + " (deviation raised with the customer in the messages)"
    return zh, en


def sample_receive(
    *,
    actor: Actor,
    announcement_id: int,
    condition: str,
    condition_note: str = "",
    seal_intact: bool | None,
    temperature: str = "",
    quantity: str = "",
    storage_location: str = "",
    deviation: str = "",
    consult_customer: bool = False,
    disclaimer: str = "",
    internal_note: str = "",
) -> LabSample:
    """Receive an announced sample (ISO/IEC 17025 7.4): number it, record its condition, create its tests.

    `temperature` is decimal text in °C ("" when not measured); `quantity` defaults to the announced quantity;
    `seal_intact` is None when the sample carries no seal. A deviation (condition not intact, seal broken, or a
    deviation text) needs `consult_customer` (a message on the order's thread; customer_consulted_at is set)
    and/or a `disclaimer` the report will carry if testing proceeds. The order must be in a state where samples
    arrive (accepted, samples sent, received, in progress); an announcement is received once.
    """
    actor.require(RECEIVE)
    fields: dict[str, list[str]] = {}
    receipt = _clean_receipt(
        fields,
        {
            "condition": condition,
            "condition_note": condition_note,
            "seal_intact": seal_intact,
            "temperature": temperature,
            "quantity": quantity,
            "storage_location": storage_location,
            "deviation": deviation,
            "consult_customer": consult_customer,
            "disclaimer": disclaimer,
            "internal_note": internal_note,
        },
    )
    with transaction.atomic():
        announcement, order = _announcement_and_order_locked(actor, announcement_id)
        if order.status not in RECEIVABLE:
            raise Conflict(
                _("委托单 %(order)s 当前状态为“%(state)s”，不能接收样品。")
                % {"order": str(order), "state": order.get_status_display()},
                code="order_state",
            )
        received = (
            LabSample.objects.filter(announcement_id=announcement.pk)
            .values_list("number", flat=True)
            .order_by()
            .first()
        )
        if received is not None:
            raise Conflict(
                _("样品 %(reference)s 已接收，实验室样品编号 %(number)s。")
                % {"reference": announcement.reference, "number": received},
                code="already_received",
            )
        _raise(fields)
        now = timezone.now()
        today = timezone.localdate()
        number = number_next(organisation_id=order.institution_id, kind="sample", on=today)
        sample = LabSample(
            institution_id=order.institution_id,
            enterprise_id=order.enterprise_id,
            order=order,
            announcement=announcement,
            number=number,
            description=announcement.description,
            quantity=receipt.quantity or announcement.quantity,
            condition=receipt.condition,
            condition_note=receipt.condition_note,
            seal_intact=receipt.seal_intact,
            temperature=receipt.temperature,
            received_at=now,
            received_by=actor.person,
            storage_location=receipt.storage_location,
            custodian=actor.person,
            retention_until=today + dt.timedelta(days=lab_settings(order.institution_id).retention_days),
            deviation=receipt.deviation,
            customer_consulted_at=now if receipt.consult_customer else None,
            disclaimer=receipt.disclaimer,
            internal_note=receipt.internal_note,
            status=SampleStatus.RECEIVED,
        )
        _save_numbered(sample)
        tests = _planned_tests(order, sample, _due_date(order, today))
        _insert_tests(tests)
        CustodyEvent.objects.create(
            sample=sample,
            kind=CustodyKind.RECEIVE,
            at=now,
            by=actor.person,
            to_person=actor.person,
            to_location=receipt.storage_location,
            note=announcement.reference,
        )
        if receipt.consult_customer:
            message_post(actor=actor, order_id=order.pk, body=_consult_message(announcement, number, receipt))
        audit_record(
            actor=actor,
            action="sample.receive",
            obj=sample,
            after={
                **snapshot(sample, SAMPLE_FIELDS),
                "reference": announcement.reference,
                "tests": [test.keyword for test in tests],
            },
        )
        timeline_add(order, "sample_received", *_timeline_texts(announcement, number, receipt), actor)
        if order.status in (OrderStatus.ACCEPTED, OrderStatus.SAMPLES_SENT):
            order_apply_transition(
                actor=actor, order=order, to=OrderStatus.RECEIVED, party=INSTITUTION, action="order.received"
            )
    return sample


def _save_numbered(sample: LabSample) -> None:
    try:
        with transaction.atomic():
            sample.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict(
            _("样品编号 %(number)s 已被占用：请检查本机构的样品编号规则后重试。") % {"number": sample.number},
            code="number_taken",
        ) from exc


# --- one sample ---------------------------------------------------------------------------------------------------


def _sample_id_for(actor: Actor, sample_id: int) -> int:
    """Tenancy first, before any lock (an id of another institution answers NotFound)."""
    found = LabSample.objects.filter(pk=sample_id, institution_id=actor.tenant_id).values_list("pk", flat=True)
    pk = found.order_by().first()
    if pk is None:
        raise sample_not_found()
    return int(pk)


def _sample_locked(actor: Actor, sample_id: int) -> LabSample:
    sample = (
        LabSample.objects.select_for_update().filter(pk=sample_id, institution_id=actor.tenant_id).order_by().first()
    )
    if sample is None:
        raise sample_not_found()
    return sample


def _refuse_out_of_custody(sample: LabSample, action: str) -> None:
    """A disposed or returned sample is no longer in the laboratory's hands."""
    if sample.disposed_at is not None:
        raise Conflict(
            _("样品 %(number)s 已于 %(date)s 处置，不能%(action)s。")
            % {
                "number": sample.number,
                "date": timezone.localtime(sample.disposed_at).strftime("%Y-%m-%d"),
                "action": action,
            },
            code="disposed",
        )
    if custody_returned(sample.pk):
        raise Conflict(
            _("样品 %(number)s 已退还客户，不能%(action)s。") % {"number": sample.number, "action": action},
            code="returned",
        )


# --- sub-samples --------------------------------------------------------------------------------------------------


def _clean_parts(fields: dict[str, list[str]], parts: Any) -> list[dict[str, str]]:
    if not isinstance(parts, Sequence) or isinstance(parts, str | bytes) or not parts:
        _add(fields, "parts", _("请至少填写一份分样。"))
        return []
    if len(parts) > PARTS_MAX:
        _add(fields, "parts", _("一次最多分出 %(max)d 份（现为 %(n)d 份）。") % {"max": PARTS_MAX, "n": len(parts)})
        return []
    cleaned = []
    for index, row in enumerate(parts):
        if not isinstance(row, Mapping):
            _add(fields, f"parts.{index}", _("每份分样须包含样品描述、数量和存放位置。"))
            continue
        unknown = sorted(set(row) - {"description", "quantity", "storage_location"})
        if unknown:
            _add(fields, f"parts.{index}", _("未知字段：%(fields)s。") % {"fields": ", ".join(map(str, unknown))})
        cleaned.append(
            {
                name: _text(
                    fields, name, row.get(name), path=f"parts.{index}.{name}", required=name != "storage_location"
                )
                for name in ("description", "quantity", "storage_location")
            }
        )
    return cleaned


def _clean_ids(fields: dict[str, list[str]], name: str, ids: Any) -> list[int]:
    if ids is None:
        return []
    if (
        not isinstance(ids, Sequence)
        or isinstance(ids, str | bytes)
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
    ):
        _add(fields, name, _("%(field)s 须为检测项目编号的列表。") % {"field": _labels()[name]})
        return []
    return sorted(set(ids))


def _next_part(parent: LabSample) -> int:
    """The next part number: after the highest `<parent number>-<n>` among the parent's parts."""
    prefix = f"{parent.number}-"
    highest = 0
    for number in LabSample.objects.filter(parent_id=parent.pk).values_list("number", flat=True):
        suffix = number[len(prefix) :] if number.startswith(prefix) else ""
        if suffix.isdigit():
            highest = max(highest, int(suffix))
    return highest + 1


def sample_split(
    *, actor: Actor, sample_id: int, parts: Sequence[Mapping[str, Any]], test_ids: Sequence[int] = ()
) -> list[LabSample]:
    """Make sub-samples of a sample (ISO/IEC 17025 7.4.2: each portion keeps a unique identification).

    Parts are numbered `<parent number>-1`, `-2`, … after the parent's existing parts; each takes `description`,
    `quantity` and `storage_location` (default the parent's), and inherits the parent's order, customer, receipt
    record, deviation and disclaimer and retention date. `test_ids`: pending tests of the parent that move to the
    part (one part at a time). A SUBSAMPLE custody event is written on the parent and on each part.
    """
    actor.require(RECEIVE)
    fields: dict[str, list[str]] = {}
    rows = _clean_parts(fields, parts)
    ids = _clean_ids(fields, "test_ids", test_ids)
    if ids and len(rows) > 1:
        _add(fields, "test_ids", _("移交检测项目时一次只能分出一份：请逐份分样。"))
    with transaction.atomic():
        parent_id = _sample_id_for(actor, sample_id)
        moving = list(Test.objects.select_for_update().filter(sample_id=parent_id, pk__in=ids).order_by("pk"))
        parent = _sample_locked(actor, parent_id)
        _refuse_out_of_custody(parent, pgettext("不能……的动作", "分样"))
        missing = sorted(set(ids) - {test.pk for test in moving})
        if missing:
            _add(
                fields,
                "test_ids",
                _("检测项目 %(ids)s 不属于样品 %(number)s。")
                % {"ids": ", ".join(map(str, missing)), "number": parent.number},
            )
        started = [test for test in moving if test.status != TestStatus.PENDING]
        if started:
            _add(
                fields,
                "test_ids",
                _("只能移交待检的检测项目：%(tests)s 已不是待检状态。")
                % {"tests": "、".join(f"{test.keyword}（{test.get_status_display()}）" for test in started)},
            )
        first = _next_part(parent)
        numbers = [f"{parent.number}-{n}" for n in range(first, first + len(rows))]
        if numbers and len(numbers[-1]) > NUMBER_MAX:
            _add(
                fields,
                "parts",
                _("分样编号 %(number)s 超过 %(max)d 个字符。") % {"number": numbers[-1], "max": NUMBER_MAX},
            )
        _raise(fields)
        now = timezone.now()
        created = [
            LabSample(
                institution_id=parent.institution_id,
                enterprise_id=parent.enterprise_id,
                order_id=parent.order_id,
                parent=parent,
                number=number,
                description=row["description"],
                quantity=row["quantity"],
                condition=parent.condition,
                condition_note=parent.condition_note,
                seal_intact=parent.seal_intact,
                temperature=parent.temperature,
                received_at=parent.received_at,
                received_by_id=parent.received_by_id,
                storage_location=row["storage_location"] or parent.storage_location,
                custodian=actor.person,
                retention_until=parent.retention_until,
                deviation=parent.deviation,
                customer_consulted_at=parent.customer_consulted_at,
                disclaimer=parent.disclaimer,
                status=SampleStatus.RECEIVED,
            )
            for number, row in zip(numbers, rows, strict=True)
        ]
        try:
            with transaction.atomic():
                LabSample.objects.bulk_create(created)
        except IntegrityError as exc:
            raise Conflict(_("分样编号已被占用，请重试。"), code="number_taken") from exc
        if moving:
            Test.objects.filter(pk__in=[test.pk for test in moving]).update(
                sample_id=created[0].pk, version=F("version") + 1
            )
        events = [
            CustodyEvent(
                sample=parent,
                kind=CustodyKind.SUBSAMPLE,
                at=now,
                by=actor.person,
                from_location=parent.storage_location,
                note=("→ " + ", ".join(numbers))[:300],  # language-neutral: the record is read in either language
            ),
            *(
                CustodyEvent(
                    sample=part,
                    kind=CustodyKind.SUBSAMPLE,
                    at=now,
                    by=actor.person,
                    to_person=actor.person,
                    from_location=parent.storage_location,
                    to_location=part.storage_location,
                    note=f"← {parent.number}",
                )
                for part in created
            ),
        ]
        CustodyEvent.objects.bulk_create(events)
        moved = {test.pk: test.keyword for test in moving}
        audit_record_many(
            actor=actor,
            action="sample.split",
            changes=[
                (part, None, {**snapshot(part, SAMPLE_FIELDS), "tests_moved": moved if index == 0 else {}})
                for index, part in enumerate(created)
            ],
        )
        if moving:
            progress_sync(actor=actor, order_id=parent.order_id)
    return created


# --- custody ------------------------------------------------------------------------------------------------------


def custody_record(
    *,
    actor: Actor,
    sample_id: int,
    kind: str,
    to_person_id: int | None = None,
    to_location: str = "",
    note: str = "",
) -> CustodyEvent:
    """Add a link to the sample's chain of custody (ISO/IEC 17025 7.4.1: who had it, when, where).

    `handover`: to an active member of the institution (`to_person_id`), who becomes the custodian; a
    `to_location` moves it as well. `move`: to `to_location`, the new storage location. `return`: to the customer,
    with a `note` saying how (the sample then leaves the laboratory's custody). Refused for a disposed or returned
    sample.
    """
    actor.require(CUSTODY)
    fields: dict[str, list[str]] = {}
    if kind not in CUSTODY_KINDS:
        _add(
            fields,
            "kind",
            _("记录类型须为以下之一：%(values)s。")
            % {"values": "、".join(f"{value}（{CustodyKind(value).label}）" for value in CUSTODY_KINDS)},
        )
    location = _text(fields, "to_location", to_location)
    text = _text(fields, "note", note, required=kind == CustodyKind.RETURN)
    if to_person_id is not None and (not isinstance(to_person_id, int) or isinstance(to_person_id, bool)):
        _add(fields, "to_person_id", _("接收人须为人员编号。"))
        to_person_id = None
    with transaction.atomic():
        sample = _sample_locked(actor, sample_id)
        actions: dict[str, str] = {
            CustodyKind.HANDOVER: pgettext("不能……的动作", "交接"),
            CustodyKind.MOVE: pgettext("不能……的动作", "移库"),
            CustodyKind.RETURN: pgettext("不能……的动作", "退还客户"),
        }
        action = actions.get(kind, pgettext("不能……的动作", "记录交接"))
        _refuse_out_of_custody(sample, action)
        if kind == CustodyKind.HANDOVER:
            if to_person_id is None:
                if "to_person_id" not in fields:
                    _add(fields, "to_person_id", _("交接须指定接收人。"))
            elif not Membership.objects.filter(
                organisation_id=actor.tenant_id, user_id=to_person_id, user__is_active=True
            ).exists():
                _add(fields, "to_person_id", _("接收人须为本机构的在职成员。"))
            elif to_person_id == sample.custodian_id and not location:
                _add(fields, "to_person_id", _("样品已由该人员保管。"))
        elif kind == CustodyKind.MOVE:
            if not location and "to_location" not in fields:
                _add(fields, "to_location", _("移库须填写去向位置。"))
            elif location and location == sample.storage_location:
                _add(fields, "to_location", _("样品已存放在“%(location)s”。") % {"location": location})
        if kind in (CustodyKind.MOVE, CustodyKind.RETURN) and to_person_id is not None:
            _add(fields, "to_person_id", _("只有交接需要指定接收人。"))
        if kind == CustodyKind.RETURN and location:
            _add(fields, "to_location", _("退还客户无需填写去向位置：请在说明中写明退还方式。"))
        _raise(fields)
        before = snapshot(sample, ("custodian", "storage_location"))
        event = CustodyEvent.objects.create(
            sample=sample,
            kind=kind,
            at=timezone.now(),
            by=actor.person,
            to_person_id=to_person_id if kind == CustodyKind.HANDOVER else None,
            from_location=sample.storage_location,
            to_location=location,
            note=text,
        )
        if kind == CustodyKind.HANDOVER:
            sample.custodian_id = to_person_id
        if location:
            sample.storage_location = location
        if kind == CustodyKind.RETURN:
            sample.custodian_id = None
            sample.storage_location = ""
        sample.save(update_fields=["custodian", "storage_location"])
        audit_record(
            actor=actor,
            action=f"sample.{kind}",
            obj=sample,
            before=before,
            after={**snapshot(sample, ("custodian", "storage_location")), "note": text},
        )
    return event


# --- disposal -----------------------------------------------------------------------------------------------------


def sample_dispose(*, actor: Actor, sample_id: int, method: str, note: str = "", early_reason: str = "") -> LabSample:
    """Record the disposal of a sample (ISO/IEC 17025 7.4.1: disposal is part of the sample's handling).

    Refused while a live test of the sample is not approved yet, for a sample returned to the customer or disposed
    of already, and before its retention date unless `early_reason` says why (kept as the audit event's reason).
    """
    actor.require(RECEIVE)
    fields: dict[str, list[str]] = {}
    how = _text(fields, "method", method, required=True)
    text = _text(fields, "note", note)
    reason = _text(fields, "early_reason", early_reason)
    with transaction.atomic():
        sample_pk = _sample_id_for(actor, sample_id)
        unfinished = list(
            Test.objects.select_for_update()
            .filter(sample_id=sample_pk, status__in=LIVE_TEST_STATES)
            .exclude(status=TestStatus.APPROVED)
            .order_by("pk")
        )
        sample = _sample_locked(actor, sample_pk)
        _refuse_out_of_custody(sample, pgettext("不能……的动作", "处置"))
        if unfinished:
            raise Conflict(
                _("样品 %(number)s 尚有 %(n)d 个检测项目未完成（%(tests)s），不能处置。")
                % {
                    "number": sample.number,
                    "n": len(unfinished),
                    "tests": "、".join(f"{test.keyword}：{test.get_status_display()}" for test in unfinished),
                },
                code="tests_unfinished",
            )
        today = timezone.localdate()
        if today < sample.retention_until and not reason and "early_reason" not in fields:
            _add(
                fields,
                "early_reason",
                _("样品保存期至 %(date)s，提前处置须填写提前处置原因。") % {"date": sample.retention_until.isoformat()},
            )
        _raise(fields)
        now = timezone.now()
        before = snapshot(sample, ("disposed_at", "disposal", "custodian", "storage_location"))
        CustodyEvent.objects.create(
            sample=sample,
            kind=CustodyKind.DISPOSE,
            at=now,
            by=actor.person,
            from_location=sample.storage_location,
            note=(f"{how} — {text}" if text else how)[:300],
        )
        sample.disposed_at = now
        sample.disposal = how
        sample.custodian = None
        sample.storage_location = ""
        sample.save(update_fields=["disposed_at", "disposal", "custodian", "storage_location"])
        audit_record(
            actor=actor,
            action="sample.dispose",
            obj=sample,
            before=before,
            after={
                **snapshot(sample, ("disposed_at", "disposal", "custodian", "storage_location")),
                "note": text,
                "early": today < sample.retention_until,
            },
            reason=reason,
        )
    return sample
