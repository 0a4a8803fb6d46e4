"""The demo registry: loaded through the real import path, idempotent, and it answers the searches it was built for."""

import datetime as dt

import pytest
from django.utils import timezone

from tichub.accounts import demo as accounts_demo
from tichub.accounts.models import Organisation, User
from tichub.core.models import AuditEvent
from tichub.registry import demo as registry_demo
from tichub.registry.models import (
    Accreditation,
    DemandRecord,
    InstitutionProfile,
    ParameterAlias,
    ScopeImport,
    ScopeRow,
)
from tichub.registry.models import TestSite as Site
from tichub.registry.search_selectors import Need, capability_search
from tichub.standards import demo as standards_demo

pytestmark = pytest.mark.django_db


def _load() -> dict[str, int]:
    accounts_demo.load()
    standards_demo.load()
    return registry_demo.load()


def _counts() -> dict[str, int]:
    models = (ScopeRow, ScopeImport, Accreditation, Site, InstitutionProfile, DemandRecord, ParameterAlias)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["AuditEvent"] = AuditEvent.objects.count()
    counts["User"] = User.objects.count()
    counts["ScopeRow.updated_at"] = hash(tuple(ScopeRow.objects.order_by("pk").values_list("updated_at", flat=True)))
    return counts


def _verdicts(need: Need) -> dict[str, str | None]:
    result = capability_search(need)
    return {match.organisation.slug: match.coverage[0].verdict for match in result.institutions}


def test_demo_loads_about_two_thousand_rows_through_imports_and_is_idempotent():
    loaded = _load()
    tables = registry_demo.scope_rows_in_tables()
    suspended = ScopeRow.objects.filter(status="suspended").count()
    assert suspended == 1  # 纯电动乘用车 × 续驶里程
    assert loaded["added"] == tables == ScopeRow.objects.count()
    assert loaded["rows"] == tables - suspended
    assert 1600 <= loaded["rows"] <= 2400
    assert loaded["institutions"] == len(registry_demo.LABS) == 21
    assert loaded["aliases"] == sum(len(names) for names in registry_demo.ALIASES.values())
    assert loaded["demand"] == len(registry_demo.UNMET) == 6
    # Every institution's scope came through one committed import, made by its admin.
    imports = ScopeImport.objects.filter(filename=registry_demo.DEMO_FILENAME, status="committed")
    assert imports.count() == 21
    assert set(imports.values_list("created_by__email", flat=True)) == {
        "lab.admin@demo.tichub.local",
        *(f"{lab.slug}.admin@demo.tichub.local" for lab in registry_demo.LABS if lab.slug != "nqi-sugar"),
    }
    assert AuditEvent.objects.filter(action="scope_import.commit").count() == 21
    assert InstitutionProfile.objects.count() == 21
    assert User.objects.get(email="rc-nev.admin@demo.tichub.local").has_totp

    before = _counts()
    again = registry_demo.load()
    assert again == {**loaded, "added": 0, "aliases": 0, "demand": 0}
    assert _counts() == before


def test_demo_accreditations_include_lapsed_expiring_and_foreign_ones():
    _load()
    today = timezone.localdate()
    expired = set(
        Accreditation.objects.filter(valid_until__lt=today).values_list("organisation__slug", "body", "number")
    )
    assert expired == {("lab-lvyin", "CNAS", "L9816"), ("rc-rail-transit", "CNAS", "L4877")}
    soon = Accreditation.objects.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=60))
    assert set(soon.values_list("organisation__slug", "body")) == {
        ("lab-sino-thai", "CNAS"),
        ("rc-clean-energy", "CMA"),
    }
    foreign = Accreditation.objects.get(body="OTHER")
    assert (foreign.organisation.slug, foreign.number, foreign.mra_signatory) == ("lab-mekong", "VILAS 1123", True)
    # CMA numbers: 12 digits; rows at the sugar centre's Chongzuo site cite only its CMA licence (CNAS is Nanning's).
    assert all(
        len(n) == 12 and n.isdigit() for n in Accreditation.objects.filter(body="CMA").values_list("number", flat=True)
    )
    chongzuo = ScopeRow.objects.filter(site__name_zh="崇左甘蔗糖业实验室")
    assert chongzuo.count() == 8
    assert set(chongzuo.values_list("accreditations__body", flat=True)) == {"CMA"}


