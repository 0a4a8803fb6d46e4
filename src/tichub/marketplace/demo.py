"""Demo commissioning: 广西桂糖集团 commissions sugar tests, so that `make run` shows the flow in every state.

Everything goes through the real services with the demo's own people as actors (accounts.demo: enterprise.owner
李总 and enterprise.member 王质检 of ent-guitang; lab.reception 陆受理, lab.quality 潘质量 of nqi-sugar; the
registry demo's institution admins <slug>.admin@demo.tichub.local), on the scopes the registry demo loaded:

(a) an open need 「白砂糖出口东盟检测」(铅 / 总砷 / 二氧化硫 on the catalogue's current editions) sent to
    国家糖及加工食品质量检验检测中心 and to 南宁绿茵 (a private laboratory), both quoted. 绿茵 still tests lead and
    arsenic by the withdrawn editions, so it quotes 二氧化硫 itself and proposes subcontracting 铅 and 总砷 to an
    institution whose active scope has the current editions (中国—东盟产品质量检验中心);
(b) an order accepted by the enterprise and under contract review at the sugar centre;
(c) an order accepted with its number, samples announced and dispatched, and messages both ways;
(d) an order completed by hand (order_advance, as for work done outside the laboratory workflow) with an issued
    invoice (its PDF rendered by invoice_issue; when the PDF fonts are missing the invoice stays a draft and a
    warning is printed);
(e) an order under the non-binary decision rule, numbered, its sample dispatched: tichub.lims.demo receives it and
    tests it through to approval;
and a need of 北部湾石化 (its owner ent-beibu-petro.owner@demo.tichub.local is created here) quoted by the national
petrochemical centre, so the lists and the operator's figures are not one enterprise's.

Every item's parameter and edition is checked against the quoting institution's active scope
(quote_services.scope_matches, via quote_prefill): a demo that no longer matches the registry demo fails loudly
instead of showing quotes nobody could honour. Idempotent: nothing is done when 桂糖 already has needs. Run after
accounts.demo.load(), standards.demo.load() and registry.demo.load().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from tichub.accounts import services as accounts_services
from tichub.accounts.choices import OrganisationKind, Role
from tichub.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET
from tichub.accounts.models import Organisation, User
from tichub.accounts.selectors import actor_for
from tichub.core.tenancy import Actor

from .choices import InvoiceStatus, NeedStatus, OrderStatus, QuoteStatus
from .invoice_selectors import invoice_list
from .invoice_services import PdfUnavailable, invoice_draft, invoice_issue
from .message_selectors import thread_messages
from .message_services import message_post
from .need_selectors import enterprise_needs, need_get, need_quotes
from .need_services import need_create, need_send
from .order_selectors import order_timeline, orders_for
from .order_services import order_advance, review_decide, review_record
from .quote_services import quote_accept, quote_prefill, quote_submit, scope_matches
from .sample_selectors import order_samples
from .sample_services import sample_announce, sample_dispatch

ENTERPRISE = "ent-guitang"
OTHER_ENTERPRISE = "ent-beibu-petro"
SUGAR_CENTRE = "nqi-sugar"
PRIVATE_LAB = "lab-lvyin"
PETROCHEMICAL = "nqi-petrochemical"
OTHER_OWNER = (f"{OTHER_ENTERPRISE}.owner@{DEMO_DOMAIN}", "黄经理")


class DemoError(RuntimeError):
    """The demo's assumptions about the other demos (people, scopes) no longer hold."""


# --------------------------------------------------------------------------------------------------------------
# What is commissioned
# --------------------------------------------------------------------------------------------------------------


def _item(obj: str, parameter: str, code: str, spec: str = "", upper: str = "", unit: str = "") -> dict[str, str]:
    """One item; an undated code means the catalogue's current edition (need_services resolves it)."""
    return {
        "object_text": obj,
        "parameter": parameter,
        "standard_code": code,
        "clause": "",
        "specification": spec,
        "lower_limit": "",
        "upper_limit": upper,
        "unit": unit,
    }


def _lower(item: dict[str, str], lower: str) -> dict[str, str]:
    return {**item, "lower_limit": lower}


