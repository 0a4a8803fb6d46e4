"""Quotes: prefill from list prices, submit (prices, validity, subcontracting), decline, compare, accept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import InstitutionFactory
from tichub.marketplace import quote_selectors
from tichub.marketplace.models import ContractReview, Need, Order, Quote, QuoteLine, ReviewItem, TimelineEvent
from tichub.marketplace.need_services import need_send
from tichub.marketplace.order_services import add_working_days
from tichub.marketplace.quote_services import quote_accept, quote_decline, quote_prefill, quote_submit

from .world import client_of, make_market, need_for, quoted_need, submit_quote, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def state():
    """Everything a refused quote action must leave as it was."""
    return (
        sorted(Quote.objects.values_list("pk", "status", "number", "total", "valid_until", "decline_reason")),
        sorted(QuoteLine.objects.values_list("quote_id", "item_id", "price", "quantity", "subcontractor_id")),
        sorted(Need.objects.values_list("pk", "status")),
        Order.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def refused(call, **kwargs):
    before = state()
    with pytest.raises(ServiceError) as info:
        call(**kwargs)
    assert state() == before
    return info.value


def lines_for(need, prices, **extra):
    """Submit lines for `need`'s items in order with these prices."""
    items = list(need.items.order_by("position"))
    return [
        {"item_id": item.pk, "price": price, "quantity": 1, "note": "", **extra}
        for item, price in zip(items, prices, strict=True)
    ]


def submit(m, quote, lines, **overrides):
    values = {
        "turnaround_days": 5,
        "valid_until": today() + dt.timedelta(days=10),
        "terms": "",
        "cancellation_fee_percent": 0,
    }
    values.update(overrides)
    return quote_submit(actor=m.lab.reception_actor, quote_id=quote.pk, lines=lines, **values)


def open_quote(m, inst=None):
    inst = inst or m.lab
    need = need_for(m, send_to=[inst])
    return need, Quote.objects.get(need=need, institution_id=inst.id)


# --- prefill ----------------------------------------------------------------------------------------------------


def test_prefill_prices_from_list_prices_and_accreditation(m):
    need = need_for(m, send_to=[m.lab, m.lab2])
    quotes = {q.institution_id: q for q in Quote.objects.filter(need=need)}
    lab = quote_prefill(actor=m.lab.reception_actor, quote_id=quotes[m.lab.id].pk)
    assert [(ln["parameter"], ln["price"], ln["quantity"], ln["accredited"], ln["covered"]) for ln in lab] == [
        ("铅", Decimal("120.00"), 2, True, True),
        ("镉", Decimal("80.00"), 2, False, True),
    ]
    assert [ln["scope_row_id"] for ln in lab] == [m.lab.rows["lead"].pk, m.lab.rows["cadmium"].pk]
    lab2 = quote_prefill(actor=m.lab2.admin_actor, quote_id=quotes[m.lab2.id].pk)
    assert [(ln["price"], ln["accredited"], ln["covered"], ln["scope_row_id"]) for ln in lab2] == [
        (Decimal("150.00"), True, True, m.lab2.rows["lead"].pk),
        (None, False, False, None),
    ]


def test_prefill_ignores_inactive_rows_and_expired_accreditations(m):
    row = m.lab.rows["lead"]
    row.accreditations.update(valid_until=today() - dt.timedelta(days=1), valid_from=today() - dt.timedelta(days=400))
    m.lab.rows["cadmium"].status = "suspended"
    m.lab.rows["cadmium"].save()
    _need, quote = open_quote(m)
    lines = quote_prefill(actor=m.lab.reception_actor, quote_id=quote.pk)
    assert [(ln["price"], ln["accredited"], ln["covered"]) for ln in lines] == [
        (Decimal("120.00"), False, True),
        (None, False, False),
    ]


def test_prefill_is_for_the_institution_asked_only(m):
    _need, quote = open_quote(m)
    for actor in (m.lab2.reception_actor, m.sub.admin_actor):
        with pytest.raises(NotFound):
            quote_prefill(actor=actor, quote_id=quote.pk)


