"""Demo reports: 国家糖及加工食品质量检验检测中心 signs the reports of the samples the laboratory demo approved.

Everything goes through the real services, as the demo's people (accounts.demo):

* signing keys: the platform CA (set up by `tichub demo` with trust.key_services.platform_init) issues an ES256 key
  and certificate to the institutions of the demo that do laboratory work (the sugar centre, and the three that
  quote in the commissioning demo), each through its institution admin; an institution that already has an active
  key keeps it (no rotation on a second run);
* order (e) 「白砂糖出口越南批次检验」, tested to approval by tichub.lims.demo under the non-binary decision rule:
  its report is issued by the signatory 农签字; then 桂糖 corrects its registered address (the report named the
  cluster's address) and asks for an amended report: version 2 is issued with the reason, version 1 is superseded
  and keeps verifying as such;
* a small order 「白砂糖内销批次铅及二氧化硫检验」 (commissioned, numbered, received, tested, checked and approved
  with the commissioning and laboratory demos' builders): its report is issued, then withdrawn by the quality
  manager 潘质量 because the customer had labelled the sample with another batch's number;
* 桂糖's member 王质检 downloads the current export report and shares it with 越南进口商 Hanoi Sugar Import JSC
  through a 30-day link, which the importer opens and downloads from (three accesses on record);
* each report is verified a few times on the public address (as buyers scanning the QR code would).

Idempotent: nothing is done when the sugar centre already has reports (keys are issued only to institutions
without an active one; the share and the verifications only with the reports). Run after lims.demo.load().
`summary(load())` is what `tichub demo` prints: counts and the public verification address of every demo report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tichub.accounts import services as accounts_services
from tichub.accounts.demo import DEMO_DOMAIN
from tichub.accounts.models import Organisation, User
from tichub.accounts.selectors import actor_for
from tichub.core.tenancy import Actor
from tichub.lims import demo as lims_demo
from tichub.lims import result_services, review_services
from tichub.lims.sample_selectors import sample_list
from tichub.marketplace import demo as market_demo
from tichub.trust import key_services
from tichub.trust.choices import KeyPurpose
from tichub.trust.key_selectors import active_key

from . import report_selectors, report_services, share_selectors, share_services, verify_selectors, verify_services
from .choices import ReportStatus
from .models import Report

SUGAR_CENTRE = lims_demo.SUGAR_CENTRE
EXPORT_ORDER = lims_demo.EXPORT_ORDER
WITHDRAWN_ORDER = "白砂糖内销批次铅及二氧化硫检验"
#: Institutions of the demo given a signing key, with the e-mail of the admin who asks for it.
KEY_HOLDERS = {
    SUGAR_CENTRE: f"lab.admin@{DEMO_DOMAIN}",
    market_demo.PRIVATE_LAB: f"{market_demo.PRIVATE_LAB}.admin@{DEMO_DOMAIN}",
    market_demo.PETROCHEMICAL: f"{market_demo.PETROCHEMICAL}.admin@{DEMO_DOMAIN}",
    "ca-product-quality": f"ca-product-quality.admin@{DEMO_DOMAIN}",
}
#: 桂糖's registered address: the amendment of the export report corrects the customer's address to it.
ENTERPRISE_ADDRESS = {
    "address_zh": "广西贵港市港北区幸福路 100 号",
    "address_en": "100 Xingfu Road, Gangbei District, Guigang, Guangxi, China",
}
AMENDMENT_REASON = (
    "应客户来函更正委托方地址：原报告误用集聚区登记地址，更正为公司注册地址（广西贵港市港北区幸福路 100 号）。"
    "检测数据与结论不变。"
)
WITHDRAWAL_REASON = (
    "客户来函告知：送检样品标签上的批号贴错，报告所述批次与实际产品不符。经双方确认撤回本报告，客户将重新送样。"
)
SHARE_RECIPIENT = "越南进口商 Hanoi Sugar Import JSC"
SHARE_DAYS = 30
OFFICE_IP, OFFICE_AGENT = "171.108.32.17", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/124.0"
IMPORTER_IP = "203.113.131.5"
IMPORTER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0"
#: How often each report is looked up on its public verification address (as buyers scanning the QR code).
LOOKUPS = {"superseded": 2, "current": 5, "withdrawn": 1}


def _need() -> dict[str, Any]:
    item = market_demo._item
    return {
        "title": WITHDRAWN_ORDER,
        "product_description": "一级白砂糖，1 kg 密封袋装 1 袋，内销批次出厂检验；按 GB 2762 及 GB/T 317-2018 判定。",
        "sample_count": 1,
        "deadline": timezone.localdate() + dt.timedelta(days=15),
        "decision_rule": "simple",
        "accredited_required": True,
        "confidential": False,
        "items": [
            item("白砂糖", "铅", "GB 5009.12", "≤ 0.5 mg/kg（GB 2762）", "0.5", "mg/kg"),
            item("白砂糖", "二氧化硫", "GB 5009.34", "≤ 30 mg/kg（GB/T 317-2018 一级）", "30", "mg/kg"),
        ],
    }


@dataclass(frozen=True)
class Link:
    """A demo report's public verification address, for the people trying the demo."""

    report: str  # "<number> v<version>"
    status: str
    url: str


