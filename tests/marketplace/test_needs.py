"""Needs: writing, validation (nothing half-written), sending, cancelling, attachments, prefill, pages."""

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.models import AuditEvent, Notification
from tichub.core.testing.factories import InstitutionFactory
from tichub.marketplace import need_selectors
from tichub.marketplace.models import Attachment, Need, NeedItem, Quote
from tichub.marketplace.need_services import (
    need_attach,
    need_cancel,
    need_create,
    need_from_search,
    need_send,
    need_update,
)
from tichub.marketplace.quote_selectors import quote_get
from tichub.standards.models import StandardEdition

from .world import (
    cadmium_item,
    client_of,
    lead_item,
    make_enterprise,
    make_market,
    need_fields,
    need_for,
    quoted_need,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return make_market()


def counts():
    return (
        Need.objects.count(),
        NeedItem.objects.count(),
        Quote.objects.count(),
        AuditEvent.objects.count(),
        StandardEdition.objects.count(),
        Notification.objects.count(),
    )


def refused(call, **kwargs):
    """Run a service that must refuse; return the error after checking nothing changed."""
    before = counts()
    with pytest.raises(ServiceError) as info:
        call(**kwargs)
    assert counts() == before
    return info.value


# --- need_create ------------------------------------------------------------------------------------------------


def test_create_writes_a_draft_with_items_and_an_audit_event(m):
    need = need_create(actor=m.member_actor, items=[lead_item(), cadmium_item(lower_limit="0.01")], **need_fields())
    assert (need.status, need.organisation_id, need.created_by_id) == ("draft", m.enterprise.id, m.enterprise.member.pk)
    assert (need.title, need.sample_count, need.decision_rule, need.accredited_required) == (
        "白砂糖重金属检测",
        2,
        "simple",
        True,
    )
    items = list(need.items.order_by("position"))
    assert [(i.position, i.parameter, i.standard_id, i.lower_limit, i.upper_limit, i.unit) for i in items] == [
        (1, "铅", m.lead.pk, "", "0.5", "mg/kg"),
        (2, "镉", m.cadmium.pk, "0.01", "0.1", "mg/kg"),
    ]
    event = AuditEvent.objects.get(action="need.create")
    assert (event.organisation_id, event.object_id, event.actor_id) == (
        m.enterprise.id,
        str(need.pk),
        m.member_actor.user.pk,
    )
    assert [i["standard"] for i in event.after["items"]] == ["GB 5009.12-2017", "GB 5009.15-2014"]


def test_codes_are_read_as_people_type_them(m):
    need = need_for(m, items=[lead_item(standard_code="ＧＢ　5009.12—2017"), lead_item(standard_code="GB 5009.15")])
    assert [i.standard_id for i in need.items.order_by("position")] == [m.lead.pk, m.cadmium.pk]  # undated → current


def test_an_unknown_dated_edition_joins_the_catalogue(m):
    need = need_for(m, items=[lead_item(parameter="总砷", standard_code="GB 5009.11-2014")])
    edition = need.items.get().standard
    assert (edition.canonical, edition.status, edition.title_zh) == ("GB 5009.11-2014", "current", "GB 5009.11-2014")


def test_the_withdrawn_edition_may_be_asked_for(m):
    need = need_for(m, items=[lead_item(standard_code="GB 5009.12-2010")])
    assert need.items.get().standard_id == m.lead_old.pk


def test_item_without_standard_is_refused_with_its_index(m):
    error = refused(
        need_create, actor=m.owner_actor, items=[lead_item(), cadmium_item(standard_code="")], **need_fields()
    )
    assert error.fields == {"items.1.standard_code": ["每个检测项目都须写明方法标准（如 GB 5009.12-2017）。"]}


def test_unreadable_code_and_undated_code_without_current_edition(m):
    error = refused(
        need_create,
        actor=m.owner_actor,
        items=[lead_item(standard_code="not a code"), lead_item(standard_code="GB 9999")],
        **need_fields(),
    )
    assert error.fields["items.0.standard_code"][0].startswith("无法识别的标准编号「not a code」。")
    # "GB 9999" is readable but undated, and the catalogue has no current edition of it
    assert error.fields == {
        "items.0.standard_code": error.fields["items.0.standard_code"],
        "items.1.standard_code": ["请写明 GB 9999 的年代号（如 GB 9999-2017），以确定方法的版本。"],
    }


@pytest.mark.parametrize("days", [0, -1])
def test_deadline_must_be_after_today(m, days):
    deadline = today() + dt.timedelta(days=days)
    error = refused(need_create, actor=m.owner_actor, items=[lead_item()], **need_fields(deadline=deadline))
    assert error.fields == {
        "deadline": [f"期望完成日期须晚于今天（{today().isoformat()}），{deadline.isoformat()} 已过。"]
    }


def test_limits_are_decimal_text_and_ordered(m):
    error = refused(
        need_create,
        actor=m.owner_actor,
        items=[
            lead_item(upper_limit="0,5"),
            lead_item(lower_limit="2", upper_limit="1.5"),
            lead_item(upper_limit="1e-3"),
        ],
        **need_fields(),
    )
    assert error.fields == {
        "items.0.upper_limit": ["上限应为数字（如 0.5），不是「0,5」。"],
        "items.1.upper_limit": ["上限（1.5）不得小于下限（2）。"],
    }


def test_every_field_error_at_once(m):
    error = refused(
        need_create,
        actor=m.owner_actor,
        items=[],
        **need_fields(title=" ", sample_count=0, decision_rule="strict", product_description=""),
    )
    assert set(error.fields) == {"title", "product_description", "sample_count", "decision_rule", "items"}
    assert error.fields["items"] == ["至少填写一个检测项目。"]


def test_an_institution_cannot_write_needs(m):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        need_create(actor=m.lab.admin_actor, items=[lead_item()], **need_fields())


# --- need_update ------------------------------------------------------------------------------------------------


def test_update_replaces_items_of_a_draft_only(m):
    need = need_for(m)
    need_update(actor=m.owner_actor, need_id=need.pk, items=[cadmium_item()], **need_fields(title="只测镉"))
    need.refresh_from_db()
    assert (need.title, [i.parameter for i in need.items.all()]) == ("只测镉", ["镉"])
    assert AuditEvent.objects.filter(action="need.update").get().before["title"] == "白砂糖重金属检测"
    need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.lab.id])
    error = refused(need_update, actor=m.owner_actor, need_id=need.pk, items=[lead_item()], **need_fields())
    assert isinstance(error, Conflict)
    assert error.message == "委托需求当前状态为「询价中」，不能修改（只有草稿可以修改）。"


