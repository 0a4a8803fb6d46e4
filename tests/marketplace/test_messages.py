"""An order's message thread: the two parties only, attachments, unread counts, the e-mail digest."""

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership
from tichub.core.errors import NotFound, ServiceError
from tichub.core.models import AuditEvent
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.marketplace import message_selectors, message_services
from tichub.marketplace.models import Attachment, Message, ThreadRead

from .sample_world import actor_of, order_row, outsiders, pair

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def post(actor, order, body="请问样品需要冷藏吗？", files=()):
    return message_services.message_post(actor=actor, order_id=order.pk, body=body, files=files)


def counts():
    return (Message.objects.count(), Attachment.objects.count(), AuditEvent.objects.count(), ThreadRead.objects.count())


def upload(name="报告草稿.pdf", content=b"%PDF-1.7 test"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- writing and reading ------------------------------------------------------------------------------------------


def test_both_parties_write_and_read_the_thread():
    p = pair()
    first = post(p.owner_actor, p.order)
    second = post(p.reception_actor, p.order, body="常温即可。\n请注明批号。")
    for actor in (p.member_actor, p.analyst_actor):
        thread = message_selectors.thread(actor, p.order.pk)
        assert [(m.pk, m.sender.name, m.sender_organisation.name_zh, m.body) for m in thread.messages] == [
            (first.pk, p.owner.name, "广西某糖业有限公司", "请问样品需要冷藏吗？"),
            (second.pk, p.reception.name, "广西检测中心甲", "常温即可。\n请注明批号。"),
        ]
    event = AuditEvent.objects.get(action="message.post", object_id=str(first.pk))
    assert (event.organisation_id, event.after) == (
        p.enterprise.pk,
        {"order": p.order.pk, "length": 10, "attachments": []},
    )


def test_nobody_else_reads_or_writes_the_thread():
    p = pair()
    post(p.owner_actor, p.order)
    other_enterprise, other_institution = outsiders()
    sub = InstitutionFactory()  # e.g. an approved subcontractor of the institution: not a party to the thread
    sub_actor = actor_of(sub, member(sub, Role.RECEPTION), Role.RECEPTION)
    before = counts()
    for actor in (other_enterprise, other_institution, sub_actor):
        with pytest.raises(NotFound):
            message_selectors.thread(actor, p.order.pk)
        with pytest.raises(NotFound):
            post(actor, p.order)
        with pytest.raises(NotFound):
            message_services.thread_mark_read(actor=actor, order_id=p.order.pk)
        assert message_selectors.unread_counts(actor, [p.order.pk]) == {}
        assert message_selectors.unread_total(actor) == 0
    assert counts() == before
    read_only = actor_of(p.enterprise, p.owner)  # no role at all
    with pytest.raises(PermissionDenied):
        post(read_only, p.order)
    assert counts() == before


def test_body_rules_change_nothing():
    p = pair()
    before = counts()
    for body, message in (
        ("", "请填写留言内容。"),
        ("   \n ", "请填写留言内容。"),
        ("字" * 5001, "留言内容最多 5000 个字符（现为 5001 个）。"),
        (None, "留言内容须为文本。"),
    ):
        with pytest.raises(ServiceError) as caught:
            post(p.owner_actor, p.order, body=body)
        assert caught.value.fields == {"body": [message]}
    assert counts() == before
    assert post(p.owner_actor, p.order, body="字" * 5000).body == "字" * 5000


def test_attachments_stored_with_sha256_and_limits_enforced():
    p = pair()
    content = b"%PDF-1.7 " + b"x" * 1000
    message = post(p.reception_actor, p.order, body="见附件。", files=[upload(content=content), upload("b.txt", b"hi")])
    stored = list(message.attachments.order_by("pk"))
    assert [(a.name, a.size, a.sha256, a.uploaded_by_id) for a in stored] == [
        ("报告草稿.pdf", len(content), hashlib.sha256(content).hexdigest(), p.reception.pk),
        ("b.txt", 2, hashlib.sha256(b"hi").hexdigest(), p.reception.pk),
    ]
    with stored[0].file.open("rb") as handle:
        assert handle.read() == content
    event = AuditEvent.objects.get(action="message.post")
    assert event.after["attachments"][1] == {"name": "b.txt", "size": 2, "sha256": hashlib.sha256(b"hi").hexdigest()}

    before = counts()
    big = SimpleUploadedFile("big.bin", b"\0" * (10 * MB + 1))
    with pytest.raises(ServiceError) as caught:
        post(p.owner_actor, p.order, files=[upload(), big])
    assert caught.value.fields == {"files.1": ["附件 big.bin 超过 10 MB（现为 10.0 MB）。"]}
    with pytest.raises(ServiceError) as caught:
        post(p.owner_actor, p.order, files=[upload(f"{i}.pdf") for i in range(6)])
    assert caught.value.fields == {"files": ["最多上传 5 个附件（现为 6 个）。"]}
    with pytest.raises(ServiceError) as caught:
        post(p.owner_actor, p.order, files=[SimpleUploadedFile("empty.txt", b"")])
    assert caught.value.fields == {"files.0": ["附件 empty.txt 是空文件。"]}
    assert counts() == before
    exactly = SimpleUploadedFile("ok.bin", b"\0" * (10 * MB))
    assert post(p.owner_actor, p.order, files=[exactly]).attachments.get().size == 10 * MB


# --- unread counts ------------------------------------------------------------------------------------------------


def test_unread_counts_follow_reading():
    p = pair()
    other = p.another_order()
    post(p.owner_actor, p.order)
    post(p.member_actor, p.order)
    post(p.owner_actor, other)
    reception, owner = p.reception_actor, p.owner_actor
    assert message_selectors.unread_counts(reception, [p.order.pk, other.pk]) == {p.order.pk: 2, other.pk: 1}
    assert message_selectors.unread_total(reception) == 3
    assert message_selectors.unread_for_order(reception, p.order.pk) == 2
    # The owner's own messages do not count; the member's do (they are somebody else's).
    assert message_selectors.unread_counts(owner, [p.order.pk, other.pk]) == {p.order.pk: 1}
    message_services.thread_mark_read(actor=reception, order_id=p.order.pk)
    assert message_selectors.unread_counts(reception, [p.order.pk, other.pk]) == {other.pk: 1}
    reply = post(reception, p.order)  # writing marks the writer's thread read too
    assert message_selectors.unread_counts(reception, [p.order.pk]) == {}
    assert message_selectors.unread_counts(owner, [p.order.pk]) == {p.order.pk: 2}
    assert [(r.order_id, r.unread) for r in message_selectors.unread_by_order(owner)] == [(p.order.pk, 2)]
    # The mark never moves back.
    read = message_services.thread_mark_read(actor=owner, order_id=p.order.pk)
    earlier = message_services.thread_mark_read(
        actor=owner, order_id=p.order.pk, up_to=reply.created_at - dt.timedelta(hours=1)
    )
    assert earlier.last_read_at == read.last_read_at
    assert message_selectors.unread_total(owner) == 0


@pytest.mark.parametrize("side", ["enterprise", "institution"])
def test_unread_counts_is_one_query_for_5_or_50_orders(side):
    p = pair()

    def measure(n):
        orders = [p.another_order() for _ in range(n)]
        for order in orders:
            post(p.owner_actor, order)
            post(p.reception_actor, order)
        actor = p.member_actor if side == "enterprise" else p.analyst_actor  # neither wrote
        with CaptureQueriesContext(connection) as captured:
            result = message_selectors.unread_counts(actor, [o.pk for o in orders])
        assert result == {o.pk: 2 for o in orders}
        return len(captured)

    assert measure(5) == measure(50) == 1
    actor = p.owner_actor
    with CaptureQueriesContext(connection) as captured:
        message_selectors.unread_total(actor)
        message_selectors.unread_by_order(actor)
    assert len(captured) == 2


# --- digest -------------------------------------------------------------------------------------------------------


def digest(minutes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return message_services.message_digest_send(now=timezone.now() + dt.timedelta(minutes=minutes))


def test_digest_emails_once_per_person_until_new_messages(django_capture_on_commit_callbacks):
    p = pair(number="O2026-00042")
    other = p.another_order(number="O2026-00043")
    post(p.owner_actor, p.order)
    post(p.owner_actor, p.order, body="再补充一句")
    post(p.owner_actor, other)
    assert digest(10, django_capture_on_commit_callbacks) == 0  # not 15 minutes old yet
    assert mail.outbox == []

    assert digest(16, django_capture_on_commit_callbacks) == 1  # the reception clerk who quoted; not the writer
    [email] = mail.outbox
    assert email.to == [p.reception.email]
    assert email.subject == "TICHub：您有 3 条未读委托留言"
    assert "委托单 O2026-00042：2 条未读" in email.body and "委托单 O2026-00043：1 条未读" in email.body
    assert f"/market/orders/{p.order.pk}/messages/" in email.body

    assert digest(30, django_capture_on_commit_callbacks) == 0  # nothing new since
    assert len(mail.outbox) == 1

    assert set(ThreadRead.objects.filter(user=p.reception).values_list("last_digest_at", flat=True)) == set(
        Message.objects.filter(sender=p.owner).values_list("created_at", flat=True).order_by("-created_at")[:2]
    )  # per order: the newest message announced
    post(p.owner_actor, other, body="新的问题")
    assert digest(16, django_capture_on_commit_callbacks) == 1
    assert mail.outbox[1].to == [p.reception.email]
    # Only orders with messages no digest announced yet; the count is everything unread there.
    assert "委托单 O2026-00043：2 条未读" in mail.outbox[1].body and "O2026-00042" not in mail.outbox[1].body


def test_digest_skips_readers_and_people_who_left(django_capture_on_commit_callbacks):
    p = pair()
    post(p.reception_actor, p.order)  # the need's author (the owner) follows the thread before opening it
    post(p.member_actor, p.order)  # the member follows it from now on, having written after the reception
    assert digest(16, django_capture_on_commit_callbacks) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([p.owner.email, p.reception.email])
    owner_mail = next(m for m in mail.outbox if m.to == [p.owner.email])
    assert "2 条未读" in owner_mail.body
    mail.outbox.clear()
    post(p.reception_actor, p.order, body="第二条")
    Membership.objects.filter(user=p.member).delete()
    ThreadRead.objects.update(last_digest_at=None)
    message_services.thread_mark_read(actor=p.owner_actor, order_id=p.order.pk)
    assert digest(16, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_digest_command_runs_or_queues(django_capture_on_commit_callbacks):
    p = pair()
    post(p.owner_actor, p.order)
    Message.objects.update(created_at=timezone.now() - dt.timedelta(minutes=20))
    ThreadRead.objects.exclude(user=p.owner).update(last_read_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("message_digest", "--now", stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == "message digest: 1 e-mail(s)" and len(mail.outbox) == 1
    post(p.reception_actor, p.order)
    Message.objects.filter(sender=p.reception).update(created_at=timezone.now() - dt.timedelta(minutes=19))
    ThreadRead.objects.filter(user=p.owner).update(last_read_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("message_digest", stdout=(out := __import__("io").StringIO()))  # queued; tests run at once
    assert out.getvalue().startswith("message digest queued:") and [m.to for m in mail.outbox[1:]] == [[p.owner.email]]


# --- pages --------------------------------------------------------------------------------------------------------


def test_thread_page_marks_read_and_posts_with_attachments():
    p = pair()
    post(p.owner_actor, p.order, body="第一条<script>alert(1)</script>")
    client = signed_in(p.reception, p.institution)
    assert message_selectors.unread_total(p.reception_actor) == 1
    page = client.get(f"/market/orders/{p.order.pk}/messages/")
    html = page.content.decode()
    assert page.status_code == 200 and "第一条&lt;script&gt;" in html and 'hx-trigger="every 15s"' in html
    assert 'enctype="multipart/form-data"' in html
    assert message_selectors.unread_total(p.reception_actor) == 0
    response = client.post(
        f"/market/orders/{p.order.pk}/messages/",
        {"body": "收到，附上须知。", "attachments": [upload("须知.pdf"), upload("b.pdf", b"%PDF-b")]},
    )
    message = Message.objects.get(sender=p.reception)
    assert response.status_code == 302 and response["Location"].endswith(f"/messages/#m{message.pk}")
    assert sorted(message.attachments.values_list("name", flat=True)) == ["b.pdf", "须知.pdf"]
    attachment = message.attachments.get(name="须知.pdf")
    url = f"/market/orders/{p.order.pk}/messages/attachments/{attachment.pk}/"
    owner = signed_in(p.owner, p.enterprise)
    download = owner.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 test"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"
    other_enterprise, _ = outsiders()
    assert signed_in(other_enterprise.user, other_enterprise.organisation).get(url).status_code == 404
    assert owner.get(f"/market/orders/{p.order.pk}/messages/attachments/{attachment.pk + 99}/").status_code == 404


def test_thread_page_refuses_bad_posts_and_keeps_the_text():
    p = pair()
    client = signed_in(p.owner, p.enterprise)
    before = counts()
    big = SimpleUploadedFile("big.bin", b"\0" * (10 * MB + 1))
    response = client.post(f"/market/orders/{p.order.pk}/messages/", {"body": "带大附件", "attachments": [big]})
    html = response.content.decode()
    assert response.status_code == 400 and "附件 big.bin 超过 10 MB" in html and "带大附件" in html
    assert client.post(f"/market/orders/{p.order.pk}/messages/", {"body": ""}).status_code == 400
    assert counts()[:3] == before[:3]


def test_thread_polling_returns_new_messages_only():
    p = pair()
    first = post(p.owner_actor, p.order)
    client = signed_in(p.reception, p.institution)
    url = f"/market/orders/{p.order.pk}/messages/"
    empty = client.get(url, {"after": first.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "<li" not in empty and f"after={first.pk}" in empty and 'hx-swap-oob="true"' in empty
    second = post(p.owner_actor, p.order, body="新消息")
    fresh = client.get(url, {"after": first.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="m{second.pk}"' in fresh and f'id="m{first.pk}"' not in fresh and f"after={second.pk}" in fresh
    assert message_selectors.unread_total(p.reception_actor) == 0


def test_thread_page_queries_do_not_grow_with_messages(django_assert_max_num_queries):
    p = pair()
    client = signed_in(p.owner, p.enterprise)
    post(p.reception_actor, p.order, files=[upload()])
    with django_assert_max_num_queries(20) as few:
        client.get(f"/market/orders/{p.order.pk}/messages/")
    for i in range(25):
        post(p.reception_actor if i % 2 else p.owner_actor, p.order, body=f"第 {i} 条", files=[upload(f"{i}.pdf")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/market/orders/{p.order.pk}/messages/")


def test_order_rows_stay_separate():
    p = pair()
    other = order_row(p.enterprise, p.institution)
    post(p.owner_actor, p.order)
    assert message_selectors.thread(p.reception_actor, other.pk).messages == []
