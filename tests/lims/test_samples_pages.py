"""Pages of the laboratory's samples: the receiving desk (scan or pick), the receipt form, the list, one sample with
its custody, split and disposal forms, and the internal label."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.core.testing.permissions import signed_in
from tichub.lims import sample_services
from tichub.lims.models import CustodyEvent, LabSample, Test
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.labels import label_text
from tichub.marketplace.models import Order

from .world import lab_world

pytestmark = pytest.mark.django_db


def client_of(w, person="reception"):
    return signed_in(w.people[person], w.institution)


def receive(w, index=0):
    return sample_services.sample_receive(
        actor=w.reception_actor,
        announcement_id=w.announcements[index].pk,
        condition="intact",
        seal_intact=True,
        storage_location="样品室 A-01",
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- receiving ----------------------------------------------------------------------------------------------------


def test_desk_lists_what_is_awaited_and_a_scan_opens_the_receipt_form():
    w = lab_world()
    lab = client_of(w)
    page = lab.get("/lab/receive/")
    assert page.status_code == 200
    assert [a.reference for a in page.context["awaiting"]] == [a.reference for a in w.announcements]
    announcement = w.announcements[1]
    scanned = lab.get("/lab/receive/", {"code": label_text(announcement.reference, w.order.number)})
    assert (scanned.status_code, scanned["Location"]) == (302, f"/lab/receive/{announcement.pk}/")
    unknown = lab.get("/lab/receive/", {"code": "NO-SUCH-S01"})
    assert unknown.status_code == 404
    assert "未找到样品 NO-SUCH-S01：编号不存在，或该样品不是寄往本机构的。" in unknown.content.decode()
    assert lab.get("/lab/receive/", {"code": ""}).status_code == 400


def test_receipt_form_shows_what_will_be_tested_and_receives():
    w = lab_world()
    lab = client_of(w)
    announcement = w.announcements[0]
    url = f"/lab/receive/{announcement.pk}/"
    page = lab.get(url)
    content = page.content.decode()
    assert page.status_code == 200 and "GB 5009.12-2017" in content and "GB 5009.15-2014" in content
    refused = lab.post(url, {"condition": "damaged", "seal_intact": "no", "temperature": "5"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["disclaimer"] == [
        "样品存在偏离（状态异常、封识破损或填写了偏离情况）：请勾选征询客户，或填写继续检测时写入报告的声明。"
    ]
    assert LabSample.objects.count() == 0
    done = lab.post(
        url,
        {"condition": "damaged", "seal_intact": "no", "temperature": "5", "consult_customer": "on",
         "storage_location": "样品室 A-02"},
        follow=True,
    )  # fmt: skip
    sample = LabSample.objects.get()
    assert done.redirect_chain == [(f"/lab/samples/{sample.pk}/", 302)]
    assert messages_of(done) == [
        f"已接收样品 {announcement.reference}，实验室样品编号 {sample.number}，已创建 2 个检测项目。"
    ]
    assert (sample.seal_intact, sample.temperature, sample.customer_consulted_at is not None) == (False, "5", True)
    again = lab.get(url, follow=True)
    assert again.redirect_chain == [(f"/lab/samples/{sample.pk}/", 302)]
    scanned = lab.get("/lab/receive/", {"code": announcement.reference})
    assert scanned["Location"] == f"/lab/samples/{sample.pk}/"


def test_receipt_form_of_an_order_that_takes_no_samples_offers_no_form():
    w = lab_world(samples=1)
    Order.objects.filter(pk=w.order.pk).update(status=OrderStatus.CANCELLED)
    page = client_of(w).get(f"/lab/receive/{w.announcements[0].pk}/")
    assert page.status_code == 200 and "委托单当前状态为“已取消”，不能接收样品。" in page.content.decode()
    assert "确认接收" not in page.content.decode()


def test_pages_are_for_the_institution_only():
    w = lab_world(samples=1)
    sample = receive(w)
    enterprise = signed_in(w.m.owner, w.enterprise)
    for url in ("/lab/receive/", "/lab/samples/", f"/lab/samples/{sample.pk}/", f"/lab/samples/{sample.pk}/label/"):
        assert enterprise.get(url).status_code == 403
    other = signed_in(w.m.lab2.reception, w.m.lab2.org)
    for url in (
        f"/lab/receive/{w.announcements[0].pk}/",
        f"/lab/samples/{sample.pk}/",
        f"/lab/samples/{sample.pk}/label/",
    ):
        assert other.get(url).status_code == 404
    assert client_of(w, "analyst").get("/lab/receive/").status_code == 403


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_filters_and_keeps_its_queries_flat():
    w = lab_world()
    lab = client_of(w)
    first = receive(w)
    with CaptureQueriesContext(connection) as few:
        page = lab.get("/lab/samples/")
    assert [s.number for s in page.context["page"]] == [first.number]
    second = receive(w, 1)
    for n in range(4):
        sample_services.sample_split(
            actor=w.reception_actor, sample_id=second.pk, parts=[{"description": f"分样 {n}", "quantity": "1 g"}]
        )
    with CaptureQueriesContext(connection) as many:
        page = lab.get("/lab/samples/")
    assert page.context["page"].paginator.count == 6
    assert len(few) == len(many)
    found = lab.get("/lab/samples/", {"q": f"{second.number}-3"})
    assert [s.number for s in found.context["page"]] == [f"{second.number}-3"]
    assert lab.get("/lab/samples/", {"status": "lost"}).status_code == 400
    assert lab.get("/lab/samples/", {"order": w.order.pk}).context["page"].paginator.count == 6
    assert lab.get("/lab/samples/", {"awaiting": "on"}).context["page"].paginator.count == 0


# --- one sample ---------------------------------------------------------------------------------------------------


def test_detail_shows_the_record_and_offers_forms_by_role():
    w = lab_world(samples=1)
    sample = receive(w)
    page = client_of(w).get(f"/lab/samples/{sample.pk}/")
    content = page.content.decode()
    assert page.status_code == 200 and sample.number in content and "样品室 A-01" in content
    assert set(page.context["custody_forms"]) == {"handover", "move", "return"}
    assert (page.context["can_custody"], page.context["can_receive"]) == (True, True)
    analyst = client_of(w, "analyst").get(f"/lab/samples/{sample.pk}/")
    assert (analyst.context["can_custody"], analyst.context["can_receive"]) == (True, False)
    assert f'action="/lab/samples/{sample.pk}/dispose/"' not in analyst.content.decode()
    reviewer = client_of(w, "reviewer").get(f"/lab/samples/{sample.pk}/")
    assert (reviewer.context["can_custody"], reviewer.context["can_receive"]) == (False, False)
    assert "/custody/" not in reviewer.content.decode()


def test_detail_queries_do_not_grow_with_tests_parts_and_custody():
    w = lab_world(samples=1)
    sample = receive(w)
    lab = client_of(w)
    with CaptureQueriesContext(connection) as few:
        lab.get(f"/lab/samples/{sample.pk}/")
    for n in range(3):
        sample_services.sample_split(
            actor=w.reception_actor, sample_id=sample.pk, parts=[{"description": f"分样 {n}", "quantity": "1 g"}]
        )
        sample_services.custody_record(actor=w.reception_actor, sample_id=sample.pk, kind="move", to_location=f"柜 {n}")
    with CaptureQueriesContext(connection) as many:
        page = lab.get(f"/lab/samples/{sample.pk}/")
    assert (len(page.context["detail"].parts), len(page.context["detail"].custody)) == (3, 7)
    assert len(few) == len(many)


def test_custody_split_and_dispose_forms_post_and_come_back():
    w = lab_world(samples=1)
    sample = receive(w)
    lab = client_of(w)
    base = f"/lab/samples/{sample.pk}/"
    moved = lab.post(base + "custody/", {"kind": "move", "move-to_location": "冷库 B-02"}, follow=True)
    assert moved.redirect_chain == [(base + "#custody", 302)] and messages_of(moved) == ["已记录：移库。"]
    refused = lab.post(base + "custody/", {"kind": "move", "move-to_location": "冷库 B-02"})
    assert refused.status_code == 400
    assert refused.context["custody_forms"]["move"].errors["to_location"] == ["样品已存放在“冷库 B-02”。"]
    handed = lab.post(base + "custody/", {"kind": "handover", "handover-to_person_id": w.analyst.pk})
    assert handed.status_code == 302
    assert lab.post(base + "custody/", {"kind": "lend"}).status_code == 400

    management = {"parts-TOTAL_FORMS": "3", "parts-INITIAL_FORMS": "0", "parts-MIN_NUM_FORMS": "0",
                  "parts-MAX_NUM_FORMS": "20"}  # fmt: skip
    pb = Test.objects.get(sample=sample, keyword="pb")
    split = lab.post(
        base + "split/",
        {**management, "parts-0-description": "铅分样", "parts-0-quantity": "100 g", "test_ids": [pb.pk]},
        follow=True,
    )
    assert messages_of(split) == [f"已分样：{sample.number}-1。"]
    assert Test.objects.get(pk=pb.pk).sample.number == f"{sample.number}-1"
    bad = lab.post(base + "split/", {**management, "parts-1-description": "只有描述"})
    assert bad.status_code == 400
    assert bad.context["parts_formset"].forms[1].errors == {"quantity": ["请填写数量。"]}

    unfinished = lab.post(base + "dispose/", {"method": "焚烧", "early_reason": "客户要求"})
    assert unfinished.status_code == 409
    Test.objects.filter(sample=sample).update(
        status="approved", value="0.1", entered_by=w.analyst, approved_by=w.signatory
    )
    early = lab.post(base + "dispose/", {"method": "焚烧"})
    assert early.status_code == 400
    assert early.context["dispose_form"].errors["early_reason"] == [
        f"样品保存期至 {sample.retention_until.isoformat()}，提前处置须填写提前处置原因。"
    ]
    disposed = lab.post(base + "dispose/", {"method": "焚烧", "early_reason": "客户要求"}, follow=True)
    assert messages_of(disposed) == [f"已记录样品 {sample.number} 的处置。"]
    assert disposed.context["can_custody"] is False
    assert list(CustodyEvent.objects.filter(sample=sample).order_by("at", "pk").values_list("kind", flat=True)) == [
        "receive",
        "move",
        "handover",
        "subsample",
        "dispose",
    ]


def test_internal_label_carries_the_number_as_qr_and_text():
    w = lab_world(samples=1)
    sample = receive(w)
    page = client_of(w, "analyst").get(f"/lab/samples/{sample.pk}/label/")
    content = page.content.decode()
    assert page.status_code == 200
    assert content.count("<svg") == 1 and f"<title>{sample.number}</title>" in content
    assert f'<p class="number">{sample.number}</p>' in content
    assert "一级白砂糖，袋装" in content and w.order.number in content
    assert sample.retention_until.isoformat() in content
    assert "size: 62mm 40mm" in content
