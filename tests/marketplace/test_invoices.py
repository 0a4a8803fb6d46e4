"""Invoices: drafting from the accepted quote, exact decimal totals, editing drafts, the state machine, who sees
what, the issued PDF (bytes, SHA-256, Chinese text), and the pages."""

import datetime as dt
import hashlib
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.marketplace import invoice_selectors as selectors
from tichub.marketplace import invoice_services as services
from tichub.marketplace import order_services
from tichub.marketplace.models import Invoice, InvoiceLine, Order, TimelineEvent

from .invoice_world import LAB_NAME, invoiceable_order
from .world import client_of, make_institution, make_market, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def state():
    """Everything an invoice service may change, to assert that a refusal changed nothing."""
    invoices = Invoice.objects.order_by("pk")
    lines = InvoiceLine.objects.order_by("pk")
    return (
        list(invoices.values_list("pk", "status", "number", "tax_rate", "subtotal", "tax", "total", "pdf_sha256")),
        list(lines.values_list("invoice_id", "position", "description", "quantity", "unit_price", "amount")),
        AuditEvent.objects.count(),
        TimelineEvent.objects.count(),
        Notification.objects.count(),
    )


def drafted(m, **kwargs):
    order = invoiceable_order(m, **kwargs)
    return order, services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)


def issued(m, **kwargs):
    order, invoice = drafted(m, **kwargs)
    return order, services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk)


# --- money ------------------------------------------------------------------------------------------------------


def test_draft_from_the_accepted_quote_with_exact_totals(m):
    order, invoice = drafted(m)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.institution_id, invoice.enterprise_id) == (
        "draft",
        "",
        m.lab.id,
        m.enterprise.id,
    )
    assert (invoice.tax_rate, invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("6.00"),
        Decimal("445.50"),
        Decimal("26.73"),
        Decimal("472.23"),
    )
    lines = list(invoice.lines.values_list("position", "description", "quantity", "unit_price", "amount"))
    assert lines == [
        (1, "铅 Lead — GB 5009.12-2017", Decimal("3.00"), Decimal("120.00"), Decimal("360.00")),
        (2, "镉 Cadmium — GB 5009.15-2014", Decimal("1.00"), Decimal("85.50"), Decimal("85.50")),
    ]
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.organisation_id, event.after["total"], event.after["order"]) == (
        "invoice.draft",
        m.lab.id,
        "472.23",
        order.pk,
    )
    # a draft is the institution's working copy: nothing on the timeline, nobody notified
    assert not TimelineEvent.objects.filter(order=order, kind__startswith="invoice").exists()


def test_rounding_is_half_up_to_the_fen():
    assert services.line_amount(Decimal("0.05"), Decimal("0.10")) == Decimal("0.01")  # 0.005 → 0.01
    assert services.line_amount(Decimal("1.50"), Decimal("0.33")) == Decimal("0.50")  # 0.495 → 0.50
    assert services.totals([Decimal("0.50")], Decimal("5")) == (Decimal("0.50"), Decimal("0.03"), Decimal("0.53"))
    assert services.totals([Decimal("445.50")], Decimal("6")) == (
        Decimal("445.50"),
        Decimal("26.73"),
        Decimal("472.23"),
    )
    assert services.totals([Decimal("10.00")], Decimal("0")) == (Decimal("10.00"), Decimal("0.00"), Decimal("10.00"))


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("472.23", "人民币肆佰柒拾贰元贰角叁分"),
        ("0", "人民币零元整"),
        ("0.05", "人民币伍分"),
        ("1000.50", "人民币壹仟元伍角"),
        ("1000.05", "人民币壹仟元零伍分"),
        ("10010", "人民币壹万零壹拾元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("1200000.00", "人民币壹佰贰拾万元整"),
        ("105000", "人民币壹拾万零伍仟元整"),
    ],
)
def test_amount_in_words(amount, words):
    assert services.amount_in_words(Decimal(amount)) == words


