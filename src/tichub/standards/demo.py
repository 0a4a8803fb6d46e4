"""Demo catalogue: real standards of the demo cluster's fields, with their editions, replacements and adoptions.

Every number, title and year below is a real one. Dates are given only where they were checked against the
published text or an official announcement (checked at the end of 2025); where a date was not confirmed it is
left empty rather than guessed, and an edition whose withdrawal date is unknown is left out rather than shown
with an invented date. Statuses are not stored here: `load()` derives them from the dates and today, so an
edition whose effective date is still to come shows as 即将实施 and its predecessor as 即将废止 (GB 7718-2025,
effective 2027-03-16), and they move on by themselves (standards.services.standard_status_roll).

Notes on what this catalogue deliberately says:
* GB 5009.12-2017 is no longer current: GB 5009.12-2023 (issued 2023-09-06) replaced it on 2024-03-06.
* GB 317-2006 (mandatory) became GB/T 317-2006 in the 2017 review of mandatory standards (SAC announcement
  2017 No. 7, 2017-03-23); GB/T 317-2018 replaced GB/T 317-2006 on 2018-09-01. GB and GB/T are distinct codes.
* GB 18401-2010 is a mandatory standard (GB, not GB/T).
* TSG T7001-2009 ceased at the end of the one-year transition that SAMR set when it issued TSG T7001-2023
  (2023-04-02).
* ISO published a third edition of ISO 2859-1 dated 2026 whose publication date was not confirmed here; the 1999
  edition (adopted identically by GB/T 2828.1-2012) is kept as catalogued until the curator imports the update.

Idempotent: editions are keyed by their normalised code (edition_key); running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tichub.science.standard_codes import parse_standard_code

from .choices import StandardStatus
from .models import Adoption, StandardEdition


@dataclass(frozen=True)
class E:
    code: str
    zh: str
    en: str = ""
    ics: str = ""
    published: str | None = None
    effective: str | None = None
    withdrawn: str | None = None  # defaults to the replacing edition's effective date
    replaced_by: str | None = None
    adopts: tuple[tuple[str, str], ...] = ()


FOOD = "食品安全国家标准 "
NFS = "National food safety standard—"

CATALOGUE: list[E] = [
    # --- sugar and processed food: methods ------------------------------------------------------------------
    E("GB 5009.12-2017", FOOD + "食品中铅的测定", NFS + "Determination of lead in foods", "67.040",
      replaced_by="GB 5009.12-2023"),
    E("GB 5009.12-2023", FOOD + "食品中铅的测定", NFS + "Determination of lead in foods", "67.040",
      "2023-09-06", "2024-03-06"),
    E("GB 5009.3-2010", FOOD + "食品中水分的测定", NFS + "Determination of moisture in foods", "67.040",
      replaced_by="GB 5009.3-2016"),
    E("GB 5009.3-2016", FOOD + "食品中水分的测定", NFS + "Determination of moisture in foods", "67.040",
      "2016-08-31", "2017-03-01"),
    E("GB 5009.4-2010", FOOD + "食品中灰分的测定", NFS + "Determination of ash in foods", "67.040",
      "2010-03-26", "2010-06-01", replaced_by="GB 5009.4-2016"),
    E("GB 5009.4-2016", FOOD + "食品中灰分的测定", NFS + "Determination of ash in foods", "67.040",
      "2016-08-31", "2017-03-01"),
    E("GB/T 5009.11-2003", "食品中总砷及无机砷的测定", "Determination of total arsenic and abio-arsenic in foods",
      "67.040", replaced_by="GB 5009.11-2014"),
    E("GB 5009.11-2014", FOOD + "食品中总砷及无机砷的测定",
      NFS + "Determination of total arsenic and inorganic arsenic in foods", "67.040", "2015-09-21", "2016-03-21",
      replaced_by="GB 5009.11-2024"),
    E("GB 5009.11-2024", FOOD + "食品中总砷及无机砷的测定",
      NFS + "Determination of total arsenic and inorganic arsenic in foods", "67.040", "2024-02-08", "2024-08-08"),
    # --- sugar and processed food: products, limits, labels --------------------------------------------------
    E("GB 317-2006", "白砂糖", "White granulated sugar", "67.180.10", "2006-03-31", "2006-10-01",
      withdrawn="2017-03-23", replaced_by="GB/T 317-2006"),
    E("GB/T 317-2006", "白砂糖", "White granulated sugar", "67.180.10", "2006-03-31", "2006-10-01",
      replaced_by="GB/T 317-2018"),
    E("GB/T 317-2018", "白砂糖", "White granulated sugar", "67.180.10", "2018-02-06", "2018-09-01"),
    E("GB 13104-2005", "食糖卫生标准", "Hygienic standard for sugars", replaced_by="GB 13104-2014"),
    E("GB 13104-2014", FOOD + "食糖", NFS + "Sugar", "67.180.10", "2014-12-24", "2015-05-24"),
    E("GB 2762-2017", FOOD + "食品中污染物限量", NFS + "Maximum levels of contaminants in foods",
      replaced_by="GB 2762-2022"),
    E("GB 2762-2022", FOOD + "食品中污染物限量", NFS + "Maximum levels of contaminants in foods",
      published="2022-06-30", effective="2023-06-30"),
    E("GB 2760-2014", FOOD + "食品添加剂使用标准", NFS + "Standard for uses of food additives",
      replaced_by="GB 2760-2024"),
    E("GB 2760-2024", FOOD + "食品添加剂使用标准", NFS + "Standard for uses of food additives",
      published="2024-02-08", effective="2025-02-08"),
    E("GB 7718-2011", FOOD + "预包装食品标签通则", NFS + "General standard for the labeling of prepackaged foods",
      replaced_by="GB 7718-2025"),
    E("GB 7718-2025", FOOD + "预包装食品标签通则", NFS + "General standard for the labeling of prepackaged foods",
      published="2025-03-16", effective="2027-03-16"),
    E("GB 28050-2011", FOOD + "预包装食品营养标签通则",
      NFS + "General standard for nutrition labeling of prepackaged foods", published="2011-10-12",
      effective="2013-01-01", replaced_by="GB 28050-2025"),
    E("GB 28050-2025", FOOD + "预包装食品营养标签通则",
      NFS + "General standard for nutrition labeling of prepackaged foods", effective="2027-03-16"),
    # --- food contact materials (e-commerce kitchenware, packaging) -------------------------------------------
    E("GB 4806.1-2016", FOOD + "食品接触材料及制品通用安全要求",
      NFS + "General safety requirements on food contact materials and articles"),
    E("GB 4806.6-2016", FOOD + "食品接触用塑料树脂", NFS + "Food contact plastic resin",
      replaced_by="GB 4806.7-2023"),
    E("GB 4806.7-2016", FOOD + "食品接触用塑料材料及制品", NFS + "Food contact plastic materials and articles",
      replaced_by="GB 4806.7-2023"),
    E("GB 4806.7-2023", FOOD + "食品接触用塑料材料及制品", NFS + "Food contact plastic materials and articles",
      published="2023-09-06", effective="2024-09-06"),
    E("GB 31604.1-2015", FOOD + "食品接触材料及制品迁移试验通则",
      NFS + "General principle for the migration test of food contact materials and articles",
      replaced_by="GB 31604.1-2023"),
    E("GB 31604.1-2023", FOOD + "食品接触材料及制品迁移试验通则",
      NFS + "General rules for migration test of food contact materials and articles", published="2023-09-06",
      effective="2024-09-06"),
    E("GB 31604.49-2016", FOOD + "食品接触材料及制品 砷、镉、铬、铅的测定和砷、镉、铬、镍、铅、锑、锌迁移量的测定",
      NFS + "Food contact materials and articles—Determination of arsenic, cadmium, chromium and lead and "
      "determination of migration of arsenic, cadmium, chromium, nickel, lead, antimony and zinc",
      replaced_by="GB 31604.49-2023"),
    E("GB 31604.49-2023", FOOD + "食品接触材料及制品 多元素的测定和多元素迁移量的测定",
      NFS + "Food contact materials and articles—Determination of multi-elements and determination of "
      "multi-elements migration", published="2023-09-06", effective="2024-03-06"),
    # --- sampling, rounding, laboratories, management systems ------------------------------------------------
    E("ISO 2859-1:1999", "计数抽样检验程序 第1部分：按接收质量限（AQL）检索的逐批检验抽样计划",
      "Sampling procedures for inspection by attributes—Part 1: Sampling schemes indexed by acceptance quality "
      "limit (AQL) for lot-by-lot inspection", "03.120.30", published="1999-11-18"),
    E("GB/T 2828.1-2003", "计数抽样检验程序 第1部分：按接收质量限（AQL）检索的逐批检验抽样计划",
      "Sampling procedures for inspection by attributes—Part 1: Sampling schemes indexed by acceptance quality "
      "limit (AQL) for lot-by-lot inspection", "03.120.30", "2003-09-15", "2004-03-01",
      replaced_by="GB/T 2828.1-2012"),
    E("GB/T 2828.1-2012", "计数抽样检验程序 第1部分：按接收质量限（AQL）检索的逐批检验抽样计划",
      "Sampling procedures for inspection by attributes—Part 1: Sampling schemes indexed by acceptance quality "
      "limit (AQL) for lot-by-lot inspection", "03.120.30", "2012-11-05", "2013-02-15",
      adopts=(("ISO 2859-1:1999", "IDT"),)),
    E("GB/T 8170-2008", "数值修约规则与极限数值的表示和判定",
      "Rules of rounding off for numerical values & expression and judgement of limiting values"),
    E("ISO/IEC 17025:2005", "检测和校准实验室能力的通用要求",
      "General requirements for the competence of testing and calibration laboratories", "03.120.20",
      replaced_by="ISO/IEC 17025:2017"),
    E("ISO/IEC 17025:2017", "检测和校准实验室能力的通用要求",
      "General requirements for the competence of testing and calibration laboratories", "03.120.20",
      published="2017-11-29", effective="2017-11-29"),
    E("GB/T 27025-2008", "检测和校准实验室能力的通用要求",
      "General requirements for the competence of testing and calibration laboratories", "03.120.20",
      replaced_by="GB/T 27025-2019", adopts=(("ISO/IEC 17025:2005", "IDT"),)),
    E("GB/T 27025-2019", "检测和校准实验室能力的通用要求",
      "General requirements for the competence of testing and calibration laboratories", "03.120.20",
      "2019-12-10", "2020-07-01", adopts=(("ISO/IEC 17025:2017", "IDT"),)),
    E("ISO/IEC 17020:2012", "合格评定 各类检验机构的运作要求",
      "Conformity assessment—Requirements for the operation of various types of bodies performing inspection"),
    E("GB/T 27020-2016", "合格评定 各类检验机构的运作要求",
      "Conformity assessment—Requirements for the operation of various types of bodies performing inspection",
      adopts=(("ISO/IEC 17020:2012", "IDT"),)),
    E("ISO/IEC 17065:2012", "合格评定 产品、过程和服务认证机构要求",
      "Conformity assessment—Requirements for bodies certifying products, processes and services"),
    E("GB/T 27065-2015", "合格评定 产品、过程和服务认证机构要求",
      "Conformity assessment—Requirements for bodies certifying products, processes and services",
      adopts=(("ISO/IEC 17065:2012", "IDT"),)),
    E("ISO 9001:2015", "质量管理体系 要求", "Quality management systems—Requirements", "03.120.10",
      published="2015-09-15", effective="2015-09-15"),
    E("GB/T 19001-2016", "质量管理体系 要求", "Quality management systems—Requirements", "03.120.10",
      "2016-12-30", "2017-07-01", adopts=(("ISO 9001:2015", "IDT"),)),
    E("TCVN ISO/IEC 17025:2017", "检测和校准实验室能力的通用要求（越南国家标准）",
      "General requirements for the competence of testing and calibration laboratories (Viet Nam)", "03.120.20",
      adopts=(("ISO/IEC 17025:2017", "IDT"),)),
    # --- metrology: uncertainty, calipers -------------------------------------------------------------------
    E("JJF 1059-1999", "测量不确定度评定与表示", "Evaluation and Expression of Uncertainty in Measurement",
      published="1999-01-11", effective="1999-05-01", replaced_by="JJF 1059.1-2012"),
    E("JJF 1059.1-2012", "测量不确定度评定与表示", "Evaluation and Expression of Uncertainty in Measurement",
      published="2012-12-03", effective="2013-06-03"),
    E("JJG 30-2002", "通用卡尺检定规程", "Verification Regulation of Calipers", replaced_by="JJG 30-2012"),
    E("JJG 30-2012", "通用卡尺检定规程", "Verification Regulation of Calipers", "17.040", "2012-03-02", "2012-09-02"),
    E("GB/T 1214.1-1996", "游标类卡尺 通用技术条件", replaced_by="GB/T 21389-2008"),
    E("GB/T 1214.2-1996", "游标类卡尺 游标卡尺", replaced_by="GB/T 21389-2008"),
    E("GB/T 6317-1993", "带表卡尺", replaced_by="GB/T 21389-2008"),
    E("GB/T 14899-1994", "电子数显卡尺", replaced_by="GB/T 21389-2008"),
    E("GB/T 21389-2008", "游标、带表和数显卡尺", "Vernier, dial and digital display calipers", "17.040.30",
      "2008-02-02", "2008-07-01"),
    E("GB/T 21388-2008", "游标、带表和数显深度卡尺", "Vernier, dial and digital display depth gauges", "17.040.30"),
    # --- special equipment: boilers -------------------------------------------------------------------------
    E("TSG G0001-2012", "锅炉安全技术监察规程", "Supervision Regulation on Safety Technology for Boiler",
      replaced_by="TSG 11-2020"),
    E("TSG 11-2020", "锅炉安全技术规程", "Regulation on Safety Technology for Boiler", effective="2021-06-01"),
    E("GB/T 10180-2017", "工业锅炉热工性能试验规程", "Thermal performance test code for industrial boilers"),
    E("TSG 08-2017", "特种设备使用管理规则", "Rules for the use management of special equipment"),
    # --- special equipment: pressure vessels ----------------------------------------------------------------
    E("TSG R0004-2009", "固定式压力容器安全技术监察规程",
      "Supervision Regulation on Safety Technology for Stationary Pressure Vessel", replaced_by="TSG 21-2016"),
    E("TSG 21-2016", "固定式压力容器安全技术监察规程",
      "Supervision Regulation on Safety Technology for Stationary Pressure Vessel", published="2016-02-22",
      effective="2016-10-01"),
    E("GB 150-1998", "钢制压力容器", "Steel pressure vessels", replaced_by="GB/T 150.1-2011"),
    E("GB/T 150.1-2011", "压力容器 第1部分：通用要求", "Pressure vessels—Part 1: General requirements",
      "23.020.30", "2011-11-21", "2012-03-01"),
    E("GB/T 150.2-2011", "压力容器 第2部分：材料", "Pressure vessels—Part 2: Materials", "23.020.30",
      "2011-11-21", "2012-03-01"),
    E("GB/T 150.3-2011", "压力容器 第3部分：设计", "Pressure vessels—Part 3: Design", "23.020.30", "2011-11-21",
      "2012-03-01"),
    E("GB/T 150.4-2011", "压力容器 第4部分：制造、检验和验收",
      "Pressure vessels—Part 4: Fabrication, inspection and testing, and acceptance", "23.020.30", "2011-11-21",
      "2012-03-01"),
    # --- special equipment: elevators -----------------------------------------------------------------------
    E("GB 7588-2003", "电梯制造与安装安全规范", "Safety rules for the construction and installation of electric lifts",
      "91.140.90", "2003-06-16", "2004-01-01", replaced_by="GB/T 7588.1-2020"),
    E("GB/T 7588.1-2020", "电梯制造与安装安全规范 第1部分：乘客电梯和载货电梯",
      "Safety rules for the construction and installation of lifts—Part 1: Passenger and goods passenger lifts",
      "91.140.90", effective="2022-07-01"),
    E("GB/T 7588.2-2020", "电梯制造与安装安全规范 第2部分：电梯部件的设计原则、计算和检验",
      "Safety rules for the construction and installation of lifts—Part 2: Design rules, calculations, "
      "examinations and tests of lift components", "91.140.90", effective="2022-07-01"),
    E("TSG T7001-2009", "电梯监督检验和定期检验规则——曳引与强制驱动电梯",
      "Regulation for Lift Supervisory Inspection and Periodical Inspection—Traction and Positive Drive Lift",
      published="2009-12-04", effective="2010-04-01", withdrawn="2024-04-02", replaced_by="TSG T7001-2023"),
    E("TSG T7001-2023", "电梯监督检验和定期检验规则",
      "Regulation for Lift Supervisory Inspection and Periodical Inspection", published="2023-04-02",
      effective="2023-04-02"),
    E("TSG T7008-2023", "电梯自行检测规则", published="2023-04-02"),
    # --- petrochemical products -----------------------------------------------------------------------------
    E("GB 17930-2013", "车用汽油", "Gasoline for motor vehicles", "75.160.20", "2013-12-18", "2013-12-18",
      replaced_by="GB 17930-2016"),
    E("GB 17930-2016", "车用汽油", "Gasoline for motor vehicles", "75.160.20", "2016-12-23", "2016-12-23"),
    E("GB 19147-2013", "车用柴油（Ⅴ）", "Automobile diesel fuels (V)", "75.160.20", "2013-06-08", "2013-06-08",
      replaced_by="GB 19147-2016"),
    E("GB 19147-2016", "车用柴油", "Automobile diesel fuels", "75.160.20", "2016-12-23", "2016-12-23"),
    E("GB/T 5096-1985", "石油产品铜片腐蚀试验法", "Petroleum products—Corrosiveness to copper—Copper strip test",
      "75.080", replaced_by="GB/T 5096-2017"),
    E("GB/T 5096-2017", "石油产品铜片腐蚀试验法",
      "Test method for corrosiveness to copper from petroleum products by copper strip test", "75.080",
      "2017-07-31", "2018-02-01"),
    E("GB/T 6536-1997", "石油产品蒸馏测定法", "", "75.080", replaced_by="GB/T 6536-2010"),
    E("GB/T 6536-2010", "石油产品常压蒸馏特性测定法",
      "Standard test method for distillation of petroleum products at atmospheric pressure", "75.080",
      "2011-01-10", "2011-05-01"),
    # --- cocoon silk ----------------------------------------------------------------------------------------
    E("GB 1797-2001", "生丝", "Raw silk", "59.060.10", replaced_by="GB/T 1797-2008"),
    E("GB/T 1797-2008", "生丝", "Raw silk", "59.060.10", "2008-08-06", "2009-06-01"),
    E("GB/T 1798-2008", "生丝试验方法", "Testing method for raw silk"),
    E("GB/T 15268-2008", "桑蚕鲜茧", "Mulberry silkworm fresh cocoon", "59.060.10", "2008-08-07", "2008-12-01"),
    E("GB/T 14033-2016", "桑蚕捻线丝"),
    E("GB/T 15551-2016", "桑蚕丝织物", "Mulberry silk fabrics", "59.080.30"),
    # --- electronic information products --------------------------------------------------------------------
    E("GB 4943.1-2011", "信息技术设备 安全 第1部分：通用要求",
      "Information technology equipment—Safety—Part 1: General requirements", replaced_by="GB 4943.1-2022"),
    E("GB 8898-2011", "音频、视频及类似电子设备 安全要求",
      "Audio, video and similar electronic apparatus—Safety requirements", replaced_by="GB 4943.1-2022"),
    E("IEC 62368-1:2018", "音视频、信息技术和通信技术设备 第1部分：安全要求",
      "Audio/video, information and communication technology equipment—Part 1: Safety requirements",
      withdrawn="2023-05-25", replaced_by="IEC 62368-1:2023"),
    E("IEC 62368-1:2023", "音视频、信息技术和通信技术设备 第1部分：安全要求",
      "Audio/video, information and communication technology equipment—Part 1: Safety requirements",
      published="2023-05-25", effective="2023-05-25"),
    E("GB 4943.1-2022", "音视频、信息技术和通信技术设备 第1部分：安全要求",
      "Audio/video, information and communication technology equipment—Part 1: Safety requirements",
      published="2022-07-19", effective="2023-08-01", adopts=(("IEC 62368-1:2018", "MOD"),)),
    E("GB/T 9254-2008", "信息技术设备的无线电骚扰限值和测量方法",
      "Information technology equipment—Radio disturbance characteristics—Limits and methods of measurement",
      replaced_by="GB/T 9254.1-2021"),
    E("GB/T 9254.1-2021", "信息技术设备、多媒体设备和接收机 电磁兼容 第1部分：发射要求",
      "Information technology equipment, multimedia equipment and receivers—Electromagnetic compatibility—"
      "Part 1: Emission requirements", published="2021-12-31", effective="2022-07-01"),
    E("GB 31241-2014", "便携式电子产品用锂离子电池和电池组 安全要求",
      "Lithium ion cells and batteries used in portable electronic equipments—Safety requirements",
      effective="2015-08-01", replaced_by="GB 31241-2022"),
    E("GB 31241-2022", "便携式电子产品用锂离子电池和电池组 安全技术规范",
      "Safety technical specification for lithium-ion cells and batteries used in portable electronic "
      "equipments", published="2022-12-29", effective="2024-01-01"),
    # --- new-energy vehicles --------------------------------------------------------------------------------
    E("GB/T 31485-2015", "电动汽车用动力蓄电池安全要求及试验方法",
      "Safety requirements and test methods for traction battery of electric vehicle", "43.120", "2015-05-15",
      "2015-05-15", replaced_by="GB 38031-2020"),
    E("GB 38031-2020", "电动汽车用动力蓄电池安全要求", "Electric vehicles traction battery safety requirements",
      published="2020-05-12", effective="2021-01-01", replaced_by="GB 38031-2025"),
    E("GB 38031-2025", "电动汽车用动力蓄电池安全要求", "Electric vehicles traction battery safety requirements",
      effective="2026-07-01"),
    E("GB/T 18384.1-2015", "电动汽车 安全要求 第1部分：车载可充电储能系统（REESS）",
      "Electric vehicles—Safety specification—Part 1: On-board rechargeable energy storage system (REESS)",
      replaced_by="GB 18384-2020"),
    E("GB 18384-2020", "电动汽车安全要求", "Electric vehicles safety requirements", published="2020-05-12",
      effective="2021-01-01"),
    E("GB 38032-2020", "电动客车安全要求", "Electric buses safety requirements", published="2020-05-12",
      effective="2021-01-01"),
    E("GB/T 31484-2015", "电动汽车用动力蓄电池循环寿命要求及试验方法",
      "Cycle life requirements and test methods for traction battery of electric vehicle", "43.120", "2015-05-15",
      "2015-05-15"),
    E("GB/T 31486-2015", "电动汽车用动力蓄电池电性能要求及试验方法",
      "Electrical performance requirements and test methods for traction battery of electric vehicle", "43.120",
      "2015-05-15", "2015-05-15", replaced_by="GB/T 31486-2024"),
    E("GB/T 31486-2024", "电动汽车用动力蓄电池电性能要求及试验方法",
      "Electrical performance requirements and test methods for traction battery of electric vehicle", "43.120",
      "2024-09-29", "2025-04-01"),
    # --- e-commerce consumer products: toys, textiles, leather ----------------------------------------------
    E("GB 6675-2003", "国家玩具安全技术规范", "National safety technical code for toys", replaced_by="GB 6675.1-2014"),
    E("GB 6675.1-2014", "玩具安全 第1部分：基本规范", "Toys safety—Part 1: Basic code", "97.200.50", "2014-05-06",
      "2016-01-01"),
    E("GB 6675.2-2014", "玩具安全 第2部分：机械与物理性能", "Toys safety—Part 2: Mechanical and physical properties",
      "97.200.50", "2014-05-06", "2016-01-01"),
    E("GB 6675.3-2014", "玩具安全 第3部分：易燃性能", "Toys safety—Part 3: Flammability", "97.200.50",
      "2014-05-06", "2016-01-01"),
    E("GB 6675.4-2014", "玩具安全 第4部分：特定元素的迁移", "Toys safety—Part 4: Migration of certain elements",
      "97.200.50", "2014-05-06", "2016-01-01"),
    E("GB 18401-2010", "国家纺织产品基本安全技术规范", "National general safety technical code for textile products",
      published="2011-01-14", effective="2011-08-01"),
    E("GB 31701-2015", "婴幼儿及儿童纺织产品安全技术规范",
      "Safety technical code for infants and children textile products"),
    E("GB 21550-2008", "聚氯乙烯人造革有害物质限量",
      "Limit of harmful substances of polyvinyl chloride artificial leather"),
    # --- ASEAN: sugar (Indonesia) ---------------------------------------------------------------------------
    E("SNI 3140.1:2008", "结晶糖 第1部分：原糖（印度尼西亚国家标准）", "Gula kristal—Bagian 1: Mentah (raw sugar)",
      "67.180.10"),
    E("SNI 3140.3:2010", "结晶糖 第3部分：白糖（印度尼西亚国家标准）", "Gula kristal—Bagian 3: Putih",
      "67.180.10"),
]  # fmt: skip


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def editions_with_dates() -> list[tuple[E, dt.date | None, dt.date | None, dt.date | None]]:
    """Each entry with its dates; a replaced edition without its own withdrawal date is withdrawn on the day its
    replacement takes effect."""
    by_code = {e.code: e for e in CATALOGUE}
    rows = []
    for e in CATALOGUE:
        withdrawn = _date(e.withdrawn)
        if withdrawn is None and e.replaced_by:
            withdrawn = _date(by_code[e.replaced_by].effective)
        rows.append((e, _date(e.published), _date(e.effective), withdrawn))
    return rows


def status_on(effective: dt.date | None, withdrawn: dt.date | None, today: dt.date) -> str:
    if withdrawn is not None:
        return StandardStatus.WITHDRAWN if withdrawn <= today else StandardStatus.TO_BE_WITHDRAWN
    if effective is not None and effective > today:
        return StandardStatus.UPCOMING
    return StandardStatus.CURRENT


@transaction.atomic
def load(today: dt.date | None = None) -> dict[str, int]:
    """Create or refresh the demo catalogue (idempotent). Returns how many editions it created and holds."""
    today = today or timezone.localdate()
    rows = editions_with_dates()
    codes = {e.code: parse_standard_code(e.code) for e, *_ in rows}
    found = {
        x.edition_key: x
        for x in StandardEdition.objects.filter(edition_key__in=[c.edition_key for c in codes.values()])
    }
    fields = ("title_zh", "title_en", "ics", "status", "published_on", "effective_on", "withdrawn_on")
    new, changed = [], []
    for e, published, effective, withdrawn in rows:
        code = codes[e.code]
        values = {
            "title_zh": e.zh, "title_en": e.en, "ics": e.ics, "status": status_on(effective, withdrawn, today),
            "published_on": published, "effective_on": effective, "withdrawn_on": withdrawn,
        }  # fmt: skip
        edition = found.get(code.edition_key)
        if edition is None:
            new.append(
                StandardEdition(
                    canonical=code.canonical,
                    base=code.base,
                    edition_key=code.edition_key,
                    base_key=code.base_key,
                    prefix=code.prefix,
                    number=code.number,
                    year=code.year,
                    family=code.family,
                    mandatory=code.mandatory,
                    **values,
                )
            )
        elif any(getattr(edition, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(edition, k, v)
            changed.append(edition)
    StandardEdition.objects.bulk_create(new)
    StandardEdition.objects.bulk_update(changed, fields)
    editions = {
        x.edition_key: x
        for x in StandardEdition.objects.filter(edition_key__in=[c.edition_key for c in codes.values()])
    }
    by_code = {e.code: editions[codes[e.code].edition_key] for e, *_ in rows}
    relinked = []
    for e, *_ in rows:
        edition = by_code[e.code]
        target = by_code[e.replaced_by].pk if e.replaced_by else None
        if edition.replaced_by_id != target:
            edition.replaced_by_id = target
            relinked.append(edition)
    StandardEdition.objects.bulk_update(relinked, ["replaced_by"])
    for e, *_ in rows:
        for adopted, relation in e.adopts:
            Adoption.objects.update_or_create(
                edition=by_code[e.code], adopts=by_code[adopted], defaults={"relation": relation}
            )
    return {"created": len(new), "updated": len(changed), "editions": len(rows)}
