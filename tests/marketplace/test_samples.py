"""Samples of an accepted order: declare, send, print labels, and find them again by scanning at the laboratory."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.permissions import signed_in
from tichub.marketplace import sample_selectors, sample_services
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.labels import LabelUnreadable, Scanned, label_text, parse_label, qr_svg
from tichub.marketplace.models import Order, SampleAnnouncement, TimelineEvent

from .sample_world import SAMPLES, order_row, outsiders, pair

pytestmark = pytest.mark.django_db


def state(order):
    """Everything a refused action must leave alone."""
    order.refresh_from_db()
    return (
        order.status,
        SampleAnnouncement.objects.count(),
        list(SampleAnnouncement.objects.order_by("pk").values_list("reference", "dispatched_at")),
        AuditEvent.objects.count(),
        TimelineEvent.objects.count(),
        Notification.objects.count(),
    )


def announce(p, samples=SAMPLES, order=None):
    return sample_services.sample_announce(actor=p.owner_actor, order_id=(order or p.order).pk, samples=samples)


# --- declaring ----------------------------------------------------------------------------------------------------


def test_announce_gives_references_audit_and_timeline():
    p = pair(number="O2026-00042")
    created = announce(p)
    assert [(s.reference, s.description, s.quantity, s.batch, s.storage, s.dispatched_at) for s in created] == [
        ("O2026-00042-S01", "一级白砂糖，袋装", "2 袋 × 1 kg", "B20260301", "常温、干燥", None),
        ("O2026-00042-S02", "一级白砂糖，散装留样", "500 g", "B20260302", "", None),
    ]
    events = AuditEvent.objects.filter(action="sample.announce").order_by("object_id")
    assert [(e.object_id, e.after["reference"], e.organisation_id, e.actor_id) for e in events] == [
        (str(created[0].pk), "O2026-00042-S01", p.enterprise.pk, p.owner.pk),
        (str(created[1].pk), "O2026-00042-S02", p.enterprise.pk, p.owner.pk),
    ]
    [entry] = TimelineEvent.objects.filter(order=p.order)
    assert (entry.kind, entry.text_zh, entry.text_en, entry.actor_id) == (
        "samples_announced",
        "企业登记样品 2 件：O2026-00042-S01、O2026-00042-S02",
        "2 sample(s) announced: O2026-00042-S01, O2026-00042-S02",
        p.owner.pk,
    )
    p.order.refresh_from_db()
    assert p.order.status == OrderStatus.ACCEPTED  # declaring does not move the order
    more = announce(p, samples=[{"description": "第三件", "quantity": "1"}], order=p.order)
    assert [s.reference for s in more] == ["O2026-00042-S03"]


def test_announce_trims_text_and_collects_every_row_fault():
    p = pair()
    before = state(p.order)
    rows = [
        {"description": "  ok  ", "quantity": "1"},
        {"description": "", "quantity": "x" * 61, "batch": "b"},
        {"description": "z", "quantity": "1", "colour": "red"},
        "not a row",
    ]
    with pytest.raises(ServiceError) as caught:
        announce(p, samples=rows)
    assert caught.value.fields == {
        "samples.1.description": ["请填写样品描述。"],
        "samples.1.quantity": ["数量 最多 60 个字符（现为 61 个）。"],
        "samples.2": ["未知字段：colour。"],
        "samples.3": ["每件样品须包含描述、数量、批号和储存要求。"],
    }
    assert state(p.order) == before
    for bad in ([], None, [{"description": "a", "quantity": "1"}] * 51):
        with pytest.raises(ServiceError) as caught:
            announce(p, samples=bad)
        assert list(caught.value.fields) == ["samples"]
    assert state(p.order) == before
    [sample] = announce(p, samples=[{"description": "  一级  白砂糖 ", "quantity": " 1 袋"}])
    assert (sample.description, sample.quantity) == ("一级 白砂糖", "1 袋")


@pytest.mark.parametrize(
    "status", [OrderStatus.REVIEW, OrderStatus.DECLINED, OrderStatus.RECEIVED, OrderStatus.CANCELLED]
)
def test_announce_refused_outside_accepted_and_samples_sent(status):
    p = pair(status=status)
    before = state(p.order)
    with pytest.raises(Conflict) as caught:
        announce(p)
    label = str(OrderStatus(status).label)
    assert f"当前状态为“{label}”，不能登记样品" in caught.value.message
    assert caught.value.code == "order_state"
    assert state(p.order) == before


def test_announce_other_enterprise_institution_and_missing_order():
    p = pair()
    other_enterprise, other_institution = outsiders()
    before = state(p.order)
    with pytest.raises(NotFound):
        sample_services.sample_announce(actor=other_enterprise, order_id=p.order.pk, samples=SAMPLES)
    with pytest.raises(NotFound):
        sample_services.sample_announce(actor=p.owner_actor, order_id=p.order.pk + 999, samples=SAMPLES)
    with pytest.raises(PermissionDenied):  # institutions do not declare samples
        sample_services.sample_announce(actor=p.reception_actor, order_id=p.order.pk, samples=SAMPLES)
    with pytest.raises(PermissionDenied):
        sample_services.sample_announce(actor=other_institution, order_id=p.order.pk, samples=SAMPLES)
    assert state(p.order) == before
    with pytest.raises(NotFound):
        sample_selectors.order_samples(other_enterprise, p.order.pk)
    with pytest.raises(NotFound):
        sample_selectors.order_samples(other_institution, p.order.pk)


def test_same_order_number_at_two_institutions_gets_distinct_references():
    p = pair(number="O2026-00001")
    q = pair(number="O2026-00001")  # another institution numbers its orders alike
    assert [s.reference for s in announce(p)] == ["O2026-00001-S01", "O2026-00001-S02"]
    second = sample_services.sample_announce(actor=q.owner_actor, order_id=q.order.pk, samples=SAMPLES[:1])
    assert [s.reference for s in second] == [f"O2026-00001-{q.order.pk}-S01"]


def test_order_without_number_uses_its_id_and_references_are_upper_case():
    p = pair(number="")
    assert [s.reference for s in announce(p, samples=SAMPLES[:1])] == [f"ORDER{p.order.pk}-S01"]
    q = pair(number="wt2026-7")  # a numbering rule with a lower-case prefix
    [sample] = announce(q, samples=SAMPLES[:1])
    assert sample.reference == "WT2026-7-S01"
    found = sample_selectors.sample_lookup(actor=q.reception_actor, scanned_text=label_text("wt2026-7-s01", "wt2026-7"))
    assert found.sample == sample


# --- dispatching --------------------------------------------------------------------------------------------------


def test_dispatch_sends_pending_moves_order_and_tells_reception(django_capture_on_commit_callbacks):
    p = pair(number="O2026-00007")
    created = announce(p)
    audits = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        sent = sample_services.sample_dispatch(
            actor=p.member_actor, order_id=p.order.pk, courier="顺丰速运", tracking="SF1234567890"
        )
    assert [s.reference for s in sent] == [s.reference for s in created]
    p.order.refresh_from_db()
    assert p.order.status == OrderStatus.SAMPLES_SENT
    stored = list(SampleAnnouncement.objects.filter(order=p.order).values_list("dispatched_at", flat=True))
    assert len(stored) == 2 and all(stored) and stored[0] == stored[1] == sent[0].dispatched_at
    assert AuditEvent.objects.count() == audits + 3
    order_event = AuditEvent.objects.get(action="order.samples_sent")
    assert (order_event.before, order_event.after) == ({"status": "accepted"}, {"status": "samples_sent"})
    dispatch = AuditEvent.objects.filter(action="sample.dispatch").first()
    assert dispatch.after["courier"] == "顺丰速运" and dispatch.after["tracking"] == "SF1234567890"
    entry = TimelineEvent.objects.filter(order=p.order).order_by("pk").last()
    assert (entry.kind, entry.text_zh, entry.text_en) == (
        "samples_dispatched",
        "企业已寄出样品 2 件：O2026-00007-S01、O2026-00007-S02（顺丰速运 SF1234567890）",
        "2 sample(s) dispatched: O2026-00007-S01, O2026-00007-S02 (顺丰速运 SF1234567890)",
    )
    # The reception clerk is told (not the administrator, since there is a reception), in the app and by e-mail.
    [note] = Notification.objects.all()
    assert (note.user_id, note.organisation_id, note.url) == (
        p.reception.pk,
        p.institution.pk,
        f"/market/orders/{p.order.pk}/samples/",
    )
    assert note.title == "委托单 O2026-00007 的样品已寄出"
    assert "O2026-00007-S01, O2026-00007-S02" in note.body and "SF1234567890" in note.body
    assert [m.to for m in mail.outbox] == [[p.reception.email]]


def test_second_shipment_keeps_status_and_sends_only_new_samples():
    p = pair()
    announce(p)
    sample_services.sample_dispatch(actor=p.owner_actor, order_id=p.order.pk)
    [third] = announce(p, samples=[{"description": "补寄样品", "quantity": "1 袋"}])
    sent = sample_services.sample_dispatch(actor=p.owner_actor, order_id=p.order.pk)
    assert [s.pk for s in sent] == [third.pk]
    p.order.refresh_from_db()
    assert p.order.status == OrderStatus.SAMPLES_SENT
    assert AuditEvent.objects.filter(action="order.samples_sent").count() == 1


def test_dispatch_refusals_change_nothing():
    p = pair()
    before = state(p.order)
    with pytest.raises(Conflict) as caught:  # nothing declared
        sample_services.sample_dispatch(actor=p.owner_actor, order_id=p.order.pk)
    assert caught.value.code == "nothing"
    assert state(p.order) == before
    announce(p)
    before = state(p.order)
    with pytest.raises(ServiceError) as caught:
        sample_services.sample_dispatch(actor=p.owner_actor, order_id=p.order.pk, tracking="9" * 61)
    assert caught.value.fields == {"tracking": ["运单号 最多 60 个字符（现为 61 个）。"]}
    other_enterprise, other_institution = outsiders()
    with pytest.raises(NotFound):
        sample_services.sample_dispatch(actor=other_enterprise, order_id=p.order.pk)
    for actor in (p.reception_actor, other_institution):
        with pytest.raises(PermissionDenied):
            sample_services.sample_dispatch(actor=actor, order_id=p.order.pk)
    assert state(p.order) == before
    Order.objects.filter(pk=p.order.pk).update(status=OrderStatus.CANCELLED)
    before = state(p.order)
    with pytest.raises(Conflict) as caught:
        sample_services.sample_dispatch(actor=p.owner_actor, order_id=p.order.pk)
    assert "当前状态为“已取消”，不能寄出样品" in caught.value.message
    assert state(p.order) == before


def test_review_order_cannot_get_samples_through_the_page():
    p = pair(status=OrderStatus.REVIEW)
    client = signed_in(p.owner, p.enterprise)
    page = client.get(f"/market/orders/{p.order.pk}/samples/")
    assert page.status_code == 200 and 'id="sample-form"' not in page.content.decode()
    before = state(p.order)
    data = rows_post(SAMPLES)
    response = client.post(f"/market/orders/{p.order.pk}/samples/", data)
    assert response.status_code == 409
    assert "当前状态为“合同评审中”，不能登记样品" in response.content.decode()
    assert state(p.order) == before


# --- labels and scanning ------------------------------------------------------------------------------------------


def test_label_text_round_trip_and_unreadable_text():
    text = label_text("O2026-00042-S01", "O2026-00042")
    assert text == "TICHUB:S:O2026-00042-S01:O:O2026-00042"
    assert parse_label(f"  {text}\n") == Scanned("O2026-00042-S01", "O2026-00042")
    assert parse_label(text.lower()) == Scanned("O2026-00042-S01", "O2026-00042")
    assert parse_label("o2026-00042-s01") == Scanned("O2026-00042-S01", None)
    assert parse_label("TICHUB:S:O2026-00042-S01") == Scanned("O2026-00042-S01", None)
    for bad in ("", "   ", "TICHUB:S::O:1", "TICHUB:S:X:O:", "hello world", "a" * 201, "<script>"):
        with pytest.raises(LabelUnreadable):
            parse_label(bad)
    svg = qr_svg(text, title="O2026-00042-S01")
    assert svg.startswith("<svg") and 'viewBox="0 0 29 29"' in svg and "<title>O2026-00042-S01</title>" in svg


def test_label_sheet_has_qr_svg_and_both_references():
    p = pair(number="O2026-00042")
    created = announce(p)
    client = signed_in(p.member, p.enterprise)
    page = client.get(f"/market/orders/{p.order.pk}/labels/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="qr-code"') == 2 and html.count("<svg") == 2
    assert "TICHUB:S:O2026-00042-S01:O:O2026-00042" in html and "TICHUB:S:O2026-00042-S02:O:O2026-00042" in html
    assert (
        '样品编号 <span class="en">Sample No.</span>' in html and '委托单号 <span class="en">Order No.</span>' in html
    )
    assert "@media print" in html and "size: A4" in html
    assert "Guangxi Sugar Co., Ltd." in html and "广西检测中心甲" in html
    one = client.get(f"/market/orders/{p.order.pk}/labels/?sample={created[1].pk}&skip=3").content.decode()
    assert one.count("<svg") == 1 and "O2026-00042-S02" in one and "O2026-00042-S01" not in one
    assert one.count('class="label blank"') == 3
    # The institution may print them too; nobody else.
    assert signed_in(p.reception, p.institution).get(f"/market/orders/{p.order.pk}/labels/").status_code == 200
    other_enterprise, other_institution = outsiders()
    for actor in (other_enterprise, other_institution):
        response = signed_in(actor.user, actor.organisation).get(f"/market/orders/{p.order.pk}/labels/")
        assert response.status_code == 404 and "O2026-00042-S01" not in response.content.decode()


def test_scan_finds_own_sample_only():
    p = pair(number="O2026-00042")
    sample = announce(p)[0]
    text = label_text(sample.reference, "O2026-00042")
    found = sample_selectors.sample_lookup(actor=p.analyst_actor, scanned_text=text)
    assert (found.sample.pk, found.order.pk) == (sample.pk, p.order.pk)
    assert sample_services.sample_lookup(actor=p.reception_actor, scanned_text=sample.reference).sample == sample
    by_id = label_text(sample.reference, str(p.order.pk))  # a label printed before the order had a number
    assert sample_selectors.sample_lookup(actor=p.reception_actor, scanned_text=by_id).sample == sample
    _, other_institution = outsiders()
    q = pair(number="O2026-00099")
    other_sample = announce(q)[0]
    refusals = [
        (other_institution, text),  # a label of another institution's order
        (q.reception_actor, text),
        (p.reception_actor, label_text(other_sample.reference, "O2026-00099")),
        (p.reception_actor, label_text(sample.reference, "O2026-00099")),  # the order part does not match
        (p.owner_actor, text),  # the enterprise does not receive samples
        (p.reception_actor, "O2026-00042-S77"),
    ]
    for actor, scanned in refusals:
        with pytest.raises(NotFound) as caught:
            sample_selectors.sample_lookup(actor=actor, scanned_text=scanned)
        assert caught.value.code == "not_found"
    with pytest.raises(NotFound) as caught:
        sample_selectors.sample_lookup(actor=p.reception_actor, scanned_text="扫描乱码!!")
    assert caught.value.code == "label_unreadable"


def test_scan_page_shows_sample_or_a_clear_refusal():
    p = pair(number="O2026-00042")
    sample = announce(p)[0]
    client = signed_in(p.reception, p.institution)
    assert client.get("/market/samples/scan/").status_code == 200
    page = client.get("/market/samples/scan/", {"text": label_text(sample.reference, "O2026-00042")})
    html = page.content.decode()
    assert page.status_code == 200 and sample.reference in html and "一级白砂糖，袋装" in html and "B20260301" in html
    _, other_institution = outsiders()
    other = signed_in(other_institution.user, other_institution.organisation)
    refused = other.get("/market/samples/scan/", {"text": label_text(sample.reference, "O2026-00042")})
    html = refused.content.decode()
    assert refused.status_code == 404
    assert f"未找到样品 {sample.reference}：编号不存在，或该样品不是寄往本机构的。" in html
    assert "一级白砂糖，袋装" not in html and "B20260301" not in html
    assert client.get("/market/samples/scan/", {"text": ""}).status_code == 400


# --- the samples page ---------------------------------------------------------------------------------------------


def rows_post(rows, total=None, extra=None):
    data = {"samples-TOTAL_FORMS": str(total or len(rows)), "samples-INITIAL_FORMS": "0",
            "samples-MIN_NUM_FORMS": "1", "samples-MAX_NUM_FORMS": "50"}  # fmt: skip
    for i, row in enumerate(rows):
        for name in ("description", "quantity", "batch", "storage"):
            data[f"samples-{i}-{name}"] = row.get(name, "")
    data.update(extra or {})
    return data


def test_page_declares_rows_skipping_empty_ones_and_dispatches():
    p = pair(number="O2026-00042")
    client = signed_in(p.owner, p.enterprise)
    page = client.get(f"/market/orders/{p.order.pk}/samples/").content.decode()
    assert page.count('name="samples-') >= 3 * 4 and 'hx-select="#sample-form"' in page
    response = client.post(f"/market/orders/{p.order.pk}/samples/", rows_post([*SAMPLES, {}], total=3))
    assert response.status_code == 302 and response["Location"] == f"/market/orders/{p.order.pk}/samples/"
    assert list(SampleAnnouncement.objects.values_list("reference", flat=True)) == [
        "O2026-00042-S01",
        "O2026-00042-S02",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "O2026-00042-S02" in page and "确认寄出" in page
    response = client.post(f"/market/orders/{p.order.pk}/samples/dispatch/", {"courier": "EMS", "tracking": "E123"})
    assert response.status_code == 302
    p.order.refresh_from_db()
    assert p.order.status == OrderStatus.SAMPLES_SENT


def test_page_add_row_keeps_typed_values_without_judging_them():
    p = pair()
    client = signed_in(p.owner, p.enterprise)
    data = rows_post([{"description": "已填写的样品", "quantity": ""}], extra={"add_row": "1"})
    page = client.post(f"/market/orders/{p.order.pk}/samples/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="已填写的样品"' in html and 'name="samples-1-description"' in html
    assert 'name="samples-2-description"' not in html
    assert 'name="samples-TOTAL_FORMS" value="2"' in html and "请填写" not in html
    assert not SampleAnnouncement.objects.exists()
    # HTMX posts the same form and picks the form out of the answer.
    htmx = client.post(f"/market/orders/{p.order.pk}/samples/", data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and 'id="sample-form"' in htmx.content.decode()


def test_page_shows_row_errors_on_their_fields():
    p = pair()
    client = signed_in(p.owner, p.enterprise)
    response = client.post(
        f"/market/orders/{p.order.pk}/samples/", rows_post([{"description": "缺数量", "quantity": ""}])
    )
    assert response.status_code == 400
    assert re.search(r'id="sample-row-0".*?class="error"', response.content.decode(), re.S)
    assert not SampleAnnouncement.objects.exists()


def test_page_for_the_institution_lists_without_forms():
    p = pair()
    announce(p)
    client = signed_in(p.analyst, p.institution)
    html = client.get(f"/market/orders/{p.order.pk}/samples/").content.decode()
    assert "一级白砂糖，袋装" in html and 'id="sample-form"' not in html and "确认寄出" not in html
    before = state(p.order)
    assert client.post(f"/market/orders/{p.order.pk}/samples/", rows_post(SAMPLES)).status_code == 403
    assert client.post(f"/market/orders/{p.order.pk}/samples/dispatch/", {}).status_code == 403
    assert state(p.order) == before


def test_samples_page_queries_do_not_grow_with_samples(django_assert_max_num_queries):
    p = pair()
    client = signed_in(p.owner, p.enterprise)
    announce(p)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/market/orders/{p.order.pk}/samples/")
    announce(p, samples=[{"description": f"样品 {i}", "quantity": "1"} for i in range(30)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/market/orders/{p.order.pk}/samples/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/market/orders/{p.order.pk}/labels/")


def test_another_order_of_the_same_parties_is_separate():
    p = pair()
    other = order_row(p.enterprise, p.institution)
    announce(p)
    _, samples = sample_selectors.order_samples(p.owner_actor, other.pk)
    assert samples == []


def test_full_path_from_contract_review_to_receipt(django_capture_on_commit_callbacks):
    """With the real need, quote and review services: accepted → samples declared and sent → found at receipt."""
    from tichub.marketplace import message_services, order_selectors, order_services

    from .order_world import accepted
    from .world import make_market

    m = make_market()
    order = accepted(m)
    assert order.number and order.status == OrderStatus.ACCEPTED
    created = sample_services.sample_announce(actor=m.member_actor, order_id=order.pk, samples=SAMPLES)
    assert [s.reference for s in created] == [f"{order.number}-S01", f"{order.number}-S02"]
    with django_capture_on_commit_callbacks(execute=True):
        sample_services.sample_dispatch(actor=m.owner_actor, order_id=order.pk, courier="顺丰速运")
    reception = m.lab.reception_actor
    found = sample_selectors.sample_lookup(actor=reception, scanned_text=label_text(created[1].reference, order.number))
    assert (found.sample.pk, found.order.pk, found.order.status) == (created[1].pk, order.pk, "samples_sent")
    with pytest.raises(NotFound):  # the other laboratory that quoted cannot find it
        sample_selectors.sample_lookup(actor=m.lab2.reception_actor, scanned_text=created[1].reference)
    order_services.order_advance(actor=reception, order_id=order.pk, to=OrderStatus.RECEIVED)
    kinds = list(TimelineEvent.objects.filter(order=order).order_by("created_at", "pk").values_list("kind", flat=True))
    assert kinds[-3:] == ["samples_announced", "samples_dispatched", "received"]
    before = state(order)
    with pytest.raises(Conflict):
        sample_services.sample_announce(actor=m.owner_actor, order_id=order.pk, samples=SAMPLES)
    assert state(order) == before
    # The order page's unread badge comes from the messages selectors.
    message_services.message_post(actor=m.owner_actor, order_id=order.pk, body="样品已寄出，请查收")
    assert order_selectors.order_get(reception, order.pk).unread_messages == 1
    assert order_selectors.order_get(m.owner_actor, order.pk).unread_messages == 0
