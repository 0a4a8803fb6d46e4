"""Quotes (报价): an institution prices a need or declines it; the enterprise accepts one quote, which opens the order.

Institution side ("market.quote.manage": administrator, reception): `quote_prefill`, `quote_submit`,
`quote_decline`, on quotes addressed to the actor's institution. Enterprise side ("market.need.manage"):
`quote_accept`, on quotes of the actor's own needs. Another tenant's quote answers NotFound.

Lock order, everywhere: the Need first, then its quotes, so that submitting, declining and accepting serialise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.choices import OrganisationKind, Role
from tichub.accounts.models import Membership, Organisation, User
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, FieldErrors, NotFound, ServiceError
from tichub.core.numbering import number_next
from tichub.core.tenancy import Actor
from tichub.registry.choices import ScopeStatus
from tichub.registry.models import ScopeRow
from tichub.registry.normalise import normalise
from tichub.registry.services import alias_map, parameter_key

from .choices import NeedStatus, QuoteStatus
from .models import Need, NeedItem, Order, Quote, QuoteLine
from .need_services import QUOTER_ROLES, _enterprise_of, notify_in_language

QUOTE = "market.quote.manage"
QUOTE_FIELDS = (
    "status",
    "number",
    "total",
    "turnaround_days",
    "valid_until",
    "terms",
    "cancellation_fee_percent",
    "decline_reason",
)
MAX_PRICE = Decimal("999999999999.99")
MAX_QUANTITY = 10_000
MAX_TURNAROUND = 365
CENT = Decimal("0.01")


def _today() -> dt.date:
    return timezone.localdate()


def _institution_of(actor: Actor) -> Organisation:
    actor.require(QUOTE)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        raise NotFound(_("当前组织不是检验检测认证机构。"))
    return org


def _quote_state(quote: Quote, action: str) -> Conflict:
    return Conflict(
        _("报价当前状态为「%(status)s」，不能%(action)s。")
        % {"status": QuoteStatus(quote.status).label, "action": action},
        code="quote_state",
    )


def _need_state(need: Need, action: str) -> Conflict:
    return Conflict(
        _("委托需求当前状态为「%(status)s」，不能%(action)s。")
        % {"status": NeedStatus(need.status).label, "action": action},
        code="need_state",
    )


def _lock_for_institution(actor: Actor, quote_id: int) -> tuple[Need, Quote]:
    org = _institution_of(actor)
    need_id = Quote.objects.filter(pk=quote_id, institution_id=org.pk).values_list("need_id", flat=True).first()
    if need_id is None:
        raise NotFound(_("没有这份报价。"))
    need = Need.objects.select_for_update().get(pk=need_id)
    quote = Quote.objects.select_for_update().get(pk=quote_id)
    quote.need = need
    return need, quote


def _url(name: str, pk: int, fallback: str = "") -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


def _enterprise_people(need: Need) -> list[User]:
    """The need's author and the enterprise's owners: who hears about quotes."""
    people = {need.created_by_id: need.created_by}
    for m in Membership.objects.filter(organisation_id=need.organisation_id, role=Role.ENTERPRISE_OWNER).select_related(
        "user"
    ):
        people[m.user_id] = m.user
    return [p for p in people.values() if p.is_active]


def _institution_people(institution_ids: Iterable[int]) -> dict[int, list[User]]:
    people: dict[int, list[User]] = {}
    for m in Membership.objects.filter(
        organisation_id__in=list(institution_ids), role__in=QUOTER_ROLES, user__is_active=True
    ).select_related("user"):
        people.setdefault(m.organisation_id, []).append(m.user)
    return people


# ------------------------------------------------------------------------------------------------------------------
# Scope matching: which active scope row of an institution answers an item, its list price and accreditation
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeMatch:
    scope_row_id: int
    list_price: Decimal | None
    accredited: bool
    turnaround_days: int | None


def scope_matches(institution_ids: Iterable[int], items: Sequence[NeedItem]) -> dict[tuple[int, int], ScopeMatch]:
    """(institution_id, item_id) → the best ACTIVE scope row for the item's parameter and exact standard edition.

    Best: accredited today first, then the row whose object names the item's object, then one with a list price,
    then the oldest. Two queries whatever the number of rows.
    """
    ids = list(set(institution_ids))
    if not ids or not items:
        return {}
    aliases = alias_map()
    keys = {item.pk: parameter_key(item.parameter, aliases=aliases) for item in items}
    rows = list(
        ScopeRow.objects.filter(
            organisation_id__in=ids,
            status=ScopeStatus.ACTIVE,
            parameter_key__in=set(keys.values()),
            standard_id__in={item.standard_id for item in items},
        )
        .values_list("id", "organisation_id", "parameter_key", "standard_id", "list_price", "turnaround_days")
        .order_by("id")
    )
    object_keys = dict(
        ScopeRow.objects.filter(pk__in=[r[0] for r in rows]).values_list("id", "object_term__key")
    ) if rows else {}  # fmt: skip
    today = _today()
    accredited = set(
        ScopeRow.accreditations.through.objects.filter(
            scoperow_id__in=[r[0] for r in rows],
            accreditation__valid_from__lte=today,
            accreditation__valid_until__gte=today,
        ).values_list("scoperow_id", flat=True)
    ) if rows else set()  # fmt: skip
    found: dict[tuple[int, int], tuple[tuple[int, int, int, int], ScopeMatch]] = {}
    for item in items:
        wanted_object = normalise(item.object_text)
        for row_id, org_id, key, standard_id, price, turnaround in rows:
            if key != keys[item.pk] or standard_id != item.standard_id:
                continue
            rank = (
                0 if row_id in accredited else 1,
                0 if wanted_object and object_keys.get(row_id) == wanted_object else 1,
                0 if price is not None else 1,
                row_id,
            )
            current = found.get((org_id, item.pk))
            if current is None or rank < current[0]:
                found[(org_id, item.pk)] = (rank, ScopeMatch(row_id, price, row_id in accredited, turnaround))
    return {k: v[1] for k, v in found.items()}


# ------------------------------------------------------------------------------------------------------------------
# Institution side
# ------------------------------------------------------------------------------------------------------------------


def quote_prefill(*, actor: Actor, quote_id: int) -> list[dict[str, Any]]:
    """The lines to start from, one per item in order: the quote's own lines once submitted, else the list price
    of the institution's matching active scope row (None when it has no row or no price), quantity = samples.

    Each line: item_id, position, parameter, standard, price, quantity, note, subcontractor_id, accredited,
    scope_row_id, covered, turnaround_days.
    """
    org = _institution_of(actor)
    quote = Quote.objects.select_related("need").filter(pk=quote_id, institution_id=org.pk).first()
    if quote is None:
        raise NotFound(_("没有这份报价。"))
    items = list(NeedItem.objects.filter(need_id=quote.need_id).select_related("standard").order_by("position"))
    lines = {line.item_id: line for line in QuoteLine.objects.filter(quote=quote)}
    matches = scope_matches([org.pk], items)
    result = []
    for item in items:
        match = matches.get((org.pk, item.pk))
        line = lines.get(item.pk)
        base = {
            "item_id": item.pk,
            "position": item.position,
            "parameter": item.parameter,
            "standard": item.standard.canonical,
            "covered": match is not None,
            "turnaround_days": match.turnaround_days if match else None,
        }
        if line is not None:
            base.update(
                price=line.price, quantity=line.quantity, note=line.note, subcontractor_id=line.subcontractor_id,
                accredited=line.accredited, scope_row_id=line.scope_row_id,
            )  # fmt: skip
        else:
            base.update(
                price=match.list_price if match else None, quantity=quote.need.sample_count, note="",
                subcontractor_id=None, accredited=bool(match and match.accredited),
                scope_row_id=match.scope_row_id if match else None,
            )  # fmt: skip
        result.append(base)
    return result


def _price(errors: FieldErrors, name: str, value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float | bool):
        errors.add(name, _("价格须以十进制文本或整数给出。"))
        return None
    try:
        price = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        errors.add(name, _("价格应为数字（如 120.00）。"))
        return None
    if not price.is_finite():
        errors.add(name, _("价格应为数字（如 120.00）。"))
        return None
    if price < 0:
        errors.add(name, _("价格不能为负数。"))
        return None
    exponent = price.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        errors.add(name, _("最多两位小数。"))
        return None
    if price > MAX_PRICE:
        errors.add(name, _("价格过大。"))
        return None
    return price.quantize(CENT)


def _int(errors: FieldErrors, name: str, value: Any, *, low: int, high: int, message: str) -> int:
    if isinstance(value, bool):
        errors.add(name, message)
        return low
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(name, message)
        return low
    if not low <= number <= high:
        errors.add(name, message)
    return number


def _clean_lines(
    errors: FieldErrors,
    lines: Sequence[Mapping[str, Any]],
    items: list[NeedItem],
    institution: Organisation,
    enterprise_id: int,
) -> list[dict[str, Any]]:
    by_id = {item.pk: item for item in items}
    seen: set[int] = set()
    clean: list[dict[str, Any]] = []
    sub_ids: set[int] = set()
    for i, raw in enumerate(lines):
        prefix = f"lines.{i}."
        if not isinstance(raw, Mapping):
            errors.add(f"lines.{i}", _("报价行格式不正确。"))
            continue
        try:
            item_id = int(raw.get("item_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            item_id = 0
        if item_id not in by_id:
            errors.add(prefix + "item_id", _("此需求没有这个检测项目。"))
            continue
        if item_id in seen:
            errors.add(prefix + "item_id", _("同一检测项目只能报价一次。"))
            continue
        seen.add(item_id)
        price = _price(errors, prefix + "price", raw.get("price"))
        quantity = _int(
            errors, prefix + "quantity", raw.get("quantity", 1), low=1, high=MAX_QUANTITY,
            message=_("数量应为 1 到 %(n)s 之间的整数。") % {"n": MAX_QUANTITY},
        )  # fmt: skip
        note = str(raw.get("note") or "").strip()
        if len(note) > 300:
            errors.add(prefix + "note", _("说明最多 300 个字符。"))
        sub_raw = raw.get("subcontractor_id")
        subcontractor_id: int | None = None
        if sub_raw not in (None, "", 0, "0"):
            try:
                subcontractor_id = int(sub_raw)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                errors.add(prefix + "subcontractor_id", _("分包机构编号应为整数。"))
            else:
                if subcontractor_id == institution.pk:
                    errors.add(prefix + "subcontractor_id", _("不能分包给本机构。"))
                elif subcontractor_id == enterprise_id:
                    errors.add(prefix + "subcontractor_id", _("分包机构须为集聚区内的检验检测机构。"))
                else:
                    sub_ids.add(subcontractor_id)
        if price is None and subcontractor_id is None and prefix + "price" not in errors.fields:
            errors.add(prefix + "price", _("请填写价格，或为此项目选择分包机构。"))
        clean.append(
            {"index": i, "item": by_id[item_id], "price": price, "quantity": quantity, "note": note,
             "subcontractor_id": subcontractor_id}
        )  # fmt: skip
    if sub_ids:
        valid = set(
            Organisation.objects.filter(pk__in=sub_ids, kind=OrganisationKind.INSTITUTION, is_active=True).values_list(
                "pk", flat=True
            )
        )
        for line in clean:
            if line["subcontractor_id"] is not None and line["subcontractor_id"] not in valid:
                errors.add(f"lines.{line['index']}.subcontractor_id", _("分包机构须为集聚区内有效的其他检验检测机构。"))
    missing = [item for item in items if item.pk not in seen]
    if missing and not any(name.startswith("lines.") for name in errors.fields):
        errors.add(
            "lines",
            _("每个检测项目都须报价或提出分包：未报价的项目 %(items)s。")
            % {"items": "、".join(f"{item.position}. {item.parameter}" for item in missing)},
        )
    return clean


def quote_submit(
    *,
    actor: Actor,
    quote_id: int,
    lines: Sequence[Mapping[str, Any]],
    turnaround_days: int,
    valid_until: dt.date,
    terms: str = "",
    cancellation_fee_percent: int = 0,
) -> Quote:
    """Answer a request (or revise a submitted quote while the need is open): every item priced (≥ 0, at most two
    decimals) or proposed for subcontracting to another active institution, which the enterprise must approve.

    The quote is numbered once (number_next kind "quote"), its total computed (Σ price × quantity), its status
    SUBMITTED; the enterprise is notified.
    """
    with transaction.atomic():
        need, quote = _lock_for_institution(actor, quote_id)
        institution = actor.organisation
        assert institution is not None
        if quote.status not in (QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED):
            raise _quote_state(quote, pgettext("state action", "提交报价"))
        if need.status != NeedStatus.OPEN:
            raise _need_state(need, pgettext("state action", "报价"))
        errors = FieldErrors()
        items = list(NeedItem.objects.filter(need=need).select_related("standard").order_by("position"))
        clean = _clean_lines(errors, lines or [], items, institution, need.organisation_id)
        turnaround = _int(
            errors, "turnaround_days", turnaround_days, low=1, high=MAX_TURNAROUND,
            message=_("周期应为 1 到 %(n)s 个工作日。") % {"n": MAX_TURNAROUND},
        )  # fmt: skip
        if isinstance(valid_until, str):
            with contextlib.suppress(ValueError):
                valid_until = dt.date.fromisoformat(valid_until)
        if not isinstance(valid_until, dt.date):
            errors.add("valid_until", _("请填写报价有效期（YYYY-MM-DD）。"))
        elif valid_until < _today():
            errors.add(
                "valid_until",
                _("报价有效期不能早于今天（%(today)s）。") % {"today": _today().isoformat()},
            )
        terms = str(terms or "").strip()
        if len(terms) > 5000:
            errors.add("terms", _("条款最多 5000 个字符。"))
        fee = _int(
            errors, "cancellation_fee_percent", cancellation_fee_percent, low=0, high=100,
            message=_("取消收费比例应为 0 到 100 之间的整数。"),
        )  # fmt: skip
        errors.raise_if_any()

        own = scope_matches([institution.pk], items)
        subs = scope_matches({line["subcontractor_id"] for line in clean if line["subcontractor_id"]}, items)
        new_lines = []
        total = Decimal("0.00")
        for line in clean:
            item = line["item"]
            provider = line["subcontractor_id"] or institution.pk
            match = (subs if line["subcontractor_id"] else own).get((provider, item.pk))
            price = line["price"] if line["price"] is not None else Decimal("0.00")
            total += price * line["quantity"]
            new_lines.append(
                QuoteLine(
                    quote=quote, item=item, price=price, quantity=line["quantity"], note=line["note"],
                    subcontractor_id=line["subcontractor_id"], scope_row_id=match.scope_row_id if match else None,
                    accredited=bool(match and match.accredited),
                )
            )  # fmt: skip
        if total > MAX_PRICE:
            raise ServiceError.field("lines", _("报价合计过大。"))
        before = snapshot(quote, QUOTE_FIELDS)
        QuoteLine.objects.filter(quote=quote).delete()
        QuoteLine.objects.bulk_create(new_lines)
        resubmitted = quote.status == QuoteStatus.SUBMITTED
        if not quote.number:
            quote.number = number_next(organisation_id=institution.pk, kind="quote")
        quote.status = QuoteStatus.SUBMITTED
        quote.submitted_at = timezone.now()
        quote.submitted_by = actor.person
        quote.turnaround_days = turnaround
        quote.valid_until = valid_until
        quote.terms = terms
        quote.cancellation_fee_percent = fee
        quote.total = total.quantize(CENT)
        quote.save()
        after = snapshot(quote, QUOTE_FIELDS)
        after["lines"] = [
            {"item": ln.item_id, "price": ln.price, "quantity": ln.quantity, "subcontractor": ln.subcontractor_id}
            for ln in new_lines
        ]
        audit_record(
            actor=actor, action="quote.resubmit" if resubmitted else "quote.submit", obj=quote, before=before,
            after=after, organisation_id=institution.pk,
        )  # fmt: skip
        values = {
            "institution": institution.name_zh, "title": need.title, "number": quote.number, "total": quote.total,
            "days": turnaround, "until": quote.valid_until,
        }  # fmt: skip
        notify_in_language(
            users=_enterprise_people(need),
            organisation_id=need.organisation_id,
            build=lambda: (
                _("%(institution)s 已报价：%(title)s") % values,
                _("报价 %(number)s，合计 %(total)s 元，周期 %(days)s 个工作日，有效期至 %(until)s。") % values,
            ),
            url=_url("marketplace:need_detail", need.pk),
        )
    return quote


def quote_decline(*, actor: Actor, quote_id: int, reason: str) -> Quote:
    """Decline a request (or withdraw a submitted quote) with a reason the enterprise reads."""
    reason = str(reason or "").strip()
    if not reason:
        raise ServiceError.field("reason", _("请写明谢绝的原因。"), code="required")
    if len(reason) > 2000:
        raise ServiceError.field("reason", _("原因最多 2000 个字符。"))
    with transaction.atomic():
        need, quote = _lock_for_institution(actor, quote_id)
        if quote.status not in (QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED):
            raise _quote_state(quote, pgettext("state action", "谢绝"))
        if need.status != NeedStatus.OPEN:
            raise _need_state(need, pgettext("state action", "谢绝"))
        before = snapshot(quote, QUOTE_FIELDS)
        quote.status = QuoteStatus.DECLINED
        quote.decline_reason = reason
        quote.save(update_fields=["status", "decline_reason"])
        institution = actor.organisation
        assert institution is not None
        audit_record(
            actor=actor, action="quote.decline", obj=quote, before=before, after=snapshot(quote, QUOTE_FIELDS),
            reason=reason, organisation_id=institution.pk,
        )  # fmt: skip
        values = {"institution": institution.name_zh, "title": need.title, "reason": reason}
        notify_in_language(
            users=_enterprise_people(need),
            organisation_id=need.organisation_id,
            build=lambda: (_("%(institution)s 谢绝报价：%(title)s") % values, _("原因：%(reason)s") % values),
            url=_url("marketplace:need_detail", need.pk),
        )
    return quote


# ------------------------------------------------------------------------------------------------------------------
# Enterprise side
# ------------------------------------------------------------------------------------------------------------------


def _open_order(quote: Quote, actor: Actor) -> Order:
    """M2's order_open: the Order (REVIEW), its contract review with one item per need item, the first timeline."""
    from .order_services import order_open

    return order_open(quote=quote, actor=actor)


