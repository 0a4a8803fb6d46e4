"""API: an order's samples (declare, dispatch, look up a label) and its messages (thread, read mark, unread)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.marketplace import message_services, sample_services
from tichub.marketplace.choices import OrderStatus
from tichub.marketplace.models import Message, SampleAnnouncement, ThreadRead

from .sample_world import SAMPLES, outsiders, pair

pytestmark = pytest.mark.django_db
API = "/api/v1/market"


def post(client, url, data=None):
    return client.post(url, data=data or {}, content_type="application/json")


def test_declare_list_dispatch_and_lookup():
    p = pair(number="O2026-00042")
    owner = signed_in(p.owner, p.enterprise)
    response = post(owner, f"{API}/orders/{p.order.pk}/samples", {"samples": SAMPLES})
    assert response.status_code == 201
    body = response.json()
    assert [(s["reference"], s["batch"], s["dispatched_at"], s["label_text"]) for s in body] == [
        ("O2026-00042-S01", "B20260301", None, "TICHUB:S:O2026-00042-S01:O:O2026-00042"),
        ("O2026-00042-S02", "B20260302", None, "TICHUB:S:O2026-00042-S02:O:O2026-00042"),
    ]
    listing = owner.get(f"{API}/orders/{p.order.pk}/samples").json()
    assert listing["count"] == 2 and [s["reference"] for s in listing["items"]] == [
        "O2026-00042-S01",
        "O2026-00042-S02",
    ]

    response = post(owner, f"{API}/orders/{p.order.pk}/samples/dispatch", {"courier": "顺丰", "tracking": "SF1"})
    assert response.status_code == 200
    sent = response.json()
    assert (sent["order_id"], sent["order_status"], len(sent["dispatched"])) == (p.order.pk, "samples_sent", 2)
    assert all(s["dispatched_at"] for s in sent["dispatched"])

    lab = signed_in(p.reception, p.institution)
    found = lab.get(f"{API}/samples/lookup", {"text": "TICHUB:S:O2026-00042-S02:O:O2026-00042"})
    assert found.status_code == 200
    assert (found.json()["sample"]["reference"], found.json()["order"]) == (
        "O2026-00042-S02",
        {"id": p.order.pk, "number": "O2026-00042", "status": "samples_sent",
         "enterprise": "广西某糖业有限公司", "institution": "广西检测中心甲"},
    )  # fmt: skip
    _, other_institution = outsiders()
    other = signed_in(other_institution.user, other_institution.organisation)
    refused = other.get(f"{API}/samples/lookup", {"text": "TICHUB:S:O2026-00042-S02:O:O2026-00042"})
    assert refused.status_code == 404 and "一级白砂糖" not in refused.content.decode()
    assert lab.get(f"{API}/samples/lookup", {"text": "???"}).json()["code"] == "label_unreadable"


def test_sample_refusals_are_precise_and_change_nothing():
    p = pair(status=OrderStatus.REVIEW)
    owner = signed_in(p.owner, p.enterprise)
    events = AuditEvent.objects.count()
    response = post(owner, f"{API}/orders/{p.order.pk}/samples", {"samples": SAMPLES})
    assert response.status_code == 409 and response.json()["code"] == "order_state"
    assert "当前状态为“合同评审中”，不能登记样品" in response.json()["message"]
    q = pair()
    owner_q = signed_in(q.owner, q.enterprise)
    response = post(owner_q, f"{API}/orders/{q.order.pk}/samples", {"samples": [{"description": "", "quantity": "1"}]})
    assert response.status_code == 400 and response.json()["fields"] == {"samples.0.description": ["请填写样品描述。"]}
    assert post(owner_q, f"{API}/orders/{q.order.pk}/samples/dispatch").status_code == 409
    assert post(owner, f"{API}/orders/{q.order.pk}/samples", {"samples": SAMPLES}).status_code == 404  # not p's
    assert owner.get(f"{API}/orders/{q.order.pk}/samples").status_code == 404
    lab = signed_in(q.reception, q.institution)
    assert post(lab, f"{API}/orders/{q.order.pk}/samples", {"samples": SAMPLES}).status_code == 403
    assert lab.get(f"{API}/orders/{q.order.pk}/samples").status_code == 200
    assert SampleAnnouncement.objects.count() == 0 and AuditEvent.objects.count() == events


def test_messages_thread_read_and_unread():
    p = pair(number="O2026-00042")
    owner = signed_in(p.owner, p.enterprise)
    lab = signed_in(p.reception, p.institution)
    response = post(owner, f"{API}/orders/{p.order.pk}/messages", {"body": "样品已备好"})
    assert response.status_code == 201
    created = response.json()
    assert (created["body"], created["sender_name"], created["sender_organisation"], created["attachments"]) == (
        "样品已备好",
        p.owner.name,
        "广西某糖业有限公司",
        [],
    )
    file = SimpleUploadedFile("说明.txt", b"hello")
    message_services.message_post(actor=p.reception_actor, order_id=p.order.pk, body="见附件", files=[file])
    assert lab.get(f"{API}/messages/unread").json() == {"total": 0, "orders": []}  # they wrote after reading
    unread = owner.get(f"{API}/messages/unread").json()
    assert unread == {"total": 1, "orders": [{"order_id": p.order.pk, "number": "O2026-00042", "unread": 1}]}
    thread = owner.get(f"{API}/orders/{p.order.pk}/messages").json()
    assert thread["count"] == 2 and [m["body"] for m in thread["items"]] == ["样品已备好", "见附件"]
    [attachment] = thread["items"][1]["attachments"]
    assert (attachment["name"], attachment["size"]) == ("说明.txt", 5)
    download = owner.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"hello"
    assert owner.get(f"{API}/messages/unread").json()["total"] == 1  # reading through the API is not marking
    read = post(owner, f"{API}/orders/{p.order.pk}/messages/read")
    assert read.status_code == 200 and read.json()["order_id"] == p.order.pk
    assert owner.get(f"{API}/messages/unread").json() == {"total": 0, "orders": []}

    response = post(owner, f"{API}/orders/{p.order.pk}/messages", {"body": " "})
    assert response.status_code == 400 and response.json()["fields"] == {"body": ["请填写留言内容。"]}
    other_enterprise, other_institution = outsiders()
    for actor in (other_enterprise, other_institution):
        client = signed_in(actor.user, actor.organisation)
        assert client.get(f"{API}/orders/{p.order.pk}/messages").status_code == 404
        assert post(client, f"{API}/orders/{p.order.pk}/messages", {"body": "hi"}).status_code == 404
        assert post(client, f"{API}/orders/{p.order.pk}/messages/read").status_code == 404
        assert client.get(attachment["url"]).status_code == 404
        assert client.get(f"{API}/messages/unread").json() == {"total": 0, "orders": []}
    assert Message.objects.count() == 2
    assert not ThreadRead.objects.filter(user__in=[other_enterprise.user, other_institution.user]).exists()


def test_list_apis_do_not_grow_in_queries(django_assert_max_num_queries):
    p = pair()
    owner = signed_in(p.owner, p.enterprise)
    sample_services.sample_announce(actor=p.owner_actor, order_id=p.order.pk, samples=SAMPLES)
    message_services.message_post(
        actor=p.reception_actor, order_id=p.order.pk, body="1", files=[SimpleUploadedFile("a.txt", b"a")]
    )
    urls = [f"{API}/orders/{p.order.pk}/samples", f"{API}/orders/{p.order.pk}/messages", f"{API}/messages/unread"]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(12) as few:
            assert owner.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    sample_services.sample_announce(
        actor=p.owner_actor, order_id=p.order.pk, samples=[{"description": str(i), "quantity": "1"} for i in range(30)]
    )
    for i in range(30):
        other = p.another_order()
        for order in (p.order, other):
            message_services.message_post(
                actor=p.reception_actor, order_id=order.pk, body=f"{i}", files=[SimpleUploadedFile("a.txt", b"a")]
            )
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert owner.get(url).status_code == 200
