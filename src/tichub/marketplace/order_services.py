"""Orders: opening one from an accepted quote, contract review (ISO/IEC 17025 7.1) and the order's state machine.

Every change runs in one transaction, locks the order (`select_for_update`), writes an audit event and a timeline
entry both parties see, and notifies the other party (in-app at once, e-mail after commit).

Contract review
    `order_open` (called by quote acceptance) creates the order in REVIEW with one review item per need item,
    prefilled on the exact edition against the institution's ACTIVE scope: the same canonical parameter and the
    same standard edition → ACCREDITED when a valid accreditation covers the row, else NOT_ACCREDITED (to be stated
    on the report); a quote line naming a subcontractor → SUBCONTRACTED; nothing → NOT_COVERED. A withdrawn or
    superseded method edition carries a warning naming its replacement, which the customer must confirm. The
    institution may change verdicts (`review_set_item`) and records the decision rule and deviations
    (`review_record`); the customer confirms warnings and approves subcontracting (who and when are kept).
    The institution then decides (`review_decide`): accepting numbers the order; declining keeps a reason.

    A declined order stays as a record; its need stays ORDERED (the order is one-to-one with its need), and the
    enterprise starts over with a new need.

State machine (`TRANSITIONS`)
    REVIEW → ACCEPTED | DECLINED            institution, through review_decide only
    ACCEPTED → SAMPLES_SENT                 enterprise, through the samples service (engineer M3)
    ACCEPTED | SAMPLES_SENT → RECEIVED      institution (order_advance)
    RECEIVED → IN_PROGRESS → COMPLETED      institution (order_advance)
    COMPLETED → IN_PROGRESS                 institution, through the laboratory's retraction of an approved
                                            result only (lims.review_services.review_retract)
    any open state → CANCELLED              either party (order_cancel): free before RECEIVED; at or after
                                            RECEIVED the quote's cancellation fee is recorded. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import Organisation, User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.numbering import number_next
from tichub.core.policies import REVIEWERS
from tichub.core.tenancy import Actor
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import ScopeRow
from tichub.registry.services import alias_map, parameter_key
from tichub.standards.choices import StandardStatus
from tichub.standards.models import StandardEdition

from .choices import OrderStatus, ReviewVerdict
from .models import ContractReview, NeedItem, Order, Quote, QuoteLine, ReviewItem
from .timeline import timeline_add

NEED_MANAGE = "market.need.manage"
REVIEW_MANAGE = "market.review.manage"
TEXT_MAX = 2000
REASON_MAX = 1000

ENTERPRISE, INSTITUTION = "enterprise", "institution"

#: Who may move an order from one state to another (the samples service of M3 moves ACCEPTED → SAMPLES_SENT).
TRANSITIONS: dict[str, dict[str, str]] = {
    OrderStatus.REVIEW: {OrderStatus.ACCEPTED: INSTITUTION, OrderStatus.DECLINED: INSTITUTION},
    OrderStatus.ACCEPTED: {OrderStatus.SAMPLES_SENT: ENTERPRISE, OrderStatus.RECEIVED: INSTITUTION},
    OrderStatus.SAMPLES_SENT: {OrderStatus.RECEIVED: INSTITUTION},
    OrderStatus.RECEIVED: {OrderStatus.IN_PROGRESS: INSTITUTION},
    OrderStatus.IN_PROGRESS: {OrderStatus.COMPLETED: INSTITUTION},
    OrderStatus.COMPLETED: {OrderStatus.IN_PROGRESS: INSTITUTION},
}
#: order_advance moves only these (review_decide and the samples service own the others).
ADVANCE_TARGETS = frozenset({OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED})
#: Cancelling from these states is free; from the others (samples in the laboratory) the quote's fee applies.
FREE_CANCEL = frozenset({OrderStatus.REVIEW, OrderStatus.ACCEPTED, OrderStatus.SAMPLES_SENT})
CANCELLABLE = FREE_CANCEL | {OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS}
#: Orders whose quote counts as business done (the operator's accepted amount).
ACCEPTED_STATES = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.SAMPLES_SENT,
        OrderStatus.RECEIVED,
        OrderStatus.IN_PROGRESS,
        OrderStatus.COMPLETED,
    }
)

#: Timeline texts of each target state (both parties read them; {number}/{reason} filled in).
STATUS_TEXT: dict[str, tuple[str, str]] = {
    OrderStatus.ACCEPTED: ("合同评审通过，已受理，委托单号 {number}", "Contract review passed; order {number}"),
    OrderStatus.DECLINED: ("合同评审未通过：{reason}", "Contract review declined: {reason}"),
    OrderStatus.SAMPLES_SENT: ("样品已寄出", "Samples sent"),
    OrderStatus.RECEIVED: ("实验室已接收样品", "Samples received by the laboratory"),
    OrderStatus.IN_PROGRESS: ("检测开始", "Testing started"),
    OrderStatus.COMPLETED: ("检测完成", "Testing completed"),
    OrderStatus.CANCELLED: ("委托已取消：{reason}", "Order cancelled: {reason}"),
}
#: Steps back, by (from, to), with their own timeline texts; only the service that owns them takes them.
STEP_BACK_TEXT: dict[tuple[str, str], tuple[str, str]] = {
    (OrderStatus.COMPLETED, OrderStatus.IN_PROGRESS): (
        "已批准的检测结果被撤销，恢复检测",
        "An approved result was retracted; testing resumed",
    ),
}

#: Verdicts as the timeline states them (stored text, independent of the interface language).
VERDICT_TEXT: dict[str, tuple[str, str]] = {
    ReviewVerdict.ACCREDITED: ("在认可范围内", "accredited"),
    ReviewVerdict.NOT_ACCREDITED: (
        "有能力但不在认可范围内（报告中注明）",
        "capable, not accredited (stated on the report)",
    ),
    ReviewVerdict.SUBCONTRACTED: ("分包", "subcontracted"),
    ReviewVerdict.NOT_COVERED: ("无此能力", "not covered"),
}

ORDER_FIELDS = ("status", "number", "due_date", "cancel_reason")
REVIEW_FIELDS = ("decision_rule_agreed", "deviations", "reviewed_by", "decided_at", "accepted", "decline_reason")
ITEM_FIELDS = ("verdict", "scope_row", "subcontractor", "subcontract_approved_at", "subcontract_approved_by")


# ------------------------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------------------------


def add_working_days(start: dt.date, days: int) -> dt.date:
    """`days` Monday-to-Friday days after `start` (public holidays are not known)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def method_warning(edition: StandardEdition) -> str:
    """The Chinese warning for a withdrawn or superseded method edition, naming its replacement; "" if current."""
    replacement = edition.replaced_by.canonical if edition.replaced_by_id and edition.replaced_by else ""
    if edition.status == StandardStatus.WITHDRAWN:
        return f"{edition.canonical} 已废止" + (f"，被 {replacement} 代替" if replacement else "")
    if replacement:
        if edition.status == StandardStatus.TO_BE_WITHDRAWN:
            return f"{edition.canonical} 即将废止，将被 {replacement} 代替"
        return f"{edition.canonical} 已被 {replacement} 代替"
    return ""