# --- submit -----------------------------------------------------------------------------------------------------


def test_submit_numbers_totals_and_notifies(m):
    need, quote = open_quote(m)
    Notification.objects.all().delete()
    lines = [dict(ln, quantity=2) for ln in lines_for(need, ["120.00", Decimal("80.5")])]
    quote = submit(m, quote, lines, terms="款到发报告", cancellation_fee_percent=30)
    quote.refresh_from_db()
    assert (quote.status, quote.number, quote.total, quote.turnaround_days, quote.cancellation_fee_percent) == (
        "submitted",
        f"Q{today().year}-00001",
        Decimal("401.00"),
        5,
        30,
    )
    assert (quote.submitted_by_id, quote.terms) == (m.lab.reception.pk, "款到发报告")
    assert sorted(QuoteLine.objects.filter(quote=quote).values_list("price", "quantity", "accredited")) == [
        (Decimal("80.50"), 2, False),
        (Decimal("120.00"), 2, True),
    ]
    assert set(Notification.objects.values_list("user_id", "title")) == {
        (m.enterprise.owner.pk, "广西检测中心甲 已报价：白砂糖重金属检测")
    }
    event = AuditEvent.objects.get(action="quote.submit")
    assert (event.organisation_id, event.after["total"], event.before["status"]) == (m.lab.id, "401.00", "requested")


def test_resubmitting_keeps_the_number(m):
    need, quote = open_quote(m)
    submit(m, quote, lines_for(need, ["100", "50"]))
    quote = submit(m, quote, lines_for(need, ["90", "50"]))
    assert (quote.number, quote.total) == (f"Q{today().year}-00001", Decimal("140.00"))
    assert AuditEvent.objects.filter(action="quote.resubmit").count() == 1


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("120.005", "最多两位小数。"),
        (Decimal("0.001"), "最多两位小数。"),
        ("120.000", "最多两位小数。"),
        ("-1", "价格不能为负数。"),
        ("abc", "价格应为数字（如 120.00）。"),
        ("", "请填写价格，或为此项目选择分包机构。"),
        (None, "请填写价格，或为此项目选择分包机构。"),
        (1.5, "价格须以十进制文本或整数给出。"),
    ],
)
def test_bad_prices_are_refused_by_line(m, price, message):
    need, quote = open_quote(m)
    error = refused(submit, m=m, quote=quote, lines=lines_for(need, ["120.00", price]))
    assert error.fields == {"lines.1.price": [message]}


def test_every_item_must_be_answered_once(m):
    need, quote = open_quote(m)
    lines = lines_for(need, ["1", "2"])
    error = refused(submit, m=m, quote=quote, lines=lines[:1])
    assert error.fields == {"lines": ["每个检测项目都须报价或提出分包：未报价的项目 2. 镉。"]}
    error = refused(submit, m=m, quote=quote, lines=[lines[0], lines[0]])
    assert error.fields == {"lines.1.item_id": ["同一检测项目只能报价一次。"]}
    other = need_for(m).items.first()
    error = refused(submit, m=m, quote=quote, lines=[lines[0], {**lines[1], "item_id": other.pk}])
    assert error.fields == {"lines.1.item_id": ["此需求没有这个检测项目。"]}


def test_validity_turnaround_and_fee_are_checked(m):
    need, quote = open_quote(m)
    error = refused(
        submit,
        m=m,
        quote=quote,
        lines=lines_for(need, ["1", "2"]),
        valid_until=today() - dt.timedelta(days=1),
        turnaround_days=0,
        cancellation_fee_percent=101,
    )
    assert error.fields == {
        "valid_until": [f"报价有效期不能早于今天（{today().isoformat()}）。"],
        "turnaround_days": ["周期应为 1 到 365 个工作日。"],
        "cancellation_fee_percent": ["取消收费比例应为 0 到 100 之间的整数。"],
    }


