"""The orders API: lists, detail, timeline, review actions, steps, cancellation, the operator's aggregate."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.marketplace.models import Order
from tichub.marketplace.timeline import timeline_add

from .order_world import accepted, direct_order, operator_actor
from .world import make_market, today

pytestmark = pytest.mark.django_db
API = "/api/v1/market"


@pytest.fixture
def m():
    return make_market()


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def test_list_and_detail(m):
    order = accepted(m)
    review = direct_order(m, title="评审中的")
    client = signed_in(m.owner, m.enterprise.org)
    response = client.get(f"{API}/orders")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [row["id"] for row in data["items"]] == [review.pk, order.pk]
    row = data["items"][1]
    assert row == {
        "id": order.pk,
        "number": order.number,
        "status": "accepted",
        "need_id": order.need_id,
        "need_title": "白砂糖重金属检测",
        "enterprise_id": m.enterprise.id,
        "enterprise_name": m.enterprise.org.name_zh,
        "institution_id": m.lab.id,
        "institution_name": m.lab.org.name_zh,
        "as_subcontractor": False,
        "created_at": row["created_at"],
        "due_date": order.due_date.isoformat(),
        "total": "240.00",
    }
    assert client.get(f"{API}/orders", {"status": "review"}).json()["count"] == 1
    assert client.get(f"{API}/orders", {"q": order.number}).json()["count"] == 1
    response = client.get(f"{API}/orders", {"status": "bogus"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "status": [
            "状态须为以下之一：review、accepted、declined、samples_sent、received、in_progress、completed、cancelled。"
        ]
    }
    detail = client.get(f"{API}/orders/{order.pk}").json()
    assert detail["side"] == "enterprise"
    assert [(i["position"], i["verdict"], i["price"]) for i in detail["items"]] == [
        (1, "accredited", "120.00"),
        (2, "not_accredited", "120.00"),
    ]
    assert detail["review"]["decision_rule_agreed"] is True
    assert detail["review"]["accepted"] is True
    assert [e["kind"] for e in detail["timeline"]] == ["review_opened", "review_record", "accepted"]
    assert detail["problems"] == {}
    timeline = client.get(f"{API}/orders/{order.pk}/timeline").json()
    assert timeline["count"] == 3
    assert timeline["items"][0]["text_en"] == "Quote accepted; contract review opened"


def test_third_parties_get_404(m):
    order = accepted(m)
    for user, org in ((m.outsider.owner, m.outsider.org), (m.lab2.admin, m.lab2.org), (m.sub.admin, m.sub.org)):
        client = signed_in(user, org)
        assert client.get(f"{API}/orders/{order.pk}").status_code == 404
        assert client.get(f"{API}/orders/{order.pk}/timeline").status_code == 404
        assert client.get(f"{API}/orders").json()["count"] == 0
    operator = operator_actor()
    client = signed_in(operator.user, operator.organisation)
    assert client.get(f"{API}/orders/{order.pk}").status_code == 403
    assert client.get(f"{API}/orders").status_code == 403


def test_review_flow_through_the_api(m):
    order = direct_order(m, lab=m.lab2, items=[("铅", m.lead), ("镉", m.cadmium)], subcontract={2: m.sub},
                         prices=[Decimal("150.00"), Decimal("90.00")])  # fmt: skip
    items = {ri.item.position: ri.pk for ri in order.review.items.select_related("item")}
    lab = signed_in(m.lab2.reception, m.lab2.org)
    ent = signed_in(m.enterprise.member, m.enterprise.org)
    audits = AuditEvent.objects.count()
    response = post(lab, f"{API}/orders/{order.pk}/review/decide", {"accept": True})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "review_incomplete"
    assert body["fields"] == {
        "items.2": ["2. 镉（GB 5009.15-2014）：分包尚未经客户批准。"],
        "decision_rule_agreed": ["判定规则尚未与客户约定。"],
    }
    assert AuditEvent.objects.count() == audits
    assert Order.objects.get(pk=order.pk).status == "review"
    response = post(lab, f"{API}/orders/{order.pk}/review/items/{items[1]}", {"verdict": "accredited"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"scope_row_id": ["请选择本机构能力范围中对应的一行。"]}
    response = post(ent, f"{API}/orders/{order.pk}/review/approve-subcontract/{items[2]}")
    assert response.status_code == 200
    assert response.json()["subcontract_approved_by"] == m.enterprise.member.name
    assert post(lab, f"{API}/orders/{order.pk}/review/approve-subcontract/{items[2]}").status_code == 403
    response = post(lab, f"{API}/orders/{order.pk}/review", {"decision_rule_agreed": True, "deviations": "无"})
    assert response.status_code == 200
    assert response.json()["review"]["deviations"] == "无"
    response = post(lab, f"{API}/orders/{order.pk}/review/decide", {"accept": True})
    assert response.status_code == 200
    assert response.json()["number"] == f"O{today().year}-00001"
    assert response.json()["status"] == "accepted"
    response = post(lab, f"{API}/orders/{order.pk}/advance", {"to": "completed"})
    assert response.status_code == 409
    assert response.json()["message"] == "委托单当前状态为“已受理”，不能改为“已完成”。"
    assert post(lab, f"{API}/orders/{order.pk}/advance", {"to": "received"}).json()["status"] == "received"
    # the subcontractor now sees its item only, without prices or the customer
    sub = signed_in(m.sub.analyst, m.sub.org)
    detail = sub.get(f"{API}/orders/{order.pk}").json()
    assert detail["side"] == "subcontractor"
    assert [(i["position"], i["price"]) for i in detail["items"]] == [(2, None)]
    assert (detail["enterprise_id"], detail["enterprise_name"], detail["total"]) == (None, "", None)
    assert detail["timeline"] == [] and detail["review"] is None
    listed = sub.get(f"{API}/orders").json()["items"]
    assert [(r["id"], r["as_subcontractor"], r["total"]) for r in listed] == [(order.pk, True, None)]
    assert sub.get(f"{API}/orders/{order.pk}/timeline").status_code == 404
    response = post(ent, f"{API}/orders/{order.pk}/cancel", {"reason": "不要了"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert "取消费用 48.00 元" in response.json()["cancel_reason"]  # 20 % of 240.00


def test_decline_and_warning_through_the_api(m):
    order = direct_order(m, items=[("铅", m.lead_old)])
    item = order.review.items.get().pk
    ent = signed_in(m.owner, m.enterprise.org)
    lab = signed_in(m.lab.admin, m.lab.org)
    response = post(ent, f"{API}/orders/{order.pk}/review/confirm-warning/{item}")
    assert response.status_code == 200
    assert response.json()["warning_confirmed_at"] is not None
    assert post(ent, f"{API}/orders/{order.pk}/review/confirm-warning/{item}").status_code == 409
    response = post(lab, f"{API}/orders/{order.pk}/review/decide", {"accept": False})
    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": ["请填写原因。"]}
    response = post(lab, f"{API}/orders/{order.pk}/review/decide", {"accept": False, "reason": "方法已废止"})
    assert response.json()["status"] == "declined"
    assert response.json()["review"]["decline_reason"] == "方法已废止"


def test_list_api_query_count_flat(m):
    accepted(m)
    client = signed_in(m.lab.reception, m.lab.org)
    url = f"{API}/orders?status=accepted&q=白砂糖"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        accepted(m, title=f"白砂糖 {i}")
    assert count() == few
    order = Order.objects.filter(institution=m.lab.org).first()
    detail_url = f"{API}/orders/{order.pk}"
    with CaptureQueriesContext(connection) as ctx:
        client.get(detail_url)
    before = len(ctx.captured_queries)
    for i in range(25):
        timeline_add(order, "note", f"记录 {i}", f"entry {i}", None)
    with CaptureQueriesContext(connection) as ctx:
        assert len(client.get(detail_url).json()["timeline"]) >= 25
    assert len(ctx.captured_queries) == before


def test_stats_api(m):
    accepted(m)
    direct_order(m, title="二")
    operator = operator_actor()
    client = signed_in(operator.user, operator.organisation)
    data = client.get(f"{API}/stats").json()
    assert (data["total_orders"], data["accepted_orders"], data["accepted_amount"]) == (2, 1, "240.00")
    assert {s["status"]: s["count"] for s in data["by_status"]}["review"] == 1
    assert data["months"][-1]["orders"] == 2
    assert set(data) == {"by_status", "total_orders", "accepted_orders", "accepted_amount", "months"}
    assert signed_in(m.owner, m.enterprise.org).get(f"{API}/stats").status_code == 403