def test_another_enterprise_cannot_touch_my_need(m):
    need = need_for(m)
    for call, kwargs in (
        (need_update, {"items": [lead_item()], **need_fields()}),
        (need_send, {"institution_ids": [m.lab.id]}),
        (need_cancel, {}),
    ):
        error = refused(call, actor=m.outsider.owner_actor, need_id=need.pk, **kwargs)
        assert isinstance(error, NotFound)
    with pytest.raises(NotFound):
        need_selectors.need_get(m.outsider.owner_actor, need.pk)
    assert list(need_selectors.enterprise_needs(m.outsider.owner_actor)) == []


# --- need_send --------------------------------------------------------------------------------------------------


def test_send_opens_the_need_and_asks_each_institution_once(m):
    need = need_for(m)
    quotes = need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.lab2.id, m.lab.id, m.lab.id])
    need.refresh_from_db()
    assert need.status == "open"
    assert sorted((q.institution_id, q.status, q.enterprise_id) for q in quotes) == sorted(
        [(m.lab.id, "requested", m.enterprise.id), (m.lab2.id, "requested", m.enterprise.id)]
    )
    notified = set(Notification.objects.values_list("user_id", "organisation_id"))
    assert notified == {
        (m.lab.admin.pk, m.lab.id),
        (m.lab.reception.pk, m.lab.id),
        (m.lab2.admin.pk, m.lab2.id),
        (m.lab2.reception.pk, m.lab2.id),
    }
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"新的询价：白砂糖重金属检测（广西某糖业有限公司）"}
    event = AuditEvent.objects.get(action="need.send")
    assert (event.before, event.after["status"], event.after["institution_ids"]) == (
        {"status": "draft"},
        "open",
        sorted([m.lab.id, m.lab2.id]),
    )
    # asking again only those already asked: refused; adding one more: only the new one
    error = refused(need_send, actor=m.owner_actor, need_id=need.pk, institution_ids=[m.lab.id])
    assert (type(error), error.message) == (Conflict, "所选机构都已收到此需求的询价。")
    added = need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.lab.id, m.sub.id])
    assert [q.institution_id for q in added] == [m.sub.id]