def test_update_lines_recomputes_and_changes_the_rate(m):
    _order, invoice = drafted(m)
    lines = [
        {"description": "铅 Lead — GB 5009.12-2017", "quantity": "3", "unit_price": "120.00"},
        {"description": "镉 Cadmium — GB 5009.15-2014", "quantity": "1", "unit_price": "85.50"},
        {"description": "加急费 Express fee", "quantity": "0.5", "unit_price": "99.99"},
    ]
    invoice = services.invoice_update_lines(actor=m.lab.admin_actor, invoice_id=invoice.pk, lines=lines, tax_rate="3")
    invoice.refresh_from_db()
    # 0.5 × 99.99 = 49.995 → 50.00; subtotal 495.50; tax 3 % = 14.865 → 14.87
    assert (invoice.subtotal, invoice.tax_rate, invoice.tax, invoice.total) == (
        Decimal("495.50"),
        Decimal("3.00"),
        Decimal("14.87"),
        Decimal("510.37"),
    )
    assert list(invoice.lines.values_list("position", "amount")) == [
        (1, Decimal("360.00")),
        (2, Decimal("85.50")),
        (3, Decimal("50.00")),
    ]
    event = AuditEvent.objects.latest("id")
    assert event.action == "invoice.update_lines"
    assert (event.before["total"], event.after["total"], len(event.before["lines"]), len(event.after["lines"])) == (
        "472.23",
        "510.37",
        2,
        3,
    )


def test_three_decimal_prices_are_refused_naming_the_fields(m):
    _order, invoice = drafted(m)
    before = state()
    lines = [
        {"description": "铅", "quantity": "1", "unit_price": "120.005"},
        {"description": "镉", "quantity": "1.125", "unit_price": "80"},
        {"description": "", "quantity": "0", "unit_price": "-1"},
    ]
    with pytest.raises(ServiceError) as caught:
        services.invoice_update_lines(actor=m.lab.reception_actor, invoice_id=invoice.pk, lines=lines)
    assert caught.value.fields == {
        "lines.0.unit_price": ["最多两位小数。"],
        "lines.1.quantity": ["最多两位小数。"],
        "lines.2.description": ["请填写项目说明。"],
        "lines.2.quantity": ["数量须大于 0。"],
        "lines.2.unit_price": ["单价不能为负数。"],
    }
    assert state() == before


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([{"description": "x", "quantity": 1.5, "unit_price": "1"}], "lines.0.quantity"),  # a float
        ([{"description": "x", "quantity": "1", "unit_price": "abc"}], "lines.0.unit_price"),
        ([{"description": "x", "quantity": "1", "unit_price": "NaN"}], "lines.0.unit_price"),
        ([{"description": "x" * 301, "quantity": "1", "unit_price": "1"}], "lines.0.description"),
        ([{"description": "x", "quantity": "1", "unit_price": "1000000000000"}], "lines.0.unit_price"),
        (["not a line"], "lines.0"),
    ],
)
def test_bad_lines_are_refused_and_nothing_changes(m, lines, field):
    _order, invoice = drafted(m)
    before = state()
    with pytest.raises(ServiceError) as caught:
        services.invoice_update_lines(actor=m.lab.reception_actor, invoice_id=invoice.pk, lines=lines)
    assert field in caught.value.fields
    assert state() == before


@pytest.mark.parametrize("rate", ["6.125", "-1", "100.01", "abc"])
def test_bad_tax_rates_are_refused(m, rate):
    order = invoiceable_order(m)
    before = state()
    with pytest.raises(ServiceError) as caught:
        services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk, tax_rate=rate)
    assert list(caught.value.fields) == ["tax_rate"]
    assert state() == before


# --- which orders may be invoiced -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["review", "declined"])
def test_orders_not_accepted_are_refused_naming_the_state(m, status):
    order = invoiceable_order(m, status=status)
    before = state()
    with pytest.raises(Conflict) as caught:
        services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    label = {"review": "合同评审中", "declined": "评审未通过"}[status]
    assert f"“{label}”" in caught.value.message
    assert state() == before


@pytest.mark.parametrize("status", ["samples_sent", "received", "in_progress", "completed"])
def test_orders_after_acceptance_can_be_invoiced(m, status):
    order = invoiceable_order(m, status=status)
    invoice = services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    assert invoice.total == Decimal("472.23")