@dataclass
class Loaded:
    created: int
    counts: dict[str, int] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _actor(email: str, org: Organisation) -> Actor:
    user = _user(email)
    if user is None:
        raise market_demo.DemoError(f"demo user {email} is missing: load the accounts and registry demos first")
    return actor_for(user, org.pk)


def _keys(orgs: dict[str, Organisation]) -> int:
    """Issue a key to every key holder that has none active; return how many were issued."""
    issued = 0
    for slug, email in KEY_HOLDERS.items():
        org = orgs.get(slug)
        if org is None or _user(email) is None or active_key(org.pk, KeyPurpose.INSTITUTION) is not None:
            continue
        key_services.key_issue(actor=_actor(email, org))
        issued += 1
    return issued


def _withdrawal_sample(orgs: dict[str, Organisation], lab: dict[str, Actor]) -> int:
    """The small order commissioned, received, tested and approved: its sample's id."""
    owner = _actor(f"enterprise.owner@{DEMO_DOMAIN}", orgs[market_demo.ENTERPRISE])
    member = _actor(f"enterprise.member@{DEMO_DOMAIN}", orgs[market_demo.ENTERPRISE])
    sugar = orgs[SUGAR_CENTRE]
    need_id, quotes = market_demo._need(owner, _need(), [sugar])
    market_demo._quote(lab["reception"], owner, need_id, quotes[sugar.pk], terms="款到发报告；检测后样品保留 3 个月。")
    order_id = market_demo._accepted_order(owner, quotes[sugar.pk])
    market_demo._numbered(lab["quality"], order_id)
    today = timezone.localdate()
    market_demo._samples(
        member,
        order_id,
        [
            {
                "description": "一级白砂糖（内销批次）",
                "quantity": "1 袋（1 kg）",
                "batch": f"BS{today:%Y%m%d}-N",
                "storage": "常温、干燥",
            }
        ],
        tracking="SF1402876540926",
    )
    sample = lims_demo._receive(lab["reception"], lims_demo._order(lab["reception"], WITHDRAWN_ORDER), 0)
    tests = lims_demo._tests(lab["reception"], sample)
    lims_demo._enter(lab["analyst"], tests, [("pb", "0.062", "mg/kg"), ("so2", "8.4", "mg/kg")])
    ids = [test.pk for test in tests.values()]
    result_services.results_submit(actor=lab["analyst"], test_ids=ids)
    review_services.review_check(actor=lab["reviewer"], test_ids=ids)
    review_services.review_approve(actor=lab["signatory"], test_ids=ids)
    return int(sample.pk)


def _export_sample(lab: dict[str, Actor]) -> int:
    order = lims_demo._order(lab["signatory"], EXPORT_ORDER)
    return int(sample_list(lab["signatory"], order_id=order.pk).filter(parent__isnull=True).get().pk)


def _share(report: Report, member: Actor) -> None:
    """王质检 downloads the export report and shares it with the Vietnamese importer, who opens the link and
    downloads the PDF (each access recorded with the address and browser)."""
    share_services.report_download(actor=member, report_id=report.pk, ip=OFFICE_IP, user_agent=OFFICE_AGENT)
    share = share_services.share_create(actor=member, report_id=report.pk, recipient=SHARE_RECIPIENT, days=SHARE_DAYS)
    for download in (False, True):
        share_services.share_open(token=share.token, download=download, ip=IMPORTER_IP, user_agent=IMPORTER_AGENT)


def _verify(report: Report, times: int) -> None:
    """Look the report up on its public address `times` times, as buyers scanning its QR code do (what
    GET /api/v1/verify/{public_id} and the /verify/<public_id>/ page do)."""
    for _ in range(times):
        found = verify_selectors.report_state(report.public_id).report
        assert found is not None
        verify_services.report_verifications_count(report_ids=[found.report_id])
    verify_services.report_verifications_flush()


