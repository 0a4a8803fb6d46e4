"""Demo data: an illustrative cluster modelled on the China–ASEAN TIC cluster in Nanning (DOMAIN.md).

Idempotent: organisations are keyed by slug and people by e-mail, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tichub.core.tenancy import Actor
from tichub.science.codes import uscc_check_character

from . import services
from .choices import InstitutionLevel, OrganisationKind, Ownership, Role
from .models import Organisation, User

DEMO_PASSWORD = "tichub-demo-2026"  # noqa: S105 (printed on purpose: demo data only)
DEMO_DOMAIN = "demo.tichub.local"
# Demo users who must use a second factor share this authenticator secret; `tichub demo_code` prints codes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

T, INS, C, M = "testing_laboratory", "inspection_body", "certification_body", "metrology_centre"


@dataclass(frozen=True)
class Org:
    slug: str
    kind: str
    name_zh: str
    name_en: str
    ownership: str = ""
    level: str = ""
    kinds: tuple[str, ...] = ()
    address_zh: str = "广西南宁市中国—东盟检验检测认证高技术服务集聚区"
    address_en: str = "China–ASEAN TIC Cluster, Nanning, Guangxi"


def _asean(slug: str, zh: str, en: str, *kinds: str) -> Org:
    return Org(slug, OrganisationKind.INSTITUTION, zh, en, Ownership.STATE, InstitutionLevel.CHINA_ASEAN, kinds)


def _national(slug: str, zh: str, en: str, *kinds: str) -> Org:
    return Org(slug, OrganisationKind.INSTITUTION, zh, en, Ownership.STATE, InstitutionLevel.NATIONAL, kinds)


def _regional(slug: str, zh: str, en: str, *kinds: str) -> Org:
    return Org(slug, OrganisationKind.INSTITUTION, zh, en, Ownership.STATE, InstitutionLevel.PROVINCIAL, kinds)


ORGANISATIONS: list[Org] = [
    Org(
        "cluster-operator",
        OrganisationKind.OPERATOR,
        "中国—东盟检验检测认证集聚区运营中心",
        "China–ASEAN TIC Cluster Operations Centre",
    ),
    # Phase 1: six China–ASEAN centres
    _asean("ca-standards", "中国—东盟标准化中心", "China–ASEAN Standardization Centre", INS),
    _asean("ca-metrology", "中国—东盟计量中心", "China–ASEAN Metrology Centre", M, T),
    _asean("ca-certification", "中国—东盟认证中心", "China–ASEAN Certification Centre", C),
    _asean("ca-product-quality", "中国—东盟产品质量检验中心", "China–ASEAN Product Quality Inspection Centre", T, INS),
    _asean("ca-special-equipment", "中国—东盟特种设备检验中心", "China–ASEAN Special Equipment Inspection Centre", INS),
    _asean("ca-article-coding", "中国—东盟物品编码中心", "China–ASEAN Article Coding Centre", INS),
    # Six national quality inspection centres
    _national(
        "nqi-boilers", "国家工业锅炉质量检验检测中心", "National Industrial Boiler Quality Inspection Centre", T, INS
    ),
    _national("nqi-energy-metrology", "国家城市能源计量中心", "National Urban Energy Metrology Centre", M),
    _national(
        "nqi-sugar",
        "国家糖及加工食品质量检验检测中心",
        "National Sugar and Processed Food Quality Inspection Centre",
        T,
    ),
    _national(
        "nqi-petrochemical",
        "国家石油化工产品质量检验检测中心",
        "National Petrochemical Products Quality Inspection Centre",
        T,
    ),
    _national(
        "nqi-silk", "国家蚕丝产品质量检验检测中心", "National Cocoon and Silk Products Quality Inspection Centre", T
    ),
    _national(
        "nqi-measuring-tools", "国家量具质量检验检测中心", "National Measuring Tools Quality Inspection Centre", T, M
    ),
    # Seven regional centres
    _regional(
        "rc-machinery", "广西机械与铝制品检验检测中心", "Guangxi Machinery and Aluminium Products Testing Centre", T
    ),
    _regional(
        "rc-electronics", "广西电子信息产品检验检测中心", "Guangxi Electronic Information Products Testing Centre", T, C
    ),
    _regional("rc-biomedical", "广西生物医药产品检验检测中心", "Guangxi Biomedical Products Testing Centre", T),
    _regional("rc-clean-energy", "广西清洁能源产品检验检测中心", "Guangxi Clean-Energy Products Testing Centre", T),
    _regional(
        "rc-rail-transit", "广西轨道交通装备检验检测中心", "Guangxi Rail-Transit Equipment Testing Centre", T, INS
    ),
    _regional("rc-nev", "广西新能源汽车检验检测中心", "Guangxi New-Energy Vehicle Testing Centre", T),
    _regional("rc-ecommerce", "广西电子商务产品检验检测中心", "Guangxi E-commerce Products Testing Centre", T),
    # Private and foreign laboratories
    Org(
        "lab-lvyin",
        OrganisationKind.INSTITUTION,
        "南宁绿茵检测技术有限公司",
        "Nanning Lvyin Testing Technology Co., Ltd.",
        Ownership.PRIVATE,
        InstitutionLevel.OTHER,
        (T,),
    ),
    Org(
        "lab-zhongce",
        OrganisationKind.INSTITUTION,
        "广西中测认证检测有限公司",
        "Guangxi Zhongce Testing & Certification Co., Ltd.",
        Ownership.PRIVATE,
        InstitutionLevel.OTHER,
        (T, C),
    ),
    Org(
        "lab-mekong",
        OrganisationKind.INSTITUTION,
        "湄公河检验（南宁）有限公司",
        "Mekong Inspection (Nanning) Ltd.",
        Ownership.FOREIGN,
        InstitutionLevel.OTHER,
        (INS, T),
    ),
    Org(
        "lab-sino-thai",
        OrganisationKind.INSTITUTION,
        "中泰联合计量校准有限公司",
        "Sino-Thai Joint Calibration Co., Ltd.",
        Ownership.JOINT_VENTURE,
        InstitutionLevel.OTHER,
        (M,),
    ),
    # Enterprises
    Org("ent-guitang", OrganisationKind.ENTERPRISE, "广西桂糖集团有限公司", "Guangxi Guitang Group Co., Ltd."),
    Org(
        "ent-liugong-parts",
        OrganisationKind.ENTERPRISE,
        "柳州精工汽车零部件有限公司",
        "Liuzhou Precision Auto Parts Co., Ltd.",
    ),
    Org(
        "ent-silkroad",
        OrganisationKind.ENTERPRISE,
        "宜州丝路茧丝绸有限公司",
        "Yizhou Silk Road Cocoon & Silk Co., Ltd.",
    ),
    Org("ent-beibu-petro", OrganisationKind.ENTERPRISE, "北部湾石化有限公司", "Beibu Gulf Petrochemical Co., Ltd."),
]

# One demo user per role: (organisation slug, role, local part of the e-mail, name).
PEOPLE: list[tuple[str, str, str, str]] = [
    ("cluster-operator", Role.OPERATOR_ADMIN, "operator.admin", "韦运营"),
    ("cluster-operator", Role.OPERATOR_CURATOR, "operator.curator", "黄目录"),
    ("cluster-operator", Role.OPERATOR_ANALYST, "operator.analyst", "蒙分析"),
    ("nqi-sugar", Role.INSTITUTION_ADMIN, "lab.admin", "覃主任"),
    ("nqi-sugar", Role.RECEPTION, "lab.reception", "陆受理"),
    ("nqi-sugar", Role.ANALYST, "lab.analyst", "梁检测"),
    ("nqi-sugar", Role.REVIEWER, "lab.reviewer", "莫审核"),
    ("nqi-sugar", Role.AUTHORIZED_SIGNATORY, "lab.signatory", "农签字"),
    ("nqi-sugar", Role.QUALITY_MANAGER, "lab.quality", "潘质量"),
    ("ca-metrology", Role.METROLOGIST, "metrology.metrologist", "廖计量"),
    ("ca-certification", Role.AUDITOR, "cert.auditor", "卢审核员"),
    ("ca-certification", Role.CERTIFICATION_DECISION_MAKER, "cert.decision", "谭决定"),
    ("ent-guitang", Role.ENTERPRISE_OWNER, "enterprise.owner", "李总"),
    ("ent-guitang", Role.ENTERPRISE_MEMBER, "enterprise.member", "王质检"),
]


def _uscc(index: int) -> str:
    body = f"9145010{index:010d}"
    return body + uscc_check_character(body)


def _organisation(index: int, spec: Org) -> tuple[Organisation, bool]:
    existing = Organisation.objects.filter(slug=spec.slug).first()
    if existing:
        return existing, False
    flags = {f"is_{kind}": True for kind in spec.kinds}
    org = services.organisation_create(
        actor=Actor(user=None),
        kind=spec.kind,
        slug=spec.slug,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        uscc=_uscc(index),
        ownership=spec.ownership,
        level=spec.level,
        address_zh=spec.address_zh,
        address_en=spec.address_en,
        **flags,
    )
    return org, True


def _person(org: Organisation, role: str, local: str, name: str) -> tuple[User, bool]:
    email = f"{local}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = services.user_create(email=email, name=name, password=DEMO_PASSWORD)
    services.membership_grant(actor=Actor(user=None), organisation=org, user=user, roles=[role])
    if services.requires_2fa(user, {org: frozenset({role})}) and not user.has_totp:
        User.objects.filter(pk=user.pk).update(totp_secret=DEMO_TOTP_SECRET, totp_confirmed_at=timezone.now())
        user.refresh_from_db()
    return user, created


@transaction.atomic
def load() -> list[tuple[str, str, str, bool]]:
    """Create what is missing; return (e-mail, role, organisation, needs 2FA) for every demo user."""
    orgs = {spec.slug: _organisation(i, spec)[0] for i, spec in enumerate(ORGANISATIONS, start=1)}
    rows = []
    for slug, role, local, name in PEOPLE:
        user, _created = _person(orgs[slug], role, local, name)
        rows.append((user.email, str(role), orgs[slug].name_zh, user.has_totp))
    return rows