def test_cancelled_free_is_refused_and_after_receipt_the_fee_is_invoiced(m):
    free = invoiceable_order(m)
    order_services.order_cancel(actor=m.owner_actor, order_id=free.pk, reason="不再需要")
    before = state()
    with pytest.raises(Conflict) as caught:
        services.invoice_draft(actor=m.lab.reception_actor, order_id=free.pk)
    assert "“已取消”" in caught.value.message and "取消费用" in caught.value.message
    assert state() == before

    late = invoiceable_order(m, status="received", fee=10)  # quote total 3 × 120 + 85.50 = 445.50
    order_services.order_cancel(actor=m.owner_actor, order_id=late.pk, reason="计划变更")
    invoice = services.invoice_draft(actor=m.lab.reception_actor, order_id=late.pk)
    line = invoice.lines.get()
    # 10 % of 445.50 = 44.55; tax 6 % = 2.673 → 2.67
    assert (line.quantity, line.unit_price, line.amount) == (Decimal("1.00"), Decimal("44.55"), Decimal("44.55"))
    assert line.description.startswith("取消费用（报价合计 445.50 元的 10%） Cancellation fee (10 %")
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("44.55"), Decimal("2.67"), Decimal("47.22"))


def test_totals_that_binary_floats_cannot_add_are_stored(m):
    lines = [("铅", m.lead, 1, Decimal("89.10"), None)]  # tax 6 % = 5.346 → 5.35; total 94.45
    order = invoiceable_order(m, lines=lines)
    invoice = services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    assert Invoice.objects.filter(pk=invoice.pk, total=Decimal("94.45")).exists()
    invoice = services.invoice_update_lines(
        actor=m.lab.reception_actor,
        invoice_id=invoice.pk,
        lines=[
            {"description": "x", "quantity": "1", "unit_price": "0.10"},
            {"description": "y", "quantity": "1", "unit_price": "0.20"},
        ],
        tax_rate="0",
    )
    assert invoice.total == Decimal("0.30")


def test_one_open_invoice_per_order_until_voided(m):
    order, invoice = drafted(m)
    before = state()
    with pytest.raises(Conflict) as caught:
        services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    assert caught.value.code == "invoice_exists" and "“草稿”" in caught.value.message
    assert state() == before
    services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="税率有误")
    again = services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk, tax_rate="0")
    assert (again.status, again.total) == ("draft", Decimal("445.50"))


# --- the state machine ------------------------------------------------------------------------------------------


def test_issue_numbers_renders_and_notifies(m):
    order, invoice = drafted(m)
    invoice = services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk)
    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert invoice.number == f"I{today().year}-00001"
    assert invoice.issued_at is not None
    data = invoice.pdf.open("rb").read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == invoice.pdf_sha256
    assert invoice.pdf.name.endswith(".pdf")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.before["status"], event.after["status"], event.after["number"]) == (
        "invoice.issue",
        "draft",
        "issued",
        invoice.number,
    )
    timeline = TimelineEvent.objects.filter(order=order, kind="invoice_issued").get()
    assert timeline.text_zh == f"发票 {invoice.number} 已开具，合计 472.23 元"
    assert timeline.text_en == f"Invoice {invoice.number} issued, total CNY 472.23"
    owner_notes = Notification.objects.filter(user=m.enterprise.owner, organisation_id=m.enterprise.id)
    assert owner_notes.count() == 1
    assert owner_notes.get().url == reverse("marketplace:invoice_detail", args=[invoice.pk])
    assert not Notification.objects.filter(user=m.lab.reception, title__contains="发票").exists()


def test_issued_pdf_shows_chinese_and_the_total(m):
    _order, invoice = issued(m)
    invoice.refresh_from_db()
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(  # noqa: S603  (a fixed program, our own bytes on stdin)
        [pdftotext, "-layout", "-", "-"], input=invoice.pdf.open("rb").read(), capture_output=True, check=True
    ).stdout.decode()
    assert LAB_NAME in text
    assert m.enterprise.org.name_zh in text
    assert "472.23" in text and "445.50" in text and "26.73" in text
    assert invoice.number in text and invoice.order.number in text
    assert "本发票为商业发票，不作为税务发票" in text
    assert "Commercial invoice, not a tax fapiao" in text
    assert "铅 Lead" in text
    assert "人民币肆佰柒拾贰元贰角叁分" in text
    assert "第 1 页，共 1 页" in text and "Page 1 of 1" in text


