"""Build a large synthetic registry for benchmarks: institutions, sites, accreditations, terms, aliases, standard
editions and scope rows, written with the databases' fast paths (sqlite3 executemany, PostgreSQL COPY).

    BENCH_SEED=1 DATABASE_URL=... DJANGO_SETTINGS_MODULE=tichub.config.settings.prod \\
        .venv/bin/python bench/registry_generate.py [--institutions 5000] [--rows 1000000] [--seed 1]

Run it on a migrated, throw-away database (bench/registry_bench.py makes one): it refuses to run without
BENCH_SEED=1. The vocabulary is realistic in shape rather than in meaning: a few thousand objects ("家用电池",
"household battery") and parameters (the common ones first: 铅, 镉, 总砷 ... then property × condition names), a few
thousand standard editions (current ones and the withdrawn editions they replaced), and Zipf-like popularity, so
that a common parameter such as 铅 has tens of thousands of rows and most parameters have a few hundred. Parameters
fall into families that share method standards, as 铅 and 镉 share GB 5009.268; institutions differ in size
(log-normal); 96 % of rows are active, each linked to the institution's valid accreditations.

Prints progress (tqdm) and rows per second. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

REGIONS = ("南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池", "来宾",
           "崇左", "广州", "深圳", "昆明", "海口", "长沙", "武汉")  # fmt: skip

# --------------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------------

OBJECT_PREFIXES = (
    ("工业", "industrial"), ("家用", "household"), ("食用", "edible"), ("医用", "medical"), ("车用", "automotive"),
    ("建筑", "building"), ("儿童", "children's"), ("电子", "electronic"), ("农用", "agricultural"),
    ("船用", "marine"), ("航空", "aviation"), ("耐热", "heat-resistant"), ("低温", "low-temperature"),
    ("高压", "high-pressure"), ("便携式", "portable"), ("固定式", "stationary"), ("一次性", "disposable"),
    ("进口", "imported"), ("出口", "export"), ("有机", "organic"), ("再生", "recycled"), ("复合", "composite"),
    ("防爆", "explosion-proof"), ("智能", "smart"), ("节能", "energy-saving"), ("户外", "outdoor"),
    ("室内", "indoor"), ("微型", "micro"), ("大型", "large"), ("精密", "precision"), ("环保", "eco-friendly"),
    ("特种", "special"), ("民用", "civil"), ("商用", "commercial"), ("实验室", "laboratory"), ("野外", "field"),
    ("冷冻", "frozen"), ("干制", "dried"), ("液态", "liquid"), ("粉状", "powdered"),
)  # fmt: skip
OBJECT_BASES = (
    ("糖", "sugar"), ("食用油", "edible oil"), ("锅炉", "boiler"), ("电池", "battery"), ("玩具", "toy"),
    ("纺织品", "textile"), ("涂料", "coating"), ("钢材", "steel"), ("铝材", "aluminium"),
    ("塑料制品", "plastic article"), ("橡胶制品", "rubber article"), ("陶瓷", "ceramic"), ("玻璃", "glass"),
    ("纸制品", "paper product"), ("木制品", "wood product"), ("电线电缆", "cable"), ("灯具", "luminaire"),
    ("开关", "switch"), ("插座", "socket"), ("电机", "motor"), ("水泵", "pump"), ("阀门", "valve"),
    ("管道", "pipe"), ("压力容器", "pressure vessel"), ("电梯", "lift"), ("起重机", "crane"), ("叉车", "forklift"),
    ("气瓶", "gas cylinder"), ("仪表", "meter"), ("传感器", "sensor"), ("变压器", "transformer"),
    ("电容器", "capacitor"), ("显示器", "monitor"), ("计算机", "computer"), ("手机", "mobile phone"),
    ("路由器", "router"), ("充电器", "charger"), ("电源", "power supply"), ("光伏组件", "PV module"),
    ("逆变器", "inverter"), ("饮料", "beverage"), ("乳制品", "dairy product"), ("肉制品", "meat product"),
    ("水产品", "aquatic product"), ("蔬菜", "vegetable"), ("水果", "fruit"), ("茶叶", "tea"), ("大米", "rice"),
    ("面粉", "flour"), ("调味品", "condiment"), ("饼干", "biscuit"), ("糖果", "candy"), ("酒类", "liquor"),
    ("化妆品", "cosmetic"), ("洗涤剂", "detergent"), ("消毒剂", "disinfectant"), ("口罩", "mask"),
    ("手套", "glove"), ("医疗器械", "medical device"), ("药品包装", "drug packaging"), ("服装", "garment"),
    ("鞋类", "footwear"), ("箱包", "luggage"), ("家具", "furniture"), ("床垫", "mattress"), ("地板", "flooring"),
    ("门窗", "door and window"), ("水泥", "cement"), ("混凝土", "concrete"), ("沥青", "asphalt"), ("燃料", "fuel"),
    ("润滑油", "lubricant"), ("化肥", "fertiliser"), ("农药", "pesticide"), ("饲料", "feed"), ("种子", "seed"),
    ("卡尺", "calliper"), ("千分尺", "micrometer"), ("天平", "balance"),
)  # fmt: skip
# The parameters most scopes name, most common first (the head of the Zipf distribution).
COMMON_PARAMETERS = (
    ("铅", "Lead"), ("镉", "Cadmium"), ("总砷", "Total arsenic"), ("汞", "Mercury"), ("水分", "Moisture"),
    ("菌落总数", "Aerobic plate count"), ("大肠菌群", "Coliforms"), ("铬", "Chromium"), ("甲醛", "Formaldehyde"),
    ("pH值", "pH value"), ("示值误差", "Indication error"), ("灰分", "Ash"), ("蛋白质", "Protein"),
    ("脂肪", "Fat"), ("二氧化硫", "Sulfur dioxide"), ("霉菌", "Moulds"), ("酵母", "Yeasts"), ("镍", "Nickel"),
    ("铜", "Copper"), ("锌", "Zinc"), ("抗拉强度", "Tensile strength"), ("断后伸长率", "Elongation after fracture"),
    ("硬度", "Hardness"), ("绝缘电阻", "Insulation resistance"), ("电气强度", "Electric strength"),
    ("接触电流", "Touch current"), ("温升", "Temperature rise"), ("传导发射", "Conducted emissions"),
    ("辐射发射", "Radiated emissions"), ("静电放电抗扰度", "Electrostatic discharge immunity"),
    ("苯甲酸", "Benzoic acid"), ("山梨酸", "Sorbic acid"), ("糖精钠", "Saccharin sodium"),
    ("沙门氏菌", "Salmonella"), ("金黄色葡萄球菌", "Staphylococcus aureus"), ("黄曲霉毒素B1", "Aflatoxin B1"),
    ("还原糖", "Reducing sugar"), ("蔗糖", "Sucrose"), ("重复性", "Repeatability"), ("回程误差", "Hysteresis"),
    ("密度", "Density"), ("闪点", "Flash point"), ("运动黏度", "Kinematic viscosity"), ("硫含量", "Sulfur content"),
    ("酸值", "Acid number"), ("馏程", "Distillation"), ("铜片腐蚀", "Copper strip corrosion"),
    ("耐水色牢度", "Colour fastness to water"), ("耐摩擦色牢度", "Colour fastness to rubbing"),
    ("纤维含量", "Fibre content"), ("可分解致癌芳香胺染料", "Banned azo dyes"), ("异味", "Odour"),
    ("小零件", "Small parts"), ("可触及的锐利边缘", "Accessible sharp edges"), ("燃烧性能", "Flammability"),
    ("邻苯二甲酸酯", "Phthalates"), ("总迁移量", "Overall migration"), ("高锰酸钾消耗量", "KMnO4 consumption"),
    ("热效率", "Thermal efficiency"), ("排烟温度", "Exhaust gas temperature"), ("颗粒物", "Particulate matter"),
    ("氮氧化物", "Nitrogen oxides"), ("化学需氧量", "Chemical oxygen demand"), ("氨氮", "Ammonia nitrogen"),
    ("总磷", "Total phosphorus"), ("总氮", "Total nitrogen"), ("悬浮物", "Suspended solids"),
    ("浑浊度", "Turbidity"), ("色度", "Colour"), ("氟化物", "Fluoride"), ("硝酸盐", "Nitrate"),
    ("过充电", "Overcharge"), ("过放电", "Overdischarge"), ("外部短路", "External short circuit"),
    ("挤压", "Crush"), ("振动", "Vibration"), ("盐雾", "Salt mist"), ("热失控", "Thermal runaway"),
    ("平衡系数", "Balance coefficient"), ("制动试验", "Braking test"), ("耐压试验", "Pressure test"),
    ("壁厚测定", "Wall thickness measurement"), ("射线检测", "Radiographic testing"),
    ("超声检测", "Ultrasonic testing"), ("磁粉检测", "Magnetic particle testing"),
    ("渗透检测", "Penetrant testing"), ("挥发性有机化合物", "Volatile organic compounds"), ("苯", "Benzene"),
    ("甲苯", "Toluene"), ("二甲苯", "Xylene"), ("锰", "Manganese"), ("钴", "Cobalt"), ("锑", "Antimony"),
    ("钡", "Barium"), ("硒", "Selenium"),
)  # fmt: skip
SUBSTANCES = (
    ("苯乙烯", "styrene"), ("氯乙烯", "vinyl chloride"), ("丙烯腈", "acrylonitrile"), ("双酚A", "bisphenol A"),
    ("三聚氰胺", "melamine"), ("甲醇", "methanol"), ("乙醇", "ethanol"), ("丙酮", "acetone"),
    ("乙酸乙酯", "ethyl acetate"), ("正己烷", "n-hexane"), ("氯仿", "chloroform"), ("四氯化碳", "carbon tetrachloride"),
    ("三氯乙烯", "trichloroethylene"), ("多环芳烃", "PAHs"), ("苯并芘", "benzo[a]pyrene"), ("多氯联苯", "PCBs"),
    ("二噁英", "dioxins"), ("亚硝酸盐", "nitrite"), ("氰化物", "cyanide"), ("硫化物", "sulfide"),
    ("氯化物", "chloride"), ("硫酸盐", "sulfate"), ("磷酸盐", "phosphate"), ("铝", "aluminium"), ("铁", "iron"),
    ("钙", "calcium"), ("镁", "magnesium"), ("钠", "sodium"), ("钾", "potassium"), ("锡", "tin"), ("铊", "thallium"),
    ("铍", "beryllium"), ("钒", "vanadium"), ("钼", "molybdenum"), ("银", "silver"), ("溴", "bromine"),
    ("碘", "iodine"), ("硼", "boron"), ("氨", "ammonia"), ("尿素", "urea"), ("咖啡因", "caffeine"),
    ("维生素C", "vitamin C"), ("叶酸", "folic acid"), ("胆固醇", "cholesterol"), ("反式脂肪酸", "trans fatty acids"),
    ("丙烯酰胺", "acrylamide"), ("组胺", "histamine"), ("赭曲霉毒素A", "ochratoxin A"), ("玉米赤霉烯酮", "zearalenone"),
    ("呕吐毒素", "deoxynivalenol"), ("毒死蜱", "chlorpyrifos"), ("多菌灵", "carbendazim"), ("吡虫啉", "imidacloprid"),
    ("氯氰菊酯", "cypermethrin"), ("克百威", "carbofuran"), ("氧乐果", "omethoate"), ("敌敌畏", "dichlorvos"),
    ("孔雀石绿", "malachite green"), ("氯霉素", "chloramphenicol"), ("恩诺沙星", "enrofloxacin"),
)  # fmt: skip
SUBSTANCE_SUFFIXES = (("含量", "content"), ("迁移量", "migration"), ("残留量", "residue"), ("释放量", "release"),
                      ("浓度", "concentration"))  # fmt: skip
PROPERTIES = (
    ("拉伸强度", "tensile strength"), ("断裂伸长率", "elongation at break"), ("弯曲强度", "flexural strength"),
    ("冲击强度", "impact strength"), ("压缩强度", "compressive strength"), ("撕裂强度", "tear strength"),
    ("剥离强度", "peel strength"), ("粘结强度", "bond strength"), ("耐磨性", "abrasion resistance"),
    ("邵氏硬度", "Shore hardness"), ("维卡软化温度", "Vicat softening temperature"),
    ("热变形温度", "heat deflection temperature"), ("熔体流动速率", "melt flow rate"),
    ("导热系数", "thermal conductivity"), ("体积电阻率", "volume resistivity"), ("介电常数", "permittivity"),
    ("介质损耗因数", "dissipation factor"), ("击穿电压", "breakdown voltage"), ("耐电弧性", "arc resistance"),
    ("吸水率", "water absorption"), ("尺寸变化率", "dimensional change"), ("收缩率", "shrinkage"),
    ("透光率", "light transmittance"), ("雾度", "haze"), ("光泽度", "gloss"), ("附着力", "adhesion"),
    ("耐冲击性", "impact resistance"), ("耐划伤性", "scratch resistance"), ("耐老化性", "ageing resistance"),
    ("耐腐蚀性", "corrosion resistance"), ("气密性", "air tightness"), ("水密性", "water tightness"),
    ("抗风压性能", "wind load resistance"), ("隔声性能", "sound insulation"), ("保温性能", "thermal insulation"),
    ("燃烧热值", "calorific value"), ("挥发分", "volatile matter"), ("固定碳", "fixed carbon"),
    ("粒度", "particle size"), ("比表面积", "specific surface area"), ("孔隙率", "porosity"),
    ("含水率", "moisture content"), ("干密度", "dry density"), ("抗折强度", "flexural strength (rupture)"),
    ("抗压强度", "compressive strength (cube)"), ("疲劳寿命", "fatigue life"), ("蠕变", "creep"),
    ("摩擦系数", "friction coefficient"), ("噪声", "noise"), ("振动加速度", "vibration acceleration"),
    ("响应时间", "response time"), ("功率因数", "power factor"), ("转换效率", "conversion efficiency"),
    ("额定容量", "rated capacity"), ("循环寿命", "cycle life"), ("自放电率", "self-discharge rate"),
    ("内阻", "internal resistance"), ("漏电流", "leakage current"), ("谐波电流", "harmonic current"),
    ("防护等级", "ingress protection"),
)  # fmt: skip
CONDITIONS = (
    ("常温", "room temperature"), ("高温", "high temperature"), ("低温", "low temperature"),
    ("老化后", "after ageing"), ("湿热后", "after damp heat"), ("浸水后", "after immersion"), ("23℃", "23 °C"),
    ("70℃", "70 °C"), ("100℃", "100 °C"), ("-20℃", "-20 °C"), ("-40℃", "-40 °C"), ("纵向", "longitudinal"),
    ("横向", "transverse"), ("干态", "dry"), ("湿态", "wet"), ("冻融后", "after freeze-thaw"),
    ("紫外老化后", "after UV ageing"), ("盐雾后", "after salt mist"), ("热循环后", "after thermal cycling"),
    ("初始", "initial"), ("出厂", "as delivered"), ("现场", "on site"), ("额定负载", "at rated load"),
    ("空载", "no load"), ("满载", "full load"),
)  # fmt: skip
ALIASES = {"铅": ("Pb", "plumbum"), "镉": ("Cd",), "汞": ("Hg",), "铬": ("Cr",), "镍": ("Ni",), "铜": ("Cu",),
           "锌": ("Zn",), "锰": ("Mn",), "钴": ("Co",), "锑": ("Sb",), "钡": ("Ba",), "硒": ("Se",),
           "二氧化硫": ("SO2",), "运动黏度": ("运动粘度",), "菌落总数": ("细菌总数",)}  # fmt: skip

# Method-standard number spaces (prefix, numbers from, to, has parts): codes are built, not real ones.
CODE_SPACES = (("GB", 5009, 5009, True), ("GB/T", 1000, 40000, False), ("GB/T", 2000, 30000, True),
               ("HJ", 400, 1300, False), ("SN/T", 1000, 5800, False), ("JJG", 1, 1200, False),
               ("JJF", 1001, 1900, False), ("NY/T", 500, 4000, False), ("ISO", 100, 20000, False),
               ("IEC", 60000, 63000, True), ("SH/T", 100, 900, False), ("YY/T", 100, 1900, False))  # fmt: skip
FAMILY_SIZE = 8  # parameters per family (they share the family's method standards)
BASES_PER_FAMILY = 6


@dataclass
class Vocabulary:
    objects: list[tuple[str, str]]
    parameters: list[tuple[str, str]]  # most popular first
    family_of: list[int]  # parameter index → family
    families: list[list[int]]  # family → base indexes
    bases: list[list[str]] = field(default_factory=list)  # base → its editions' codes, oldest first

    def current_code(self, base: int) -> str:
        return self.bases[base][-1]


def _code(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A method standard's base ('GB 5009.137', 'ISO 17025-2') and its format of edition ('{base}-{year}')."""
    while True:
        prefix, low, high, parts = rng.choice(CODE_SPACES)
        number = str(rng.randint(low, high))
        if parts:
            number += ("." if prefix.startswith("GB") else "-") + str(rng.randint(1, 300 if prefix == "GB" else 12))
        base = f"{prefix} {number}"
        if base not in taken:
            taken.add(base)
            return base, ("{base}:{year}" if prefix in ("ISO", "IEC") else "{base}-{year}")