def _needs(today: dt.date) -> dict[str, dict[str, Any]]:
    days = dt.timedelta
    return {
        "open": {
            "title": "白砂糖出口东盟检测",
            "product_description": (
                "一级白砂糖（GB/T 317-2018），50 kg 编织袋装，拟出口越南、泰国。每批取样 2 份，每份 1 kg。"
            ),
            "sample_count": 2,
            "deadline": today + days(days=30),
            "decision_rule": "simple",
            "accredited_required": True,
            "confidential": False,
            "items": [
                _item("白砂糖", "铅", "GB 5009.12", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("白砂糖", "总砷", "GB 5009.11", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("白砂糖", "二氧化硫", "GB 5009.34", "≤ 30 mg/kg（进口商合同要求）", "30", "mg/kg"),
            ],
        },
        "review": {
            "title": "一级白砂糖出厂质量抽检",
            "product_description": "本季度出厂一级白砂糖，1 kg 密封袋装，按 GB/T 317-2018 一级指标检验。",
            "sample_count": 1,
            "deadline": today + days(days=21),
            "decision_rule": "simple",
            "accredited_required": True,
            "confidential": False,
            "items": [
                _lower(_item("白砂糖", "蔗糖分", "GB/T 317-2018", "≥ 99.6 g/100g（一级）", "", "g/100g"), "99.6"),
                _item("白砂糖", "还原糖分", "GB/T 317-2018", "≤ 0.10 g/100g（一级）", "0.10", "g/100g"),
                _item("白砂糖", "电导灰分", "GB/T 317-2018", "≤ 0.10 g/100g（一级）", "0.10", "g/100g"),
                _item("白砂糖", "色值", "GB/T 317-2018", "≤ 150 IU（一级）", "150", "IU"),
            ],
        },
        "samples": {
            "title": "红糖微生物及铅含量检测",
            "product_description": "古法红糖，500 g 袋装，两个生产批次各送 1 袋。只报告实测值，不作符合性判定。",
            "sample_count": 2,
            "deadline": today + days(days=25),
            "decision_rule": "none",
            "accredited_required": True,
            "confidential": False,
            "items": [
                _item("红糖", "菌落总数", "GB 4789.2-2022", "报告实测值", "", "CFU/g"),
                _item("红糖", "大肠菌群", "GB 4789.3-2016", "报告实测值", "", "CFU/g"),
                _item("红糖", "铅", "GB 5009.12", "报告实测值", "", "mg/kg"),
            ],
        },
        "invoiced": {
            "title": "冰糖出口新加坡批次检验",
            "product_description": "单晶冰糖，25 kg 纸箱装，出口新加坡，合同要求提供 CNAS 认可报告。",
            "sample_count": 1,
            "deadline": today + days(days=14),
            "decision_rule": "guarded",
            "accredited_required": True,
            "confidential": False,
            "items": [
                _item("冰糖", "铅", "GB 5009.12", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("冰糖", "总砷", "GB 5009.11", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("冰糖", "二氧化硫", "GB 5009.34", "≤ 30 mg/kg（进口商合同要求）", "30", "mg/kg"),
                _item("冰糖", "还原糖", "GB 5009.7-2016", "报告实测值", "", "g/100g"),
            ],
        },
        "lab": {
            "title": "白砂糖出口越南批次检验",
            "product_description": (
                "一级白砂糖，1 kg 密封袋装 2 袋（同一批次），出口越南；按合同限量判定，报告注明不确定度。"
            ),
            "sample_count": 1,
            "deadline": today + days(days=20),
            "decision_rule": "non_binary",
            "accredited_required": True,
            "confidential": False,
            "items": [
                _item("白砂糖", "铅", "GB 5009.12", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("白砂糖", "总砷", "GB 5009.11", "≤ 0.5 mg/kg（进口商合同要求）", "0.5", "mg/kg"),
                _item("白砂糖", "二氧化硫", "GB 5009.34", "≤ 30 mg/kg（进口商合同要求）", "30", "mg/kg"),
            ],
        },
        "other": {
            "title": "0号车用柴油（Ⅵ）出厂批次检验",
            "product_description": "钦州炼厂 0 号车用柴油（Ⅵ），1 L 棕色玻璃瓶取样 2 瓶，按 GB 19147-2016 判定。",
            "sample_count": 1,
            "deadline": today + days(days=10),
            "decision_rule": "simple",
            "accredited_required": True,
            "confidential": True,
            "items": [
                _lower(_item("车用柴油", "十六烷值", "GB/T 386-2010", "≥ 51", "", ""), "51"),
                _lower(_item("车用柴油", "闪点", "GB/T 261-2008", "≥ 60 ℃", "", "℃"), "60"),
                _item("车用柴油", "硫含量", "SH/T 0689-2000", "≤ 10 mg/kg", "10", "mg/kg"),
                _item("车用柴油", "多环芳烃含量", "SH/T 0806-2008", "≤ 7 %（质量分数）", "7", "%"),
            ],
        },
    }


MESSAGES: list[tuple[str, str]] = [
    ("enterprise", "两袋样品已今天寄出（顺丰），请注意查收。菌落总数和大肠菌群请按到样当天开始检测。"),
    ("institution", "收到，样品到达后我们当天登记并冷藏，次日开始微生物检测。请问红糖的生产日期能否补充一下？"),
    ("enterprise", "两个批次的生产日期分别是本月 3 日和 10 日，已写在样品标签的批号后面。"),
    ("institution", "好的，已记录。检测完成后报告会在平台上发布，届时会通知您。"),
]


# --------------------------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------------------------


def _user(email: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        raise DemoError(f"demo user {email} is missing: load the accounts and registry demos first")
    return user


def _actor(email: str, org: Organisation) -> Actor:
    actor = actor_for(_user(email), org.pk)
    if actor.organisation is None:
        raise DemoError(f"{email} is not a member of {org.slug}")
    return actor


def _other_owner(org: Organisation) -> Actor:
    """北部湾石化's owner, created like the accounts demo's people (2FA where the roles ask for it)."""
    email, name = OTHER_OWNER
    user = User.objects.filter(email=email).first()
    if user is None:
        user = accounts_services.user_create(email=email, name=name, password=DEMO_PASSWORD)
    accounts_services.membership_grant(
        actor=Actor(user=None), organisation=org, user=user, roles=[Role.ENTERPRISE_OWNER]
    )
    if accounts_services.requires_2fa(user, {org: frozenset({Role.ENTERPRISE_OWNER})}) and not user.has_totp:
        User.objects.filter(pk=user.pk).update(totp_secret=DEMO_TOTP_SECRET, totp_confirmed_at=timezone.now())
        user.refresh_from_db()
    return actor_for(user, org.pk)


# --------------------------------------------------------------------------------------------------------------
# Steps (each one service call, or a few)
# --------------------------------------------------------------------------------------------------------------


def _need(actor: Actor, spec: Mapping[str, Any], institutions: Sequence[Organisation]) -> tuple[int, dict[int, int]]:
    """Create the need and send it: (need id, {institution id: quote id})."""
    need = need_create(actor=actor, **spec)
    quotes = need_send(actor=actor, need_id=need.pk, institution_ids=[org.pk for org in institutions])
    return need.pk, {quote.institution_id: quote.pk for quote in quotes}


def _institutions() -> list[int]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _quote(
    actor: Actor,
    enterprise: Actor,
    need_id: int,
    quote_id: int,
    *,
    terms: str,
    fee: int = 30,
    valid_days: int = 30,
    competitors: Collection[int] = (),
) -> None:
    """Submit the quote at the institution's list prices. An item its active scope does not cover (same
    parameter, same edition) goes to the accredited institution that covers it at the lowest list price (not one
    of `competitors`, the others asked to quote), as a proposed subcontract priced at that institution's list
    price; an item nobody covers is a DemoError."""
    prefill = quote_prefill(actor=actor, quote_id=quote_id)
    missing = {line["item_id"] for line in prefill if not line["covered"] or line["price"] is None}
    subcontracts: dict[int, tuple[int, Decimal, int | None]] = {}
    if missing:
        items = [item for item in need_get(enterprise, need_id).items.all() if item.pk in missing]
        candidates = [pk for pk in _institutions() if pk != actor.tenant_id and pk not in competitors]
        offers: dict[int, list[tuple[bool, Decimal, int, int | None]]] = {}
        for (org_id, item_id), match in scope_matches(candidates, items).items():
            if match.list_price is not None:
                offers.setdefault(item_id, []).append(
                    (not match.accredited, match.list_price, org_id, match.turnaround_days)
                )
        for item_id, found in offers.items():
            _unaccredited, price, org_id, turnaround = min(found, key=lambda offer: offer[:3])
            subcontracts[item_id] = (org_id, price, turnaround)
    lines = []
    days = []
    names = dict(Organisation.objects.filter(pk__in=[s[0] for s in subcontracts.values()]).values_list("pk", "name_zh"))
    for line in prefill:
        item_id = line["item_id"]
        if item_id not in missing:
            lines.append({"item_id": item_id, "price": line["price"], "quantity": line["quantity"], "note": ""})
            days.append(line["turnaround_days"] or 5)
            continue
        if item_id not in subcontracts:
            raise DemoError(f"no institution of the registry demo covers {line['parameter']} / {line['standard']}")
        sub_id, price, sub_days = subcontracts[item_id]
        note = f"本机构无 {line['standard']} 的能力，拟分包给{names[sub_id]}（须经贵司同意）"
        lines.append(
            {"item_id": item_id, "price": price, "quantity": line["quantity"], "note": note, "subcontractor_id": sub_id}
        )
        days.append((sub_days or 5) + 2)  # samples travel to the subcontractor
    quote_submit(
        actor=actor,
        quote_id=quote_id,
        lines=lines,
        turnaround_days=max(days),
        valid_until=timezone.localdate() + dt.timedelta(days=valid_days),
        terms=terms,
        cancellation_fee_percent=fee,
    )


def _accepted_order(owner: Actor, quote_id: int) -> int:
    return int(quote_accept(actor=owner, quote_id=quote_id).pk)


def _numbered(quality: Actor, order_id: int) -> None:
    """Contract review: the decision rule agreed with the customer, then accepted (numbers the order)."""
    review_record(
        actor=quality, order_id=order_id, decision_rule_agreed=True, deviations="无偏离，按客户指定方法检测。"
    )
    review_decide(actor=quality, order_id=order_id, accept=True)


def _samples(member: Actor, order_id: int, rows: list[dict[str, str]], tracking: str) -> None:
    sample_announce(actor=member, order_id=order_id, samples=rows)
    sample_dispatch(actor=member, order_id=order_id, courier="顺丰速运", tracking=tracking)


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------


def _organisations() -> dict[str, Organisation]:
    slugs = (ENTERPRISE, OTHER_ENTERPRISE, SUGAR_CENTRE, PRIVATE_LAB, PETROCHEMICAL)
    return {org.slug: org for org in Organisation.objects.filter(slug__in=slugs)}


def _create(orgs: dict[str, Organisation]) -> None:
    today = timezone.localdate()
    specs = _needs(today)
    sugar, lvyin, petro = orgs[SUGAR_CENTRE], orgs[PRIVATE_LAB], orgs[PETROCHEMICAL]
    owner = _actor(f"enterprise.owner@{DEMO_DOMAIN}", orgs[ENTERPRISE])
    member = _actor(f"enterprise.member@{DEMO_DOMAIN}", orgs[ENTERPRISE])
    reception = _actor(f"lab.reception@{DEMO_DOMAIN}", sugar)
    quality = _actor(f"lab.quality@{DEMO_DOMAIN}", sugar)
    lvyin_admin = _actor(f"{PRIVATE_LAB}.admin@{DEMO_DOMAIN}", lvyin)
    petro_admin = _actor(f"{PETROCHEMICAL}.admin@{DEMO_DOMAIN}", petro)
    sugar_terms = (
        "款到发报告；检测后样品保留 3 个月；报告加盖 CNAS、CMA 标识。样品接收后取消，按报价合计的 30% 收取费用。"
    )

    # (a) open, quoted by the sugar centre and by a private laboratory (with a proposed subcontract)
    need_id, quotes = _need(member, specs["open"], [sugar, lvyin])
    _quote(reception, member, need_id, quotes[sugar.pk], terms=sugar_terms)
    _quote(
        lvyin_admin, member, need_id, quotes[lvyin.pk], fee=20, valid_days=15, competitors=quotes,
        terms="款到发报告。分包项目由分包机构出具报告，本公司汇总提交。",
    )  # fmt: skip

    # (b) accepted by the enterprise, under contract review at the sugar centre
    need_id, quotes = _need(owner, specs["review"], [sugar])
    _quote(reception, owner, need_id, quotes[sugar.pk], terms=sugar_terms)
    _accepted_order(owner, quotes[sugar.pk])

    # (c) accepted with a number, samples announced and dispatched, a conversation
    need_id, quotes = _need(member, specs["samples"], [sugar])
    _quote(reception, member, need_id, quotes[sugar.pk], terms=sugar_terms)
    order_id = _accepted_order(owner, quotes[sugar.pk])
    _numbered(quality, order_id)
    batch = f"GT{today:%Y%m}"
    _samples(
        member,
        order_id,
        [
            {
                "description": "古法红糖（批次一）",
                "quantity": "1 袋（500 g）",
                "batch": f"{batch}03-HT",
                "storage": "常温、干燥、避光",
            },
            {
                "description": "古法红糖（批次二）",
                "quantity": "1 袋（500 g）",
                "batch": f"{batch}10-HT",
                "storage": "常温、干燥、避光",
            },
        ],
        tracking="SF1402876519347",
    )
    for side, body in MESSAGES:
        message_post(actor=member if side == "enterprise" else reception, order_id=order_id, body=body)

    # (d) tested to completion, invoiced
    need_id, quotes = _need(owner, specs["invoiced"], [sugar])
    _quote(reception, owner, need_id, quotes[sugar.pk], terms=sugar_terms)
    order_id = _accepted_order(owner, quotes[sugar.pk])
    _numbered(quality, order_id)
    _samples(
        member,
        order_id,
        [
            {
                "description": "单晶冰糖",
                "quantity": "1 袋（1 kg）",
                "batch": f"BT{today:%Y%m%d}",
                "storage": "常温、干燥",
            }
        ],
        tracking="SF1402876520418",
    )
    for step in (OrderStatus.RECEIVED, OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED):
        order_advance(actor=reception, order_id=order_id, to=step)
    invoice = invoice_draft(actor=reception, order_id=order_id)
    try:
        invoice_issue(actor=reception, invoice_id=invoice.pk)
    except PdfUnavailable as exc:
        print(f"WARNING: the demo invoice stays a draft: its PDF could not be rendered ({exc})")  # noqa: T201

    # (e) numbered, its sample on the way: the laboratory demo (tichub.lims.demo) tests it through to approval
    need_id, quotes = _need(owner, specs["lab"], [sugar])
    _quote(reception, owner, need_id, quotes[sugar.pk], terms=sugar_terms)
    order_id = _accepted_order(owner, quotes[sugar.pk])
    _numbered(quality, order_id)
    _samples(
        member,
        order_id,
        [
            {
                "description": "一级白砂糖（出口越南）",
                "quantity": "2 袋（各 1 kg）",
                "batch": f"BS{today:%Y%m%d}",
                "storage": "常温、干燥",
            }
        ],
        tracking="SF1402876533071",
    )

    # Another enterprise's need, quoted by the national petrochemical centre
    beibu = _other_owner(orgs[OTHER_ENTERPRISE])
    need_id, quotes = _need(beibu, specs["other"], [petro])
    _quote(petro_admin, beibu, need_id, quotes[petro.pk], terms="款到发报告；油样保留 1 个月。", fee=20)


def counts(orgs: dict[str, Organisation] | None = None) -> dict[str, int]:
    """What the demo holds, read through the selectors as its people see it."""
    orgs = orgs or _organisations()
    owner = _actor(f"enterprise.owner@{DEMO_DOMAIN}", orgs[ENTERPRISE])
    reception = _actor(f"lab.reception@{DEMO_DOMAIN}", orgs[SUGAR_CENTRE])
    actors = [owner]
    other = User.objects.filter(email=OTHER_OWNER[0]).first()
    if other is not None:
        actors.append(actor_for(other, orgs[OTHER_ENTERPRISE].pk))
    out: dict[str, int] = {"needs": 0, "needs_open": 0, "quotes_submitted": 0, "quotes_accepted": 0}
    for actor in actors:
        for need in enterprise_needs(actor):
            out["needs"] += 1
            out["needs_open"] += need.status == NeedStatus.OPEN
            for quote in need_quotes(actor, need.pk):
                out["quotes_submitted"] += quote.status == QuoteStatus.SUBMITTED
                out["quotes_accepted"] += quote.status == QuoteStatus.ACCEPTED
    orders = list(orders_for(owner))
    out["orders"] = len(orders)
    for status in (OrderStatus.REVIEW, OrderStatus.SAMPLES_SENT, OrderStatus.COMPLETED):
        out[f"orders_{status}"] = sum(order.status == status for order in orders)
    out["samples"] = sum(len(order_samples(owner, order.pk)[1]) for order in orders)
    out["messages"] = sum(thread_messages(owner, order.pk).count() for order in orders)
    out["timeline"] = sum(order_timeline(owner, order.pk).count() for order in orders)
    invoices = list(invoice_list(reception))
    out["invoices_issued"] = sum(invoice.status == InvoiceStatus.ISSUED for invoice in invoices)
    out["invoices_draft"] = sum(invoice.status == InvoiceStatus.DRAFT for invoice in invoices)
    return out


def load() -> dict[str, int]:
    """Create the demo commissioning once (all or nothing); return what the demo holds (see `counts`) and
    `created` (1 when this run created it, 0 when 桂糖 already had needs or the other demos are missing)."""
    orgs = _organisations()
    if ENTERPRISE not in orgs or SUGAR_CENTRE not in orgs:
        return {"created": 0}  # the accounts demo was not loaded
    missing = {PRIVATE_LAB, PETROCHEMICAL, OTHER_ENTERPRISE} - set(orgs)
    if missing:
        raise DemoError(f"demo organisations missing: {', '.join(sorted(missing))}")
    owner = _actor(f"enterprise.owner@{DEMO_DOMAIN}", orgs[ENTERPRISE])
    created = 0
    if not enterprise_needs(owner).exists():
        with transaction.atomic():
            _create(orgs)
        created = 1
    return {"created": created, **counts(orgs)}