def quote_accept(*, actor: Actor, quote_id: int) -> Order:
    """Accept one submitted, unexpired quote of an OPEN need: the quote ACCEPTED, the others CLOSED (their
    institutions thanked), the need ORDERED, and the order opened for contract review. Returns the order.

    Refused with a Conflict, nothing changed: a quote not SUBMITTED, expired ("报价已于 … 过期"), a need no
    longer open, or another quote already accepted (the partial unique index is the last line of defence).
    """
    org = _enterprise_of(actor)
    need_id = Quote.objects.filter(pk=quote_id, enterprise_id=org.pk).values_list("need_id", flat=True).first()
    if need_id is None:
        raise NotFound(_("没有这份报价。"))
    try:
        with transaction.atomic():
            need = Need.objects.select_for_update().get(pk=need_id, organisation_id=org.pk)
            quotes = list(Quote.objects.select_for_update().filter(need=need).order_by("pk"))
            quote = next(q for q in quotes if q.pk == quote_id)
            quote.need = need
            if any(q.status == QuoteStatus.ACCEPTED for q in quotes):
                raise Conflict(_("此需求已接受了一份报价，不能再接受另一份。"), code="already_accepted")
            if need.status != NeedStatus.OPEN:
                raise _need_state(need, pgettext("state action", "接受报价"))
            if quote.status != QuoteStatus.SUBMITTED:
                raise _quote_state(quote, pgettext("state action", "接受"))
            if quote.valid_until is not None and quote.valid_until < _today():
                raise Conflict(
                    _("报价已于 %(date)s 过期，请联系机构重新报价。") % {"date": quote.valid_until.isoformat()},
                    code="quote_expired",
                )
            before = snapshot(quote, ["status"])
            quote.status = QuoteStatus.ACCEPTED
            quote.save(update_fields=["status"])
            pending = (QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED)
            others = [q for q in quotes if q.pk != quote.pk and q.status in pending]
            Quote.objects.filter(pk__in=[q.pk for q in others]).update(status=QuoteStatus.CLOSED)
            need_before = snapshot(need, ["status"])
            need.status = NeedStatus.ORDERED
            need.save(update_fields=["status"])
            order = _open_order(quote, actor)
            audit_record(actor=actor, action="quote.accept", obj=quote, before=before, after={"status": quote.status})
            audit_record(
                actor=actor, action="need.order", obj=need, before=need_before,
                after={"status": need.status, "quote": quote.pk, "order": order.pk},
            )  # fmt: skip
            if others:
                audit_record_many(
                    actor=actor,
                    action="quote.close",
                    changes=[(q, {"status": q.status}, {"status": QuoteStatus.CLOSED}) for q in others],
                )
            _notify_closed(need, others)
    except IntegrityError:
        raise Conflict(_("此需求已接受了一份报价，不能再接受另一份。"), code="already_accepted") from None
    return order


def _notify_closed(need: Need, others: list[Quote]) -> None:
    """Thank the institutions whose quotes were not chosen (the chosen one hears from order_open)."""
    people = _institution_people(q.institution_id for q in others)
    enterprise = need.organisation.name_zh

    def closed_text() -> tuple[str, str]:
        title = _("询价已结束：%(title)s") % {"title": need.title if not need.confidential else _("保密需求")}
        body = _("感谢您的报价与支持。%(enterprise)s 此次选择了其他机构，期待今后继续合作。") % {
            "enterprise": enterprise
        }
        return title, body

    for quote in others:
        notify_in_language(
            users=people.get(quote.institution_id, []),
            organisation_id=quote.institution_id,
            build=closed_text,
            url=_url("marketplace:quote_edit", quote.pk),
        )


__all__ = [
    "ScopeMatch",
    "quote_accept",
    "quote_decline",
    "quote_prefill",
    "quote_submit",
    "scope_matches",
]
