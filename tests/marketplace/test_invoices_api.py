"""The invoices API: draft, edit, issue, pay, void, download; field errors; who sees what; query budgets."""

import hashlib
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.models import AuditEvent
from tichub.marketplace import invoice_services as services
from tichub.marketplace.models import Invoice, InvoiceLine

from .invoice_world import invoiceable_order
from .world import client_of, make_market, today

pytestmark = pytest.mark.django_db
API = "/api/v1/market"


@pytest.fixture
def m():
    return make_market()


def send(client, method, url, data=None):
    return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")


def snapshot():
    return (
        list(Invoice.objects.order_by("pk").values_list("pk", "status", "subtotal", "tax", "total")),
        list(InvoiceLine.objects.order_by("pk").values_list("pk", "unit_price", "quantity")),
        AuditEvent.objects.count(),
    )


def test_the_whole_life_of_an_invoice(m):
    order = invoiceable_order(m)
    lab = client_of(m.lab)
    response = send(lab, "post", f"{API}/orders/{order.pk}/invoices", {"tax_rate": "6"})
    assert response.status_code == 201, response.content
    body = response.json()
    invoice_id = body["id"]
    assert {k: body[k] for k in ("status", "number", "tax_rate", "subtotal", "tax", "total", "pdf_url")} == {
        "status": "draft",
        "number": "",
        "tax_rate": "6.00",
        "subtotal": "445.50",
        "tax": "26.73",
        "total": "472.23",
        "pdf_url": "",
    }
    assert body["lines"] == [
        {
            "position": 1,
            "description": "铅 Lead — GB 5009.12-2017",
            "quantity": "3.00",
            "unit_price": "120.00",
            "amount": "360.00",
        },
        {
            "position": 2,
            "description": "镉 Cadmium — GB 5009.15-2014",
            "quantity": "1.00",
            "unit_price": "85.50",
            "amount": "85.50",
        },
    ]
    assert (body["order_id"], body["order_number"], body["institution_id"], body["enterprise_id"]) == (
        order.pk,
        order.number,
        m.lab.id,
        m.enterprise.id,
    )

    lines = [{"description": "铅 Lead", "quantity": "2", "unit_price": "120.00"}]
    response = send(lab, "put", f"{API}/invoices/{invoice_id}/lines", {"lines": lines, "tax_rate": "0"})
    assert response.status_code == 200
    assert (response.json()["subtotal"], response.json()["tax"], response.json()["total"]) == (
        "240.00",
        "0.00",
        "240.00",
    )

    response = send(lab, "post", f"{API}/invoices/{invoice_id}/issue")
    assert response.status_code == 200
    issued = response.json()
    assert issued["status"] == "issued" and issued["number"] == f"I{today().year}-00001"
    assert issued["pdf_url"] == f"{API}/invoices/{invoice_id}/pdf"

    ent = client_of(m.enterprise)
    download = ent.get(issued["pdf_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == issued["pdf_sha256"]

    response = send(lab, "post", f"{API}/invoices/{invoice_id}/paid", {"paid_on": today().isoformat()})
    assert response.status_code == 200 and response.json()["status"] == "paid"
    response = send(lab, "post", f"{API}/invoices/{invoice_id}/void", {"reason": "错开"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "illegal_transition",
        "message": "发票当前状态为“已付款”，不能作废。",
        "fields": {},
    }


def test_field_errors_name_the_line_and_change_nothing(m):
    order = invoiceable_order(m)
    lab = client_of(m.lab)
    invoice_id = send(lab, "post", f"{API}/orders/{order.pk}/invoices").json()["id"]
    before = snapshot()
    lines = [
        {"description": "铅", "quantity": "1", "unit_price": "120.005"},
        {"description": "镉", "quantity": 1, "unit_price": 80.123},  # a JSON number with three decimals
    ]
    response = send(lab, "put", f"{API}/invoices/{invoice_id}/lines", {"lines": lines})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "lines.0.unit_price": ["最多两位小数。"],
        "lines.1.unit_price": ["最多两位小数。"],
    }
    response = send(lab, "put", f"{API}/invoices/{invoice_id}/lines", {"lines": []})
    assert response.status_code == 400 and response.json()["fields"] == {"lines": ["发票至少需要一行明细。"]}
    response = send(lab, "post", f"{API}/invoices/{invoice_id}/void", {"reason": ""})
    assert response.status_code == 400 and response.json()["fields"] == {"reason": ["请填写作废原因。"]}
    response = send(lab, "post", f"{API}/invoices/{invoice_id}/paid", {"paid_on": "not a date"})
    assert response.status_code == 422 and "paid_on" in response.json()["fields"]
    assert snapshot() == before


def test_refusals_name_the_state(m):
    order = invoiceable_order(m, status="review")
    lab = client_of(m.lab)
    before = snapshot()
    response = send(lab, "post", f"{API}/orders/{order.pk}/invoices")
    assert response.status_code == 409
    assert response.json()["message"] == "委托单当前状态为“合同评审中”，不能开具发票（须先受理）。"
    assert snapshot() == before


def test_enterprise_never_sees_drafts_and_others_get_404(m):
    order = invoiceable_order(m)
    draft = services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    ent = client_of(m.enterprise)
    assert ent.get(f"{API}/orders/{order.pk}/invoices").json() == {"items": [], "count": 0}
    assert ent.get(f"{API}/invoices").json()["count"] == 0
    assert ent.get(f"{API}/invoices/{draft.pk}").status_code == 404
    assert ent.get(f"{API}/invoices/{draft.pk}/pdf").status_code == 404
    # the enterprise cannot write at all
    assert send(ent, "post", f"{API}/invoices/{draft.pk}/issue").status_code == 403
    services.invoice_issue(actor=m.lab.reception_actor, invoice_id=draft.pk)
    listed = ent.get(f"{API}/orders/{order.pk}/invoices").json()
    assert listed["count"] == 1 and listed["items"][0]["total"] == "472.23"
    assert ent.get(f"{API}/invoices/{draft.pk}").json()["lines"][0]["amount"] == "360.00"

    outsider = client_of(m.outsider)
    other_lab = client_of(m.lab2)
    for client in (outsider, other_lab):
        assert client.get(f"{API}/invoices/{draft.pk}").status_code == 404
        assert client.get(f"{API}/invoices/{draft.pk}/pdf").status_code == 404
        assert client.get(f"{API}/orders/{order.pk}/invoices").status_code == 404
    before = snapshot()
    assert send(other_lab, "post", f"{API}/invoices/{draft.pk}/void", {"reason": "x"}).status_code == 404
    assert send(other_lab, "post", f"{API}/orders/{order.pk}/invoices").status_code == 404
    assert snapshot() == before


def test_list_filters(m):
    lab = client_of(m.lab)
    first = invoiceable_order(m)
    second = invoiceable_order(m)
    issued = services.invoice_issue(
        actor=m.lab.reception_actor,
        invoice_id=services.invoice_draft(actor=m.lab.reception_actor, order_id=first.pk).pk,
    )
    services.invoice_draft(actor=m.lab.reception_actor, order_id=second.pk)
    assert lab.get(f"{API}/invoices").json()["count"] == 2
    assert [r["id"] for r in lab.get(f"{API}/invoices", {"status": "issued"}).json()["items"]] == [issued.pk]
    assert [r["id"] for r in lab.get(f"{API}/invoices", {"q": issued.number}).json()["items"]] == [issued.pk]
    dated = lab.get(f"{API}/invoices", {"issued_from": today().isoformat(), "issued_to": today().isoformat()})
    assert [r["id"] for r in dated.json()["items"]] == [issued.pk]


def test_query_counts_do_not_grow(m):
    lab = client_of(m.lab)
    order = invoiceable_order(m)
    services.invoice_draft(actor=m.lab.reception_actor, order_id=order.pk)
    lab.get(f"{API}/invoices")
    with CaptureQueriesContext(connection) as few:
        assert lab.get(f"{API}/invoices").status_code == 200
    for _ in range(4):
        other = invoiceable_order(m)
        services.invoice_draft(actor=m.lab.reception_actor, order_id=other.pk)
    with CaptureQueriesContext(connection) as many:
        assert lab.get(f"{API}/invoices").json()["count"] == 5
    assert len(many) == len(few)

    invoice = Invoice.objects.filter(order=order).get()
    with CaptureQueriesContext(connection) as short:
        assert lab.get(f"{API}/invoices/{invoice.pk}").status_code == 200
    lines = [{"description": f"项目 {i}", "quantity": "1", "unit_price": "1.00"} for i in range(30)]
    services.invoice_update_lines(actor=m.lab.reception_actor, invoice_id=invoice.pk, lines=lines)
    with CaptureQueriesContext(connection) as long:
        assert len(lab.get(f"{API}/invoices/{invoice.pk}").json()["lines"]) == 30
    assert len(long) == len(short)