def cancellation_fee(total: Decimal, percent: int) -> Decimal:
    """The fee for cancelling after receipt: `percent` % of the quote's total, to the fen (half up)."""
    return (Decimal(total) * Decimal(percent) / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _state(order: Order) -> str:
    return str(OrderStatus(order.status).label)


def _refuse(order: Order, action: str) -> Conflict:
    return Conflict(
        _("委托单当前状态为“%(state)s”，不能%(action)s。") % {"state": _state(order), "action": action},
        code="illegal_transition",
    )


def _kind(actor: Actor) -> str:
    organisation = actor.organisation
    return organisation.kind if organisation is not None else ""


def _locked_order(actor: Actor, order_id: int, side: str) -> Order:
    """The order, locked, if the actor's organisation is its `side`; otherwise NotFound (as if absent)."""
    owner = {"enterprise_id": actor.tenant_id} if side == ENTERPRISE else {"institution_id": actor.tenant_id}
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("need", "quote")
        .filter(pk=order_id, **owner)
        .first()
    )
    if order is None:
        raise NotFound(_("没有这个委托单。"))
    return order


def _review(order: Order) -> ContractReview:
    return ContractReview.objects.select_for_update().get(order=order)


def _review_item(review: ContractReview, item_id: int) -> ReviewItem:
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("item__standard", "subcontractor")
        .filter(review=review, pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("该委托单没有这个评审项目。"))
    return item