def test_subcontract_proposal_to_another_active_institution(m):
    need, quote = open_quote(m, m.lab2)
    items = list(need.items.order_by("position"))
    lines = [
        {"item_id": items[0].pk, "price": "150.00", "quantity": 2},
        {"item_id": items[1].pk, "price": None, "quantity": 2, "subcontractor_id": m.sub.id, "note": "分包"},
    ]
    quote = quote_submit(
        actor=m.lab2.reception_actor, quote_id=quote.pk, lines=lines, turnaround_days=3, valid_until=today()
    )
    sub_line = QuoteLine.objects.get(quote=quote, item=items[1])
    assert (sub_line.subcontractor_id, sub_line.price, sub_line.accredited, sub_line.scope_row_id) == (
        m.sub.id,
        Decimal("0.00"),
        True,  # accredited through the subcontractor's own scope row
        m.sub.rows["cadmium"].pk,
    )
    assert quote.total == Decimal("300.00")


def test_subcontractor_must_be_another_active_institution(m):
    need, quote = open_quote(m)
    closed = InstitutionFactory(is_active=False)
    for sub_id, message in (
        (m.lab.id, "不能分包给本机构。"),
        (m.enterprise.id, "分包机构须为集聚区内的检验检测机构。"),
        (m.outsider.id, "分包机构须为集聚区内有效的其他检验检测机构。"),
        (closed.pk, "分包机构须为集聚区内有效的其他检验检测机构。"),
    ):
        lines = lines_for(need, ["1", None])
        lines[1]["subcontractor_id"] = sub_id
        error = refused(submit, m=m, quote=quote, lines=lines)
        assert error.fields == {"lines.1.subcontractor_id": [message]}


def test_only_quoters_of_the_asked_institution_submit(m):
    from django.core.exceptions import PermissionDenied

    need, quote = open_quote(m)
    lines = lines_for(need, ["1", "2"])
    with pytest.raises(PermissionDenied):
        quote_submit(actor=m.lab.quality_actor, quote_id=quote.pk, lines=lines, turnaround_days=1, valid_until=today())
    error = refused(
        quote_submit, actor=m.lab2.admin_actor, quote_id=quote.pk, lines=lines, turnaround_days=1, valid_until=today()
    )
    assert isinstance(error, NotFound)


# --- decline ----------------------------------------------------------------------------------------------------


def test_decline_with_reason(m):
    need, quote = open_quote(m)
    Notification.objects.all().delete()
    error = refused(quote_decline, actor=m.lab.reception_actor, quote_id=quote.pk, reason="  ")
    assert error.fields == {"reason": ["请写明谢绝的原因。"]}
    quote = quote_decline(actor=m.lab.reception_actor, quote_id=quote.pk, reason="近期排期已满")
    assert (quote.status, quote.decline_reason) == ("declined", "近期排期已满")
    assert AuditEvent.objects.get(action="quote.decline").reason == "近期排期已满"
    assert list(Notification.objects.values_list("title", "body")) == [
        ("广西检测中心甲 谢绝报价：白砂糖重金属检测", "原因：近期排期已满")
    ]
    error = refused(quote_decline, actor=m.lab.reception_actor, quote_id=quote.pk, reason="again")
    assert error.message == "报价当前状态为「已谢绝」，不能谢绝。"
    error = refused(submit, m=m, quote=quote, lines=lines_for(need, ["1", "2"]))
    assert error.message == "报价当前状态为「已谢绝」，不能提交报价。"


# --- comparison -------------------------------------------------------------------------------------------------