def vocabulary(seed: int = 1) -> Vocabulary:
    rng = random.Random(seed)
    objects = [(p + b, f"{pe} {be}") for b, be in OBJECT_BASES for p, pe in OBJECT_PREFIXES]
    rng.shuffle(objects)
    generated = [(s + x, f"{se} {xe}") for s, se in SUBSTANCES for x, xe in SUBSTANCE_SUFFIXES]
    generated += [(f"{p}（{c}）", f"{pe} ({ce})") for p, pe in PROPERTIES for c, ce in CONDITIONS]
    rng.shuffle(generated)
    parameters = list(COMMON_PARAMETERS) + generated
    n_families = math.ceil(len(parameters) / FAMILY_SIZE)
    family_of = [i % n_families for i in range(len(parameters))]  # popular parameters spread over families
    taken: set[str] = set()
    bases: list[list[str]] = []
    families: list[list[int]] = []
    for _family in range(n_families):
        members = []
        for _ in range(BASES_PER_FAMILY):
            base, pattern = _code(rng, taken)
            years = sorted(rng.sample(range(1995, 2025), rng.choice((1, 1, 2, 2, 3))))
            bases.append([pattern.format(base=base, year=year) for year in years])
            members.append(len(bases) - 1)
        families.append(members)
    return Vocabulary(objects, parameters, family_of, families, bases)