def _create(orgs: dict[str, Organisation], lab: dict[str, Actor], member: Actor) -> None:
    """Issue, amend, withdraw, share and verify."""
    export = _export_sample(lab)
    first = report_services.report_issue(actor=lab["signatory"], sample_id=export)
    owner = _actor(f"enterprise.owner@{DEMO_DOMAIN}", orgs[market_demo.ENTERPRISE])
    accounts_services.organisation_update(actor=owner, **ENTERPRISE_ADDRESS)
    second = report_services.report_issue(actor=lab["signatory"], sample_id=export, reason=AMENDMENT_REASON)
    first.refresh_from_db()
    withdrawn = report_services.report_issue(actor=lab["signatory"], sample_id=_withdrawal_sample(orgs, lab))
    withdrawn = report_services.report_withdraw(actor=lab["quality"], report_id=withdrawn.pk, reason=WITHDRAWAL_REASON)
    _share(second, member)
    for report, times in ((first, "superseded"), (second, "current"), (withdrawn, "withdrawn")):
        _verify(report, LOOKUPS[times])


def _people(org: Organisation) -> dict[str, Actor]:
    roles = ("quality", "reception", "analyst", "reviewer", "signatory")
    return {role: _actor(f"lab.{role}@{DEMO_DOMAIN}", org) for role in roles}


def counts(signatory: Actor, member: Actor) -> dict[str, int]:
    """What the demo holds, read through the selectors: the reports as the sugar centre's signatory sees them,
    their share links and accesses as 桂糖's member does."""
    reports = list(report_selectors.report_list(signatory))
    received = [r for r in report_selectors.report_list(member) if r.status != ReportStatus.WITHDRAWN]
    return {
        "reports": len(reports),
        **{status: sum(r.status == status for r in reports) for status in ReportStatus.values},
        "verifications": sum(r.verification_count for r in reports),
        "shares": sum(share_selectors.share_list(member, r.pk).count() for r in received),
        "accesses": sum(share_selectors.access_list(member, r.pk).count() for r in received),
    }


def _links(signatory: Actor) -> list[Link]:
    reports = report_selectors.report_list(signatory).order_by("number", "-version")
    return [Link(str(report), report.status, report_services.verify_url(report.public_id)) for report in reports]


def load() -> Loaded:
    """Issue the demo's keys and reports once (all or nothing); return what the demo holds and its links."""
    slugs = {SUGAR_CENTRE, market_demo.ENTERPRISE, *KEY_HOLDERS}
    orgs = {org.slug: org for org in Organisation.objects.filter(slug__in=slugs)}
    if SUGAR_CENTRE not in orgs or market_demo.ENTERPRISE not in orgs:
        return Loaded(created=0)  # the accounts demo was not loaded
    lab = _people(orgs[SUGAR_CENTRE])
    if not lims_demo.method_selectors.method_list(lab["quality"]).exists():
        return Loaded(created=0)  # the laboratory demo was not loaded
    member = _actor(f"enterprise.member@{DEMO_DOMAIN}", orgs[market_demo.ENTERPRISE])
    created = 0
    with transaction.atomic():
        keys = _keys(orgs)
        if not report_selectors.report_list(lab["signatory"]).exists():
            _create(orgs, lab, member)
            created = 1
    return Loaded(
        created=created,
        counts={"keys_issued": keys, **counts(lab["signatory"], member)},
        links=_links(lab["signatory"]),
    )


STATUS_WORDS: dict[str, str] = {
    ReportStatus.ISSUED: "有效 valid",
    ReportStatus.SUPERSEDED: "已被更正版替代 superseded",
    ReportStatus.WITHDRAWN: "已撤回 withdrawn",
}


def summary(loaded: Loaded) -> str:
    """What `tichub demo` prints: the counts and the public address of each demo report."""
    if not loaded.links:
        return "Reports / 报告: none (the laboratory demo was not loaded)"
    c = loaded.counts
    lines = [
        f"Reports / 检测报告: {c['reports']} versions ({c['issued']} valid, {c['superseded']} superseded, "
        f"{c['withdrawn']} withdrawn), {c['verifications']} public verifications, {c['shares']} share link(s), "
        f"{c['accesses']} recorded downloads and views",
        "Verify them / 公开核验（无需登录 / no sign-in）:",
    ]
    width = max(len(link.report) for link in loaded.links)
    for link in loaded.links:
        lines.append(f"  {link.report:<{width}}  {link.url}  ({STATUS_WORDS.get(link.status, link.status)})")
    return "\n".join(lines)