def _item_label(item: ReviewItem) -> str:
    need_item = item.item
    return f"{need_item.position}. {need_item.parameter}（{need_item.standard.canonical}）"


def _order_url(order: Order) -> str:
    return reverse("marketplace:order_detail", args=[order.pk])


def _people(organisation_id: int, roles: Iterable[str] | None = None) -> list[User]:
    memberships: dict[str, Any] = {"memberships__organisation_id": organisation_id}
    if roles is not None:
        memberships["memberships__role__in"] = list(roles)
    return list(User.objects.filter(is_active=True, **memberships).distinct())


def _notify(order: Order, organisation_id: int, title: tuple[str, str], body: tuple[str, str], roles: Any) -> None:
    """Notify the people of one party in their own language (title/body: Chinese, English), e-mail after commit."""
    for language, users in by_language(_people(organisation_id, roles)).items():
        english = language.startswith("en")
        with translation.override(language):
            notify(
                users=users,
                organisation_id=organisation_id,
                title=title[1] if english else title[0],
                body=body[1] if english else body[0],
                url=_order_url(order),
                email=True,
            )


def _notify_enterprise(order: Order, title: tuple[str, str], body: tuple[str, str]) -> None:
    _notify(order, order.enterprise_id, title, body, None)


def _notify_institution(order: Order, title: tuple[str, str], body: tuple[str, str]) -> None:
    _notify(order, order.institution_id, title, body, REVIEWERS)


def _ref(order: Order) -> tuple[str, str]:
    """How notifications name an order: its number once it has one, else its need's title."""
    if order.number:
        return f"委托单 {order.number}", f"order {order.number}"
    return f"委托“{order.need.title}”", f"order “{order.need.title}”"