def test_comparison_side_by_side(m):
    need, _quotes = quoted_need(m)
    need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.sub.id])  # asked, not answered
    c = quote_selectors.quote_comparison(m.owner_actor, need.pk)
    cols = {col.quote.institution_id: col for col in c.columns}
    assert [col.institution_zh for col in c.columns] == ["广西分包检测中心", "广西检测中心乙", "广西检测中心甲"]
    lab, lab2, sub = cols[m.lab.id], cols[m.lab2.id], cols[m.sub.id]
    assert (lab.total, lab.turnaround_days, lab.in_house, lab.accredited, lab.subcontracted) == (
        Decimal("400.00"), 5, 2, 1, 0
    )  # fmt: skip
    assert (lab.coverage_percent, lab.accredited_percent, lab.acceptable, lab.expired) == (100, 50, True, False)
    assert (lab2.total, lab2.turnaround_days, lab2.in_house, lab2.accredited, lab2.subcontracted) == (
        Decimal("480.00"), 3, 1, 2, 1
    )  # fmt: skip
    assert (lab2.coverage_percent, lab2.accredited_percent) == (50, 100)
    assert (sub.status, sub.total, sub.acceptable, sub.coverage_percent) == ("requested", None, False, 0)
    assert (c.cheapest_quote_id, c.fastest_quote_id, c.accepted_quote_id) == (lab.quote.pk, lab2.quote.pk, None)
    lead, cadmium = c.rows
    cells = {cell.quote_id: cell for cell in lead.cells}
    assert (cells[lab.quote.pk].price, cells[lab.quote.pk].amount, cells[lab.quote.pk].cheapest) == (
        Decimal("120.00"), Decimal("240.00"), True
    )  # fmt: skip
    assert (cells[lab2.quote.pk].price, cells[lab2.quote.pk].cheapest, cells[sub.quote.pk].answered) == (
        Decimal("150.00"), False, False
    )  # fmt: skip
    cells = {cell.quote_id: cell for cell in cadmium.cells}
    assert (cells[lab2.quote.pk].subcontractor_zh, cells[lab2.quote.pk].accredited, cells[lab2.quote.pk].price) == (
        "广西分包检测中心", True, Decimal("90.00")
    )  # fmt: skip
    assert (cells[lab.quote.pk].accredited, cells[lab.quote.pk].cheapest) == (False, True)


def test_comparison_is_the_enterprises_alone(m):
    need, _quotes = quoted_need(m)
    with pytest.raises(NotFound):
        quote_selectors.quote_comparison(m.outsider.owner_actor, need.pk)
    with pytest.raises(NotFound):
        quote_get_any = quote_selectors.quote_get
        quote_get_any(m.outsider.owner_actor, _quotes[m.lab.id].pk)


def test_comparison_queries_do_not_grow_with_quotes(m):
    need, _ = quoted_need(m, labs=[m.lab])
    with CaptureQueriesContext(connection) as one:
        quote_selectors.quote_comparison(m.owner_actor, need.pk)
    need2, _ = quoted_need(m, labs=[m.lab, m.lab2])
    need_send(actor=m.owner_actor, need_id=need2.pk, institution_ids=[m.sub.id])
    with CaptureQueriesContext(connection) as three:
        c = quote_selectors.quote_comparison(m.owner_actor, need2.pk)
    assert len(c.columns) == 3 and len(three) == len(one) == 4


# --- accept -----------------------------------------------------------------------------------------------------


def test_accept_orders_one_quote_and_closes_the_others(m):
    need, quotes = quoted_need(m)
    need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.sub.id])
    Notification.objects.all().delete()
    order = quote_accept(actor=m.member_actor, quote_id=quotes[m.lab.id].pk)
    statuses = dict(Quote.objects.filter(need=need).values_list("institution_id", "status"))
    assert statuses == {m.lab.id: "accepted", m.lab2.id: "closed", m.sub.id: "closed"}
    need.refresh_from_db()
    assert need.status == "ordered"
    assert (order.status, order.need_id, order.quote_id, order.enterprise_id, order.institution_id) == (
        "review", need.pk, quotes[m.lab.id].pk, m.enterprise.id, m.lab.id
    )  # fmt: skip
    assert (order.decision_rule, order.due_date) == ("simple", add_working_days(today(), 5))
    review = ContractReview.objects.get(order=order)
    assert ReviewItem.objects.filter(review=review).count() == 2
    assert TimelineEvent.objects.filter(order=order).exists()
    assert set(
        AuditEvent.objects.filter(action__in=["quote.accept", "quote.close", "need.order"]).values_list(
            "action", "object_id"
        )
    ) == {
        ("quote.accept", str(quotes[m.lab.id].pk)),
        ("need.order", str(need.pk)),
        ("quote.close", str(quotes[m.lab2.id].pk)),
        ("quote.close", str(Quote.objects.get(need=need, institution_id=m.sub.id).pk)),
    }
    polite = Notification.objects.filter(organisation_id=m.lab2.id)
    assert set(polite.values_list("title", "body")) == {
        (
            "询价已结束：白砂糖重金属检测",
            "感谢您的报价与支持。广西某糖业有限公司 此次选择了其他机构，期待今后继续合作。",
        )
    }
    assert set(polite.values_list("user_id", flat=True)) == {m.lab2.admin.pk, m.lab2.reception.pk}