def test_issued_invoices_are_immutable(m):
    _order, invoice = issued(m)
    before = state()
    lines = [{"description": "x", "quantity": "1", "unit_price": "1"}]
    with pytest.raises(Conflict) as caught:
        services.invoice_update_lines(actor=m.lab.reception_actor, invoice_id=invoice.pk, lines=lines)
    assert "“已开具”" in caught.value.message and "修改明细" in caught.value.message
    with pytest.raises(Conflict) as caught:
        services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk)
    assert "“已开具”" in caught.value.message
    assert state() == before


def test_paid_then_neither_void_nor_paid_again(m):
    order, invoice = issued(m)
    paid = services.invoice_mark_paid(actor=m.lab.admin_actor, invoice_id=invoice.pk, paid_on=today())
    assert paid.status == "paid" and paid.paid_at.date() == today()
    assert TimelineEvent.objects.filter(order=order, kind="invoice_paid").count() == 1
    before = state()
    with pytest.raises(Conflict) as caught:
        services.invoice_void(actor=m.lab.admin_actor, invoice_id=invoice.pk, reason="错开")
    assert caught.value.message == "发票当前状态为“已付款”，不能作废。"
    with pytest.raises(Conflict) as caught:
        services.invoice_mark_paid(actor=m.lab.admin_actor, invoice_id=invoice.pk, paid_on=today())
    assert caught.value.message == "发票当前状态为“已付款”，不能登记收款。"
    assert state() == before


def test_paid_date_is_checked(m):
    _order, invoice = issued(m)
    before = state()
    for paid_on, message in [
        (today() + dt.timedelta(days=1), "收款日期不能晚于今天。"),
        (today() - dt.timedelta(days=1), "收款日期不能早于开具日期。"),
    ]:
        with pytest.raises(ServiceError) as caught:
            services.invoice_mark_paid(actor=m.lab.admin_actor, invoice_id=invoice.pk, paid_on=paid_on)
        assert caught.value.fields == {"paid_on": [message]}
    assert state() == before


def test_draft_cannot_be_paid(m):
    _order, invoice = drafted(m)
    before = state()
    with pytest.raises(Conflict) as caught:
        services.invoice_mark_paid(actor=m.lab.admin_actor, invoice_id=invoice.pk, paid_on=today())
    assert caught.value.message == "发票当前状态为“草稿”，不能登记收款。"
    assert state() == before


def test_void_needs_a_reason_and_keeps_the_pdf(m):
    order, invoice = issued(m)
    invoice.refresh_from_db()
    sha = invoice.pdf_sha256
    before = state()
    with pytest.raises(ServiceError) as caught:
        services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="  ")
    assert caught.value.fields == {"reason": ["请填写作废原因。"]}
    assert state() == before
    services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="抬头有误")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.pdf_sha256) == ("void", sha)
    assert hashlib.sha256(invoice.pdf.open("rb").read()).hexdigest() == sha
    assert AuditEvent.objects.latest("id").reason == "抬头有误"
    assert selectors.invoice_void_reason(invoice) == "抬头有误"
    assert TimelineEvent.objects.filter(order=order, kind="invoice_void").get().text_zh.endswith("抬头有误")
    with pytest.raises(Conflict) as caught:
        services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="再次")
    assert caught.value.message == "发票当前状态为“已作废”，不能作废。"


def test_voiding_a_draft_is_silent_for_the_enterprise(m):
    order, invoice = drafted(m)
    notes = Notification.objects.count()
    services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="重做")
    assert Notification.objects.count() == notes
    assert not TimelineEvent.objects.filter(order=order, kind="invoice_void").exists()


def test_numbers_follow_on(m):
    _o1, first = issued(m)
    _o2, second = issued(m)
    assert (first.number, second.number) == (f"I{today().year}-00001", f"I{today().year}-00002")


# --- who may ----------------------------------------------------------------------------------------------------


def test_roles_without_invoice_manage_are_refused(m):
    order = invoiceable_order(m)
    before = state()
    for actor in (m.lab.quality_actor, m.lab.analyst_actor, m.owner_actor):
        with pytest.raises(PermissionDenied):
            services.invoice_draft(actor=actor, order_id=order.pk)
    assert state() == before