def _reason_text(reason: str, name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ServiceError.field(name, _("请填写原因。"), code="required")
    if len(text) > REASON_MAX:
        raise ServiceError.field(name, _("原因最多 %(n)d 个字。") % {"n": REASON_MAX}, code="too_long")
    return text


def _valid_accreditation_rows(row_ids: Iterable[int], on: dt.date) -> set[int]:
    return set(
        ScopeRow.accreditations.through.objects.filter(
            scoperow_id__in=list(row_ids),
            accreditation__valid_from__lte=on,
            accreditation__valid_until__gte=on,
        ).values_list("scoperow_id", flat=True)
    )


# ------------------------------------------------------------------------------------------------------------------
# Opening an order (called from quote acceptance)
# ------------------------------------------------------------------------------------------------------------------


def _prefill(order: Order, quote: Quote, items: list[NeedItem], today: dt.date) -> list[ReviewItem]:
    """One review item per need item, decided on the exact edition against the institution's ACTIVE scope."""
    aliases = alias_map()
    keys = {item.pk: parameter_key(item.parameter, aliases=aliases) for item in items}
    rows = list(
        ScopeRow.objects.filter(
            organisation_id=quote.institution_id,
            status=ScopeStatus.ACTIVE,
            parameter_key__in=set(keys.values()),
            standard_id__in={item.standard_id for item in items},
        ).values_list("id", "parameter_key", "standard_id")
    )
    accredited_ids = _valid_accreditation_rows((r[0] for r in rows), today)
    lines = {line.item_id: line for line in QuoteLine.objects.filter(quote=quote)}
    review = ContractReview.objects.create(order=order)
    review_items = []
    for item in items:
        matching = sorted(
            (r[0] for r in rows if r[1] == keys[item.pk] and r[2] == item.standard_id),
            key=lambda rid: (rid not in accredited_ids, rid),
        )
        line = lines.get(item.pk)
        if line is not None and line.scope_row_id in matching:  # the row the quote named, if it still fits
            matching.remove(line.scope_row_id)
            matching.insert(0, line.scope_row_id)
        scope_row_id: int | None = matching[0] if matching else None
        subcontractor_id = None
        if line is not None and line.subcontractor_id:
            verdict, subcontractor_id, scope_row_id = ReviewVerdict.SUBCONTRACTED, line.subcontractor_id, None
        elif scope_row_id is None:
            verdict = ReviewVerdict.NOT_COVERED
        elif scope_row_id in accredited_ids:
            verdict = ReviewVerdict.ACCREDITED
        else:
            verdict = ReviewVerdict.NOT_ACCREDITED
        review_items.append(
            ReviewItem(
                review=review,
                item=item,
                verdict=verdict,
                scope_row_id=scope_row_id,
                subcontractor_id=subcontractor_id,
                method_warning=method_warning(item.standard),
            )
        )
    ReviewItem.objects.bulk_create(review_items)
    return review_items


def order_open(*, quote: Quote, actor: Actor | None = None) -> Order:
    """Open the order of an accepted quote, in the caller's transaction: contract review with prefilled items.

    An internal step of accepting a quote: the caller has checked the actor and locked the need and the quote.
    `actor` (optional) is named on the timeline entry. Due date: today + the quote's turnaround in working days
    (the need's deadline when the quote names no turnaround).
    """
    with transaction.atomic():
        need = quote.need
        today = timezone.localdate()
        due = add_working_days(today, quote.turnaround_days) if quote.turnaround_days else need.deadline
        order = Order.objects.create(
            need=need,
            quote=quote,
            enterprise_id=quote.enterprise_id,
            institution_id=quote.institution_id,
            status=OrderStatus.REVIEW,
            decision_rule=need.decision_rule,
            due_date=due,
        )
        items = list(NeedItem.objects.filter(need=need).select_related("standard__replaced_by").order_by("position"))
        review_items = _prefill(order, quote, items, today)
        zh, en = "已接受报价，进入合同评审", "Quote accepted; contract review opened"
        timeline_add(order, "review_opened", zh, en, actor)
        if actor is not None:
            audit_record(
                actor=actor,
                action="order.open",
                obj=order,
                after={**snapshot(order, ORDER_FIELDS), "items": {ri.item_id: ri.verdict for ri in review_items}},
                organisation_id=order.institution_id,
            )
        _notify_institution(
            order,
            ("新委托待合同评审", "New order awaiting contract review"),
            (f"{need.title}：客户已接受报价，请进行合同评审。", f"{need.title}: the customer accepted the quote."),
        )
    return order


# ------------------------------------------------------------------------------------------------------------------
# Contract review: the institution
# ------------------------------------------------------------------------------------------------------------------


def _check_scope_row(order: Order, item: ReviewItem, scope_row_id: Any, verdict: str, today: dt.date) -> ScopeRow:
    if scope_row_id in (None, ""):
        raise ServiceError.field("scope_row_id", _("请选择本机构能力范围中对应的一行。"), code="required")
    try:
        row_id = int(scope_row_id)
    except (TypeError, ValueError):
        raise ServiceError.field("scope_row_id", _("能力范围行编号无效。")) from None
    row = ScopeRow.objects.select_related("standard").filter(pk=row_id, organisation_id=order.institution_id).first()
    if row is None:
        raise ServiceError.field("scope_row_id", _("这不是本机构能力范围中的一行。"), code="unknown")
    if row.status != ScopeStatus.ACTIVE:
        raise ServiceError.field(
            "scope_row_id",
            _("该能力范围行的状态为“%(status)s”，不能用于评审。") % {"status": ScopeStatus(row.status).label},
            code="inactive",
        )
    wanted = item.item.standard
    if row.standard_id != wanted.pk:
        raise ServiceError.field(
            "scope_row_id",
            _("能力范围行的方法为 %(row)s，委托项目要求 %(wanted)s：须为同一版本。")
            % {"row": row.standard.canonical, "wanted": wanted.canonical},
            code="other_edition",
        )
    if row.parameter_key != parameter_key(item.item.parameter):
        raise ServiceError.field(
            "scope_row_id",
            _("能力范围行的参数（%(row)s）与委托项目的参数（%(wanted)s）不一致。")
            % {"row": row.parameter_key, "wanted": item.item.parameter},
            code="other_parameter",
        )
    if verdict == ReviewVerdict.ACCREDITED and row.pk not in _valid_accreditation_rows([row.pk], today):
        raise ServiceError.field(
            "verdict",
            _("该能力范围行没有有效的认可，只能评为“有能力但不在认可范围内”。"),
            code="not_accredited",
        )
    return row


def _check_subcontractor(order: Order, subcontractor_id: Any) -> Organisation:
    if subcontractor_id in (None, ""):
        raise ServiceError.field("subcontractor_id", _("分包须指明分包机构。"), code="required")
    try:
        org_id = int(subcontractor_id)
    except (TypeError, ValueError):
        raise ServiceError.field("subcontractor_id", _("分包机构编号无效。")) from None
    if org_id == order.institution_id:
        raise ServiceError.field("subcontractor_id", _("不能分包给本机构。"), code="self")
    org = Organisation.objects.filter(pk=org_id, kind=OrganisationKind.INSTITUTION, is_active=True).first()
    if org is None:
        raise ServiceError.field("subcontractor_id", _("分包机构须为集聚区内有效的检验检测机构。"), code="unknown")
    return org


def review_set_item(
    *,
    actor: Actor,
    order_id: int,
    item_id: int,
    verdict: str,
    scope_row_id: int | str | None = None,
    subcontractor_id: int | str | None = None,
) -> ReviewItem:
    """Change one review item's verdict (institution, during review).

    ACCREDITED needs an active scope row of the same parameter and the same edition with a valid accreditation;
    NOT_ACCREDITED an active row of the same parameter and edition; SUBCONTRACTED an active institution of the
    cluster (another one), whose approval by the customer is asked anew when it changes; NOT_COVERED nothing.
    """
    actor.require(REVIEW_MANAGE)
    if verdict not in ReviewVerdict.values:
        raise ServiceError.field("verdict", _("评审结论无效。"), code="invalid_choice")
    today = timezone.localdate()
    with transaction.atomic():
        order = _locked_order(actor, order_id, INSTITUTION)
        if order.status != OrderStatus.REVIEW:
            raise _refuse(order, pgettext("order action", "修改评审项目"))
        item = _review_item(_review(order), item_id)
        before = snapshot(item, ITEM_FIELDS)
        row_id: int | None = None
        sub_id: int | None = None
        if verdict in (ReviewVerdict.ACCREDITED, ReviewVerdict.NOT_ACCREDITED):
            row_id = _check_scope_row(order, item, scope_row_id, verdict, today).pk
        elif verdict == ReviewVerdict.SUBCONTRACTED:
            sub_id = _check_subcontractor(order, subcontractor_id).pk
        if (item.verdict, item.scope_row_id, item.subcontractor_id) == (verdict, row_id, sub_id):
            return item
        if sub_id != item.subcontractor_id:  # a new subcontractor needs the customer's approval anew
            item.subcontract_approved_at = None
            item.subcontract_approved_by = None
        item.verdict, item.scope_row_id, item.subcontractor_id = verdict, row_id, sub_id
        item.save()
        audit_record(
            actor=actor, action="order.review_item", obj=order, before=before, after=snapshot(item, ITEM_FIELDS)
        )
        zh, en = VERDICT_TEXT[verdict]
        need_item = item.item
        timeline_add(
            order,
            "review_item",
            f"评审项目 {_item_label(item)}：{zh}",
            f"Review item {need_item.position}. {need_item.parameter} ({need_item.standard.canonical}): {en}",
            actor,
        )
    return item


def review_record(*, actor: Actor, order_id: int, decision_rule_agreed: bool, deviations: str) -> ContractReview:
    """Record whether the decision rule is agreed with the customer, and any deviations (institution)."""
    actor.require(REVIEW_MANAGE)
    text = (deviations or "").strip()
    if len(text) > TEXT_MAX:
        raise ServiceError.field("deviations", _("偏离及说明最多 %(n)d 个字。") % {"n": TEXT_MAX}, code="too_long")
    with transaction.atomic():
        order = _locked_order(actor, order_id, INSTITUTION)
        if order.status != OrderStatus.REVIEW:
            raise _refuse(order, pgettext("order action", "修改合同评审记录"))
        review = _review(order)
        before = snapshot(review, REVIEW_FIELDS)
        review.decision_rule_agreed = bool(decision_rule_agreed)
        review.deviations = text
        review.reviewed_by = actor.person
        review.save()
        audit_record(
            actor=actor, action="order.review_record", obj=order, before=before, after=snapshot(review, REVIEW_FIELDS)
        )
        agreed_zh = "判定规则已与客户约定" if review.decision_rule_agreed else "判定规则尚未约定"
        agreed_en = "decision rule agreed" if review.decision_rule_agreed else "decision rule not yet agreed"
        timeline_add(
            order,
            "review_record",
            f"合同评审记录已更新：{agreed_zh}" + (f"；偏离：{text}" if text else ""),
            f"Contract review record updated: {agreed_en}" + (f"; deviations: {text}" if text else ""),
            actor,
        )
    return review


# ------------------------------------------------------------------------------------------------------------------
# Contract review: the customer
# ------------------------------------------------------------------------------------------------------------------


def _customer_done(review: ContractReview) -> None:
    """Stamp the review when every warning is confirmed and every subcontract approved by the customer."""
    pending = (
        ReviewItem.objects.filter(review=review, warning_confirmed_at=None).exclude(method_warning="").exists()
        or ReviewItem.objects.filter(
            review=review, verdict=ReviewVerdict.SUBCONTRACTED, subcontract_approved_at=None
        ).exists()
    )
    if not pending:
        review.customer_confirmed_at = timezone.now()
        review.save(update_fields=["customer_confirmed_at"])


def review_confirm_warning(*, actor: Actor, order_id: int, item_id: int) -> ReviewItem:
    """The customer confirms a withdrawn or superseded method for one item (who and when are recorded)."""
    actor.require(NEED_MANAGE)
    with transaction.atomic():
        order = _locked_order(actor, order_id, ENTERPRISE)
        if order.status != OrderStatus.REVIEW:
            raise _refuse(order, pgettext("order action", "确认方法警告"))
        review = _review(order)
        item = _review_item(review, item_id)
        if not item.method_warning:
            raise Conflict(_("该项目没有需要确认的方法警告。"), code="no_warning")
        if item.warning_confirmed_at is not None:
            raise Conflict(_("该项目的方法警告已确认。"), code="already_confirmed")
        item.warning_confirmed_at = timezone.now()
        item.save(update_fields=["warning_confirmed_at"])
        audit_record(
            actor=actor,
            action="order.confirm_warning",
            obj=order,
            before={"item": item.pk, "warning_confirmed_at": None},
            after={"item": item.pk, "warning": item.method_warning, "warning_confirmed_at": item.warning_confirmed_at},
        )
        _customer_done(review)
        timeline_add(
            order,
            "warning_confirmed",
            f"客户已确认方法警告：{_item_label(item)}，{item.method_warning}",
            f"The customer confirmed the method warning on item {item.item.position} ({item.item.standard.canonical})",
            actor,
        )
    return item


def review_approve_subcontract(*, actor: Actor, order_id: int, item_id: int) -> ReviewItem:
    """The customer approves subcontracting one item to the named subcontractor (who and when are recorded)."""
    actor.require(NEED_MANAGE)
    with transaction.atomic():
        order = _locked_order(actor, order_id, ENTERPRISE)
        if order.status != OrderStatus.REVIEW:
            raise _refuse(order, pgettext("order action", "批准分包"))
        review = _review(order)
        item = _review_item(review, item_id)
        if item.verdict != ReviewVerdict.SUBCONTRACTED:
            raise Conflict(_("该项目不是分包项目。"), code="not_subcontracted")
        if item.subcontract_approved_at is not None:
            raise Conflict(_("该项目的分包已批准。"), code="already_approved")
        before = snapshot(item, ITEM_FIELDS)
        item.subcontract_approved_at = timezone.now()
        item.subcontract_approved_by = actor.person
        item.save(update_fields=["subcontract_approved_at", "subcontract_approved_by"])
        audit_record(
            actor=actor, action="order.approve_subcontract", obj=order, before=before, after=snapshot(item, ITEM_FIELDS)
        )
        _customer_done(review)
        sub = item.subcontractor
        assert sub is not None  # SUBCONTRACTED names its provider (database constraint)
        timeline_add(
            order,
            "subcontract_approved",
            f"客户已批准分包：{_item_label(item)} → {sub.name_zh}",
            f"The customer approved subcontracting item {item.item.position} to {sub.name_en or sub.name_zh}",
            actor,
        )
    return item


# ------------------------------------------------------------------------------------------------------------------
# The decision
# ------------------------------------------------------------------------------------------------------------------


def _acceptance_problems(review: ContractReview) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    items = ReviewItem.objects.filter(review=review).select_related("item__standard").order_by("item__position")
    for item in items:
        name = f"items.{item.item.position}"
        label = _item_label(item)
        if item.verdict == ReviewVerdict.NOT_COVERED:
            problems.setdefault(name, []).append(
                _("%(item)s：本机构无此能力，不能受理（请改为分包或谢绝）。") % {"item": label}
            )
        if item.method_warning and item.warning_confirmed_at is None:
            problems.setdefault(name, []).append(
                _("%(item)s：方法警告尚未经客户确认（%(warning)s）。") % {"item": label, "warning": item.method_warning}
            )
        if item.verdict == ReviewVerdict.SUBCONTRACTED and item.subcontract_approved_at is None:
            problems.setdefault(name, []).append(_("%(item)s：分包尚未经客户批准。") % {"item": label})
    if not review.decision_rule_agreed:
        problems["decision_rule_agreed"] = [_("判定规则尚未与客户约定。")]
    return problems


def review_decide(*, actor: Actor, order_id: int, accept: bool, reason: str = "") -> Order:
    """End the contract review (institution): accept → the order is numbered and ACCEPTED; decline → DECLINED with
    a reason. Accepting needs every item covered (or subcontracted), every method warning confirmed and every
    subcontract approved by the customer, and the decision rule agreed; otherwise nothing changes."""
    actor.require(REVIEW_MANAGE)
    text = "" if accept else _reason_text(reason)
    with transaction.atomic():
        order = _locked_order(actor, order_id, INSTITUTION)
        if order.status != OrderStatus.REVIEW:
            action = pgettext("order action", "作出合同评审结论") if accept else pgettext("order action", "谢绝委托")
            raise _refuse(order, action)
        review = _review(order)
        before = {**snapshot(order, ORDER_FIELDS), **snapshot(review, REVIEW_FIELDS)}
        if accept:
            problems = _acceptance_problems(review)
            if problems:
                summary = "；".join(message for messages in problems.values() for message in messages)
                raise Conflict(
                    _("合同评审尚未完成，不能受理：%(problems)s") % {"problems": summary},
                    code="review_incomplete",
                    fields=problems,
                )
            order.number = number_next(organisation_id=order.institution_id, kind="order")
            order.status = OrderStatus.ACCEPTED
        else:
            order.status = OrderStatus.DECLINED
            review.decline_reason = text
        order.save(update_fields=["number", "status", "updated_at"])
        review.accepted = bool(accept)
        review.decided_at = timezone.now()
        review.reviewed_by = actor.person
        review.save()
        audit_record(
            actor=actor,
            action="order.accept" if accept else "order.decline",
            obj=order,
            before=before,
            after={**snapshot(order, ORDER_FIELDS), **snapshot(review, REVIEW_FIELDS)},
            reason=text,
        )
        zh, en = STATUS_TEXT[order.status]
        timeline_add(
            order,
            order.status,
            zh.format(number=order.number, reason=text),
            en.format(number=order.number, reason=text),
            actor,
        )
        ref = _ref(order)
        if accept:
            _notify_enterprise(
                order,
                (f"{ref[0]}已受理", f"{ref[1]} accepted"),
                (
                    f"合同评审通过，委托单号 {order.number}。请按要求寄送样品。",
                    f"Contract review passed: order number {order.number}. Please send the samples.",
                ),
            )
            for sub_id in set(
                ReviewItem.objects.filter(review=review, verdict=ReviewVerdict.SUBCONTRACTED).values_list(
                    "subcontractor_id", flat=True
                )
            ):
                _notify(
                    order,
                    sub_id,
                    (f"分包委托 {order.number}", f"Subcontracted order {order.number}"),
                    ("客户已批准分包给贵机构的检测项目。", "The customer approved items subcontracted to you."),
                    REVIEWERS,
                )
        else:
            _notify_enterprise(
                order,
                (f"{ref[0]}未通过合同评审", f"{ref[1]} declined"),
                (f"机构谢绝了委托：{text}", f"The institution declined the order: {text}"),
            )
    return order


# ------------------------------------------------------------------------------------------------------------------
# The work, and cancellation
# ------------------------------------------------------------------------------------------------------------------


def order_transition_check(order: Order, to: str, party: str) -> None:
    """Refuse (Conflict naming the state) unless `party` may move `order` from its state to `to`."""
    if TRANSITIONS.get(order.status, {}).get(to) != party:
        label = str(OrderStatus(to).label) if to in OrderStatus.values else to
        raise _refuse(order, pgettext("order action", "改为“%(to)s”") % {"to": label})


def order_apply_transition(
    *, actor: Actor, order: Order, to: str, party: str, action: str, named: bool = True
) -> Order:
    """Move a locked order along the state machine: check, save, audit, timeline, notify the other party.

    For services that own a transition (e.g. the samples service: ACCEPTED → SAMPLES_SENT, party "enterprise");
    the caller has locked `order` in its transaction and checked the actor's policy and tenancy. `named=False`
    keeps the person out of the timeline both parties read (the audit trail still names them): for steps that
    follow from the laboratory's internal work, where the customer has no business knowing who did what.
    """
    order_transition_check(order, to, party)
    texts = STEP_BACK_TEXT.get((order.status, to), STATUS_TEXT[to])
    before = snapshot(order, ORDER_FIELDS)
    order.status = to
    order.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=order,
        before=before,
        after=snapshot(order, ORDER_FIELDS),
        organisation_id=actor.tenant_id,
    )
    zh, en = (text.format(number=order.number, reason="") for text in texts)
    timeline_add(order, to, zh, en, actor if named else None)
    ref = _ref(order)
    title, body = (f"{ref[0]}：{zh}", f"{ref[1]}: {en}"), (zh, en)
    if party == INSTITUTION:
        _notify_enterprise(order, title, body)
    else:
        _notify_institution(order, title, body)
    return order