def test_accepting_a_second_quote_is_refused_and_changes_nothing(m):
    _need, quotes = quoted_need(m)
    quote_accept(actor=m.owner_actor, quote_id=quotes[m.lab.id].pk)
    error = refused(quote_accept, actor=m.owner_actor, quote_id=quotes[m.lab2.id].pk)
    assert (type(error), error.message) == (Conflict, "此需求已接受了一份报价，不能再接受另一份。")
    error = refused(quote_accept, actor=m.owner_actor, quote_id=quotes[m.lab.id].pk)
    assert isinstance(error, Conflict)


def test_the_database_refuses_two_accepted_quotes(m):
    _need, quotes = quoted_need(m)
    quote_accept(actor=m.owner_actor, quote_id=quotes[m.lab.id].pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quotes[m.lab2.id].pk).update(status="accepted")


def test_an_expired_quote_cannot_be_accepted(m):
    need, quotes = quoted_need(m)
    expired_on = today() - dt.timedelta(days=1)
    Quote.objects.filter(pk=quotes[m.lab.id].pk).update(valid_until=expired_on)
    error = refused(quote_accept, actor=m.owner_actor, quote_id=quotes[m.lab.id].pk)
    assert (type(error), error.message) == (Conflict, f"报价已于 {expired_on.isoformat()} 过期，请联系机构重新报价。")
    c = quote_selectors.quote_comparison(m.owner_actor, need.pk)
    assert [(col.expired, col.acceptable) for col in c.columns if col.quote.pk == quotes[m.lab.id].pk] == [
        (True, False)
    ]


def test_a_quote_not_submitted_cannot_be_accepted(m):
    _need, quote = open_quote(m)
    error = refused(quote_accept, actor=m.owner_actor, quote_id=quote.pk)
    assert error.message == "报价当前状态为「待报价」，不能接受。"
    quote_decline(actor=m.lab.reception_actor, quote_id=quote.pk, reason="无能力")
    error = refused(quote_accept, actor=m.owner_actor, quote_id=quote.pk)
    assert error.message == "报价当前状态为「已谢绝」，不能接受。"


def test_another_enterprise_cannot_accept_my_quote(m):
    _need, quotes = quoted_need(m)
    error = refused(quote_accept, actor=m.outsider.owner_actor, quote_id=quotes[m.lab.id].pk)
    assert isinstance(error, NotFound)


def test_no_quoting_after_the_need_is_ordered(m):
    _need, quotes = quoted_need(m)
    quote_accept(actor=m.owner_actor, quote_id=quotes[m.lab.id].pk)
    error = refused(submit_quote, inst=m.lab2, quote=quotes[m.lab2.id])
    assert error.message == "报价当前状态为「未中选」，不能提交报价。"


# --- inbox ------------------------------------------------------------------------------------------------------


def test_inbox_sorted_by_deadline_with_counts(m):
    late = need_for(m, title="晚", deadline=today() + dt.timedelta(days=40), send_to=[m.lab])
    soon = need_for(m, title="早", deadline=today() + dt.timedelta(days=5), send_to=[m.lab])
    declined = need_for(m, title="谢绝", send_to=[m.lab])
    quote_decline(actor=m.lab.admin_actor, quote_id=Quote.objects.get(need=declined).pk, reason="满")
    need_for(m, title="别家", send_to=[m.lab2])
    inbox = list(quote_selectors.quote_inbox(m.lab.reception_actor))
    assert [(q.need.title, q.item_count) for q in inbox] == [("早", 2), ("晚", 2)]
    assert [q.need_id for q in inbox] == [soon.pk, late.pk]
    assert quote_selectors.quote_inbox_counts(m.lab.reception_actor) == {
        "requested": 2, "submitted": 0, "declined": 1, "accepted": 0, "closed": 0, "withdrawn": 0
    }  # fmt: skip
    assert [q.need.title for q in quote_selectors.quote_inbox(m.lab.reception_actor, status="")] == ["早", "谢绝", "晚"]