def test_other_institution_gets_not_found(m):
    order, invoice = drafted(m)
    before = state()
    other = m.lab2.reception_actor
    with pytest.raises(NotFound):
        services.invoice_draft(actor=other, order_id=order.pk)
    for call in (
        lambda: services.invoice_issue(actor=other, invoice_id=invoice.pk),
        lambda: services.invoice_void(actor=other, invoice_id=invoice.pk, reason="x"),
        lambda: services.invoice_update_lines(
            actor=other, invoice_id=invoice.pk, lines=[{"description": "x", "quantity": "1", "unit_price": "1"}]
        ),
        lambda: selectors.invoice_get(other, invoice.pk),
        lambda: selectors.order_invoices(other, order.pk),
    ):
        with pytest.raises(NotFound):
            call()
    assert state() == before


def test_enterprise_sees_issued_invoices_but_never_drafts(m):
    order, invoice = drafted(m)
    ent = m.member_actor
    assert list(selectors.order_invoices(ent, order.pk)) == []
    assert list(selectors.invoice_list(ent)) == []
    with pytest.raises(NotFound):
        selectors.invoice_get(ent, invoice.pk)
    services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk)
    assert [i.pk for i in selectors.order_invoices(ent, order.pk)] == [invoice.pk]
    assert selectors.invoice_get(ent, invoice.pk).total == Decimal("472.23")
    assert selectors.invoice_pdf(ent, invoice.pk).pk == invoice.pk
    # the institution's analyst reads too (drafts included); the outsider enterprise does not
    assert [i.pk for i in selectors.order_invoices(m.lab.analyst_actor, order.pk)] == [invoice.pk]
    with pytest.raises(NotFound):
        selectors.invoice_get(m.outsider.owner_actor, invoice.pk)
    with pytest.raises(NotFound):
        selectors.order_invoices(m.outsider.owner_actor, order.pk)


def test_draft_has_no_pdf(m):
    _order, invoice = drafted(m)
    with pytest.raises(NotFound):
        selectors.invoice_pdf(m.lab.reception_actor, invoice.pk)


def test_institution_list_filters(m):
    _o1, first = issued(m)
    _o2, draft = drafted(m)
    other = make_institution("另一检测机构")
    # the other institution invoices another enterprise: never in lab's list
    other_order = invoiceable_order(m, lab=other, lines=[("铅", m.lead, 1, Decimal("10.00"), None)])
    services.invoice_draft(actor=other.reception_actor, order_id=other_order.pk)
    actor = m.lab.analyst_actor
    assert {i.pk for i in selectors.invoice_list(actor)} == {first.pk, draft.pk}
    only_issued = selectors.invoice_list(actor, selectors.InvoiceFilters(status="issued"))
    assert [i.pk for i in only_issued] == [first.pk]
    by_number = selectors.invoice_list(actor, selectors.InvoiceFilters(q=first.number))
    assert [i.pk for i in by_number] == [first.pk]
    by_name = selectors.invoice_list(actor, selectors.InvoiceFilters(q="糖业"))
    assert {i.pk for i in by_name} == {first.pk, draft.pk}
    dated = selectors.invoice_list(actor, selectors.InvoiceFilters(issued_from=today(), issued_to=today()))
    assert [i.pk for i in dated] == [first.pk]
    tomorrow = today() + dt.timedelta(days=1)
    assert list(selectors.invoice_list(actor, selectors.InvoiceFilters(issued_from=tomorrow))) == []


# --- pages ------------------------------------------------------------------------------------------------------