def order_advance(*, actor: Actor, order_id: int, to: str) -> Order:
    """The laboratory's steps (institution): ACCEPTED|SAMPLES_SENT → RECEIVED → IN_PROGRESS → COMPLETED."""
    actor.require(REVIEW_MANAGE)
    if to not in OrderStatus.values:
        raise ServiceError.field("to", _("目标状态无效。"), code="invalid_choice")
    with transaction.atomic():
        order = _locked_order(actor, order_id, INSTITUTION)
        if to not in ADVANCE_TARGETS or (order.status, to) in STEP_BACK_TEXT:
            raise _refuse(order, pgettext("order action", "直接改为“%(to)s”") % {"to": OrderStatus(to).label})
        return order_apply_transition(actor=actor, order=order, to=to, party=INSTITUTION, action=f"order.{to}")


def order_cancel(*, actor: Actor, order_id: int, reason: str) -> Order:
    """Cancel an order (either party). Free before the samples are received; at or after receipt the quote's
    cancellation fee (percent of its total) is recorded in the reason, the audit event and the timeline.
    Declined, completed and cancelled orders cannot be cancelled. Nothing is deleted."""
    side = ENTERPRISE if _kind(actor) == OrganisationKind.ENTERPRISE else INSTITUTION
    actor.require(NEED_MANAGE if side == ENTERPRISE else REVIEW_MANAGE)
    text = _reason_text(reason)
    with transaction.atomic():
        order = _locked_order(actor, order_id, side)
        if order.status not in CANCELLABLE:
            raise _refuse(order, pgettext("order action", "取消"))
        before = snapshot(order, ORDER_FIELDS)
        fee: Decimal | None = None
        record = text
        if order.status not in FREE_CANCEL:
            quote = order.quote
            fee = cancellation_fee(quote.total, quote.cancellation_fee_percent)
            record = (
                f"{text}\n样品接收后取消：按报价条款收取取消费用 {fee} 元"
                f"（报价合计 {quote.total} 元的 {quote.cancellation_fee_percent}%）"
            )
        order.status = OrderStatus.CANCELLED
        order.cancel_reason = record
        order.save(update_fields=["status", "cancel_reason", "updated_at"])
        after: dict[str, Any] = {**snapshot(order, ORDER_FIELDS), "cancelled_by": side}
        if fee is not None:
            after["cancellation_fee"] = fee
        audit_record(actor=actor, action="order.cancel", obj=order, before=before, after=after, reason=text)
        zh, en = STATUS_TEXT[OrderStatus.CANCELLED]
        zh, en = zh.format(reason=text), en.format(reason=text)
        if fee is not None:
            zh += f"（取消费用 {fee} 元）"
            en += f" (cancellation fee CNY {fee})"
        who_zh, who_en = ("客户", "the customer") if side == ENTERPRISE else ("机构", "the institution")
        timeline_add(order, "cancelled", f"{zh} — {who_zh}", f"{en} — by {who_en}", actor)
        ref = _ref(order)
        title = (f"{ref[0]}已取消", f"{ref[1]} cancelled")
        if side == ENTERPRISE:
            _notify_institution(order, title, (zh, en))
        else:
            _notify_enterprise(order, title, (zh, en))
    return order