def test_inbox_page_queries_do_not_grow(m):
    client = client_of(m.lab)
    need_for(m, send_to=[m.lab])
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("marketplace:quote_inbox")).status_code == 200
    for i in range(6):
        need_for(m, title=f"需求 {i}", send_to=[m.lab])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("marketplace:quote_inbox"))
    assert len(response.context["page"].object_list) == 7 and len(many) == len(few)


# --- pages ------------------------------------------------------------------------------------------------------


def test_quote_page_prefills_and_submits(m):
    need, quote = open_quote(m)
    client = client_of(m.lab)
    page = client.get(reverse("marketplace:quote_edit", args=[quote.pk]))
    assert page.status_code == 200
    lines = page.context["lines"]
    assert [f.initial["price"] for f in lines.forms] == [Decimal("120.00"), Decimal("80.00")]
    assert page.context["form"].initial["turnaround_days"] == 7
    items = list(need.items.order_by("position"))
    data = {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "2", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
        "lines-0-item_id": items[0].pk, "lines-0-price": "120.00", "lines-0-quantity": "2",
        "lines-1-item_id": items[1].pk, "lines-1-price": "80.001", "lines-1-quantity": "2",
        "turnaround_days": "7", "valid_until": (today() + dt.timedelta(days=15)).isoformat(),
        "cancellation_fee_percent": "0",
    }  # fmt: skip
    response = client.post(reverse("marketplace:quote_edit", args=[quote.pk]), data)
    assert response.status_code == 400
    assert response.context["lines"].forms[1].errors == {"price": ["最多两位小数。"]}
    data["lines-1-price"] = ""
    data["lines-1-subcontractor_id"] = str(m.sub.id)
    response = client.post(reverse("marketplace:quote_edit", args=[quote.pk]), data)
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.status, quote.total) == ("submitted", Decimal("240.00"))


def test_decline_and_accept_pages(m):
    need, quotes = quoted_need(m)
    need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.sub.id])
    sub_quote = Quote.objects.get(need=need, institution_id=m.sub.id)
    response = client_of(m.sub).post(reverse("marketplace:quote_decline", args=[sub_quote.pk]), {"reason": ""})
    assert response.status_code == 400
    response = client_of(m.sub).post(reverse("marketplace:quote_decline", args=[sub_quote.pk]), {"reason": "满"})
    assert response.status_code == 302
    enterprise = client_of(m.enterprise)
    page = enterprise.get(reverse("marketplace:need_detail", args=[need.pk]))
    assert page.status_code == 200 and "谢绝原因：满" in page.content.decode()
    response = enterprise.post(reverse("marketplace:quote_accept", args=[quotes[m.lab2.id].pk]))
    assert response.status_code == 302
    response = enterprise.post(reverse("marketplace:quote_accept", args=[quotes[m.lab.id].pk]))
    assert response.status_code == 409 and "此需求已接受了一份报价" in response.content.decode()
    assert Order.objects.get().quote_id == quotes[m.lab2.id].pk


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_accepts_order_exactly_once():
    import threading

    m = make_market()
    need, quotes = quoted_need(m)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(quote_id):
        try:
            barrier.wait()
            quote_accept(actor=m.owner_actor, quote_id=quote_id)
            result = "ordered"
        except Conflict as exc:
            result = exc.code
        except BaseException as exc:  # pragma: no cover - reported by the assertion below
            result = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(q.pk,)) for q in quotes.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_accepted", "ordered"]
    assert Order.objects.filter(need=need).count() == 1
    assert sorted(Quote.objects.filter(need=need).values_list("status", flat=True)) == ["accepted", "closed"]
