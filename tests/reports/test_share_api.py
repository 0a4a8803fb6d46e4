"""The delivery API (/api/v1/reports/{id}/shares, /shares/{id}/revoke, /{id}/accesses) and the query budgets of
every list: the API lists, the enterprise's share partial and the public share page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tichub.accounts.choices import Role
from tichub.core.testing.factories import InstitutionFactory, OrganisationFactory, member
from tichub.core.testing.permissions import signed_in
from tichub.reports import share_selectors
from tichub.reports.choices import AccessKind, ReportStatus
from tichub.reports.models import ReportAccess, ReportShare
from tichub.reports.report_services import report_withdraw

from .share_world import access_rows, report_row, share_row, shared_world, state

pytestmark = pytest.mark.django_db
API = "/api/v1/reports"


def _same_time(text, value):
    """The API writes datetimes in ISO 8601 to the millisecond."""
    return abs(dt.datetime.fromisoformat(text) - value) < dt.timedelta(milliseconds=1)


@pytest.fixture
def rows():
    """A report made as a row, its enterprise's owner client, the lab's client and an outsider's client."""
    lab, enterprise = InstitutionFactory(), OrganisationFactory()
    report = report_row(lab, enterprise)
    owner = member(enterprise, Role.ENTERPRISE_OWNER)
    return {
        "report": report,
        "owner": owner,
        "client": signed_in(owner, enterprise),
        "lab": signed_in(member(lab, Role.INSTITUTION_ADMIN), lab),
        "outsider": signed_in(member(OrganisationFactory(), Role.ENTERPRISE_OWNER), None),
    }


def test_create_returns_the_link(rows):
    report, client = rows["report"], rows["client"]
    response = client.post(
        f"{API}/{report.pk}/shares", {"recipient": "越南进口商 ABC", "days": 10}, content_type="application/json"
    )
    assert response.status_code == 201
    share = ReportShare.objects.get()
    assert share.expires_at - share.created_at == pytest.approx(dt.timedelta(days=10), abs=dt.timedelta(seconds=5))
    assert response.json() == {
        "id": share.pk,
        "report_id": report.pk,
        "recipient": "越南进口商 ABC",
        "status": "active",
        "url": f"http://127.0.0.1:8000/reports/shared/{share.token}/",
        "created_at": response.json()["created_at"],
        "created_by": rows["owner"].name,
        "expires_at": response.json()["expires_at"],
        "revoked_at": None,
    }
    assert _same_time(response.json()["expires_at"], share.expires_at)
    assert _same_time(response.json()["created_at"], share.created_at)


def test_create_defaults_to_30_days(rows):
    response = rows["client"].post(
        f"{API}/{rows['report'].pk}/shares", {"recipient": "海关"}, content_type="application/json"
    )
    share = ReportShare.objects.get(pk=response.json()["id"])
    assert (
        dt.timedelta(days=30) - dt.timedelta(seconds=5) < share.expires_at - share.created_at <= dt.timedelta(days=30)
    )


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"recipient": "", "days": 30}, 400, {"recipient": ["请填写接收方，便于日后识别这条链接。"]}),
        ({"recipient": "x" * 121}, 400, {"recipient": ["接收方不能超过 120 个字符。"]}),
        ({"recipient": "海关", "days": 0}, 400, {"days": ["有效天数须为 1 到 90 之间的整数。"]}),
        ({"recipient": "海关", "days": 10**30}, 400, {"days": ["有效天数须为 1 到 90 之间的整数。"]}),
        ({"recipient": "海关", "days": "十"}, 422, None),
        ({"days": 30}, 422, None),
    ],
)
def test_create_refuses_bad_input(rows, body, status, fields):
    before = state()
    response = rows["client"].post(f"{API}/{rows['report'].pk}/shares", body, content_type="application/json")
    assert response.status_code == status
    if fields is not None:
        assert response.json()["fields"] == fields and response.json()["code"] == "invalid"
    else:
        assert response.json()["code"] == "invalid" and set(response.json()["fields"]) <= {"recipient", "days"}
    assert state() == before


