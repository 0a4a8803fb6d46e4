"""The lists people work from: order list with filters and search, CSV export, work lists, the operator's page;
query counts that do not grow with orders or with timeline entries."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tichub.core.testing.permissions import signed_in
from tichub.marketplace import order_services as services
from tichub.marketplace.timeline import timeline_add

from .order_world import accepted, direct_order, operator_actor
from .world import make_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(ctx.captured_queries), response


def test_order_list_filters_and_search(m):
    first = accepted(m, title="白砂糖重金属")
    direct_order(m, title="红糖检测")
    other_lab = accepted(m, lab=m.lab2, title="乙检测", items=[("铅", m.lead)])
    direct_order(m, enterprise=m.outsider, title="别人的委托")
    client = signed_in(m.owner, m.enterprise.org)
    url = reverse("marketplace:order_list")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "白砂糖重金属" in body and "红糖检测" in body and "乙检测" in body
    assert "别人的委托" not in body
    assert first.number in body
    body = client.get(url, {"status": "review"}).content.decode()
    assert "红糖检测" in body and "白砂糖重金属" not in body
    body = client.get(url, {"q": first.number}).content.decode()
    assert "白砂糖重金属" in body and "红糖检测" not in body
    body = client.get(url, {"q": m.lab2.org.name_zh}).content.decode()
    assert "乙检测" in body and "白砂糖重金属" not in body
    assert other_lab.number in body
    response = client.get(url, {"status": "nonsense"})
    assert response.status_code == 400
    # the institution sees its own only, searching by the customer's name
    lab_client = signed_in(m.lab.analyst, m.lab.org)
    body = lab_client.get(url, {"q": m.enterprise.org.name_zh}).content.decode()
    assert "白砂糖重金属" in body and "红糖检测" in body and "乙检测" not in body


def test_order_list_query_count_flat_in_orders(m):
    for i in range(2):
        accepted(m, title=f"委托 {i}")
    client = signed_in(m.owner, m.enterprise.org)
    lab_client = signed_in(m.lab.reception, m.lab.org)
    url = reverse("marketplace:order_list")
    few = queries(client, url)[0], queries(lab_client, url + "?status=accepted&q=委托")[0]
    for i in range(2, 12):
        accepted(m, title=f"委托 {i}")
    many = queries(client, url)[0], queries(lab_client, url + "?status=accepted&q=委托")[0]
    assert few == many


def test_order_detail_query_count_flat_in_timeline(m):
    order = accepted(m)
    for user, org in ((m.owner, m.enterprise.org), (m.lab.reception, m.lab.org)):
        client = signed_in(user, org)
        url = reverse("marketplace:order_detail", args=[order.pk])
        before, _ = queries(client, url)
        for i in range(30):
            timeline_add(order, "note", f"记录 {i}", f"entry {i}", m.lab.reception)
        after, response = queries(client, url)
        assert after == before
        assert "记录 29" in response.content.decode()


def test_csv_export(m):
    first = accepted(m, title="白砂糖重金属", prices=[Decimal("120.00"), Decimal("80.00")])
    direct_order(m, title='红糖, "特级"')
    direct_order(m, title="=HYPERLINK(1)")
    direct_order(m, enterprise=m.outsider, title="别人的委托")
    client = signed_in(m.owner, m.enterprise.org)
    response = client.get(reverse("marketplace:order_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[0] == [
        "委托单号",
        "状态",
        "需求",
        "委托方",
        "检测机构",
        "分包",
        "创建日期",
        "约定完成日期",
        "报价合计（元）",
    ]
    assert len(rows) == 4
    by_title = {row[2]: row for row in rows[1:]}
    assert set(by_title) == {"白砂糖重金属", '红糖, "特级"', "'=HYPERLINK(1)"}
    row = by_title["白砂糖重金属"]
    assert row[0] == first.number
    assert row[1] == "已受理"
    assert row[3] == m.enterprise.org.name_zh
    assert row[4] == m.lab.org.name_zh
    assert row[5] == ""
    assert row[8] == "200.00"
    filtered = client.get(reverse("marketplace:order_export"), {"status": "accepted"})
    rows = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8")[1:])))
    assert [r[2] for r in rows[1:]] == ["白砂糖重金属"]
    assert client.get(reverse("marketplace:order_export"), {"status": "x"}).status_code == 400


def test_csv_export_of_a_subcontractor_hides_customer_and_amount(m):
    order = direct_order(m, lab=m.lab2, subcontract={2: m.sub}, prices=[Decimal("150.00"), Decimal("90.00")])
    item = order.review.items.get(item__position=2)
    services.review_approve_subcontract(actor=m.owner_actor, order_id=order.pk, item_id=item.pk)
    client = signed_in(m.sub.admin, m.sub.org)
    response = client.get(reverse("marketplace:order_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8")[1:])))
    assert len(rows) == 2
    assert rows[1][3] == "" and rows[1][5] == "是" and rows[1][8] == ""
    listing = client.get(reverse("marketplace:order_list")).content.decode()
    assert "白砂糖重金属检测" in listing and "分包" in listing
    assert m.enterprise.org.name_zh not in listing
    detail = client.get(reverse("marketplace:order_detail", args=[order.pk])).content.decode()
    assert "镉" in detail and "GB 5009.12-2017" not in detail
    assert m.enterprise.org.name_zh not in detail
    assert "150.00" not in detail and "90.00" not in detail


def test_detail_pages_for_each_side(m):
    order = direct_order(m, lab=m.lab2, items=[("铅", m.lead_old), ("镉", m.cadmium)], subcontract={2: m.sub})
    url = reverse("marketplace:order_detail", args=[order.pk])
    body = signed_in(m.owner, m.enterprise.org).get(url).content.decode()
    assert "GB 5009.12-2010 已废止，被 GB 5009.12-2017 代替" in body
    assert (
        reverse("marketplace:order_confirm_warning", args=[order.pk, order.review.items.get(item__position=1).pk])
        in body
    )
    assert (
        reverse("marketplace:order_approve_subcontract", args=[order.pk, order.review.items.get(item__position=2).pk])
        in body
    )
    assert f"/market/orders/{order.pk}/samples/" in body
    assert f"/market/orders/{order.pk}/messages/" in body
    assert f"/market/orders/{order.pk}/invoices/" in body
    assert reverse("marketplace:order_decide", args=[order.pk]) not in body
    body = signed_in(m.lab2.reception, m.lab2.org).get(url).content.decode()
    assert reverse("marketplace:order_decide", args=[order.pk]) in body
    assert reverse("marketplace:order_review_record", args=[order.pk]) in body
    assert "方法警告待客户确认" in body
    body = signed_in(m.lab2.analyst, m.lab2.org).get(url).content.decode()  # may look, not review
    assert reverse("marketplace:order_decide", args=[order.pk]) not in body
    for user, org in ((m.outsider.owner, m.outsider.org), (m.lab.admin, m.lab.org), (m.sub.admin, m.sub.org)):
        assert signed_in(user, org).get(url).status_code == 404


def test_review_through_the_pages(m):
    order = direct_order(m, items=[("铅", m.lead), ("镉", m.cadmium)])
    items = {ri.item.position: ri for ri in order.review.items.select_related("item")}
    lab = signed_in(m.lab.quality, m.lab.org)
    detail = reverse("marketplace:order_detail", args=[order.pk])
    url = reverse("marketplace:order_review_item", args=[order.pk, items[2].pk])
    response = lab.post(
        url, {f"item{items[2].pk}-verdict": "accredited", f"item{items[2].pk}-scope_row_id": m.lab.rows["cadmium"].pk}
    )
    assert response.status_code == 400
    assert "该能力范围行没有有效的认可" in response.content.decode()
    response = lab.post(
        url, {f"item{items[2].pk}-verdict": "subcontracted", f"item{items[2].pk}-subcontractor_id": m.sub.id}
    )
    assert response.status_code == 302 and response["Location"] == detail
    response = lab.post(reverse("marketplace:order_decide", args=[order.pk]), {"decision": "accept"})
    assert response.status_code == 409
    assert "分包尚未经客户批准" in response.content.decode()
    ent = signed_in(m.owner, m.enterprise.org)
    assert ent.post(reverse("marketplace:order_approve_subcontract", args=[order.pk, items[2].pk])).status_code == 302
    assert (
        lab.post(
            reverse("marketplace:order_review_record", args=[order.pk]),
            {"decision_rule_agreed": "on", "deviations": ""},
        ).status_code
        == 302
    )
    response = lab.post(reverse("marketplace:order_decide", args=[order.pk]), {"decision": "accept"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "accepted" and order.number
    page = ent.get(detail).content.decode()
    assert order.number in page and "合同评审通过" in page
    response = lab.post(reverse("marketplace:order_advance", args=[order.pk]), {"to": "completed"})
    assert response.status_code == 409
    assert lab.post(reverse("marketplace:order_advance", args=[order.pk]), {"to": "received"}).status_code == 302
    page = ent.get(detail).content.decode()
    assert "取消将按报价条款收取取消费用 48.00 元" in page  # 20 % of 240.00
    response = ent.post(reverse("marketplace:order_cancel", args=[order.pk]), {"reason": ""})
    assert response.status_code == 400
    assert ent.post(reverse("marketplace:order_cancel", args=[order.pk]), {"reason": "不要了"}).status_code == 302
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_work_pages(m):
    direct_order(m, title="等评审")
    accepted(m, title="已受理")
    body = signed_in(m.lab.analyst, m.lab.org).get(reverse("marketplace:work")).content.decode()
    assert "等评审" in body and "待合同评审" in body
    body = signed_in(m.owner, m.enterprise.org).get(reverse("marketplace:work")).content.decode()
    assert "待我确认的合同评审" in body


def test_stats_page_is_for_the_operator_and_shows_no_identities(m):
    accepted(m)
    operator = operator_actor()
    client = signed_in(operator.user, operator.organisation)
    response = client.get(reverse("marketplace:stats"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in body
    assert "240.00" in body
    for name in (m.enterprise.org.name_zh, m.lab.org.name_zh, m.lab.org.name_en):
        assert name not in body
    assert signed_in(m.owner, m.enterprise.org).get(reverse("marketplace:stats")).status_code == 403
    assert signed_in(operator.user, operator.organisation).get(reverse("marketplace:order_list")).status_code == 403