# --------------------------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------------------------


def zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def sample(rng: random.Random, cumulative: Sequence[float], k: int) -> list[int]:
    total = cumulative[-1]
    hi = len(cumulative) - 1
    rand = rng.random
    return [bisect.bisect(cumulative, rand() * total, 0, hi) for _ in range(k)]


# --------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_rows(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], *, total: int, desc: str) -> float:
    """Append rows to a table with the database's fast path; returns rows per second."""
    from django.db import connection
    from tqdm import tqdm

    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    started = time.perf_counter()
    progress = tqdm(total=total, desc=desc, unit="row", unit_scale=True, leave=False, mininterval=1.0)
    with progress as bar, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            written = 0
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:  # psycopg 3
                for row in rows:
                    copy.write_row(row)
                    written += 1
                    if written % 50_000 == 0:
                        bar.update(50_000)
            bar.update(written % 50_000)
        else:
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            for batch in _chunks(rows if isinstance(rows, Sequence) else list(rows), 50_000):
                cursor.executemany(sql, batch)
                bar.update(len(batch))
    elapsed = time.perf_counter() - started
    return total / elapsed if elapsed > 0 else float("nan")


@dataclass
class Generated:
    vocabulary: Vocabulary
    institutions: int
    rows: int
    links: int
    seconds: float
    rows_per_second: float
    organisation_ids: list[int]
    figures: dict[str, float] = field(default_factory=dict)