def test_confidential_needs_are_not_named_in_notifications(m):
    need_for(m, confidential=True, send_to=[m.lab])
    assert set(Notification.objects.values_list("title", flat=True)) == {"新的询价（保密需求）来自 广西某糖业有限公司"}


def test_send_only_to_active_institutions(m):
    need = need_for(m)
    closed = InstitutionFactory(is_active=False)
    for ids in ([m.outsider.id], [closed.pk], [m.enterprise.id], [], [m.lab.id, 999999]):
        error = refused(need_send, actor=m.owner_actor, need_id=need.pk, institution_ids=ids)
        assert list(error.fields) == ["institution_ids"]
    need.refresh_from_db()
    assert need.status == "draft"


def test_cancel_withdraws_open_requests(m):
    need, _quotes = quoted_need(m)
    need_send(actor=m.owner_actor, need_id=need.pk, institution_ids=[m.sub.id])
    need_cancel(actor=m.owner_actor, need_id=need.pk, reason="项目取消")
    need.refresh_from_db()
    assert need.status == "cancelled"
    assert set(Quote.objects.filter(need=need).values_list("status", flat=True)) == {"withdrawn"}
    assert AuditEvent.objects.get(action="need.cancel").reason == "项目取消"
    error = refused(need_send, actor=m.owner_actor, need_id=need.pk, institution_ids=[m.lab.id])
    assert error.message == "委托需求当前状态为「已取消」，不能发送询价。"
    assert isinstance(refused(need_cancel, actor=m.owner_actor, need_id=need.pk), Conflict)


# --- attachments ------------------------------------------------------------------------------------------------