def test_pages_draft_edit_issue_download(m):
    order = invoiceable_order(m)
    client = client_of(m.lab)
    page = client.get(reverse("marketplace:order_invoices", args=[order.pk]))
    assert page.status_code == 200 and "起草发票" in page.content.decode()
    response = client.post(reverse("marketplace:invoice_draft", args=[order.pk]), {"tax_rate": "6"})
    invoice = Invoice.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == reverse(
        "marketplace:invoice_detail", args=[invoice.pk]
    )
    detail = client.get(response["Location"]).content.decode()
    assert "铅 Lead — GB 5009.12-2017" in detail and "472.23" in detail and 'name="lines-0-unit_price"' in detail

    form = {
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "2", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "200",
        "lines-0-description": "铅 Lead — GB 5009.12-2017", "lines-0-quantity": "3", "lines-0-unit_price": "120.00",
        "lines-1-description": "镉 Cadmium — GB 5009.15-2014", "lines-1-quantity": "1", "lines-1-unit_price": "85.50",
        "lines-1-DELETE": "on",
        "lines-2-description": "", "lines-2-quantity": "", "lines-2-unit_price": "",
        "tax_rate": "6",
    }  # fmt: skip
    bad = client.post(reverse("marketplace:invoice_lines", args=[invoice.pk]), {**form, "lines-0-unit_price": "1.234"})
    assert bad.status_code == 400 and "最多两位小数。" in bad.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("472.23")
    ok = client.post(reverse("marketplace:invoice_lines", args=[invoice.pk]), form)
    assert ok.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("360.00"), Decimal("21.60"), Decimal("381.60"))

    assert client.get(reverse("marketplace:invoice_pdf", args=[invoice.pk])).status_code == 404  # a draft
    assert client.post(reverse("marketplace:invoice_issue", args=[invoice.pk])).status_code == 302
    invoice.refresh_from_db()
    download = client.get(reverse("marketplace:invoice_pdf", args=[invoice.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == invoice.pdf_sha256
    assert f'filename="{invoice.number}.pdf"' in download["Content-Disposition"]

    again = client.post(reverse("marketplace:invoice_issue", args=[invoice.pk]))
    assert again.status_code == 409 and "已开具" in again.content.decode()
    paid = client.post(reverse("marketplace:invoice_paid", args=[invoice.pk]), {"paid_on": today().isoformat()})
    assert paid.status_code == 302 and Invoice.objects.get(pk=invoice.pk).status == "paid"

    # the enterprise sees the invoice and its PDF, with no buttons
    ent = client_of(m.enterprise)
    listing = ent.get(reverse("marketplace:order_invoices", args=[order.pk])).content.decode()
    assert invoice.number in listing and "起草发票" not in listing
    view = ent.get(reverse("marketplace:invoice_detail", args=[invoice.pk])).content.decode()
    assert "381.60" in view and "作废发票" not in view
    assert ent.get(reverse("marketplace:invoice_pdf", args=[invoice.pk])).status_code == 200
    assert client_of(m.outsider).get(reverse("marketplace:invoice_detail", args=[invoice.pk])).status_code == 404


def test_page_refusals_show_the_message(m):
    order = invoiceable_order(m, status="review")
    client = client_of(m.lab)
    before = state()
    response = client.post(reverse("marketplace:invoice_draft", args=[order.pk]), {"tax_rate": "6"})
    assert response.status_code == 409 and "合同评审中" in response.content.decode()
    response = client.post(reverse("marketplace:invoice_draft", args=[order.pk]), {"tax_rate": "6.001"})
    assert response.status_code == 400 and "最多两位小数。" in response.content.decode()
    assert state() == before
    _order, invoice = drafted(m)
    before = state()
    response = client.post(reverse("marketplace:invoice_void", args=[invoice.pk]), {"reason": ""})
    assert response.status_code == 400
    assert state() == before


def test_invoice_list_page_query_count_does_not_grow(m):
    client = client_of(m.lab)
    issued(m)
    url = reverse("marketplace:invoices")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        issued(m)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count("/market/invoices/") >= 5
    assert len(many) == len(few)


def test_order_invoices_page_query_count_does_not_grow_with_timeline(m):
    order, invoice = issued(m)
    client = client_of(m.enterprise)
    url = reverse("marketplace:order_invoices", args=[order.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        TimelineEvent.objects.create(order=order, kind="note", text_zh=f"记录 {i}", text_en=f"note {i}")
    services.invoice_void(actor=m.lab.reception_actor, invoice_id=invoice.pk, reason="重开")
    services.invoice_issue(
        actor=m.lab.reception_actor,
        invoice_id=services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk).pk,
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("/pdf/") == 2
    assert len(many) == len(few)


def test_order_model_untouched_by_invoicing(m):
    order, _invoice = issued(m)
    assert Order.objects.get(pk=order.pk).status == "accepted"


def test_without_fonts_nothing_is_issued(m, settings, tmp_path):
    _order, invoice = drafted(m)
    settings.PDF_FONT_DIRS = [str(tmp_path)]  # no font file there
    before = state()
    with pytest.raises(services.PdfUnavailable) as caught:
        services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk)
    assert caught.value.status == 503 and caught.value.code == "pdf_unavailable"
    assert "manimgx-fonts-cjk" in caught.value.message
    assert state() == before
    settings.PDF_FONT_DIRS = None  # the defaults again: the number was not used up
    assert services.invoice_issue(actor=m.lab.reception_actor, invoice_id=invoice.pk).number.endswith("-00001")