def generate(*, institutions: int = 5000, rows: int = 1_000_000, seed: int = 1, log: Any = print) -> Generated:
    """Write the synthetic registry into the (migrated) database Django is set up with; returns what it wrote."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership
    from tichub.accounts.models import Organisation
    from tichub.registry.choices import ScopeStatus, TermKind
    from tichub.registry.models import (
        Accreditation,
        InstitutionProfile,
        ParameterAlias,
        ScopeRow,
        Term,
        TestSite,
    )
    from tichub.registry.normalise import normalise
    from tichub.science.standard_codes import parse_standard_code
    from tichub.standards.models import StandardEdition

    started = time.perf_counter()
    rng = random.Random(seed)
    vocab = vocabulary(seed)
    today = timezone.localdate()
    now = timezone.now()
    figures: dict[str, float] = {}

    with transaction.atomic():
        # --- institutions, profiles, sites, accreditations (ORM: tens of thousands of rows) ---------------------
        t = time.perf_counter()
        ownerships = [Ownership.STATE, Ownership.PRIVATE, Ownership.PRIVATE, Ownership.FOREIGN]
        levels = [
            InstitutionLevel.NATIONAL,
            InstitutionLevel.PROVINCIAL,
            InstitutionLevel.OTHER,
            InstitutionLevel.OTHER,
        ]
        prefix = f"bench-{seed}-"
        orgs = [
            Organisation(
                kind=OrganisationKind.INSTITUTION, slug=f"{prefix}{i:05d}", name_zh=f"基准检测机构{i:05d}",
                name_en=f"Benchmark Laboratory {i:05d}", ownership=rng.choice(ownerships), level=rng.choice(levels),
                is_testing_laboratory=True, is_inspection_body=rng.random() < 0.2, is_active=rng.random() > 0.01,
            )
            for i in range(institutions)
        ]  # fmt: skip
        Organisation.objects.bulk_create(orgs, batch_size=2000)
        org_ids = list(
            Organisation.objects.filter(slug__startswith=prefix).order_by("slug").values_list("id", flat=True)
        )
        org_region = {org_id: rng.choice(REGIONS) for org_id in org_ids}
        InstitutionProfile.objects.bulk_create(
            [
                InstitutionProfile(organisation_id=o, region=org_region[o], prices_public=rng.random() < 0.3)
                for o in org_ids
            ],
            batch_size=2000,
        )
        sites = [
            TestSite(organisation_id=o, name_zh=f"场所{k + 1}", region=org_region[o] if k == 0 else rng.choice(REGIONS))
            for o in org_ids
            for k in range(rng.choice((1, 1, 1, 2, 2, 3)))
        ]
        TestSite.objects.bulk_create(sites, batch_size=2000)
        sites_of: dict[int, list[int]] = {}
        for site_id, org_id in TestSite.objects.filter(organisation_id__in=org_ids).values_list(
            "id", "organisation_id"
        ):
            sites_of.setdefault(org_id, []).append(site_id)
        accreditations = []
        for n, o in enumerate(org_ids):
            for body in ("CNAS", "CMA"):
                if body == "CNAS" and rng.random() < 0.2:
                    continue
                lapsed = rng.random() < 0.03
                start = today - dt.timedelta(days=rng.randint(30, 2000) + (2190 if lapsed else 0))
                accreditations.append(
                    Accreditation(
                        organisation_id=o, body=body, number=f"B{seed}-{n:05d}", valid_from=start,
                        valid_until=start + dt.timedelta(days=2189),
                    )
                )  # fmt: skip
        Accreditation.objects.bulk_create(accreditations, batch_size=2000)
        valid_of: dict[int, list[int]] = {}
        for acc_id, org_id in Accreditation.objects.filter(
            organisation_id__in=org_ids, valid_from__lte=today, valid_until__gte=today
        ).values_list("id", "organisation_id"):
            valid_of.setdefault(org_id, []).append(acc_id)
        figures["institutions_s"] = time.perf_counter() - t

        # --- terms, aliases, standard editions ----------------------------------------------------------------
        t = time.perf_counter()
        for kind, names in ((TermKind.OBJECT, vocab.objects), (TermKind.PARAMETER, vocab.parameters)):
            Term.objects.bulk_create(
                [Term(kind=kind, key=normalise(zh), name_zh=zh, name_en=en, search=normalise(f"{zh} {en}"))
                 for zh, en in names],
                batch_size=2000, ignore_conflicts=True,
            )  # fmt: skip
        object_ids = dict(Term.objects.filter(kind=TermKind.OBJECT).values_list("key", "id"))
        parameter_ids = dict(Term.objects.filter(kind=TermKind.PARAMETER).values_list("key", "id"))
        object_term = [object_ids[normalise(zh)] for zh, _en in vocab.objects]
        parameter_term = [parameter_ids[normalise(zh)] for zh, _en in vocab.parameters]
        parameter_key = [normalise(zh) for zh, _en in vocab.parameters]
        ParameterAlias.objects.bulk_create(
            [
                ParameterAlias(alias=normalise(alias), canonical=normalise(canonical))
                for canonical, aliases in ALIASES.items()
                for alias in aliases
            ],
            ignore_conflicts=True,
        )
        parsed = {code: parse_standard_code(code) for editions in vocab.bases for code in editions}
        first_member = {f: vocab.family_of.index(f) for f in range(len(vocab.families))}
        titles = {b: vocab.parameters[first_member[f]][0] for f, members in enumerate(vocab.families) for b in members}
        existing = set(StandardEdition.objects.filter(edition_key__in=[p.edition_key for p in parsed.values()])
                       .values_list("edition_key", flat=True))  # fmt: skip
        StandardEdition.objects.bulk_create(
            [
                StandardEdition(
                    canonical=p.canonical, base=p.base, edition_key=p.edition_key, base_key=p.base_key,
                    prefix=p.prefix, number=p.number, year=p.year, family=p.family, mandatory=p.mandatory,
                    title_zh=f"{titles[i]}等项目的测定",
                    status="current" if code == editions[-1] else "withdrawn",
                )
                for i, editions in enumerate(vocab.bases)
                for code in editions
                for p in [parsed[code]]
                if p.edition_key not in existing
            ],
            batch_size=2000,
        )  # fmt: skip
        edition = dict(
            StandardEdition.objects.filter(edition_key__in=[p.edition_key for p in parsed.values()]).values_list(
                "edition_key", "id"
            )
        )
        replacements = [
            (edition[parsed[newer].edition_key], edition[parsed[older].edition_key])
            for editions in vocab.bases
            for older, newer in itertools.pairwise(editions)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {StandardEdition._meta.db_table} SET replaced_by_id = %s WHERE id = %s",
                replacements,
            )
        base_editions = [[edition[parsed[c].edition_key] for c in editions] for editions in vocab.bases]
        base_key = [parsed[editions[-1]].base_key for editions in vocab.bases]
        figures["vocabulary_s"] = time.perf_counter() - t

        # --- scope rows ----------------------------------------------------------------------------------------
        t = time.perf_counter()
        param_cum = zipf_cumulative(len(vocab.parameters), 1.0)
        object_cum = zipf_cumulative(len(vocab.objects), 0.8)
        base_cum = zipf_cumulative(BASES_PER_FAMILY, 1.2)
        size_cum = list(itertools.accumulate(rng.lognormvariate(0, 1.0) for _ in org_ids))
        statuses = [ScopeStatus.ACTIVE.value] * 48 + [ScopeStatus.SUSPENDED.value, ScopeStatus.WITHDRAWN.value]
        clauses = ("",) * 8 + ("第一法", "第二法")
        start_id = (ScopeRow.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        seen: set[tuple[int, int, int, int, int, int]] = set()
        planned: list[tuple[Any, ...]] = []
        links: list[tuple[int, int]] = []
        price_of = [Decimal(f"{rng.randint(2, 300) * 10}.00") for _ in range(97)]
        while len(planned) < rows:
            need = rows - len(planned)
            params = sample(rng, param_cum, need)
            objs = sample(rng, object_cum, need)
            bases_pick = sample(rng, base_cum, need)
            owners = sample(rng, size_cum, need)
            for p, o, b, w in zip(params, objs, bases_pick, owners, strict=True):
                base = vocab.families[vocab.family_of[p]][b]
                editions = base_editions[base]
                std = editions[-1] if len(editions) == 1 or rng.random() < 0.85 else rng.choice(editions[:-1])
                org = org_ids[w]
                site = rng.choice(sites_of[org])
                clause = rng.choice(clauses)
                key = (org, object_term[o], parameter_term[p], std, hash(clause), site)
                if key in seen:
                    continue
                seen.add(key)
                row_id = start_id + len(planned)
                planned.append(
                    (row_id, org, object_term[o], parameter_term[p], parameter_key[p], std, base_key[base], clause,
                     "", site, rng.choice(statuses), rng.randint(1, 30), rng.choice(price_of), now)
                )  # fmt: skip
                for acc in valid_of.get(org, ()):
                    links.append((row_id, acc))
        del seen
        figures["plan_s"] = time.perf_counter() - t
        log(f"planned {len(planned):,} scope rows and {len(links):,} accreditation links in {figures['plan_s']:.1f} s")
        columns = ["id", "organisation_id", "object_term_id", "parameter_term_id", "parameter_key", "standard_id",
                   "standard_base_key", "clause", "limitation", "site_id", "status", "turnaround_days", "list_price",
                   "updated_at"]  # fmt: skip
        if connection.vendor == "sqlite":
            adapt = connection.ops.adapt_datetimefield_value
            stamp = adapt(now)
            decimal = connection.ops.adapt_decimalfield_value
            planned = [(*r[:12], decimal(r[12], 12, 2), stamp) for r in planned]
        t = time.perf_counter()
        rate = write_rows(ScopeRow._meta.db_table, columns, planned, total=len(planned), desc="scope rows")
        figures["rows_s"] = time.perf_counter() - t
        log(f"scope rows: {len(planned):,} in {figures['rows_s']:.1f} s ({rate:,.0f} rows/s)")
        through = ScopeRow.accreditations.through
        t = time.perf_counter()
        link_rate = write_rows(
            through._meta.db_table, ["scoperow_id", "accreditation_id"], links, total=len(links), desc="links"
        )
        figures["links_s"] = time.perf_counter() - t
        log(f"accreditation links: {len(links):,} in {figures['links_s']:.1f} s ({link_rate:,.0f} rows/s)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{ScopeRow._meta.db_table}', 'id'), "
                    f"(SELECT MAX(id) FROM {ScopeRow._meta.db_table}))"
                )
        n_rows, n_links = len(planned), len(links)
        del planned, links

    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planners, as after any bulk load
    figures["analyze_s"] = time.perf_counter() - t
    elapsed = time.perf_counter() - started
    return Generated(
        vocabulary=vocab,
        institutions=len(org_ids),
        rows=n_rows,
        links=n_links,
        seconds=elapsed,
        rows_per_second=n_rows / figures["rows_s"] if figures["rows_s"] else float("nan"),
        organisation_ids=org_ids,
        figures=figures,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if os.environ.get("BENCH_SEED") != "1":
        print("refusing to write a synthetic registry: set BENCH_SEED=1, on a throw-away database", file=sys.stderr)
        return 2
    import django

    django.setup()
    done = generate(institutions=args.institutions, rows=args.rows, seed=args.seed)
    print(
        f"generated {done.institutions:,} institutions, {done.rows:,} scope rows, {done.links:,} accreditation links "
        f"in {done.seconds:.1f} s ({done.rows_per_second:,.0f} scope rows/s written)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