def test_attach_records_size_and_sha256(m):
    need = need_for(m)
    content = b"%PDF-1.4 product standard"
    attachment = need_attach(
        actor=m.owner_actor, need_id=need.pk, uploaded_file=SimpleUploadedFile("企业标准.pdf", content)
    )
    assert (attachment.name, attachment.size, attachment.sha256) == (
        "企业标准.pdf",
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert attachment.file.read() == content


def test_attachment_larger_than_20_mb_is_refused(m):
    need = need_for(m)
    upload = SimpleUploadedFile("big.bin", b"x")
    upload.size = 20 * 1024 * 1024 + 1
    before = Attachment.objects.count()
    error = refused(need_attach, actor=m.owner_actor, need_id=need.pk, uploaded_file=upload)
    assert error.fields == {"file": ["附件最大 20 MB，此文件为 20.0 MB。"]}
    assert Attachment.objects.count() == before


def test_only_the_enterprise_and_asked_institutions_download_attachments(m):
    need = need_for(m, send_to=[m.lab])
    attachment = need_attach(
        actor=m.owner_actor, need_id=need.pk, uploaded_file=SimpleUploadedFile("spec.txt", b"secret spec")
    )
    url = reverse("marketplace:need_attachment", args=[need.pk, attachment.pk])
    for party, status in ((m.enterprise, 200), (m.lab, 200), (m.lab2, 404), (m.outsider, 404)):
        response = client_of(party).get(url)
        assert response.status_code == status, party
        if status == 200:
            assert b"".join(response.streaming_content) == b"secret spec"


# --- visibility -------------------------------------------------------------------------------------------------


def test_an_institution_not_asked_cannot_see_the_need(m):
    need, quotes = quoted_need(m, labs=[m.lab])
    quote = quotes[m.lab.id]
    assert quote_get(m.lab.reception_actor, quote.pk).need_id == need.pk
    with pytest.raises(NotFound):
        quote_get(m.lab2.reception_actor, quote.pk)
    assert client_of(m.lab2).get(reverse("marketplace:quote_edit", args=[quote.pk])).status_code == 404
    assert client_of(m.lab2).get(reverse("marketplace:need_detail", args=[need.pk])).status_code == 403
    assert client_of(m.outsider).get(reverse("marketplace:need_detail", args=[need.pk])).status_code == 404


# --- prefill from a capability search ----------------------------------------------------------------------------


def test_need_from_search_prefills_items_from_matched_rows(m):
    prefill = need_from_search(actor=m.owner_actor, object_text="白砂糖", parameters=["铅", "镉"], accreditation="CNAS")
    assert [(i["parameter"], i["standard_code"], i["object_text"]) for i in prefill.items] == [
        ("铅", "GB 5009.12-2017", "白砂糖"),
        ("镉", "GB 5009.15-2014", "白砂糖"),
    ]
    assert prefill.fields["accredited_required"] is True
    assert prefill.fields["title"] == "白砂糖 铅、镉"
    assert set(prefill.institution_ids) == {m.lab.id, m.lab2.id, m.sub.id}
    # the prefilled items are a valid need as they stand
    need = need_create(actor=m.owner_actor, items=prefill.items, **need_fields())
    assert [i.standard_id for i in need.items.order_by("position")] == [m.lead.pk, m.cadmium.pk]


def test_need_from_search_without_rows_keeps_the_parameter_as_typed(m):
    prefill = need_from_search(actor=m.owner_actor, parameters=["总汞"], standard_code="GB 5009.17-2021")
    assert [(i["parameter"], i["standard_code"]) for i in prefill.items] == [("总汞", "GB 5009.17-2021")]


# --- candidates -------------------------------------------------------------------------------------------------


def test_candidates_rank_complete_exact_coverage_first(m):
    need = need_for(m)
    found = need_selectors.need_candidates(m.owner_actor, need)
    assert [(c.id, c.exact, c.accredited, c.other_edition, c.turnaround_days) for c in found] == [
        (m.lab.id, 2, 1, 0, 7),
        (m.sub.id, 1, 1, 0, 6),
        (m.lab2.id, 1, 1, 0, 3),
    ]
    old = need_for(m, items=[lead_item(standard_code="GB 5009.12-2010")], send_to=[m.lab2])
    found = {c.id: c for c in need_selectors.need_candidates(m.owner_actor, old)}
    assert (found[m.lab.id].exact, found[m.lab.id].other_edition, found[m.lab2.id].asked) == (0, 1, True)


# --- pages ------------------------------------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "title": "白砂糖重金属检测",
        "product_description": "一级白砂糖",
        "sample_count": "2",
        "deadline": (today() + dt.timedelta(days=20)).isoformat(),
        "decision_rule": "guarded",
        "accredited_required": "on",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
        "items-0-parameter": "铅",
        "items-0-standard_code": "GB 5009.12-2017",
        "items-0-upper_limit": "0.5",
        "items-0-unit": "mg/kg",
        "items-2-parameter": "镉",
        "items-2-standard_code": "GB 5009.15-2014",
    }
    data.update(overrides)
    return data


def test_need_new_page_creates_a_draft_skipping_blank_rows(m):
    client = client_of(m.enterprise)
    page = client.get(reverse("marketplace:need_new"))
    assert page.status_code == 200 and page.content.count(b'name="items-') >= 3 * 8
    response = client.post(reverse("marketplace:need_new"), form_data())
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("marketplace:need_detail", args=[need.pk])
    assert (need.decision_rule, [i.parameter for i in need.items.order_by("position")]) == ("guarded", ["铅", "镉"])