def test_withdrawn_report_cannot_be_shared():
    sw = shared_world()
    report_withdraw(actor=sw.w.quality_actor, report_id=sw.report.pk, reason="样品信息录入错误")
    before = state()
    response = sw.owner_client().post(
        f"{API}/{sw.report.pk}/shares", {"recipient": "海关"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "report_withdrawn",
        "message": f"报告 {sw.report.number} 已撤回，不能分享。",
        "fields": {},
    }
    assert state() == before


def test_superseded_report_row_can_be_shared():
    lab, enterprise = InstitutionFactory(), OrganisationFactory()
    report = report_row(lab, enterprise, status=ReportStatus.SUPERSEDED)
    client = signed_in(member(enterprise, Role.ENTERPRISE_MEMBER), enterprise)
    response = client.post(f"{API}/{report.pk}/shares", {"recipient": "海关"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["status"] == "active"


def test_institution_is_refused_with_403(rows):
    report, lab = rows["report"], rows["lab"]
    share = share_row(report)
    access_rows(report, 2, share=share)
    before = state()
    assert (
        lab.post(f"{API}/{report.pk}/shares", {"recipient": "海关"}, content_type="application/json").status_code == 403
    )
    assert lab.post(f"{API}/shares/{share.pk}/revoke").status_code == 403
    for path in ("shares", "accesses"):
        response = lab.get(f"{API}/{report.pk}/{path}")
        assert response.status_code == 403 and share.token not in response.content.decode()
    assert state() == before


def test_other_enterprise_gets_404(rows):
    report, outsider = rows["report"], rows["outsider"]
    share = share_row(report)
    access_rows(report, 2, share=share)
    before = state()
    assert (
        outsider.post(f"{API}/{report.pk}/shares", {"recipient": "海关"}, content_type="application/json").status_code
        == 404
    )
    assert outsider.post(f"{API}/shares/{share.pk}/revoke").status_code == 404
    for path in ("shares", "accesses", "pdf"):
        response = outsider.get(f"{API}/{report.pk}/{path}")
        assert response.status_code == 404 and share.token not in response.content.decode()
    assert state() == before


def test_list_shows_each_status(rows):
    report, client = rows["report"], rows["client"]
    active = share_row(report, recipient="甲")
    expired = share_row(report, recipient="乙", expires_in=dt.timedelta(seconds=-1))
    revoked = share_row(report, recipient="丙", revoked=True)
    expired_and_revoked = share_row(report, recipient="丁", expires_in=dt.timedelta(seconds=-1), revoked=True)
    share_row(report_row(InstitutionFactory(), OrganisationFactory()))  # someone else's
    body = client.get(f"{API}/{report.pk}/shares").json()
    assert body["count"] == 4
    assert [(s["id"], s["recipient"], s["status"]) for s in body["items"]] == [
        (expired_and_revoked.pk, "丁", "revoked"),
        (revoked.pk, "丙", "revoked"),
        (expired.pk, "乙", "expired"),
        (active.pk, "甲", "active"),
    ]
    assert body["items"][3]["url"] == f"http://127.0.0.1:8000/reports/shared/{active.token}/"


def test_revoke_and_revoke_again(rows):
    share = share_row(rows["report"])
    client = rows["client"]
    response = client.post(f"{API}/shares/{share.pk}/revoke")
    assert response.status_code == 200
    share.refresh_from_db()
    assert response.json()["status"] == "revoked"
    assert _same_time(response.json()["revoked_at"], share.revoked_at)
    before = state()
    response = client.post(f"{API}/shares/{share.pk}/revoke")
    assert response.status_code == 409
    assert response.json() == {"code": "share_revoked", "message": "该分享链接已于此前撤销。", "fields": {}}
    assert state() == before


def test_accesses_are_paginated_newest_first(rows):
    report, client, owner = rows["report"], rows["client"], rows["owner"]
    share = share_row(report, recipient="海关")
    first = ReportAccess.objects.create(
        report=report, share=share, kind=AccessKind.SHARE_VIEW, ip="203.0.113.5", user_agent="Firefox"
    )
    second = ReportAccess.objects.create(
        report=report, kind=AccessKind.DOWNLOAD, user=owner, ip="2001:db8::1", user_agent="curl"
    )
    third = ReportAccess.objects.create(report=report, share=share, kind=AccessKind.SHARE_DOWNLOAD, ip=None)
    body = client.get(f"{API}/{report.pk}/accesses").json()
    assert body["count"] == 3
    items = [{k: v for k, v in item.items() if k != "at"} for item in body["items"]]
    assert items == [
        {"id": third.pk, "kind": "share_download", "share_id": share.pk, "recipient": "海关", "user": None,
         "ip": None, "user_agent": ""},
        {"id": second.pk, "kind": "download", "share_id": None, "recipient": None, "user": owner.name,
         "ip": "2001:db8::1", "user_agent": "curl"},
        {"id": first.pk, "kind": "share_view", "share_id": share.pk, "recipient": "海关", "user": None,
         "ip": "203.0.113.5", "user_agent": "Firefox"},
    ]  # fmt: skip
    page = client.get(f"{API}/{report.pk}/accesses?page=2&page_size=2").json()
    assert (page["count"], [item["id"] for item in page["items"]]) == (3, [first.pk])


# --- query budgets --------------------------------------------------------------------------------------------------


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _grow(report, owner, n):
    for i in range(n):
        share = share_row(report, recipient=f"买方 {i}", created_by=member(report.enterprise, Role.ENTERPRISE_MEMBER))
        access_rows(report, 3, share=share)
    access_rows(report, n, user=owner)


def test_api_lists_do_not_grow_with_rows(rows):
    report, client, owner = rows["report"], rows["client"], rows["owner"]
    _grow(report, owner, 1)

    def shares():
        assert client.get(f"{API}/{report.pk}/shares?page_size=100").status_code == 200

    def accesses():
        assert client.get(f"{API}/{report.pk}/accesses?page_size=100").status_code == 200

    few = (_queries(shares), _queries(accesses))
    _grow(report, owner, 20)
    many = (_queries(shares), _queries(accesses))
    assert client.get(f"{API}/{report.pk}/accesses?page_size=100").json()["count"] == 84
    assert many == few


def test_share_partial_does_not_grow_with_rows(rows):
    report, client, owner = rows["report"], rows["client"], rows["owner"]
    actor = share_selectors_actor(report, owner)
    _grow(report, owner, 1)
    few = (_queries(lambda: share_selectors.shares_of(actor, report)), _queries(lambda: _page(client, report)))
    _grow(report, owner, 30)
    many = (_queries(lambda: share_selectors.shares_of(actor, report)), _queries(lambda: _page(client, report)))
    assert many == few
    assert few[0] == 2
    shares, accesses = share_selectors.shares_of(actor, report)
    assert (len(shares), len(accesses)) == (31, share_selectors.ACCESS_PAGE)


def share_selectors_actor(report, user):
    from tichub.core.tenancy import Actor

    return Actor(user=user, organisation=report.enterprise, roles=frozenset({Role.ENTERPRISE_OWNER}))


def _page(client, report):
    response = client.get(f"/reports/{report.pk}/shares/")
    assert response.status_code == 200


def test_public_page_queries_are_constant(rows):
    report, owner = rows["report"], rows["owner"]
    share = share_row(report)

    def visit():
        assert signed_in(None, None).get(f"/reports/shared/{share.token}/").status_code == 200

    def download():
        assert signed_in(None, None).get(f"/reports/shared/{share.token}/pdf/").status_code == 200

    few = (_queries(visit), _queries(download))
    _grow(report, owner, 30)
    access_rows(report, 200, share=share)
    many = (_queries(visit), _queries(download))
    assert many == few
    assert few[0] <= 3  # the link with its report and institution, the access row (and its savepoint, if any)