def test_demo_search_finds_the_sugar_centre_and_warns_of_withdrawn_editions():
    _load()
    need = Need(object_text="白砂糖", parameters=("铅",), standard_code="GB 5009.12-2023")
    result = capability_search(need)
    verdicts = {m.organisation.slug: m.coverage[0].verdict for m in result.institutions}
    assert verdicts == {
        "nqi-sugar": "covered",
        "ca-product-quality": "covered",
        "lab-lvyin": "withdrawn_edition",
    }
    assert result.coverage == "complete"
    assert [m.organisation.slug for m in result.institutions][-1] == "lab-lvyin"
    lvyin = result.institutions[-1].coverage[0].rows[0]
    assert (lvyin.standard, lvyin.verdict) == ("GB 5009.12-2017", "withdrawn_edition")
    assert (
        lvyin.explanation_zh
        == "认可版本为 GB 5009.12-2017，而非 2023 版；GB 5009.12-2017 已废止，被 GB 5009.12-2023 代替"
    )
    sugar = next(m for m in result.institutions if m.organisation.slug == "nqi-sugar")
    assert {(r.standard, r.clause) for r in sugar.coverage[0].rows} == {
        ("GB 5009.12-2023", "第一法"),
        ("GB 5009.12-2023", "第二法"),
    }
    assert {r.accreditations for r in sugar.coverage[0].rows} == {("CMA 202320110086", "CNAS L3125")}

    # Aliases: Pb and lead find the same rows; an accreditation requirement drops the lapsed CNAS laboratory.
    assert _verdicts(Need(object_text="白砂糖", parameters=("Pb",), standard_code="GB 5009.12-2023")) == verdicts
    assert _verdicts(Need(q="lead in white granulated sugar")) == verdicts  # no edition asked: still withdrawn
    assert _verdicts(Need(object_text="大米", parameters=("铅",), accreditation="CNAS")) == {
        "ca-product-quality": "covered"
    }

    lifts = _verdicts(Need(parameters=("平衡系数",), standard_code="TSG T7001-2023"))
    assert lifts == {"ca-special-equipment": "covered", "rc-rail-transit": "withdrawn_edition"}
    callipers = _verdicts(Need(object_text="游标卡尺", parameters=("示值误差",), standard_code="JJG 30-2012"))
    assert callipers == {"nqi-measuring-tools": "covered", "lab-sino-thai": "withdrawn_edition"}


def test_demo_records_unmet_demand_through_the_search():
    _load()
    records = {r.object_text: r for r in DemandRecord.objects.all()}
    assert set(records) == {
        "婴幼儿配方乳粉", "电动自行车用锂离子蓄电池", "动力蓄电池包或系统", "车用汽油", "工业机器人", "白砂糖",
    }  # fmt: skip
    melamine = records["婴幼儿配方乳粉"]
    assert (melamine.coverage, melamine.parameters, melamine.missing) == ("none", ["三聚氰胺"], ["三聚氰胺"])
    assert melamine.standard_code == "GB/T 22388-2008"
    # The NEV centre has thermal propagation only by the withdrawn 2020 edition: no exact coverage in the cluster.
    battery = records["动力蓄电池包或系统"]
    assert (battery.coverage, battery.missing, battery.standard_code) == ("none", ["热扩散"], "GB 38031-2025")
    gasoline = records["车用汽油"]
    # "锰含量" is read as the known parameter 锰 (steel analysis), which no row for gasoline has.
    assert (gasoline.coverage, gasoline.parameters, gasoline.missing) == ("partial", ["铜片腐蚀", "锰含量"], ["锰"])
    assert Organisation.objects.get(slug="rc-nev").scope_rows.filter(standard__canonical="GB 38031-2025").count() == 19