def test_need_new_puts_service_errors_on_the_right_row(m):
    client = client_of(m.enterprise)
    response = client.post(reverse("marketplace:need_new"), form_data(**{"items-2-standard_code": ""}))
    assert response.status_code == 400
    row = response.context["formset"].forms[2]
    assert row.errors == {"standard_code": ["每个检测项目都须写明方法标准（如 GB 5009.12-2017）。"]}
    assert Need.objects.count() == 0


def test_add_a_row_without_javascript_keeps_what_was_typed(m):
    response = client_of(m.enterprise).post(reverse("marketplace:need_new"), form_data(add_item="1"))
    assert response.status_code == 200 and Need.objects.count() == 0
    formset = response.context["formset"]
    assert len(formset.forms) == 4
    assert formset.forms[0].initial["parameter"] == "铅"
    assert response.context["form"].initial["title"] == "白砂糖重金属检测"


def test_need_from_search_page_prefills_the_form(m):
    url = reverse("marketplace:need_from_search") + "?object=白砂糖&parameters=铅、镉"
    response = client_of(m.enterprise).get(url)
    assert response.status_code == 200
    initial = [f.initial for f in response.context["formset"].forms]
    assert [(i.get("parameter"), i.get("standard_code")) for i in initial[:2]] == [
        ("铅", "GB 5009.12-2017"),
        ("镉", "GB 5009.15-2014"),
    ]


def test_search_results_link_to_a_need(m):
    response = client_of(m.enterprise).get(reverse("registry:search") + "?object=白砂糖&parameters=铅")
    assert reverse("marketplace:need_from_search").encode() in response.content


def test_detail_page_sends_and_compares(m):
    need = need_for(m)
    client = client_of(m.enterprise)
    page = client.get(reverse("marketplace:need_detail", args=[need.pk]))
    assert page.status_code == 200
    assert next(c.id for c in page.context["candidates"]) == m.lab.id
    response = client.post(reverse("marketplace:need_send", args=[need.pk]), {"institutions": [m.lab.id, m.lab2.id]})
    assert response.status_code == 302
    assert set(Quote.objects.filter(need=need).values_list("institution_id", flat=True)) == {m.lab.id, m.lab2.id}
    response = client.post(reverse("marketplace:need_send", args=[need.pk]), {"others": [m.outsider.id]})
    assert response.status_code == 400  # not an institution: an option the form never offered


def test_list_queries_do_not_grow_with_needs(m):
    client = client_of(m.enterprise)
    need_for(m, send_to=[m.lab])
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("marketplace:need_list")).status_code == 200
    for _ in range(6):
        need_for(m, send_to=[m.lab, m.lab2])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("marketplace:need_list") + "?status=open")
    assert response.status_code == 200 and len(response.context["page"].object_list) == 7
    assert len(many) == len(few)


def test_list_filters(m):
    need_for(m, title="甲")
    need_for(m, title="乙", send_to=[m.lab])
    need_for(make_enterprise(), title="别人的")
    actor = m.owner_actor
    assert [n.title for n in need_selectors.enterprise_needs(actor)] == ["乙", "甲"]
    assert [n.title for n in need_selectors.enterprise_needs(actor, status="open")] == ["乙"]
    assert [n.title for n in need_selectors.enterprise_needs(actor, q="甲")] == ["甲"]
    assert need_selectors.need_status_counts(actor) == {"draft": 1, "open": 1, "ordered": 0, "cancelled": 0}
    row = need_selectors.enterprise_needs(actor, status="open").get()
    assert (row.item_count, row.quote_count, row.submitted_count) == (2, 1, 0)


def test_need_from_search_leaves_the_method_open_for_uncovered_parameters_of_a_multi_parameter_search(m):
    prefill = need_from_search(actor=m.owner_actor, parameters=["总汞", "甲醛"], standard_code="GB 5009.17-2021")
    assert [(i["parameter"], i["standard_code"]) for i in prefill.items] == [("总汞", ""), ("甲醛", "")]
