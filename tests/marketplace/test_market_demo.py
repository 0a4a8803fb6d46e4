"""The demo commissioning: loaded through the real services on the registry demo's scopes, every state shown once,
and idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from tichub.accounts import demo as accounts_demo
from tichub.accounts.models import User
from tichub.core.models import AuditEvent
from tichub.marketplace import demo as market_demo
from tichub.marketplace.models import (
    Invoice,
    Message,
    Need,
    Order,
    Quote,
    QuoteLine,
    SampleAnnouncement,
    ThreadRead,
    TimelineEvent,
)
from tichub.registry import demo as registry_demo
from tichub.standards import demo as standards_demo

pytestmark = pytest.mark.django_db

EXPECTED = {
    "created": 1,
    "needs": 6,  # five of 桂糖, one of 北部湾石化
    "needs_open": 2,  # (a) and 北部湾石化's
    "quotes_submitted": 3,  # (a) twice, 北部湾石化's once
    "quotes_accepted": 4,  # (b), (c), (d), (e)
    "orders": 4,
    "orders_review": 1,
    "orders_samples_sent": 2,  # (c), (e)
    "orders_completed": 1,
    "samples": 4,  # (c) two, (d) one, (e) one
    "messages": 4,
    # (b) opened; (c) and (e) opened, review record, accepted, announced, dispatched; (d) the same + received,
    # in progress, completed, invoice issued
    "timeline": 20,
    "invoices_issued": 1,
    "invoices_draft": 0,
}


def _load_all() -> dict[str, int]:
    accounts_demo.load()
    standards_demo.load()
    registry_demo.load()
    return market_demo.load()


def _state() -> dict[str, Any]:
    models = (Need, Quote, QuoteLine, Order, SampleAnnouncement, Message, ThreadRead, TimelineEvent, Invoice)
    state: dict[str, Any] = {model.__name__: model.objects.count() for model in models}
    state["AuditEvent"] = AuditEvent.objects.count()
    state["User"] = User.objects.count()
    state["statuses"] = sorted(Order.objects.values_list("pk", "status", "number"))
    return state


def test_demo_shows_every_state_through_the_services_and_loads_once():
    loaded = _load_all()
    assert loaded == EXPECTED

    # (a) the open need, on the catalogue's current editions, quoted by the sugar centre and by 南宁绿茵
    need = Need.objects.get(title="白砂糖出口东盟检测")
    assert need.organisation.slug == "ent-guitang"
    assert need.created_by.email == "enterprise.member@demo.tichub.local"
    assert need.status == "open"
    items = list(need.items.order_by("position").values_list("parameter", "standard__canonical"))
    assert items == [("铅", "GB 5009.12-2023"), ("总砷", "GB 5009.11-2024"), ("二氧化硫", "GB 5009.34-2022")]
    quotes = {q.institution.slug: q for q in Quote.objects.filter(need=need)}
    assert set(quotes) == {"nqi-sugar", "lab-lvyin"}
    assert {q.status for q in quotes.values()} == {"submitted"}
    sugar_lines = list(quotes["nqi-sugar"].lines.order_by("item__position"))
    assert [line.subcontractor_id for line in sugar_lines] == [None, None, None]
    assert [line.quantity for line in sugar_lines] == [2, 2, 2]
    assert quotes["nqi-sugar"].total == sum(line.price * line.quantity for line in sugar_lines)
    # 绿茵 has lead and arsenic only by the withdrawn editions: it proposes a subcontractor for them.
    lvyin_lines = list(quotes["lab-lvyin"].lines.order_by("item__position").select_related("subcontractor"))
    assert [line.subcontractor.slug if line.subcontractor else None for line in lvyin_lines] == [
        "ca-product-quality",
        "ca-product-quality",
        None,
    ]
    assert quotes["lab-lvyin"].turnaround_days == 7

    # Every priced line rests on an active scope row of the one who tests, for the item's exact edition.
    for line in QuoteLine.objects.select_related("scope_row", "item", "quote"):
        assert line.scope_row is not None, line
        assert line.scope_row.status == "active"
        assert line.scope_row.standard_id == line.item.standard_id
        assert line.scope_row.organisation_id == (line.subcontractor_id or line.quote.institution_id)
        assert line.scope_row.list_price == line.price

    # (b) under contract review, (c) numbered with samples on their way and a conversation, (d) completed, invoiced
    orders = {order.need.title: order for order in Order.objects.select_related("need", "institution")}
    assert {title: order.status for title, order in orders.items()} == {
        "一级白砂糖出厂质量抽检": "review",
        "红糖微生物及铅含量检测": "samples_sent",
        "冰糖出口新加坡批次检验": "completed",
        "白砂糖出口越南批次检验": "samples_sent",
    }
    assert {order.institution.slug for order in orders.values()} == {"nqi-sugar"}
    review = orders["一级白砂糖出厂质量抽检"]
    assert review.number == ""
    assert list(review.review.items.values_list("verdict", flat=True)) == ["accredited"] * 4
    shipped = orders["红糖微生物及铅含量检测"]
    assert shipped.number.startswith("O")
    samples = list(shipped.samples.order_by("reference"))
    assert [s.reference for s in samples] == [f"{shipped.number}-S01", f"{shipped.number}-S02"]
    assert all(s.dispatched_at is not None for s in samples)
    senders = list(shipped.messages.order_by("created_at", "id").values_list("sender_organisation__slug", flat=True))
    assert senders == ["ent-guitang", "nqi-sugar", "ent-guitang", "nqi-sugar"]
    invoiced = orders["冰糖出口新加坡批次检验"]
    invoice = Invoice.objects.get(order=invoiced)
    assert invoice.status == "issued"
    assert invoice.number and invoice.pdf.name and len(invoice.pdf_sha256) == 64
    assert invoice.subtotal == invoiced.quote.total
    assert invoice.total == invoice.subtotal + invoice.tax
    kinds = list(invoiced.timeline.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == [
        "review_opened",
        "review_record",
        "accepted",
        "samples_announced",
        "samples_dispatched",
        "received",
        "in_progress",
        "completed",
        "invoice_issued",
    ]

    # Another enterprise's need, quoted by the petrochemical centre
    other = Need.objects.get(organisation__slug="ent-beibu-petro")
    assert other.status == "open"
    assert other.created_by.email == market_demo.OTHER_OWNER[0]
    assert list(other.quotes.values_list("institution__slug", "status")) == [("nqi-petrochemical", "submitted")]

    # Loading again changes nothing and reports the same figures.
    before = _state()
    again = _load_all()
    assert again == {**EXPECTED, "created": 0}
    assert _state() == before


def test_demo_without_pdf_fonts_leaves_the_invoice_a_draft_and_says_so(settings, tmp_path, capsys):
    settings.PDF_FONT_DIRS = [str(tmp_path)]  # no font file there
    loaded = _load_all()
    assert loaded == {**EXPECTED, "invoices_issued": 0, "invoices_draft": 1, "timeline": EXPECTED["timeline"] - 1}
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.number, invoice.pdf.name) == ("draft", "", "")
    assert "WARNING: the demo invoice stays a draft" in capsys.readouterr().out
