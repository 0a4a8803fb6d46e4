"""Pages: method list, new and edit (range table as rows), switch on/off, lab settings, signatories."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.registry.search_world import edition
from tichub.core.models import AuditEvent
from tichub.core.testing.permissions import signed_in
from tichub.lims.models import LabSettings, SignatoryAuthorisation
from tichub.lims.models import TestMethod as LabMethod

from .world import lab_world

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def method_post(**overrides):
    data = {
        "keyword": "moisture",
        "parameter": "水分",
        "parameter_en": "Moisture",
        "standard_code": "GB 5009.3-2016",
        "clause": "",
        "unit": "g/100g",
        "places": "2",
        "lod": "",
        "loq": "",
        "uncertainty_kind": "ranges",
        "uncertainty_value": "",
        "coverage_factor": "2",
        "formula": "",
        "non_negative": "on",
        "ranges-TOTAL_FORMS": "3",
        "ranges-INITIAL_FORMS": "0",
        "ranges-MIN_NUM_FORMS": "0",
        "ranges-MAX_NUM_FORMS": "50",
        "ranges-0-low": "0",
        "ranges-0-high": "10",
        "ranges-0-value": "0.2",
        "ranges-1-low": "10",
        "ranges-1-high": "100",
        "ranges-1-value": "2",
        "ranges-1-relative": "on",
        "ranges-2-low": "",
        "ranges-2-high": "",
        "ranges-2-value": "",
    }
    return {**data, **overrides}


def test_list_shows_settings_and_actions_by_role():
    w = lab_world()
    html = signed_in(w.analyst, w.institution).get(reverse("lims:method_list")).content.decode()
    assert "<code>pb</code>" in html and "GB 5009.15-2014" in html and "µg/kg" in html and "10 %" in html
    assert reverse("lims:method_edit", args=[w.methods["pb"].pk]) not in html
    html = signed_in(w.quality, w.institution).get(reverse("lims:method_list")).content.decode()
    assert reverse("lims:method_edit", args=[w.methods["pb"].pk]) in html and reverse("lims:method_new") in html
    assert (
        "<code>pb</code>"
        not in signed_in(w.m.lab2.analyst, w.m.lab2.org).get(reverse("lims:method_list")).content.decode()
    )


def test_list_query_count_does_not_grow(django_assert_max_num_queries):
    w = lab_world()
    client = signed_in(w.quality, w.institution)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("lims:method_list")).status_code == 200
    for n in range(20):
        LabMethod.objects.create(
            institution=w.institution, keyword=f"m{n}", parameter=f"参数{n}", parameter_key=f"p{n}",
            standard=edition(f"GB/T {20000 + n}-2020"), unit="mg/kg",
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("lims:method_list"))
    assert len(response.context["page"]) == 22


def test_new_method_with_range_rows_and_add_a_row():
    w = lab_world()
    edition("GB 5009.3-2016")
    client = signed_in(w.quality, w.institution)
    page = client.get(reverse("lims:method_new"))
    assert page.status_code == 200 and page.context["formset"].total_form_count() == 1
    more = client.post(reverse("lims:method_new"), method_post(add_row="1"), HTTP_HX_REQUEST="true")
    assert more.status_code == 200 and more.context["formset"].total_form_count() == 4
    assert 'value="100"' in more.content.decode() and not LabMethod.objects.filter(keyword="moisture").exists()
    response = client.post(reverse("lims:method_new"), method_post())
    assert response.status_code == 302 and response["Location"] == reverse("lims:method_list")
    created = LabMethod.objects.get(keyword="moisture")
    assert (created.unit, created.places, created.uncertainty_kind, created.uncertainty_ranges) == (
        "g/100 g",
        2,
        "ranges",
        [
            {"from": "0", "to": "10", "value": "0.2", "relative": False},
            {"from": "10", "to": "100", "value": "2", "relative": True},
        ],
    )
    edit = client.get(reverse("lims:method_edit", args=[created.pk]))
    assert edit.context["formset"].total_form_count() == 2 and 'value="GB 5009.3-2016"' in edit.content.decode()


def test_edit_refusal_lands_on_the_row_and_changes_nothing():
    w = lab_world()
    edition("GB 5009.3-2016")
    client = signed_in(w.quality, w.institution)
    pb = w.methods["pb"]
    before = (list(LabMethod.objects.values()), AuditEvent.objects.count())
    data = method_post(keyword="pb", parameter="铅", standard_code="GB 5009.12-2017")
    data["ranges-1-low"] = "12"
    response = client.post(reverse("lims:method_edit", args=[pb.pk]), data)
    assert response.status_code == 400
    row = response.context["formset"].forms[1]
    assert row.errors == {"low": ["第 2 行的下限（12）须等于上一行的上限（10）：范围之间不能有空档。"]}
    assert (list(LabMethod.objects.values()), AuditEvent.objects.count()) == before
    data["ranges-1-low"] = "10"
    assert client.post(reverse("lims:method_edit", args=[pb.pk]), data).status_code == 302
    pb.refresh_from_db()
    assert (pb.keyword, pb.unit, pb.uncertainty_kind, pb.lod) == ("pb", "g/100 g", "ranges", "")
    assert signed_in(w.analyst, w.institution).get(reverse("lims:method_edit", args=[pb.pk])).status_code == 403
    other = signed_in(w.m.lab2.quality, w.m.lab2.org)
    assert other.get(reverse("lims:method_edit", args=[pb.pk])).status_code == 404


def test_switch_off_and_on():
    w = lab_world()
    client = signed_in(w.quality, w.institution)
    cd = w.methods["cd"]
    response = client.post(reverse("lims:method_active", args=[cd.pk]), {"active": "0"})
    assert response.status_code == 302
    cd.refresh_from_db()
    assert cd.active is False
    client.post(reverse("lims:method_active", args=[cd.pk]), {"active": "1"})
    cd.refresh_from_db()
    assert cd.active is True
    assert [e.action for e in AuditEvent.objects.filter(object_type="lims.testmethod")] == [
        "method.activate",
        "method.deactivate",
    ]


def test_settings_page_explains_levels_and_saves():
    w = lab_world()
    client = signed_in(w.admin, w.institution)
    html = client.get(reverse("lims:settings")).content.decode()
    assert "1 级：仅批准" in html and "2 级：审核 + 批准" in html and "3 级：两级审核 + 批准" in html
    assert "尚未设置，当前为默认值" in html
    assert client.post(reverse("lims:settings"), {"review_levels": "3", "retention_days": "0"}).status_code == 400
    assert not LabSettings.objects.exists()
    assert client.post(reverse("lims:settings"), {"review_levels": "3", "retention_days": "60"}).status_code == 302
    row = LabSettings.objects.get()
    assert (row.institution_id, row.review_levels, row.retention_days) == (w.institution.pk, 3, 60)
    assert signed_in(w.analyst, w.institution).get(reverse("lims:settings")).status_code == 403


def test_signatories_page_grant_and_end():
    w = lab_world()
    reader = signed_in(w.analyst, w.institution).get(reverse("lims:signatories")).content.decode()
    assert "GB 5009.12-2017" in reader and w.signatory.name in reader and "新增授权" not in reader
    client = signed_in(w.quality, w.institution)
    page = client.get(reverse("lims:signatories")).content.decode()
    assert "新增授权" in page and f'value="{w.signatory2.pk}"' in page and f'value="{w.analyst.pk}"' not in page
    refused = client.post(reverse("lims:signatories"), {"user_id": w.signatory2.pk, "valid_from": today().isoformat()})
    assert refused.status_code == 400 and "请填写授权范围：标准版本（标准号）或检测方法。" in refused.content.decode()
    granted = client.post(
        reverse("lims:signatories"),
        {"user_id": w.signatory2.pk, "standard_code": "GB 5009.15-2014", "valid_from": today().isoformat()},
    )
    assert granted.status_code == 302
    authorisation = SignatoryAuthorisation.objects.get(user=w.signatory2)
    assert (authorisation.standard_id, authorisation.valid_until) == (w.m.cadmium.pk, None)
    end_url = reverse("lims:signatory_end", args=[authorisation.pk])
    refused = client.post(end_url, {"valid_until": (today() - dt.timedelta(days=1)).isoformat()})
    assert (
        refused.status_code == 400 and f"有效期至不得早于生效日期（{today():%Y-%m-%d}）。" in refused.content.decode()
    )
    assert client.post(end_url, {"valid_until": today().isoformat()}).status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.valid_until == today()
    other = signed_in(w.m.lab2.quality, w.m.lab2.org)
    assert other.post(end_url, {"valid_until": today().isoformat()}).status_code == 404
