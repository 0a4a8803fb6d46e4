"""The needs and quotes API (/api/v1/market): round trip, refusals by field, tenancy, query budgets."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.models import AuditEvent
from tichub.marketplace.models import Need, NeedItem, Order, Quote, QuoteLine

from .world import cadmium_item, client_of, lead_item, make_market, need_for, quoted_need, today

pytestmark = pytest.mark.django_db
API = "/api/v1/market"


@pytest.fixture
def m():
    return make_market()


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def need_body(**overrides):
    body = {
        "title": "白砂糖重金属检测",
        "product_description": "一级白砂糖",
        "sample_count": 2,
        "deadline": (today() + dt.timedelta(days=20)).isoformat(),
        "decision_rule": "guarded",
        "accredited_required": True,
        "confidential": False,
        "items": [lead_item(), cadmium_item()],
    }
    body.update(overrides)
    return body


def test_enterprise_round_trip(m):
    client = client_of(m.enterprise)
    response = post(client, f"{API}/needs", need_body())
    assert response.status_code == 201, response.content
    need = response.json()
    assert (need["status"], need["decision_rule"], [i["standard"] for i in need["items"]]) == (
        "draft",
        "guarded",
        ["GB 5009.12-2017", "GB 5009.15-2014"],
    )
    need_id = need["id"]
    response = post(client, f"{API}/needs/{need_id}/send", {"institution_ids": [m.lab.id, m.lab2.id]})
    assert response.status_code == 200
    assert sorted((q["institution_id"], q["status"]) for q in response.json()) == sorted(
        [(m.lab.id, "requested"), (m.lab2.id, "requested")]
    )
    listing = client.get(f"{API}/needs?status=open").json()
    assert listing["count"] == 1
    assert {k: listing["items"][0][k] for k in ("id", "item_count", "quote_count", "submitted_count")} == {
        "id": need_id,
        "item_count": 2,
        "quote_count": 2,
        "submitted_count": 0,
    }

    # the institution answers from its inbox, with the prefilled lines
    lab = client_of(m.lab)
    inbox = lab.get(f"{API}/quotes").json()
    assert [q["need_id"] for q in inbox["items"]] == [need_id]
    quote_id = inbox["items"][0]["id"]
    detail = lab.get(f"{API}/quotes/{quote_id}").json()
    assert [(s["price"], s["accredited"]) for s in detail["suggested"]] == [("120.00", True), ("80.00", False)]
    lines = [{"item_id": s["item_id"], "price": s["price"], "quantity": s["quantity"]} for s in detail["suggested"]]
    body = {"lines": lines, "turnaround_days": 5, "valid_until": today().isoformat(), "terms": "款到发报告"}
    response = post(lab, f"{API}/quotes/{quote_id}/submit", body)
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["total"]) == ("submitted", "400.00")

    comparison = client.get(f"{API}/needs/{need_id}/quotes").json()
    assert comparison["cheapest_quote_id"] == quote_id
    column = next(q for q in comparison["quotes"] if q["quote_id"] == quote_id)
    assert (column["total"], column["coverage_percent"], column["accredited_percent"], column["acceptable"]) == (
        "400.00",
        100,
        50,
        True,
    )
    assert [c["price"] for c in comparison["items"][0]["cells"]] == [None, "120.00"]  # lab2 (乙) has not answered

    response = post(client, f"{API}/quotes/{quote_id}/accept")
    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert response.json() == {
        "quote_id": quote_id,
        "need_id": need_id,
        "order_id": order.pk,
        "order_status": "review",
        "due_date": order.due_date.isoformat(),
    }
    response = post(client, f"{API}/quotes/{quote_id}/accept")
    assert (response.status_code, response.json()["code"]) == (409, "already_accepted")


def test_refusals_name_the_field_and_change_nothing(m):
    client = client_of(m.enterprise)
    before = (Need.objects.count(), NeedItem.objects.count(), AuditEvent.objects.count())
    response = post(client, f"{API}/needs", need_body(items=[lead_item(), cadmium_item(standard_code="")]))
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "items.1.standard_code": ["每个检测项目都须写明方法标准（如 GB 5009.12-2017）。"]
    }
    past = (today() - dt.timedelta(days=1)).isoformat()
    response = post(client, f"{API}/needs", need_body(deadline=past))
    assert (response.status_code, list(response.json()["fields"])) == (400, ["deadline"])
    response = post(client, f"{API}/needs", need_body(deadline="tomorrow"))
    assert response.status_code == 422
    assert (Need.objects.count(), NeedItem.objects.count(), AuditEvent.objects.count()) == before


def test_three_decimal_prices_are_refused(m):
    need = need_for(m, send_to=[m.lab])
    quote = Quote.objects.get(need=need)
    items = list(need.items.order_by("position"))
    body = {
        "lines": [
            {"item_id": items[0].pk, "price": "120.001"},
            {"item_id": items[1].pk, "price": 80.125},
        ],
        "turnaround_days": 5,
        "valid_until": today().isoformat(),
    }
    response = post(client_of(m.lab), f"{API}/quotes/{quote.pk}/submit", body)
    assert response.status_code == 400
    assert response.json()["fields"] == {"lines.0.price": ["最多两位小数。"], "lines.1.price": ["最多两位小数。"]}
    quote.refresh_from_db()
    assert (quote.status, quote.number, QuoteLine.objects.count()) == ("requested", "", 0)


def test_decline_and_cancel(m):
    need = need_for(m, send_to=[m.lab, m.lab2])
    quote = Quote.objects.get(need=need, institution_id=m.lab.id)
    lab = client_of(m.lab)
    response = post(lab, f"{API}/quotes/{quote.pk}/decline", {"reason": ""})
    assert (response.status_code, response.json()["fields"]) == (400, {"reason": ["请写明谢绝的原因。"]})
    response = post(lab, f"{API}/quotes/{quote.pk}/decline", {"reason": "不在能力范围内"})
    assert (response.json()["status"], response.json()["decline_reason"]) == ("declined", "不在能力范围内")
    response = post(client_of(m.enterprise), f"{API}/needs/{need.pk}/cancel", {"reason": "不做了"})
    assert response.json()["status"] == "cancelled"
    assert dict(Quote.objects.filter(need=need).values_list("institution_id", "status")) == {
        m.lab.id: "declined",
        m.lab2.id: "withdrawn",
    }


def test_other_tenants_get_404(m):
    need, quotes = quoted_need(m, labs=[m.lab])
    quote = quotes[m.lab.id]
    outsider = client_of(m.outsider)
    for url in (f"{API}/needs/{need.pk}", f"{API}/needs/{need.pk}/quotes"):
        assert outsider.get(url).status_code == 404
    assert post(outsider, f"{API}/quotes/{quote.pk}/accept").status_code == 404
    assert post(outsider, f"{API}/needs/{need.pk}/send", {"institution_ids": [m.lab2.id]}).status_code == 404
    assert outsider.get(f"{API}/needs").json()["count"] == 0
    lab2 = client_of(m.lab2)
    assert lab2.get(f"{API}/quotes/{quote.pk}").status_code == 404
    assert post(lab2, f"{API}/quotes/{quote.pk}/decline", {"reason": "x"}).status_code == 404
    assert lab2.get(f"{API}/quotes?status=").json()["count"] == 0
    assert client_of(m.lab, m.lab.analyst).get(f"{API}/quotes").status_code == 403
    assert Quote.objects.get(pk=quote.pk).status == "submitted"


def test_list_queries_do_not_grow(m):
    enterprise, lab = client_of(m.enterprise), client_of(m.lab)
    need_for(m, send_to=[m.lab])
    with CaptureQueriesContext(connection) as needs_few:
        enterprise.get(f"{API}/needs")
    with CaptureQueriesContext(connection) as quotes_few:
        lab.get(f"{API}/quotes")
    for _ in range(5):
        need_for(m, send_to=[m.lab, m.lab2])
    with CaptureQueriesContext(connection) as needs_many:
        assert enterprise.get(f"{API}/needs").json()["count"] == 6
    with CaptureQueriesContext(connection) as quotes_many:
        assert lab.get(f"{API}/quotes").json()["count"] == 6
    assert (len(needs_many), len(quotes_many)) == (len(needs_few), len(quotes_few))
