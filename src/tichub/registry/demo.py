"""Demo registry: the demo cluster's institutions with profiles, test sites, accreditations and scopes.

About 2,000 scope rows over 21 institutions, written as each institution would: a CNAS/CMA scope annex table (the
import template's columns) uploaded through the real import path (preview, then commit), so `tichub demo` exercises
it. Standard numbers and titles are real ones of each centre's field (food safety GB 5009/GB 4789, petroleum
GB/T and SH/T methods, TSG safety rules, JJG verification regulations, GB 4943.1, GB 38031, GB 6675, GB 18401 ...).
Accreditation numbers are illustrative (CNAS "L1234" style, CMA 12 digits: year, province 20 = Guangxi, serial).

Deliberate imperfections, so that search and the directory have something to say:
* 南宁绿茵 still tests lead by GB 5009.12-2017 and arsenic by GB 5009.11-2014 (both withdrawn); its CNAS
  accreditation lapsed 40 days ago, so its rows cite CMA only.
* 广西轨道交通 still inspects station lifts by TSG T7001-2009 (withdrawn); 中泰联合 still calibrates callipers by
  JJG 30-2002; 广西中测 still tests adapters by GB 4943.1-2011 and toys by GB 6675-2003.
* 广西新能源汽车 has GB 38031-2025 for most battery items but not thermal propagation (热扩散) yet, and keeps its
  GB 38031-2020 rows (withdrawn on 2026-07-01).
* Two accreditations expire within weeks; a foreign laboratory holds an ILAC MRA signatory's accreditation (VILAS).
* A few searches the cluster cannot serve are recorded as unmet demand through the real search path.

Idempotent: institutions whose demo import is committed are skipped; sites, accreditations, aliases, profiles and
demand records are created only when missing. Run after accounts.demo.load() and standards.demo.load().
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from tichub.accounts import services as accounts_services
from tichub.accounts.choices import Role
from tichub.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET
from tichub.accounts.models import Organisation, User
from tichub.accounts.selectors import actor_for
from tichub.core.tenancy import Actor
from tichub.standards.demo import CATALOGUE

from . import import_services, manage_services
from .alias_services import alias_group_add
from .choices import ScopeStatus
from .demand_services import demand_record
from .import_selectors import scope_imports_of
from .manage_selectors import my_accreditations, my_profile, my_scope_rows, my_sites
from .models import DemandRecord, ScopeImport
from .normalise import normalise
from .search_selectors import Need, capability_search
from .services import alias_map

DEMO_FILENAME = "能力范围（演示）.csv"
CURATOR_EMAIL = f"operator.curator@{DEMO_DOMAIN}"
CLUSTER = "广西南宁市良庆区中国—东盟检验检测认证高技术服务集聚区"
FOOD = "食品安全国家标准 "

# The import template's columns (registry.views.imports.TEMPLATE_HEADERS).
HEADERS = [
    "序号",
    "检测对象",
    "检测对象（英文）",
    "项目/参数",
    "参数英文名",
    "检测标准（方法）名称及编号（含年号）",
    "条款",
    "限制范围",
    "说明",
    "场所",
    "认可/资质",
    "状态",
    "周期（工作日）",
    "参考价格（元）",
]

# --------------------------------------------------------------------------------------------------------------
# Standards cited by the scopes: real numbers and titles (the demo catalogue's own editions are added below)
# --------------------------------------------------------------------------------------------------------------

TITLES: dict[str, str] = {
    # food: methods
    "GB 5009.5-2016": FOOD + "食品中蛋白质的测定",
    "GB 5009.6-2016": FOOD + "食品中脂肪的测定",
    "GB 5009.7-2016": FOOD + "食品中还原糖的测定",
    "GB 5009.8-2016": FOOD + "食品中果糖、葡萄糖、蔗糖、麦芽糖、乳糖的测定",
    "GB 5009.15-2014": FOOD + "食品中镉的测定",
    "GB 5009.17-2021": FOOD + "食品中总汞及有机汞的测定",
    "GB 5009.22-2016": FOOD + "食品中黄曲霉毒素B族和G族的测定",
    "GB 5009.28-2016": FOOD + "食品中苯甲酸、山梨酸和糖精钠的测定",
    "GB 5009.34-2022": FOOD + "食品中二氧化硫的测定",
    "GB 5009.35-2016": FOOD + "食品中合成着色剂的测定",
    "GB 5009.97-2016": FOOD + "食品中环己基氨基磺酸钠的测定",
    "GB 5009.263-2016": FOOD + "食品中阿斯巴甜和阿力甜的测定",
    "GB 4789.2-2022": FOOD + "食品微生物学检验 菌落总数测定",
    "GB 4789.3-2016": FOOD + "食品微生物学检验 大肠菌群计数",
    "GB 4789.4-2016": FOOD + "食品微生物学检验 沙门氏菌检验",
    "GB 4789.10-2016": FOOD + "食品微生物学检验 金黄色葡萄球菌检验",
    "GB 4789.15-2016": FOOD + "食品微生物学检验 霉菌和酵母计数",
    "GB 23200.113-2018": FOOD + "植物源性食品中208种农药及其代谢物残留量的测定 气相色谱-质谱联用法",
    "NY/T 761-2008": "蔬菜和水果中有机磷、有机氯、拟除虫菊酯和氨基甲酸酯类农药多残留的测定",
    "GB/T 35887-2018": "白砂糖试验方法",
    "GB/T 1445-2018": "绵白糖",
    "GB/T 1354-2018": "大米",
    "GB/T 5492-2008": "粮油检验 粮食、油料的色泽、气味、口味鉴定",
    "GB/T 5494-2019": "粮油检验 粮食、油料的杂质、不完善粒检验",
    "GB/T 5503-2009": "粮油检验 碎米检验法",
    "GB/T 5496-1985": "粮食、油料检验 黄粒米及裂纹粒检验法",
    # water
    "GB/T 5750.4-2023": "生活饮用水标准检验方法 第4部分：感官性状和物理指标",
    "GB/T 5750.5-2023": "生活饮用水标准检验方法 第5部分：无机非金属指标",
    "GB/T 5750.6-2023": "生活饮用水标准检验方法 第6部分：金属和类金属指标",
    "GB/T 5750.12-2023": "生活饮用水标准检验方法 第12部分：微生物指标",
    "HJ 1147-2020": "水质 pH值的测定 电极法",
    "HJ 828-2017": "水质 化学需氧量的测定 重铬酸盐法",
    "HJ 535-2009": "水质 氨氮的测定 纳氏试剂分光光度法",
    "GB/T 11893-1989": "水质 总磷的测定 钼酸铵分光光度法",
    "HJ 636-2012": "水质 总氮的测定 碱性过硫酸钾消解紫外分光光度法",
    "HJ 505-2009": "水质 五日生化需氧量（BOD5）的测定 稀释与接种法",
    "GB/T 11901-1989": "水质 悬浮物的测定 重量法",
    "HJ 700-2014": "水质 65种元素的测定 电感耦合等离子体质谱法",
    # petroleum products
    "GB/T 5487-2015": "汽油辛烷值的测定 研究法",
    "GB/T 503-2016": "汽油辛烷值的测定 马达法",
    "GB/T 8020-2015": "汽油中铅含量的测定 原子吸收光谱法",
    "GB/T 8017-2012": "石油产品蒸气压的测定 雷德法",
    "GB/T 8019-2008": "燃料胶质含量的测定 喷射蒸发法",
    "GB/T 8018-2015": "汽油氧化安定性的测定 诱导期法",
    "SH/T 0689-2000": "轻质烃及发动机燃料和其他油品的总硫含量测定法（紫外荧光法）",
    "GB/T 259-1988": "石油产品水溶性酸及碱测定法",
    "SH/T 0713-2002": "车用汽油和航空汽油中苯和甲苯含量测定法（气相色谱法）",
    "GB/T 11132-2008": "液体石油产品烃类的测定 荧光指示剂吸附法",
    "SH/T 0663-2014": "汽油中醇类和醚类含量的测定 气相色谱法",
    "SH/T 0712-2002": "汽油中铁含量测定法（原子吸收光谱法）",
    "GB/T 1884-2000": "原油和液体石油产品密度实验室测定法（密度计法）",
    "GB/T 386-2010": "柴油十六烷值测定法",
    "SH/T 0694-2000": "中间馏分燃料十六烷指数计算法（四变量公式法）",
    "GB/T 261-2008": "闪点的测定 宾斯基-马丁闭口杯法",
    "GB/T 265-1988": "石油产品运动粘度测定法和动力粘度计算法",
    "GB/T 510-2018": "石油产品凝点测定法",
    "NB/SH/T 0248-2019": "柴油和民用取暖油冷滤点测定法",
    "GB/T 260-2016": "石油产品水含量的测定 蒸馏法",
    "GB/T 508-1985": "石油产品灰分测定法",
    "GB/T 17144-1997": "石油产品残炭测定法（微量法）",
    "SH/T 0175-2004": "馏分燃料油氧化安定性测定法（加速法）",
    "SH/T 0765-2005": "柴油润滑性评定法（高频往复试验机法）",
    "SH/T 0806-2008": "中间馏分芳烃含量的测定 示差折光检测器高效液相色谱法",
    "GB/T 23801-2009": "中间馏分油中脂肪酸甲酯含量的测定 红外光谱法",
    "GB/T 1995-1998": "石油产品粘度指数计算法",
    "GB/T 3536-2008": "石油产品 闪点和燃点的测定 克利夫兰开口杯法",
    "GB/T 3535-2006": "石油产品倾点测定法",
    "GB/T 7304-2014": "石油产品酸值的测定 电位滴定法",
    "GB/T 511-2010": "石油和石油产品及添加剂机械杂质测定法",
    "GB/T 12579-2002": "润滑油泡沫特性测定法",
    "GB/T 12576-1997": "液化石油气蒸气压和相对密度及辛烷值计算法",
    "SH/T 0230-1992": "液化石油气组成测定法（色谱法）",
    "SH/T 0222-1992": "液化石油气总硫含量测定法（电量法）",
    "SH/T 0232-1992": "液化石油气铜片腐蚀试验法",
    "SH/T 0125-1992": "液化石油气硫化氢试验法（乙酸铅法）",
    "GB/T 8929-2006": "原油水含量的测定 蒸馏法",
    "GB/T 17040-2019": "石油和石油产品中硫含量的测定 能量色散X射线荧光光谱法",
    "GB/T 6532-2012": "原油及其产品的盐含量测定",
    # silk and textiles
    "GB/T 9111-2015": "桑蚕干茧试验方法",
    "GB/T 24252-2019": "蚕丝被",
    "GB/T 2910.1-2009": "纺织品 定量化学分析 第1部分：试验通则",
    "GB/T 2912.1-2009": "纺织品 甲醛的测定 第1部分：游离和水解的甲醛（水萃取法）",
    "GB/T 7573-2009": "纺织品 水萃取液pH值的测定",
    "GB/T 5713-2013": "纺织品 色牢度试验 耐水色牢度",
    "GB/T 3922-2013": "纺织品 色牢度试验 耐汗渍色牢度",
    "GB/T 3920-2008": "纺织品 色牢度试验 耐摩擦色牢度",
    "GB/T 3921-2008": "纺织品 色牢度试验 耐皂洗色牢度",
    "GB/T 3923.1-2013": "纺织品 织物拉伸性能 第1部分：断裂强力和断裂伸长率的测定（条样法）",
    "GB/T 8630-2013": "纺织品 洗涤和干燥后尺寸变化的测定",
    "GB/T 4668-1995": "机织物密度的测定",
    "GB/T 4669-2008": "纺织品 机织物 单位长度质量和单位面积质量的测定",
    "GB/T 18886-2019": "纺织品 色牢度试验 耐唾液色牢度",
    "GB/T 17592-2011": "纺织品 禁用偶氮染料的测定",
    # measuring tools and metrology
    "JJG 21-2008": "千分尺检定规程",
    "GB/T 1216-2018": "外径千分尺",
    "JJG 34-2008": "指示表（百分表和千分表）检定规程",
    "JJG 146-2011": "量块检定规程",
    "JJG 1-1999": "钢直尺检定规程",
    "JJG 4-2015": "钢卷尺检定规程",
    "JJG 62-2017": "塞尺检定规程",
    "JJG 117-2013": "平板检定规程",
    "JJG 7-2004": "直角尺检定规程",
    "JJG 52-2013": "弹性元件式一般压力表、压力真空表和真空表检定规程",
    "JJG 882-2019": "压力变送器检定规程",
    "JJG 1036-2008": "电子天平检定规程",
    "JJG 99-2006": "砝码检定规程",
    "JJG 196-2006": "常用玻璃量器检定规程",
    "JJG 119-2018": "实验室pH（酸度）计检定规程",
    "JJG 178-2007": "紫外、可见、近红外分光光度计检定规程",
    "JJG 229-2010": "工业铂、铜热电阻检定规程",
    "JJG 351-1996": "工作用廉金属热电偶检定规程",
    "JJF 1101-2019": "环境试验设备温度、湿度参数校准规范",
    "JJG 539-2016": "数字指示秤检定规程",
    "JJG 443-2015": "燃油加油机检定规程",
    "JJG 270-2008": "血压计和血压表检定规程",
    "JJG 188-2017": "声级计检定规程",
    "JJG 657-2019": "呼出气体酒精含量检测仪检定规程",
    "JJG 707-2014": "扭矩扳子检定规程",
    "JJG 112-2013": "金属洛氏硬度计（A，B，C，D，E，F，G，H，K，N，T标尺）检定规程",
    "JJG 596-2012": "电子式交流电能表检定规程",
    "JJG 307-2006": "机电式交流电能表检定规程",
    "JJG 1033-2007": "电磁流量计检定规程",
    "JJG 1030-2007": "超声流量计检定规程",
    "JJG 225-2001": "热能表检定规程",
    "JJG 577-2012": "膜式燃气表检定规程",
    "JJG 162-2019": "饮用冷水水表检定规程",
    "JJG 1003-2016": "流量积算仪检定规程",
    "GB 17167-2006": "用能单位能源计量器具配备和管理通则",
    "GB 21455-2019": "房间空气调节器能效限定值及能效等级",
    "GB/T 1032-2012": "三相异步电动机试验方法",
    # boilers and special equipment
    "GB/T 15317-2009": "燃煤工业锅炉节能监测",
    "GB 13271-2014": "锅炉大气污染物排放标准",
    "GB/T 16157-1996": "固定污染源排气中颗粒物测定与气态污染物采样方法",
    "HJ 836-2017": "固定污染源废气 低浓度颗粒物的测定 重量法",
    "HJ 57-2017": "固定污染源废气 二氧化硫的测定 定电位电解法",
    "HJ 693-2014": "固定污染源废气 氮氧化物的测定 定电位电解法",
    "HJ/T 398-2007": "固定污染源排放 烟气黑度的测定 林格曼烟气黑度图法",
    "GB/T 6909-2018": "锅炉用水和冷却水分析方法 硬度的测定",
    "GB/T 6904-2008": "工业循环冷却水及锅炉用水中pH的测定",
    "GB/T 12157-2007": "工业循环冷却水和锅炉用水中溶解氧的测定",
    "GB/T 15453-2018": "工业循环冷却水和锅炉用水中氯离子的测定",
    "GB/T 6908-2018": "锅炉用水和冷却水分析方法 电导率的测定",
    "GB/T 14419-1993": "锅炉用水和冷却水分析方法 碱度的测定",
    "NB/T 47013.2-2015": "承压设备无损检测 第2部分：射线检测",
    "NB/T 47013.3-2015": "承压设备无损检测 第3部分：超声检测",
    "NB/T 47013.4-2015": "承压设备无损检测 第4部分：磁粉检测",
    "NB/T 47013.5-2015": "承压设备无损检测 第5部分：渗透检测",
    "TSG D7005-2018": "压力管道定期检验规则——工业管道",
    "GB/T 13004-2016": "钢质无缝气瓶定期检验与评定",
    "TSG ZF001-2006": "安全阀安全技术监察规程",
    "TSG Q7015-2016": "起重机械定期检验规则",
    "TSG N0001-2017": "场（厂）内专用机动车辆安全技术规程",
    # machinery and aluminium
    "GB/T 28900-2012": "钢筋混凝土用钢材试验方法",
    "GB/T 228.1-2021": "金属材料 拉伸试验 第1部分：室温试验方法",
    "GB/T 229-2020": "金属材料 夏比摆锤冲击试验方法",
    "GB/T 231.1-2018": "金属材料 布氏硬度试验 第1部分：试验方法",
    "GB/T 230.1-2018": "金属材料 洛氏硬度试验 第1部分：试验方法",
    "GB/T 232-2010": "金属材料 弯曲试验方法",
    "GB/T 4336-2016": "碳素钢和中低合金钢 多元素含量的测定 火花放电原子发射光谱法（常规法）",
    "YS/T 420-2000": "铝合金韦氏硬度试验方法",
    "GB/T 4957-2003": "非磁性基体金属上非导电覆盖层 覆盖层厚度测量 涡流法",
    "GB/T 8753.1-2017": "铝及铝合金阳极氧化 氧化膜封孔质量的评定方法 第1部分：酸处理后的质量损失法",
    "GB/T 10125-2021": "人造气氛腐蚀试验 盐雾试验",
    "GB/T 5237.1-2017": "铝合金建筑型材 第1部分：基材",
    "GB/T 3098.1-2010": "紧固件机械性能 螺栓、螺钉和螺柱",
    "GB/T 5226.1-2019": "机械电气安全 机械电气设备 第1部分：通用技术条件",
    "GB/T 2651-2008": "焊接接头拉伸试验方法",
    "GB/T 2653-2008": "焊接接头弯曲试验方法",
    # electrical, electronic, lighting, appliances
    "GB 17625.1-2012": "电磁兼容 限值 谐波电流发射限值（设备每相输入电流≤16A）",
    "GB/T 17625.2-2007": "电磁兼容 限值 对每相额定电流≤16A且无条件接入的设备在公用低压供电系统中产生的电压变化、"
    "电压波动和闪烁的限制",
    "GB/T 17626.2-2018": "电磁兼容 试验和测量技术 静电放电抗扰度试验",
    "GB/T 17626.3-2016": "电磁兼容 试验和测量技术 射频电磁场辐射抗扰度试验",
    "GB/T 17626.4-2018": "电磁兼容 试验和测量技术 电快速瞬变脉冲群抗扰度试验",
    "GB/T 17626.5-2019": "电磁兼容 试验和测量技术 浪涌（冲击）抗扰度试验",
    "GB/T 2423.1-2008": "电工电子产品环境试验 第2部分：试验方法 试验A：低温",
    "GB/T 2423.2-2008": "电工电子产品环境试验 第2部分：试验方法 试验B：高温",
    "GB/T 2423.3-2016": "环境试验 第2部分：试验方法 试验Cab：恒定湿热试验",
    "GB/T 2423.5-2019": "环境试验 第2部分：试验方法 试验Ea和导则：冲击",
    "GB/T 2423.10-2019": "环境试验 第2部分：试验方法 试验Fc：振动（正弦）",
    "GB/T 2423.17-2008": "电工电子产品环境试验 第2部分：试验方法 试验Ka：盐雾",
    "GB 7000.1-2015": "灯具 第1部分：一般要求与试验",
    "GB/T 17743-2021": "电气照明和类似设备的无线电骚扰特性的限值和测量方法",
    "GB 4706.1-2005": "家用和类似用途电器的安全 第1部分：通用要求",
    # toys, food contact
    "GB 19865-2005": "电玩具的安全",
    "GB/T 22048-2015": "玩具及儿童用品中特定邻苯二甲酸酯增塑剂的测定",
    "GB 31604.2-2016": FOOD + "食品接触材料及制品 高锰酸钾消耗量的测定",
    "GB 31604.7-2016": FOOD + "食品接触材料及制品 脱色试验",
    "GB 31604.8-2021": FOOD + "食品接触材料及制品 总迁移量的测定",
    # building materials, cables
    "GB/T 17671-2021": "水泥胶砂强度检验方法（ISO法）",
    "GB/T 1346-2011": "水泥标准稠度用水量、凝结时间、安定性检验方法",
    "GB/T 1345-2005": "水泥细度检验方法 筛析法",
    "GB/T 8074-2008": "水泥比表面积测定方法 勃氏法",
    "GB/T 176-2017": "水泥化学分析方法",
    "GB 18582-2020": "建筑用墙面涂料中有害物质限量",
    "GB/T 3048.4-2007": "电线电缆电性能试验方法 第4部分：导体直流电阻试验",
    "GB/T 3048.8-2007": "电线电缆电性能试验方法 第8部分：交流电压试验",
    "GB/T 2951.11-2008": "电缆和光缆绝缘和护套材料通用试验方法 第11部分：通用试验方法——厚度和外形尺寸测量——"
    "机械性能试验",
    # new-energy vehicles, clean energy
    "GB/T 18386.1-2021": "电动汽车能量消耗量和续驶里程试验方法 第1部分：轻型汽车",
    "GB/T 18385-2005": "电动汽车 动力性能 试验方法",
    "GB/T 18488.2-2015": "电动汽车用驱动电机系统 第2部分：试验方法",
    "GB/T 18487.1-2023": "电动汽车传导充电系统 第1部分：通用要求",
    "IEC 61215-2:2021": "地面用光伏组件 设计鉴定和定型 第2部分：试验程序",
    "IEC 61730-2:2016": "光伏组件安全鉴定 第2部分：试验要求",
    "NB/T 32004-2018": "光伏并网逆变器技术规范",
    "GB/T 19141-2011": "家用太阳能热水系统技术条件",
    "GB/T 36276-2018": "电力储能用锂离子电池",
    "GB/T 20828-2015": "柴油机燃料调合用生物柴油（BD100）",
    # biomedical
    "YY 0469-2011": "医用外科口罩",
    "YY/T 0969-2013": "一次性使用医用口罩",
    "GB 19083-2010": "医用防护口罩技术要求",
    "GB 9706.1-2020": "医用电气设备 第1部分：基本安全和基本性能的通用要求",
    "YY 9706.102-2021": "医用电气设备 第1-2部分：基本安全和基本性能的通用要求 并列标准：电磁兼容 要求和试验",
    "GB/T 16886.5-2017": "医疗器械生物学评价 第5部分：体外细胞毒性试验",
    "GB/T 16886.10-2017": "医疗器械生物学评价 第10部分：刺激与皮肤致敏试验",
    "GB 15979-2002": "一次性使用卫生用品卫生标准",
    "GB 10213-2006": "一次性使用医用橡胶检查手套",
    "GB 7543-2020": "一次性使用灭菌橡胶外科手套",
    # rail transit
    "GB/T 25119-2021": "轨道交通 机车车辆电子装置",
    "GB/T 21563-2018": "轨道交通 机车车辆设备 冲击和振动试验",
    "GB/T 7928-2003": "地铁车辆通用技术条件",
    "GB/T 14892-2006": "城市轨道交通列车 噪声限值和测量方法",
    "TB/T 3139-2021": "机车车辆非金属材料及室内空气有害物质限量",
    # natural rubber (ASEAN trade)
    "ISO 249:2016": "天然生胶 杂质含量的测定",
    "ISO 248-1:2011": "生橡胶 挥发分含量的测定 第1部分：热辊法和烘箱法",
    "ISO 247-1:2018": "橡胶 灰分的测定 第1部分：燃烧法",
    "ISO 2930:2017": "天然生胶 塑性保持指数（PRI）的测定",
    "ISO 2007:2018": "未硫化橡胶 塑性的测定 快速塑性计法",
    "ISO 289-1:2015": "未硫化橡胶 用剪切圆盘型黏度计进行测定 第1部分：门尼黏度的测定",
    "ISO 1656:2019": "天然生胶和天然胶乳 氮含量的测定",
    "ISO 124:2014": "胶乳 总固体含量的测定",
    "ISO 126:2005": "天然胶乳浓缩物 干胶含量的测定",
    "ISO 35:2004": "天然胶乳浓缩物 机械稳定度的测定",
    "ISO 125:2020": "天然胶乳浓缩物 碱度的测定",
    # article coding
    "GB/T 18348-2022": "商品条码 条码符号印制质量的检验",
    "GB 12904-2008": "商品条码 零售商品编码与条码表示",
    "GB/T 16830-2008": "商品条码 储运包装商品编码与条码表示",
    "GB/T 18127-2009": "商品条码 物流单元编码与条码表示",
}
TITLES.update({e.code: e.zh for e in CATALOGUE})


# --------------------------------------------------------------------------------------------------------------
# Scope building blocks: objects × methods (parameter, standard, clause) per site and accreditation
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class M:
    """A parameter and the method standard (edition) that tests it."""

    zh: str
    en: str
    code: str
    clause: str = ""
    limitation: str = ""
    days: int = 5
    price: int | None = 300
    status: str = ""  # "" = 有效; "暂停" for a suspended row


@dataclass(frozen=True)
class Block:
    objects: tuple[tuple[str, str], ...]
    methods: tuple[M, ...]
    site: int = 0  # index into the institution's sites
    accreditation: str = "CNAS,CMA"


def _with(methods: tuple[M, ...], **changes: object) -> tuple[M, ...]:
    """The same methods with another code, price or turnaround (dataclasses.replace for each)."""
    return tuple(replace(m, **changes) for m in methods)  # type: ignore[arg-type]


# --- food -------------------------------------------------------------------------------------------------------

LEAD_1 = M("铅", "Lead", "GB 5009.12-2023", "第一法", days=5, price=150)
LEAD_2 = M("铅", "Lead", "GB 5009.12-2023", "第二法", days=5, price=200)
ARSENIC = M("总砷", "Total arsenic", "GB 5009.11-2024", days=5, price=150)
CADMIUM = M("镉", "Cadmium", "GB 5009.15-2014", days=5, price=150)
MERCURY = M("总汞", "Total mercury", "GB 5009.17-2021", days=5, price=150)
SO2 = M("二氧化硫", "Sulfur dioxide", "GB 5009.34-2022", days=3, price=120)
MOISTURE = M("水分", "Moisture", "GB 5009.3-2016", days=3, price=60)
ASH = M("灰分", "Ash", "GB 5009.4-2016", days=3, price=60)
PROTEIN = M("蛋白质", "Protein", "GB 5009.5-2016", days=3, price=100)
FAT = M("脂肪", "Fat", "GB 5009.6-2016", days=3, price=100)
REDUCING = M("还原糖", "Reducing sugar", "GB 5009.7-2016", days=3, price=100)
SUCROSE = M("蔗糖", "Sucrose", "GB 5009.8-2016", days=5, price=200)
AFLATOXIN = M("黄曲霉毒素B1", "Aflatoxin B1", "GB 5009.22-2016", days=5, price=300)
MICRO = (
    M("菌落总数", "Aerobic plate count", "GB 4789.2-2022", days=5, price=80),
    M("大肠菌群", "Coliforms", "GB 4789.3-2016", days=5, price=80),
    M("霉菌", "Moulds", "GB 4789.15-2016", days=7, price=80),
    M("酵母", "Yeasts", "GB 4789.15-2016", days=7, price=80),
)
PATHOGENS = (
    M("沙门氏菌", "Salmonella", "GB 4789.4-2016", days=7, price=150),
    M("金黄色葡萄球菌", "Staphylococcus aureus", "GB 4789.10-2016", days=7, price=150),
)
PRESERVATIVES = (
    M("苯甲酸", "Benzoic acid", "GB 5009.28-2016", days=5, price=150),
    M("山梨酸", "Sorbic acid", "GB 5009.28-2016", days=5, price=150),
    M("糖精钠", "Saccharin sodium", "GB 5009.28-2016", days=5, price=150),
    M("甜蜜素", "Sodium cyclamate", "GB 5009.97-2016", days=5, price=200),
    M("阿斯巴甜", "Aspartame", "GB 5009.263-2016", days=5, price=200),
)
COLOURS = tuple(
    M(zh, en, "GB 5009.35-2016", days=5, price=150)
    for zh, en in (
        ("柠檬黄", "Tartrazine"),
        ("日落黄", "Sunset yellow"),
        ("胭脂红", "Ponceau 4R"),
        ("苋菜红", "Amaranth"),
        ("亮蓝", "Brilliant blue"),
    )
)
WHITE_SUGAR_ITEMS = (
    ("蔗糖分", "Sucrose content"),
    ("还原糖分", "Reducing sugar content"),
    ("电导灰分", "Conductivity ash"),
    ("干燥失重", "Loss on drying"),
    ("色值", "Colour value"),
    ("混浊度", "Turbidity"),
    ("不溶于水杂质", "Water-insoluble impurities"),
)
SOFT_SUGAR_ITEMS = (("总糖分", "Total sugar content"), *WHITE_SUGAR_ITEMS[1:])

SUGARS = (
    ("白砂糖", "White granulated sugar"),
    ("绵白糖", "Soft white sugar"),
    ("赤砂糖", "Brown granulated sugar"),
    ("红糖", "Brown sugar"),
    ("冰糖", "Rock sugar"),
    ("原糖", "Raw sugar"),
    ("方糖", "Cube sugar"),
)
PROCESSED = (
    ("糖果", "Candy"),
    ("巧克力", "Chocolate"),
    ("糕点", "Pastry"),
    ("饼干", "Biscuits"),
    ("饮料", "Beverages"),
    ("罐头食品", "Canned food"),
    ("蜜饯", "Preserved fruits"),
    ("果冻", "Jelly"),
    ("果酱", "Jam"),
    ("冷冻饮品", "Frozen drinks"),
    ("糖浆", "Syrup"),
    ("月饼", "Mooncakes"),
    ("植物蛋白饮料", "Plant protein beverages"),
)
PESTICIDES = (
    *tuple(
        M(zh, en, "GB 23200.113-2018", days=7, price=120)
        for zh, en in (
            ("毒死蜱", "Chlorpyrifos"),
            ("敌敌畏", "Dichlorvos"),
            ("乐果", "Dimethoate"),
            ("氧乐果", "Omethoate"),
            ("甲胺磷", "Methamidophos"),
            ("氯氰菊酯", "Cypermethrin"),
            ("溴氰菊酯", "Deltamethrin"),
            ("联苯菊酯", "Bifenthrin"),
            ("腐霉利", "Procymidone"),
        )
    ),
    M("克百威", "Carbofuran", "NY/T 761-2008", days=7, price=120),
)

# --- textiles ---------------------------------------------------------------------------------------------------

TEXTILE_SAFETY = (
    M("甲醛含量", "Formaldehyde content", "GB/T 2912.1-2009", days=5, price=120),
    M("pH值", "pH value", "GB/T 7573-2009", days=5, price=60),
    M("耐水色牢度", "Colour fastness to water", "GB/T 5713-2013", days=5, price=80),
    M("耐汗渍色牢度", "Colour fastness to perspiration", "GB/T 3922-2013", days=5, price=80),
    M("耐摩擦色牢度", "Colour fastness to rubbing", "GB/T 3920-2008", days=5, price=60),
    M("可分解致癌芳香胺染料", "Banned azo dyes", "GB/T 17592-2011", days=7, price=400),
    M("异味", "Odour", "GB 18401-2010", days=3, price=50),
    M("纤维含量", "Fibre content", "GB/T 2910.1-2009", days=5, price=150),
)
FABRIC_PERFORMANCE = (
    M("耐皂洗色牢度", "Colour fastness to washing", "GB/T 3921-2008", days=5, price=80),
    M("断裂强力", "Breaking strength", "GB/T 3923.1-2013", days=5, price=100),
    M("水洗尺寸变化率", "Dimensional change after washing", "GB/T 8630-2013", days=7, price=120),
    M("密度", "Thread density", "GB/T 4668-1995", days=3, price=50),
    M("单位面积质量", "Mass per unit area", "GB/T 4669-2008", days=3, price=50),
)

# --- metrology --------------------------------------------------------------------------------------------------

CALLIPER_ITEMS = (
    ("外观", "Appearance"),
    ("各部分相互作用", "Interaction of parts"),
    ("测量面的表面粗糙度", "Surface roughness of measuring faces"),
    ("测量面的平面度", "Flatness of measuring faces"),
    ("零值误差", "Zero error"),
    ("示值误差", "Indication error"),
)

# --- electrical -------------------------------------------------------------------------------------------------

IT_SAFETY = tuple(
    M(zh, en, "GB 4943.1-2022", days=10, price=800)
    for zh, en in (
        ("电气强度", "Electric strength"),
        ("接触电流", "Touch current"),
        ("保护导体电流", "Protective conductor current"),
        ("电气间隙", "Clearances"),
        ("爬电距离", "Creepage distances"),
        ("温升", "Temperature rise"),
        ("稳定性", "Stability"),
        ("标记和说明", "Markings and instructions"),
        ("输入试验", "Input test"),
        ("异常工作条件", "Abnormal operating conditions"),
        ("单一故障条件", "Single fault conditions"),
    )
)
EMC = (
    M("传导发射", "Conducted emissions", "GB/T 9254.1-2021", days=7, price=1500),
    M("辐射发射", "Radiated emissions", "GB/T 9254.1-2021", days=7, price=2500),
    M("谐波电流", "Harmonic current emissions", "GB 17625.1-2012", days=5, price=800),
    M("电压波动和闪烁", "Voltage fluctuations and flicker", "GB/T 17625.2-2007", days=5, price=800),
    M("静电放电抗扰度", "Electrostatic discharge immunity", "GB/T 17626.2-2018", days=5, price=800),
    M("射频电磁场辐射抗扰度", "Radiated RF electromagnetic field immunity", "GB/T 17626.3-2016", days=7, price=2000),
    M("电快速瞬变脉冲群抗扰度", "Electrical fast transient/burst immunity", "GB/T 17626.4-2018", days=5, price=800),
    M("浪涌抗扰度", "Surge immunity", "GB/T 17626.5-2019", days=5, price=800),
)
APPLIANCE_SAFETY = tuple(
    M(zh, en, "GB 4706.1-2005", clause, days=10, price=600)
    for clause, zh, en in (
        ("7", "标志和说明", "Marking and instructions"),
        ("8", "对触及带电部件的防护", "Protection against access to live parts"),
        ("10", "输入功率和电流", "Power input and current"),
        ("11", "发热", "Heating"),
        ("13", "工作温度下的泄漏电流和电气强度", "Leakage current and electric strength at operating temperature"),
        ("15", "耐潮湿", "Moisture resistance"),
        ("19", "非正常工作", "Abnormal operation"),
        ("20", "稳定性和机械危险", "Stability and mechanical hazards"),
        ("21", "机械强度", "Mechanical strength"),
        ("27", "接地措施", "Provision for earthing"),
        ("29", "电气间隙、爬电距离和固体绝缘", "Clearances, creepage distances and solid insulation"),
        ("30", "耐热和耐燃", "Resistance to heat and fire"),
    )
)
LI_ION = tuple(
    M(zh, en, "GB 31241-2022", days=15, price=1200)
    for zh, en in (
        ("过充电", "Overcharge"),
        ("过放电", "Overdischarge"),
        ("外部短路", "External short circuit"),
        ("挤压", "Crush"),
        ("重物冲击", "Heavy impact"),
        ("热滥用", "Thermal abuse"),
        ("跌落", "Drop"),
        ("低气压", "Low pressure"),
        ("温度循环", "Temperature cycling"),
        ("振动", "Vibration"),
    )
)

# --- new-energy vehicles ----------------------------------------------------------------------------------------

CELL_ITEMS = (
    ("过放电", "Overdischarge"),
    ("过充电", "Overcharge"),
    ("外部短路", "External short circuit"),
    ("加热", "Heating"),
    ("温度循环", "Temperature cycling"),
    ("挤压", "Crush"),
)
PACK_ITEMS = (
    ("振动", "Vibration"),
    ("机械冲击", "Mechanical shock"),
    ("模拟碰撞", "Simulated collision"),
    ("挤压", "Crush"),
    ("湿热循环", "Damp heat cycling"),
    ("浸水安全", "Immersion"),
    ("外部火烧", "External fire"),
    ("盐雾", "Salt mist"),
    ("高海拔", "High altitude"),
    ("过温保护", "Over-temperature protection"),
    ("外部短路保护", "External short-circuit protection"),
    ("过充电保护", "Overcharge protection"),
    ("过放电保护", "Overdischarge protection"),
)
THERMAL_PROPAGATION = ("热扩散", "Thermal propagation")
ELECTRICAL_PERFORMANCE = (
    ("室温放电容量", "Discharge capacity at room temperature"),
    ("高温放电容量", "Discharge capacity at high temperature"),
    ("低温放电容量", "Discharge capacity at low temperature"),
    ("荷电保持与容量恢复能力", "Charge retention and capacity recovery"),
    ("储存", "Storage"),
)


def _methods(items: tuple[tuple[str, str], ...], code: str, **kwargs: object) -> tuple[M, ...]:
    return tuple(M(zh, en, code, **kwargs) for zh, en in items)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------
# Institutions
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    name_zh: str
    name_en: str
    address_zh: str
    region: str


@dataclass(frozen=True)
class Acc:
    body: str
    number: str
    valid_from: int  # days from today (negative: in the past), so that the demo stays current
    valid_until: int
    body_name: str = ""
    mra: bool = False
    sites: tuple[int, ...] = ()  # site indexes; () = every site


@dataclass(frozen=True)
class Lab:
    slug: str
    admin: str  # the admin's name (Chinese)
    region: str
    phone: str
    about_zh: str
    about_en: str
    sites: tuple[Site, ...]
    accreditations: tuple[Acc, ...]
    blocks: tuple[Block, ...]
    prices_public: bool = False


def _nanning(building: str, name: str = "集聚区实验室", en: str = "Cluster laboratory") -> Site:
    return Site(name, en, f"{CLUSTER} {building}", "南宁")


LABS: list[Lab] = [
    Lab(
        "nqi-sugar",
        "覃主任",
        "南宁",
        "0771-5510201",
        "国家级糖及加工食品检验检测机构，承担食糖及糖制品、加工食品的质量安全检验、风险监测和标准验证。",
        "National centre for the testing of sugar, sugar products and processed food: quality and safety testing, "
        "risk monitoring and standards verification.",
        (
            _nanning("B2 栋", "南宁总部实验室", "Nanning headquarters laboratory"),
            Site("崇左甘蔗糖业实验室", "Chongzuo cane sugar laboratory", "广西崇左市江州区糖业园区", "崇左"),
        ),
        (Acc("CNAS", "L3125", -1314, 875, sites=(0,)), Acc("CMA", "202320110086", -1270, 919)),
        (
            Block(SUGARS, (LEAD_1, LEAD_2, ARSENIC, SO2, REDUCING, SUCROSE, *MICRO)),
            Block((SUGARS[0],), _methods(WHITE_SUGAR_ITEMS, "GB/T 317-2018", days=3, price=80)),
            Block((SUGARS[1],), _methods(SOFT_SUGAR_ITEMS, "GB/T 1445-2018", days=3, price=80)),
            Block(SUGARS, (M("螨", "Mites", "GB 13104-2014", days=5, price=100),)),
            Block(PROCESSED, (LEAD_1, ARSENIC, *PRESERVATIVES, *COLOURS, SO2, *MICRO, *PATHOGENS, MOISTURE)),
            Block((PROCESSED[1], PROCESSED[2], PROCESSED[3], PROCESSED[11]), (PROTEIN, FAT)),
            Block(
                (SUGARS[0], SUGARS[5]),
                _methods(WHITE_SUGAR_ITEMS[:4], "GB/T 35887-2018", days=2, price=60),
                site=1,
                accreditation="CMA",
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "lab-lvyin",
        "陆经理",
        "南宁",
        "0771-3860512",
        "民营第三方检测机构，服务农产品、食品和环境监测，提供上门采样。",
        "Private third-party laboratory for agricultural products, food and environmental monitoring, with on-site "
        "sampling.",
        (Site("西乡塘实验室", "Xixiangtang laboratory", "广西南宁市西乡塘区科园大道 68 号", "南宁"),),
        (Acc("CNAS", "L9816", -6 * 365, -40), Acc("CMA", "202120010542", -709, 1480)),
        (
            Block(
                (
                    ("大米", "Rice"),
                    ("小麦粉", "Wheat flour"),
                    ("食用植物油", "Edible vegetable oil"),
                    ("茶叶", "Tea"),
                    ("蜂蜜", "Honey"),
                    ("玉米", "Maize"),
                    ("花生", "Peanuts"),
                ),
                (
                    M("铅", "Lead", "GB 5009.12-2017", "第一法", days=5, price=120),
                    M("总砷", "Total arsenic", "GB 5009.11-2014", days=5, price=120),
                    CADMIUM,
                    MERCURY,
                    MOISTURE,
                    AFLATOXIN,
                ),
                accreditation="CMA",
            ),
            Block(
                (SUGARS[0],),
                (
                    M("铅", "Lead", "GB 5009.12-2017", "第一法", days=5, price=120),
                    M("总砷", "Total arsenic", "GB 5009.11-2014", days=5, price=120),
                    SO2,
                    *_methods(WHITE_SUGAR_ITEMS[:2] + WHITE_SUGAR_ITEMS[4:5], "GB/T 35887-2018", days=3, price=60),
                ),
                accreditation="CMA",
            ),
            Block(
                (
                    ("叶菜类蔬菜", "Leafy vegetables"),
                    ("茄果类蔬菜", "Solanaceous vegetables"),
                    ("豆类蔬菜", "Legume vegetables"),
                    ("根茎类蔬菜", "Root and tuber vegetables"),
                    ("瓜类蔬菜", "Cucurbit vegetables"),
                    ("柑橘类水果", "Citrus fruits"),
                    ("仁果类水果", "Pome fruits"),
                    ("热带和亚热带水果", "Tropical and subtropical fruits"),
                ),
                (*PESTICIDES, M("铅", "Lead", "GB 5009.12-2017", "第一法", days=5, price=120), CADMIUM),
                accreditation="CMA",
            ),
            Block(
                (("地表水", "Surface water"), ("地下水", "Groundwater"), ("污水", "Wastewater")),
                (
                    M("pH值", "pH value", "HJ 1147-2020", days=3, price=30),
                    M("化学需氧量", "Chemical oxygen demand", "HJ 828-2017", days=3, price=80),
                    M("氨氮", "Ammonia nitrogen", "HJ 535-2009", days=3, price=60),
                    M("总磷", "Total phosphorus", "GB/T 11893-1989", days=3, price=60),
                    M("总氮", "Total nitrogen", "HJ 636-2012", days=3, price=80),
                    M("五日生化需氧量", "Five-day biochemical oxygen demand", "HJ 505-2009", days=7, price=120),
                    M("悬浮物", "Suspended solids", "GB/T 11901-1989", days=3, price=50),
                    M("铅", "Lead", "HJ 700-2014", days=5, price=100),
                    M("镉", "Cadmium", "HJ 700-2014", days=5, price=100),
                    M("砷", "Arsenic", "HJ 700-2014", days=5, price=100),
                ),
                accreditation="CMA",
            ),
            Block(
                (("生活饮用水", "Drinking water"),),
                (
                    M("浑浊度", "Turbidity", "GB/T 5750.4-2023", days=3, price=30),
                    M("色度", "Colour", "GB/T 5750.4-2023", days=3, price=30),
                    M("pH值", "pH value", "GB/T 5750.4-2023", days=3, price=30),
                    M("硝酸盐", "Nitrate", "GB/T 5750.5-2023", days=3, price=60),
                    M("氟化物", "Fluoride", "GB/T 5750.5-2023", days=3, price=60),
                    M("铅", "Lead", "GB/T 5750.6-2023", days=5, price=100),
                    M("镉", "Cadmium", "GB/T 5750.6-2023", days=5, price=100),
                    M("砷", "Arsenic", "GB/T 5750.6-2023", days=5, price=100),
                    M("汞", "Mercury", "GB/T 5750.6-2023", days=5, price=100),
                    M("菌落总数", "Aerobic plate count", "GB/T 5750.12-2023", days=3, price=60),
                    M("总大肠菌群", "Total coliforms", "GB/T 5750.12-2023", days=3, price=60),
                ),
                accreditation="CMA",
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "ca-product-quality",
        "黄所长",
        "南宁",
        "0771-5510330",
        "面向中国—东盟贸易的综合性产品质量检验中心：食品、家用电器、建筑材料、电线电缆。",
        "General product quality inspection centre for China–ASEAN trade: food, household appliances, building "
        "materials, wires and cables.",
        (_nanning("A1 栋", "集聚区综合实验室", "Cluster general laboratory"),),
        (Acc("CNAS", "L2477", -1475, 714), Acc("CMA", "202220110031", -1433, 756)),
        (
            Block((SUGARS[0],), _methods(WHITE_SUGAR_ITEMS, "GB/T 35887-2018", days=3, price=70)),
            Block((SUGARS[0], ("大米", "Rice"), ("食用植物油", "Edible vegetable oil")), (LEAD_1, ARSENIC, CADMIUM)),
            Block(
                (
                    ("电热水壶", "Electric kettles"),
                    ("电饭锅", "Rice cookers"),
                    ("电吹风", "Hair dryers"),
                    ("电风扇", "Electric fans"),
                    ("电磁灶", "Induction hobs"),
                    ("电烤箱", "Electric ovens"),
                    ("微波炉", "Microwave ovens"),
                    ("电熨斗", "Electric irons"),
                    ("真空吸尘器", "Vacuum cleaners"),
                ),
                APPLIANCE_SAFETY,
            ),
            Block(
                (("通用硅酸盐水泥", "Common Portland cement"),),
                (
                    M("胶砂强度", "Mortar strength", "GB/T 17671-2021", days=28, price=300),
                    M("凝结时间", "Setting time", "GB/T 1346-2011", days=3, price=100),
                    M("安定性", "Soundness", "GB/T 1346-2011", days=3, price=100),
                    M("标准稠度用水量", "Water for standard consistency", "GB/T 1346-2011", days=3, price=80),
                    M("细度", "Fineness", "GB/T 1345-2005", days=3, price=60),
                    M("比表面积", "Specific surface area", "GB/T 8074-2008", days=3, price=100),
                    M("三氧化硫", "Sulfur trioxide", "GB/T 176-2017", days=5, price=150),
                    M("氧化镁", "Magnesium oxide", "GB/T 176-2017", days=5, price=150),
                    M("烧失量", "Loss on ignition", "GB/T 176-2017", days=5, price=100),
                    M("氯离子", "Chloride ion", "GB/T 176-2017", days=5, price=150),
                ),
            ),
            Block(
                (("建筑用墙面涂料", "Wall coatings for buildings"),),
                _methods(
                    (
                        ("挥发性有机化合物含量", "VOC content"),
                        ("甲醛含量", "Formaldehyde content"),
                        ("苯系物总和含量", "Total benzene series content"),
                        ("可溶性重金属", "Soluble heavy metals"),
                    ),
                    "GB 18582-2020",
                    days=7,
                    price=500,
                ),
            ),
            Block(
                (("聚氯乙烯绝缘电缆", "PVC insulated cables"),),
                (
                    M("导体电阻", "Conductor resistance", "GB/T 3048.4-2007", days=3, price=150),
                    M("绝缘厚度", "Insulation thickness", "GB/T 2951.11-2008", days=3, price=100),
                    M(
                        "绝缘老化前抗张强度",
                        "Tensile strength of insulation before ageing",
                        "GB/T 2951.11-2008",
                        days=5,
                        price=200,
                    ),
                    M("电压试验", "Voltage test", "GB/T 3048.8-2007", days=3, price=150),
                ),
            ),
        ),
    ),
    Lab(
        "nqi-petrochemical",
        "蒙总工",
        "南宁",
        "0771-5510455",
        "国家级石油化工产品检验检测机构：车用燃料、润滑油、液化石油气和原油。钦州石化产业园设有现场实验室。",
        "National centre for petrochemical products: motor fuels, lubricants, LPG and crude oil, with a laboratory in "
        "the Qinzhou petrochemical park.",
        (
            _nanning("C1 栋", "南宁油品实验室", "Nanning fuels laboratory"),
            Site(
                "钦州石化实验室", "Qinzhou petrochemical laboratory", "广西钦州市钦州港经济技术开发区石化产业园", "钦州"
            ),
        ),
        (Acc("CNAS", "L1876", -830, 1359), Acc("CMA", "202120110018", -780, 1409)),
        (
            Block(
                (("车用汽油", "Motor gasoline"), ("车用乙醇汽油E10", "Ethanol gasoline for motor vehicles E10")),
                (
                    M("研究法辛烷值", "Research octane number", "GB/T 5487-2015", days=3, price=400),
                    M("马达法辛烷值", "Motor octane number", "GB/T 503-2016", days=3, price=400),
                    M("铅含量", "Lead content", "GB/T 8020-2015", days=3, price=200),
                    M("馏程", "Distillation", "GB/T 6536-2010", days=2, price=150),
                    M("蒸气压", "Vapour pressure", "GB/T 8017-2012", days=2, price=150),
                    M("胶质含量", "Gum content", "GB/T 8019-2008", days=2, price=150),
                    M("诱导期", "Induction period", "GB/T 8018-2015", days=3, price=200),
                    M("硫含量", "Sulfur content", "SH/T 0689-2000", days=2, price=150),
                    M("铜片腐蚀", "Copper strip corrosion", "GB/T 5096-2017", days=2, price=100),
                    M("水溶性酸或碱", "Water-soluble acids and alkalis", "GB/T 259-1988", days=2, price=60),
                    M("苯含量", "Benzene content", "SH/T 0713-2002", days=3, price=200),
                    M("芳烃含量", "Aromatics content", "GB/T 11132-2008", days=3, price=200),
                    M("烯烃含量", "Olefins content", "GB/T 11132-2008", days=3, price=200),
                    M("氧含量", "Oxygen content", "SH/T 0663-2014", days=3, price=200),
                    M("甲醇含量", "Methanol content", "SH/T 0663-2014", days=3, price=200),
                    M("铁含量", "Iron content", "SH/T 0712-2002", days=3, price=200),
                    M("密度", "Density", "GB/T 1884-2000", days=2, price=80),
                ),
            ),
            Block(
                (("车用柴油", "Automobile diesel fuel"), ("普通柴油", "General diesel fuel")),
                (
                    M("十六烷值", "Cetane number", "GB/T 386-2010", days=3, price=500),
                    M("十六烷指数", "Cetane index", "SH/T 0694-2000", days=2, price=100),
                    M("馏程", "Distillation", "GB/T 6536-2010", days=2, price=150),
                    M("闪点", "Flash point", "GB/T 261-2008", days=2, price=100),
                    M("运动黏度", "Kinematic viscosity", "GB/T 265-1988", days=2, price=100),
                    M("凝点", "Solidifying point", "GB/T 510-2018", days=2, price=100),
                    M("冷滤点", "Cold filter plugging point", "NB/SH/T 0248-2019", days=2, price=150),
                    M("硫含量", "Sulfur content", "SH/T 0689-2000", days=2, price=150),
                    M("水含量", "Water content", "GB/T 260-2016", days=2, price=80),
                    M("灰分", "Ash", "GB/T 508-1985", days=2, price=80),
                    M(
                        "10%蒸余物残炭",
                        "Carbon residue on 10% distillation residue",
                        "GB/T 17144-1997",
                        days=3,
                        price=150,
                    ),
                    M("铜片腐蚀", "Copper strip corrosion", "GB/T 5096-2017", days=2, price=100),
                    M("氧化安定性", "Oxidation stability", "SH/T 0175-2004", days=5, price=300),
                    M("润滑性", "Lubricity", "SH/T 0765-2005", days=3, price=500),
                    M("密度", "Density", "GB/T 1884-2000", days=2, price=80),
                    M("多环芳烃含量", "Polycyclic aromatic hydrocarbons content", "SH/T 0806-2008", days=3, price=300),
                    M("脂肪酸甲酯含量", "Fatty acid methyl ester content", "GB/T 23801-2009", days=3, price=200),
                ),
            ),
            Block(
                (
                    ("液压油", "Hydraulic oils"),
                    ("汽油机油", "Gasoline engine oils"),
                    ("柴油机油", "Diesel engine oils"),
                    ("重负荷车辆齿轮油", "Heavy-duty vehicle gear oils"),
                ),
                (
                    M("运动黏度", "Kinematic viscosity", "GB/T 265-1988", days=2, price=100),
                    M("黏度指数", "Viscosity index", "GB/T 1995-1998", days=2, price=80),
                    M("闪点（开口）", "Flash point (open cup)", "GB/T 3536-2008", days=2, price=100),
                    M("倾点", "Pour point", "GB/T 3535-2006", days=2, price=100),
                    M("酸值", "Acid number", "GB/T 7304-2014", days=2, price=100),
                    M("水分", "Water", "GB/T 260-2016", days=2, price=80),
                    M("机械杂质", "Mechanical impurities", "GB/T 511-2010", days=2, price=80),
                    M("铜片腐蚀", "Copper strip corrosion", "GB/T 5096-2017", days=2, price=100),
                    M("泡沫性", "Foaming characteristics", "GB/T 12579-2002", days=3, price=200),
                ),
            ),
            Block(
                (("液化石油气", "Liquefied petroleum gas"),),
                (
                    M("蒸气压", "Vapour pressure", "GB/T 12576-1997", days=2, price=150),
                    M("组分", "Composition", "SH/T 0230-1992", days=2, price=200),
                    M("总硫含量", "Total sulfur content", "SH/T 0222-1992", days=2, price=150),
                    M("铜片腐蚀", "Copper strip corrosion", "SH/T 0232-1992", days=2, price=100),
                    M("硫化氢", "Hydrogen sulfide", "SH/T 0125-1992", days=2, price=100),
                ),
                site=1,
            ),
            Block(
                (("原油", "Crude oil"),),
                (
                    M("密度", "Density", "GB/T 1884-2000", days=2, price=80),
                    M("水含量", "Water content", "GB/T 8929-2006", days=2, price=100),
                    M("硫含量", "Sulfur content", "GB/T 17040-2019", days=2, price=150),
                    M("盐含量", "Salt content", "GB/T 6532-2012", days=2, price=150),
                    M("运动黏度", "Kinematic viscosity", "GB/T 265-1988", days=2, price=100),
                    M("凝点", "Solidifying point", "GB/T 510-2018", days=2, price=100),
                    M("倾点", "Pour point", "GB/T 3535-2006", days=2, price=100),
                    M("酸值", "Acid number", "GB/T 7304-2014", days=2, price=100),
                    M("残炭", "Carbon residue", "GB/T 17144-1997", days=3, price=150),
                ),
                site=1,
            ),
        ),
    ),
    Lab(
        "nqi-silk",
        "韦站长",
        "南宁",
        "0771-5510566",
        "国家级蚕丝产品检验检测机构：蚕茧、生丝、丝织物与丝绸制品；宜州设有茧丝检验站。",
        "National centre for cocoon and silk products: cocoons, raw silk, silk fabrics and garments, with a cocoon "
        "and silk station in Yizhou.",
        (
            _nanning("C3 栋", "南宁丝绸实验室", "Nanning silk laboratory"),
            Site("宜州茧丝检验站", "Yizhou cocoon and silk station", "广西河池市宜州区城西工业园", "河池"),
        ),
        (Acc("CNAS", "L4410", -1041, 1148), Acc("CMA", "202420110007", -996, 1193)),
        (
            Block(
                (("生丝", "Raw silk"),),
                (
                    *_methods(
                        (
                            ("纤度偏差", "Size deviation"),
                            ("纤度最大偏差", "Maximum size deviation"),
                            ("平均公量纤度", "Average conditioned size"),
                            ("均匀二度变化", "Evenness variation II"),
                            ("均匀三度变化", "Evenness variation III"),
                            ("清洁", "Cleanness"),
                            ("洁净", "Neatness"),
                            ("切断", "Winding breaks"),
                            ("断裂强度", "Breaking tenacity"),
                            ("断裂伸长率", "Elongation at break"),
                            ("抱合", "Cohesion"),
                            ("回潮率", "Moisture regain"),
                            ("公量", "Conditioned weight"),
                        ),
                        "GB/T 1798-2008",
                        days=5,
                        price=200,
                    ),
                    M("等级评定", "Grading", "GB/T 1797-2008", days=5, price=300),
                ),
                site=1,
            ),
            Block(
                (("桑蚕捻线丝", "Mulberry silk twisted yarn"),),
                _methods(
                    (
                        ("纤度偏差", "Size deviation"),
                        ("断裂强度", "Breaking tenacity"),
                        ("断裂伸长率", "Elongation at break"),
                        ("捻度", "Twist"),
                        ("回潮率", "Moisture regain"),
                    ),
                    "GB/T 14033-2016",
                    days=5,
                    price=200,
                ),
            ),
            Block(
                (("桑蚕干茧", "Dry mulberry cocoons"),),
                _methods(
                    (
                        ("解舒率", "Reelability"),
                        ("洁净", "Neatness"),
                        ("茧丝长", "Cocoon filament length"),
                        ("茧丝纤度", "Cocoon filament size"),
                        ("出丝率", "Raw silk yield"),
                        ("上车茧率", "Reelable cocoon percentage"),
                        ("回潮率", "Moisture regain"),
                    ),
                    "GB/T 9111-2015",
                    days=7,
                    price=250,
                ),
                site=1,
            ),
            Block(
                (("桑蚕鲜茧", "Fresh mulberry cocoons"),),
                _methods(
                    (("上车茧率", "Reelable cocoon percentage"), ("茧层率", "Cocoon shell ratio")),
                    "GB/T 15268-2008",
                    days=2,
                    price=80,
                ),
                site=1,
            ),
            Block(
                (("桑蚕丝织物", "Mulberry silk fabrics"), ("丝绸服装", "Silk garments")),
                (*TEXTILE_SAFETY[:5], TEXTILE_SAFETY[7], *FABRIC_PERFORMANCE),
            ),
            Block(
                (("蚕丝被", "Silk quilts"),),
                (M("纤维含量", "Fibre content", "GB/T 24252-2019", days=5, price=200), *TEXTILE_SAFETY[:2]),
            ),
        ),
    ),
    Lab(
        "nqi-measuring-tools",
        "廖主任",
        "桂林",
        "0773-5822018",
        "国家级量具检验检测机构：卡尺、千分尺、指示表、量块等量具量仪的产品检验与检定校准。",
        "National centre for measuring tools: product testing, verification and calibration of callipers, "
        "micrometers, dial indicators and gauge blocks.",
        (Site("桂林量具实验室", "Guilin measuring tools laboratory", "广西桂林市七星区朝阳路 12 号", "桂林"),),
        (Acc("CNAS", "L0962", -971, 1218), Acc("CMA", "202020110115", -963, 1226)),
        (
            Block(
                (("游标卡尺", "Vernier callipers"), ("带表卡尺", "Dial callipers"), ("数显卡尺", "Digital callipers")),
                _methods(CALLIPER_ITEMS, "JJG 30-2012", days=3, price=40, limitation="测量范围：(0～1000) mm"),
            ),
            Block(
                (("数显卡尺", "Digital callipers"),),
                (M("漂移", "Drift", "JJG 30-2012", days=3, price=40),),
            ),
            Block(
                (("游标卡尺", "Vernier callipers"), ("带表卡尺", "Dial callipers"), ("数显卡尺", "Digital callipers")),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("测量面的硬度", "Hardness of measuring faces"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                    ),
                    "GB/T 21389-2008",
                    days=5,
                    price=150,
                ),
            ),
            Block(
                (("外径千分尺", "Outside micrometers"),),
                _methods(
                    (
                        ("测微螺杆的轴向窜动和径向摆动", "Axial and radial play of the spindle"),
                        ("测力", "Measuring force"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                        ("两测量面的平行度", "Parallelism of measuring faces"),
                        ("示值误差", "Indication error"),
                        ("零值误差", "Zero error"),
                    ),
                    "JJG 21-2008",
                    days=3,
                    price=40,
                    limitation="测量范围：(0～500) mm",
                )
                + _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                        ("测力", "Measuring force"),
                    ),
                    "GB/T 1216-2018",
                    days=5,
                    price=150,
                ),
            ),
            Block(
                (("百分表", "Dial indicators"), ("千分表", "Dial test indicators")),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("回程误差", "Hysteresis error"),
                        ("重复性", "Repeatability"),
                        ("测力", "Measuring force"),
                    ),
                    "JJG 34-2008",
                    days=3,
                    price=50,
                ),
            ),
            Block(
                (("量块", "Gauge blocks"),),
                _methods(
                    (
                        ("中心长度", "Central length"),
                        ("长度变动量", "Variation in length"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                        ("研合性", "Wringing"),
                    ),
                    "JJG 146-2011",
                    days=5,
                    price=30,
                    limitation="3等、4等、5等量块",
                ),
            ),
            Block((("钢直尺", "Steel rules"),), (M("示值误差", "Indication error", "JJG 1-1999", days=2, price=20),)),
            Block(
                (("钢卷尺", "Steel measuring tapes"),),
                (M("示值误差", "Indication error", "JJG 4-2015", days=2, price=30),),
            ),
            Block(
                (("塞尺", "Feeler gauges"),),
                (
                    M("厚度偏差", "Thickness deviation", "JJG 62-2017", days=2, price=30),
                    M("弯曲度", "Bending", "JJG 62-2017", days=2, price=30),
                ),
            ),
            Block((("平板", "Surface plates"),), (M("平面度", "Flatness", "JJG 117-2013", days=5, price=300),)),
            Block((("直角尺", "Squares"),), (M("垂直度", "Perpendicularity", "JJG 7-2004", days=3, price=80),)),
        ),
        prices_public=True,
    ),
    Lab(
        "ca-metrology",
        "梁主任",
        "南宁",
        "0771-5510688",
        "中国—东盟计量中心：压力、质量、温度、光学、声学等计量器具的检定校准，服务东盟国家量值互认。",
        "China–ASEAN Metrology Centre: verification and calibration of pressure, mass, temperature, optical and "
        "acoustic instruments, serving mutual recognition of measurements with ASEAN.",
        (
            _nanning("D1 栋", "集聚区计量大楼", "Cluster metrology building"),
            Site("现场检定", "On-site verification", "广西全区（客户现场）", "广西"),
        ),
        (Acc("CNAS", "L0391", -894, 1295), Acc("CMA", "202120110002", -873, 1316)),
        (
            Block(
                (("一般压力表", "General pressure gauges"),),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("回程误差", "Hysteresis error"),
                        ("轻敲位移", "Tapping displacement"),
                        ("指针偏转平稳性", "Smoothness of pointer deflection"),
                    ),
                    "JJG 52-2013",
                    days=2,
                    price=30,
                    limitation="测量范围：(-0.1～60) MPa",
                ),
            ),
            Block(
                (("压力变送器", "Pressure transmitters"),),
                _methods(
                    (("测量误差", "Measurement error"), ("回差", "Hysteresis"), ("绝缘电阻", "Insulation resistance")),
                    "JJG 882-2019",
                    days=3,
                    price=150,
                ),
            ),
            Block(
                (("电子天平", "Electronic balances"),),
                _methods(
                    (
                        ("偏载误差", "Eccentric load error"),
                        ("重复性", "Repeatability"),
                        ("示值误差", "Indication error"),
                    ),
                    "JJG 1036-2008",
                    days=2,
                    price=100,
                ),
            ),
            Block(
                (("砝码", "Weights"),),
                _methods(
                    (("折算质量", "Conventional mass"), ("磁性", "Magnetism")),
                    "JJG 99-2006",
                    days=3,
                    price=40,
                    limitation="E2 等级及以下",
                ),
            ),
            Block(
                (("常用玻璃量器", "Volumetric glassware"),),
                _methods((("容量示值", "Capacity"), ("流出时间", "Delivery time")), "JJG 196-2006", days=3, price=20),
            ),
            Block(
                (("实验室pH计", "Laboratory pH meters"),),
                _methods(
                    (("示值误差", "Indication error"), ("重复性", "Repeatability")), "JJG 119-2018", days=2, price=120
                ),
            ),
            Block(
                (("紫外可见分光光度计", "UV-visible spectrophotometers"),),
                _methods(
                    (
                        ("波长示值误差", "Wavelength error"),
                        ("波长重复性", "Wavelength repeatability"),
                        ("透射比示值误差", "Transmittance error"),
                        ("杂散光", "Stray light"),
                    ),
                    "JJG 178-2007",
                    days=3,
                    price=300,
                ),
            ),
            Block(
                (("工业铂热电阻", "Industrial platinum resistance thermometers"),),
                _methods(
                    (("允差", "Tolerance"), ("绝缘电阻", "Insulation resistance")), "JJG 229-2010", days=3, price=120
                ),
            ),
            Block(
                (("工作用廉金属热电偶", "Base-metal thermocouples"),),
                (M("示值误差", "Indication error", "JJG 351-1996", days=3, price=150),),
            ),
            Block(
                (("环境试验设备", "Environmental test chambers"),),
                _methods(
                    (
                        ("温度偏差", "Temperature deviation"),
                        ("温度均匀度", "Temperature uniformity"),
                        ("温度波动度", "Temperature fluctuation"),
                        ("湿度偏差", "Humidity deviation"),
                    ),
                    "JJF 1101-2019",
                    days=3,
                    price=600,
                ),
                site=1,
            ),
            Block(
                (("数字指示秤", "Digital indicating scales"),),
                _methods(
                    (
                        ("称量示值误差", "Weighing error"),
                        ("偏载误差", "Eccentric load error"),
                        ("重复性", "Repeatability"),
                    ),
                    "JJG 539-2016",
                    days=2,
                    price=80,
                ),
                site=1,
            ),
            Block(
                (("燃油加油机", "Fuel dispensers"),),
                _methods(
                    (("示值误差", "Indication error"), ("重复性", "Repeatability")), "JJG 443-2015", days=2, price=200
                ),
                site=1,
            ),
            Block(
                (("血压计", "Sphygmomanometers"),),
                _methods(
                    (("示值误差", "Indication error"), ("气密性", "Air tightness")), "JJG 270-2008", days=2, price=60
                ),
            ),
            Block(
                (("声级计", "Sound level meters"),),
                _methods(
                    (("频率计权", "Frequency weighting"), ("示值误差", "Indication error")),
                    "JJG 188-2017",
                    days=3,
                    price=300,
                ),
            ),
            Block(
                (("呼出气体酒精含量检测仪", "Breath alcohol analysers"),),
                (M("示值误差", "Indication error", "JJG 657-2019", days=3, price=300),),
            ),
        ),
    ),
    Lab(
        "nqi-energy-metrology",
        "农主任",
        "南宁",
        "0771-5510702",
        "国家城市能源计量中心：电能、水、燃气、热量计量器具检定，用能单位能源计量审查与能效检测。",
        "National Urban Energy Metrology Centre: verification of electricity, water, gas and heat meters, energy "
        "metering audits and energy-efficiency testing.",
        (_nanning("D2 栋", "能源计量实验室", "Energy metrology laboratory"),),
        (Acc("CNAS", "L5120", -1560, 629), Acc("CMA", "202220110064", -1543, 646)),
        (
            Block(
                (("电子式交流电能表", "Electronic AC energy meters"),),
                _methods(
                    (
                        ("基本误差", "Basic error"),
                        ("起动", "Starting"),
                        ("潜动", "No-load creep"),
                        ("日计时误差", "Daily timing error"),
                        ("常数试验", "Meter constant test"),
                    ),
                    "JJG 596-2012",
                    days=3,
                    price=60,
                ),
            ),
            Block(
                (("机电式交流电能表", "Electromechanical AC energy meters"),),
                _methods(
                    (("基本误差", "Basic error"), ("起动", "Starting"), ("潜动", "No-load creep")),
                    "JJG 307-2006",
                    days=3,
                    price=40,
                ),
            ),
            Block(
                (("电磁流量计", "Electromagnetic flowmeters"),),
                _methods(
                    (("示值误差", "Indication error"), ("重复性", "Repeatability")),
                    "JJG 1033-2007",
                    days=5,
                    price=800,
                    limitation="口径：DN15～DN300",
                ),
            ),
            Block(
                (("超声流量计", "Ultrasonic flowmeters"),),
                _methods(
                    (("示值误差", "Indication error"), ("重复性", "Repeatability")), "JJG 1030-2007", days=5, price=800
                ),
            ),
            Block(
                (("热能表", "Heat meters"),), (M("示值误差", "Indication error", "JJG 225-2001", days=5, price=300),)
            ),
            Block(
                (("膜式燃气表", "Diaphragm gas meters"),),
                _methods(
                    (("示值误差", "Indication error"), ("压力损失", "Pressure loss"), ("密封性", "Tightness")),
                    "JJG 577-2012",
                    days=3,
                    price=60,
                ),
            ),
            Block(
                (("饮用冷水水表", "Cold potable water meters"),),
                _methods((("示值误差", "Indication error"), ("密封性", "Tightness")), "JJG 162-2019", days=3, price=30),
            ),
            Block(
                (("流量积算仪", "Flow totalizers"),),
                (M("示值误差", "Indication error", "JJG 1003-2016", days=3, price=200),),
            ),
            Block(
                (("用能单位", "Energy-using organisations"),),
                (M("能源计量器具配备率", "Energy meter provision rate", "GB 17167-2006", days=10, price=5000),),
            ),
            Block(
                (("房间空气调节器", "Room air conditioners"),),
                _methods(
                    (
                        ("全年能源消耗效率", "Annual performance factor"),
                        ("制冷季节能源消耗效率", "Seasonal energy efficiency ratio"),
                    ),
                    "GB 21455-2019",
                    days=15,
                    price=6000,
                ),
            ),
            Block(
                (("三相异步电动机", "Three-phase asynchronous motors"),),
                (M("效率", "Efficiency", "GB/T 1032-2012", days=10, price=3000),),
            ),
        ),
    ),
    Lab(
        "nqi-boilers",
        "谭总工",
        "南宁",
        "0771-5510789",
        "国家级工业锅炉检验检测机构：锅炉热工性能、能效与大气污染物排放测试，锅炉水质分析。",
        "National centre for industrial boilers: thermal performance, energy efficiency and emission testing, boiler "
        "water analysis.",
        (
            _nanning("E1 栋", "锅炉热工实验室", "Boiler thermal laboratory"),
            Site("现场检测", "On-site testing", "广西全区（锅炉使用单位现场）", "广西"),
        ),
        (Acc("CNAS", "L2209", -1700, 489), Acc("CMA", "202220110021", -1682, 507)),
        (
            Block(
                (
                    ("燃煤工业锅炉", "Coal-fired industrial boilers"),
                    ("燃气工业锅炉", "Gas-fired industrial boilers"),
                    ("生物质工业锅炉", "Biomass-fired industrial boilers"),
                ),
                _methods(
                    (
                        ("热效率", "Thermal efficiency"),
                        ("排烟温度", "Exhaust gas temperature"),
                        ("过量空气系数", "Excess air ratio"),
                        ("锅炉出力", "Boiler output"),
                        ("蒸汽压力", "Steam pressure"),
                        ("给水温度", "Feedwater temperature"),
                    ),
                    "GB/T 10180-2017",
                    days=10,
                    price=8000,
                )
                + _methods(
                    (("颗粒物", "Particulate matter"),),
                    "HJ 836-2017",
                    days=7,
                    price=1500,
                )
                + (
                    M("二氧化硫", "Sulfur dioxide", "HJ 57-2017", days=7, price=800),
                    M("氮氧化物", "Nitrogen oxides", "HJ 693-2014", days=7, price=800),
                    M("烟气黑度", "Flue gas blackness", "HJ/T 398-2007", days=3, price=300),
                ),
                site=1,
            ),
            Block(
                (("燃煤工业锅炉", "Coal-fired industrial boilers"),),
                (
                    M("灰渣可燃物含量", "Combustible content of slag", "GB/T 10180-2017", days=7, price=600),
                    *_methods(
                        (
                            ("排烟温度", "Exhaust gas temperature"),
                            ("排烟处过量空气系数", "Excess air ratio at flue outlet"),
                            ("炉体外表面温度", "Furnace wall surface temperature"),
                            ("灰渣可燃物含量", "Combustible content of slag"),
                        ),
                        "GB/T 15317-2009",
                        days=7,
                        price=3000,
                    ),
                ),
                site=1,
            ),
            Block(
                (
                    ("燃煤工业锅炉", "Coal-fired industrial boilers"),
                    ("燃气工业锅炉", "Gas-fired industrial boilers"),
                    ("生物质工业锅炉", "Biomass-fired industrial boilers"),
                ),
                _methods(
                    (
                        ("内部检验", "Internal inspection"),
                        ("外部检验", "External inspection"),
                        ("水（耐）压试验", "Hydrostatic test"),
                    ),
                    "TSG 11-2020",
                    days=5,
                    price=2000,
                    limitation="仅限定期检验",
                ),
                site=1,
            ),
            Block(
                (("燃煤工业锅炉", "Coal-fired industrial boilers"),),
                (M("水（耐）压试验", "Hydrostatic test", "TSG G0001-2012", days=5, price=2000),),
                site=1,
            ),
            Block(
                (("锅炉给水", "Boiler feedwater"), ("锅水", "Boiler water")),
                (
                    M("硬度", "Hardness", "GB/T 6909-2018", days=2, price=50),
                    M("pH值", "pH value", "GB/T 6904-2008", days=2, price=30),
                    M("溶解氧", "Dissolved oxygen", "GB/T 12157-2007", days=2, price=60),
                    M("氯化物", "Chloride", "GB/T 15453-2018", days=2, price=50),
                    M("电导率", "Conductivity", "GB/T 6908-2018", days=2, price=30),
                    M("碱度", "Alkalinity", "GB/T 14419-1993", days=2, price=50),
                ),
            ),
        ),
    ),
    Lab(
        "ca-special-equipment",
        "卢院长",
        "南宁",
        "0771-5510866",
        "中国—东盟特种设备检验中心：电梯、起重机械、压力容器、压力管道、气瓶、场（厂）内机动车辆的定期检验与无损检测。",
        "China–ASEAN Special Equipment Inspection Centre: periodic inspection and NDT of lifts, cranes, pressure "
        "vessels, pressure piping, gas cylinders and industrial vehicles.",
        (
            _nanning("E3 栋", "集聚区检验基地", "Cluster inspection base"),
            Site("柳州分院", "Liuzhou branch", "广西柳州市柳南区航一路 9 号", "柳州"),
        ),
        (Acc("CNAS", "IB0287", -670, 1519), Acc("CMA", "202120110077", -657, 1532)),
        (
            Block(
                (("曳引驱动乘客电梯", "Traction passenger lifts"), ("曳引驱动载货电梯", "Traction goods lifts")),
                _methods(
                    (
                        ("限速器动作速度校验", "Overspeed governor tripping speed check"),
                        ("轿厢上行超速保护装置试验", "Ascending car overspeed protection test"),
                        ("轿厢意外移动保护装置试验", "Unintended car movement protection test"),
                        ("层门门锁电气触点", "Landing door lock electrical contacts"),
                        ("平衡系数", "Balance coefficient"),
                        ("制动试验", "Braking test"),
                        ("缓冲器试验", "Buffer test"),
                        ("紧急报警装置", "Emergency alarm device"),
                        ("运行试验", "Operation test"),
                    ),
                    "TSG T7001-2023",
                    days=3,
                    price=1200,
                ),
            ),
            Block(
                (("曳引驱动乘客电梯", "Traction passenger lifts"),),
                _methods(
                    (("平衡系数", "Balance coefficient"), ("制动试验", "Braking test")),
                    "TSG T7001-2023",
                    days=3,
                    price=1200,
                ),
                site=1,
            ),
            Block(
                (("自动扶梯", "Escalators"),),
                _methods(
                    (
                        ("梯级与围裙板间隙", "Step to skirt clearance"),
                        ("制停距离", "Stopping distance"),
                        ("扶手带速度偏差", "Handrail speed deviation"),
                        ("附加制动器", "Auxiliary brake"),
                    ),
                    "TSG T7001-2023",
                    days=3,
                    price=1000,
                ),
            ),
            Block(
                (("固定式压力容器", "Stationary pressure vessels"),),
                _methods(
                    (
                        ("宏观检验", "Visual examination"),
                        ("壁厚测定", "Wall thickness measurement"),
                        ("表面缺陷检测", "Surface defect detection"),
                        ("埋藏缺陷检测", "Embedded defect detection"),
                        ("安全附件检验", "Safety accessories inspection"),
                        ("耐压试验", "Pressure test"),
                        ("泄漏试验", "Leak test"),
                    ),
                    "TSG 21-2016",
                    days=5,
                    price=1500,
                ),
            ),
            Block(
                (
                    ("固定式压力容器", "Stationary pressure vessels"),
                    ("工业管道", "Industrial pressure piping"),
                    ("锅炉承压部件", "Boiler pressure parts"),
                ),
                (
                    M("射线检测", "Radiographic testing", "NB/T 47013.2-2015", days=5, price=300),
                    M("超声检测", "Ultrasonic testing", "NB/T 47013.3-2015", days=5, price=200),
                    M("磁粉检测", "Magnetic particle testing", "NB/T 47013.4-2015", days=3, price=150),
                    M("渗透检测", "Penetrant testing", "NB/T 47013.5-2015", days=3, price=150),
                ),
            ),
            Block(
                (("工业管道", "Industrial pressure piping"),),
                _methods(
                    (
                        ("宏观检验", "Visual examination"),
                        ("壁厚测定", "Wall thickness measurement"),
                        ("耐压试验", "Pressure test"),
                        ("泄漏试验", "Leak test"),
                    ),
                    "TSG D7005-2018",
                    days=5,
                    price=1500,
                ),
            ),
            Block(
                (("钢质无缝气瓶", "Seamless steel gas cylinders"),),
                _methods(
                    (
                        ("外观检查", "Visual inspection"),
                        ("壁厚测定", "Wall thickness measurement"),
                        ("水压试验", "Hydraulic test"),
                        ("瓶阀检验", "Valve inspection"),
                    ),
                    "GB/T 13004-2016",
                    days=5,
                    price=80,
                ),
            ),
            Block(
                (("安全阀", "Safety valves"),),
                _methods(
                    (("整定压力", "Set pressure"), ("密封性能", "Seat tightness")), "TSG ZF001-2006", days=2, price=150
                ),
            ),
            Block(
                (("桥式起重机", "Overhead travelling cranes"), ("门式起重机", "Gantry cranes")),
                _methods(
                    (
                        ("额定载荷试验", "Rated load test"),
                        ("制动器", "Brakes"),
                        ("起升高度限位器", "Hoist limiter"),
                        ("钢丝绳", "Wire ropes"),
                        ("主梁上拱度", "Camber of main girder"),
                    ),
                    "TSG Q7015-2016",
                    days=3,
                    price=1500,
                ),
                site=1,
            ),
            Block(
                (("叉车", "Forklift trucks"),),
                _methods(
                    (("制动性能", "Braking performance"), ("门架", "Mast"), ("安全保护装置", "Safety devices")),
                    "TSG N0001-2017",
                    days=3,
                    price=500,
                ),
                site=1,
            ),
            Block(
                (("燃煤工业锅炉", "Coal-fired industrial boilers"), ("燃气工业锅炉", "Gas-fired industrial boilers")),
                _methods(
                    (
                        ("内部检验", "Internal inspection"),
                        ("外部检验", "External inspection"),
                        ("水（耐）压试验", "Hydrostatic test"),
                    ),
                    "TSG 11-2020",
                    days=5,
                    price=1800,
                ),
            ),
        ),
    ),
    Lab(
        "rc-machinery",
        "覃高工",
        "柳州",
        "0772-2656108",
        "机械与铝制品检验检测中心：金属材料力学性能与化学成分、铝合金型材、紧固件、机械电气安全。",
        "Machinery and aluminium products centre: mechanical properties and chemistry of metals, aluminium "
        "profiles, fasteners, electrical safety of machinery.",
        (Site("柳州实验室", "Liuzhou laboratory", "广西柳州市柳东新区新柳大道 88 号", "柳州"),),
        (Acc("CNAS", "L3561", -1384, 805), Acc("CMA", "202320020105", -1362, 827)),
        (
            Block(
                (("热轧带肋钢筋", "Hot-rolled ribbed steel bars"),),
                _methods(
                    (
                        ("下屈服强度", "Lower yield strength"),
                        ("抗拉强度", "Tensile strength"),
                        ("断后伸长率", "Elongation after fracture"),
                        ("最大力总延伸率", "Percentage total extension at maximum force"),
                        ("弯曲性能", "Bend"),
                        ("反向弯曲性能", "Rebend"),
                        ("重量偏差", "Deviation of mass"),
                    ),
                    "GB/T 28900-2012",
                    days=3,
                    price=150,
                ),
            ),
            Block(
                (
                    ("钢板", "Steel plates"),
                    ("钢管", "Steel pipes"),
                    ("型钢", "Steel sections"),
                    ("不锈钢板", "Stainless steel plates"),
                ),
                (
                    *_methods(
                        (
                            ("上屈服强度", "Upper yield strength"),
                            ("下屈服强度", "Lower yield strength"),
                            ("规定塑性延伸强度", "Proof strength, plastic extension"),
                            ("抗拉强度", "Tensile strength"),
                            ("断后伸长率", "Elongation after fracture"),
                            ("断面收缩率", "Reduction of area"),
                        ),
                        "GB/T 228.1-2021",
                        days=3,
                        price=150,
                    ),
                    M("冲击吸收能量", "Absorbed energy", "GB/T 229-2020", days=3, price=150),
                    M("布氏硬度", "Brinell hardness", "GB/T 231.1-2018", days=2, price=80),
                    M("洛氏硬度", "Rockwell hardness", "GB/T 230.1-2018", days=2, price=60),
                    M("弯曲性能", "Bend", "GB/T 232-2010", days=2, price=100),
                ),
            ),
            Block(
                (("碳素钢和中低合金钢", "Carbon and low-alloy steels"),),
                _methods(
                    (
                        ("碳", "Carbon"),
                        ("硅", "Silicon"),
                        ("锰", "Manganese"),
                        ("磷", "Phosphorus"),
                        ("硫", "Sulfur"),
                        ("铬", "Chromium"),
                        ("镍", "Nickel"),
                        ("钼", "Molybdenum"),
                        ("铜", "Copper"),
                    ),
                    "GB/T 4336-2016",
                    days=2,
                    price=80,
                ),
            ),
            Block(
                (("铝合金建筑型材", "Aluminium alloy profiles for architecture"),),
                (
                    *_methods(
                        (
                            ("抗拉强度", "Tensile strength"),
                            ("规定非比例延伸强度", "Proof strength"),
                            ("断后伸长率", "Elongation after fracture"),
                        ),
                        "GB/T 228.1-2021",
                        days=3,
                        price=150,
                    ),
                    M("韦氏硬度", "Webster hardness", "YS/T 420-2000", days=2, price=50),
                    M("膜厚", "Film thickness", "GB/T 4957-2003", days=2, price=80),
                    M("封孔质量", "Sealing quality", "GB/T 8753.1-2017", days=3, price=200),
                    M("耐盐雾腐蚀性", "Salt spray resistance", "GB/T 10125-2021", days=15, price=800),
                    M("尺寸偏差", "Dimensional deviation", "GB/T 5237.1-2017", days=2, price=100),
                ),
            ),
            Block(
                (("铝及铝合金板材", "Aluminium and aluminium alloy sheets"),),
                _methods(
                    (
                        ("抗拉强度", "Tensile strength"),
                        ("规定非比例延伸强度", "Proof strength"),
                        ("断后伸长率", "Elongation after fracture"),
                    ),
                    "GB/T 228.1-2021",
                    days=3,
                    price=150,
                ),
            ),
            Block(
                (("螺栓", "Bolts"), ("螺柱", "Studs")),
                _methods(
                    (
                        ("抗拉强度", "Tensile strength"),
                        ("保证载荷", "Proof load"),
                        ("硬度", "Hardness"),
                        ("楔负载", "Wedge loading"),
                    ),
                    "GB/T 3098.1-2010",
                    days=3,
                    price=200,
                ),
            ),
            Block(
                (("机械电气设备", "Electrical equipment of machines"),),
                _methods(
                    (
                        ("保护联结电路的连续性", "Continuity of the protective bonding circuit"),
                        ("绝缘电阻", "Insulation resistance"),
                        ("耐压试验", "Voltage test"),
                        ("残余电压防护", "Protection against residual voltages"),
                    ),
                    "GB/T 5226.1-2019",
                    days=5,
                    price=500,
                ),
            ),
            Block(
                (("焊接接头", "Welded joints"),),
                (
                    M("射线检测", "Radiographic testing", "NB/T 47013.2-2015", days=3, price=300),
                    M("超声检测", "Ultrasonic testing", "NB/T 47013.3-2015", days=3, price=200),
                    M("抗拉强度", "Tensile strength", "GB/T 2651-2008", days=3, price=200),
                    M("弯曲性能", "Bend", "GB/T 2653-2008", days=3, price=150),
                ),
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "rc-electronics",
        "莫主任",
        "南宁",
        "0771-5510925",
        "电子信息产品检验检测中心：信息技术设备安全、电磁兼容、锂离子电池安全与环境可靠性试验。",
        "Electronic information products centre: IT equipment safety, EMC, lithium-ion battery safety and "
        "environmental reliability testing.",
        (
            _nanning("F1 栋", "电子电气实验室", "Electrical and electronics laboratory"),
            _nanning("F2 栋", "电磁兼容实验室（10 米法暗室）", "EMC laboratory (10 m chamber)"),
        ),
        (Acc("CNAS", "L6033", -916, 1273), Acc("CMA", "202420110049", -904, 1285)),
        (
            Block(
                (
                    ("笔记本电脑", "Notebook computers"),
                    ("台式计算机", "Desktop computers"),
                    ("显示器", "Monitors"),
                    ("打印机", "Printers"),
                    ("电源适配器", "Power adapters"),
                    ("路由器", "Routers"),
                    ("投影机", "Projectors"),
                    ("平板电脑", "Tablet computers"),
                    ("服务器", "Servers"),
                    ("交换机", "Network switches"),
                    ("机顶盒", "Set-top boxes"),
                ),
                IT_SAFETY,
            ),
            Block(
                (
                    ("笔记本电脑", "Notebook computers"),
                    ("台式计算机", "Desktop computers"),
                    ("显示器", "Monitors"),
                    ("打印机", "Printers"),
                    ("电源适配器", "Power adapters"),
                    ("路由器", "Routers"),
                    ("投影机", "Projectors"),
                    ("平板电脑", "Tablet computers"),
                    ("服务器", "Servers"),
                    ("交换机", "Network switches"),
                    ("机顶盒", "Set-top boxes"),
                ),
                EMC,
                site=1,
            ),
            Block(
                (("笔记本电脑", "Notebook computers"), ("电源适配器", "Power adapters"), ("显示器", "Monitors")),
                _with(IT_SAFETY[:5], code="IEC 62368-1:2023", price=1000),
            ),
            Block(
                (
                    ("便携式电子产品用锂离子电池", "Lithium-ion cells for portable electronics"),
                    ("便携式电子产品用锂离子电池组", "Lithium-ion battery packs for portable electronics"),
                    ("移动电源", "Power banks"),
                ),
                LI_ION,
            ),
            Block(
                (("电工电子产品", "Electrical and electronic products"),),
                (
                    M("低温试验", "Cold test", "GB/T 2423.1-2008", days=5, price=600),
                    M("高温试验", "Dry heat test", "GB/T 2423.2-2008", days=5, price=600),
                    M("恒定湿热试验", "Damp heat, steady state", "GB/T 2423.3-2016", days=7, price=800),
                    M("冲击试验", "Shock test", "GB/T 2423.5-2019", days=3, price=600),
                    M("正弦振动试验", "Sinusoidal vibration test", "GB/T 2423.10-2019", days=3, price=800),
                    M("盐雾试验", "Salt mist test", "GB/T 2423.17-2008", days=7, price=800),
                ),
            ),
        ),
    ),
    Lab(
        "lab-zhongce",
        "王经理",
        "南宁",
        "0771-3312096",
        "民营认证检测机构：照明电器、电源适配器、纺织品与玩具的检测和产品认证。",
        "Private testing and certification company: lighting, power adapters, textiles and toys.",
        (Site("青秀区实验室", "Qingxiu laboratory", "广西南宁市青秀区民族大道 136 号", "南宁"),),
        (Acc("CNAS", "L7784", -1623, 566), Acc("CMA", "202220010398", -1605, 584)),
        (
            Block(
                (("电源适配器", "Power adapters"), ("移动电源", "Power banks")),
                _with(IT_SAFETY[:5], code="GB 4943.1-2011", price=600),
            ),
            Block((("电源适配器", "Power adapters"),), _with(IT_SAFETY[:5], price=700)),
            Block(
                (
                    ("固定式通用灯具", "Fixed general purpose luminaires"),
                    ("可移式通用灯具", "Portable general purpose luminaires"),
                    ("嵌入式灯具", "Recessed luminaires"),
                ),
                _methods(
                    (
                        ("标记", "Marking"),
                        ("防触电保护", "Protection against electric shock"),
                        ("耐热、防火和耐起痕", "Resistance to heat, fire and tracking"),
                        ("爬电距离和电气间隙", "Creepage distances and clearances"),
                        ("绝缘电阻和电气强度", "Insulation resistance and electric strength"),
                    ),
                    "GB 7000.1-2015",
                    days=7,
                    price=500,
                )
                + _methods(
                    (("骚扰电压", "Disturbance voltage"), ("辐射电磁骚扰", "Radiated disturbance")),
                    "GB/T 17743-2021",
                    days=5,
                    price=1000,
                ),
            ),
            Block(
                (
                    ("童装", "Children's garments"),
                    ("床上用品", "Bedding"),
                    ("T恤衫", "T-shirts"),
                    ("针织内衣", "Knitted underwear"),
                ),
                _methods(
                    (
                        ("甲醛含量", "Formaldehyde content"),
                        ("pH值", "pH value"),
                        ("耐水色牢度", "Colour fastness to water"),
                        ("耐酸汗渍色牢度", "Colour fastness to acid perspiration"),
                        ("耐碱汗渍色牢度", "Colour fastness to alkaline perspiration"),
                        ("耐干摩擦色牢度", "Colour fastness to dry rubbing"),
                        ("耐唾液色牢度", "Colour fastness to saliva"),
                        ("异味", "Odour"),
                        ("可分解致癌芳香胺染料", "Banned azo dyes"),
                    ),
                    "GB 18401-2010",
                    days=5,
                    price=600,
                ),
            ),
            Block(
                (("塑料玩具", "Plastic toys"),),
                _methods(
                    (
                        ("可触及的锐利边缘", "Accessible sharp edges"),
                        ("可触及的锐利尖端", "Accessible sharp points"),
                        ("小零件", "Small parts"),
                        ("可迁移元素", "Migration of certain elements"),
                    ),
                    "GB 6675-2003",
                    days=7,
                    price=800,
                ),
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "rc-nev",
        "韦工",
        "柳州",
        "0772-2656233",
        "新能源汽车检验检测中心：动力蓄电池安全与性能、整车电安全、驱动电机与传导充电。",
        "New-energy vehicle centre: traction battery safety and performance, vehicle electrical safety, drive motors "
        "and conductive charging.",
        (
            Site("柳东电池实验室", "Liudong battery laboratory", "广西柳州市柳东新区车园横六路 16 号", "柳州"),
            Site("整车试验场", "Vehicle proving ground", "广西柳州市柳江区新能源汽车试验场", "柳州"),
        ),
        (Acc("CNAS", "L5298", -1175, 1014), Acc("CMA", "202320020151", -1159, 1030)),
        (
            Block(
                (("动力蓄电池单体", "Traction battery cells"),),
                _methods(CELL_ITEMS, "GB 38031-2025", days=20, price=3000)
                + _methods(CELL_ITEMS, "GB 38031-2020", days=20, price=3000)
                + _methods(ELECTRICAL_PERFORMANCE, "GB/T 31486-2024", days=15, price=2000)
                + _methods(
                    (("标准循环寿命", "Standard cycle life"), ("工况循环寿命", "Operating-condition cycle life")),
                    "GB/T 31484-2015",
                    days=90,
                    price=20000,
                ),
            ),
            Block(
                (("动力蓄电池包或系统", "Traction battery packs or systems"),),
                _methods(PACK_ITEMS, "GB 38031-2025", days=30, price=15000)
                + _methods((*PACK_ITEMS, THERMAL_PROPAGATION), "GB 38031-2020", days=30, price=15000),
            ),
            Block(
                (("动力蓄电池模块", "Traction battery modules"),),
                _methods(ELECTRICAL_PERFORMANCE, "GB/T 31486-2015", days=15, price=2500)
                + _methods(
                    (("标准循环寿命", "Standard cycle life"), ("工况循环寿命", "Operating-condition cycle life")),
                    "GB/T 31484-2015",
                    days=90,
                    price=30000,
                ),
            ),
            Block(
                (("纯电动乘用车", "Battery electric passenger cars"),),
                (
                    *_methods(
                        (
                            ("绝缘电阻", "Insulation resistance"),
                            ("电位均衡", "Potential equalization"),
                            ("电容耦合", "Capacitive coupling"),
                            ("直接接触防护", "Protection against direct contact"),
                        ),
                        "GB 18384-2020",
                        days=10,
                        price=8000,
                    ),
                    M("能量消耗量", "Energy consumption", "GB/T 18386.1-2021", days=15, price=30000),
                    M("续驶里程", "Driving range", "GB/T 18386.1-2021", days=15, price=30000, status="暂停"),
                    M("最高车速", "Maximum speed", "GB/T 18385-2005", days=5, price=8000),
                    M("加速性能", "Acceleration", "GB/T 18385-2005", days=5, price=8000),
                    M("爬坡车速", "Hill-climbing speed", "GB/T 18385-2005", days=5, price=8000),
                ),
                site=1,
            ),
            Block(
                (("驱动电机系统", "Drive motor systems"),),
                _methods(
                    (
                        ("绝缘电阻", "Insulation resistance"),
                        ("耐电压", "Withstand voltage"),
                        ("温升", "Temperature rise"),
                        ("转矩-转速特性", "Torque-speed characteristics"),
                        ("效率", "Efficiency"),
                    ),
                    "GB/T 18488.2-2015",
                    days=15,
                    price=6000,
                ),
            ),
            Block(
                (("非车载传导式充电机", "Off-board conductive chargers"),),
                _methods(
                    (
                        ("绝缘电阻", "Insulation resistance"),
                        ("介电强度", "Dielectric strength"),
                        ("控制导引", "Control pilot function"),
                    ),
                    "GB/T 18487.1-2023",
                    days=10,
                    price=5000,
                ),
            ),
        ),
    ),
    Lab(
        "rc-ecommerce",
        "黄主任",
        "南宁",
        "0771-5511043",
        "电子商务产品检验检测中心：网售玩具、纺织服装、食品接触用品的质量安全检测与风险监测。",
        "E-commerce products centre: safety testing and risk monitoring of toys, textiles and food-contact articles "
        "sold online.",
        (_nanning("F3 栋", "电商产品实验室", "E-commerce products laboratory"),),
        (Acc("CNAS", "L6650", -818, 1371), Acc("CMA", "202420110088", -803, 1386)),
        (
            Block(
                (
                    ("塑料玩具", "Plastic toys"),
                    ("毛绒玩具", "Plush toys"),
                    ("电玩具", "Electric toys"),
                    ("木制玩具", "Wooden toys"),
                ),
                (
                    *_methods(
                        (
                            ("可触及的锐利边缘", "Accessible sharp edges"),
                            ("可触及的锐利尖端", "Accessible sharp points"),
                            ("小零件", "Small parts"),
                            ("跌落试验", "Drop test"),
                            ("拉力试验", "Tension test"),
                            ("扭力试验", "Torque test"),
                            ("绳索和弹性绳", "Cords and elastics"),
                        ),
                        "GB 6675.2-2014",
                        days=5,
                        price=300,
                    ),
                    M("燃烧性能", "Flammability", "GB 6675.3-2014", days=5, price=300),
                    *_methods(
                        (
                            ("锑", "Antimony"),
                            ("砷", "Arsenic"),
                            ("钡", "Barium"),
                            ("镉", "Cadmium"),
                            ("铬", "Chromium"),
                            ("铅", "Lead"),
                            ("汞", "Mercury"),
                            ("硒", "Selenium"),
                        ),
                        "GB 6675.4-2014",
                        days=7,
                        price=150,
                    ),
                ),
            ),
            Block(
                (("塑料玩具", "Plastic toys"), ("电玩具", "Electric toys")),
                _methods(
                    (
                        ("邻苯二甲酸二丁酯", "Dibutyl phthalate (DBP)"),
                        ("邻苯二甲酸丁苄酯", "Benzyl butyl phthalate (BBP)"),
                        ("邻苯二甲酸二(2-乙基)己酯", "Bis(2-ethylhexyl) phthalate (DEHP)"),
                        ("邻苯二甲酸二正辛酯", "Di-n-octyl phthalate (DNOP)"),
                        ("邻苯二甲酸二异壬酯", "Diisononyl phthalate (DINP)"),
                        ("邻苯二甲酸二异癸酯", "Diisodecyl phthalate (DIDP)"),
                    ),
                    "GB/T 22048-2015",
                    days=7,
                    price=400,
                ),
            ),
            Block(
                (("电玩具", "Electric toys"),),
                _methods(
                    (
                        ("输入功率", "Power input"),
                        ("发热和非正常工作", "Heating and abnormal operation"),
                        ("电气强度", "Electric strength"),
                    ),
                    "GB 19865-2005",
                    days=7,
                    price=500,
                ),
            ),
            Block(
                (
                    ("婴幼儿服装", "Infant garments"),
                    ("童装", "Children's garments"),
                    ("针织内衣", "Knitted underwear"),
                    ("床上用品", "Bedding"),
                    ("毛巾", "Towels"),
                    ("T恤衫", "T-shirts"),
                    ("衬衫", "Shirts"),
                    ("牛仔服装", "Denim garments"),
                    ("羽绒服装", "Down garments"),
                ),
                TEXTILE_SAFETY,
            ),
            Block(
                (("婴幼儿服装", "Infant garments"),),
                (M("耐唾液色牢度", "Colour fastness to saliva", "GB/T 18886-2019", days=5, price=80),),
            ),
            Block(
                (("婴幼儿服装", "Infant garments"), ("童装", "Children's garments")),
                _methods(
                    (("绳带", "Cords and drawstrings"), ("附件抗拉强力", "Tensile strength of attachments")),
                    "GB 31701-2015",
                    days=5,
                    price=150,
                ),
            ),
            Block(
                (
                    ("塑料餐具", "Plastic tableware"),
                    ("塑料保鲜盒", "Plastic food containers"),
                    ("塑料奶瓶", "Plastic feeding bottles"),
                ),
                (
                    M("总迁移量", "Overall migration", "GB 31604.8-2021", days=10, price=400),
                    M("高锰酸钾消耗量", "Potassium permanganate consumption", "GB 31604.2-2016", days=10, price=200),
                    M("脱色试验", "Decolorization test", "GB 31604.7-2016", days=10, price=150),
                ),
            ),
            Block(
                (("不锈钢餐具", "Stainless steel tableware"),),
                _methods(
                    (
                        ("铅迁移量", "Migration of lead"),
                        ("镉迁移量", "Migration of cadmium"),
                        ("铬迁移量", "Migration of chromium"),
                        ("镍迁移量", "Migration of nickel"),
                        ("砷迁移量", "Migration of arsenic"),
                    ),
                    "GB 31604.49-2023",
                    days=10,
                    price=200,
                ),
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "rc-biomedical",
        "潘主任",
        "南宁",
        "0771-5511127",
        "生物医药产品检验检测中心：医用口罩、医用电气设备、医疗器械生物学评价、一次性使用卫生用品。",
        "Biomedical products centre: medical masks, medical electrical equipment, biological evaluation of medical "
        "devices, disposable hygiene products.",
        (_nanning("G1 栋", "生物医药实验室", "Biomedical laboratory"),),
        (Acc("CNAS", "L7013", -1230, 959), Acc("CMA", "202320110132", -1209, 980)),
        (
            Block(
                (("医用外科口罩", "Surgical masks"),),
                _methods(
                    (
                        ("细菌过滤效率", "Bacterial filtration efficiency"),
                        ("颗粒过滤效率", "Particle filtration efficiency"),
                        ("压力差", "Differential pressure"),
                        ("合成血液穿透", "Synthetic blood penetration"),
                        ("微生物指标", "Microbial limits"),
                        ("环氧乙烷残留量", "Ethylene oxide residue"),
                    ),
                    "YY 0469-2011",
                    days=7,
                    price=600,
                ),
            ),
            Block(
                (("一次性使用医用口罩", "Single-use medical face masks"),),
                _methods(
                    (
                        ("细菌过滤效率", "Bacterial filtration efficiency"),
                        ("通气阻力", "Breathing resistance"),
                        ("微生物指标", "Microbial limits"),
                        ("环氧乙烷残留量", "Ethylene oxide residue"),
                    ),
                    "YY/T 0969-2013",
                    days=7,
                    price=500,
                ),
            ),
            Block(
                (("医用防护口罩", "Medical protective masks"),),
                _methods(
                    (
                        ("过滤效率", "Filtration efficiency"),
                        ("吸气阻力", "Inhalation resistance"),
                        ("合成血液穿透", "Synthetic blood penetration"),
                        ("表面抗湿性", "Surface moisture resistance"),
                    ),
                    "GB 19083-2010",
                    days=7,
                    price=600,
                ),
            ),
            Block(
                (("医用电气设备", "Medical electrical equipment"),),
                _methods(
                    (
                        ("漏电流", "Leakage currents"),
                        ("电介质强度", "Dielectric strength"),
                        ("保护接地阻抗", "Protective earth impedance"),
                        ("爬电距离和电气间隙", "Creepage distances and clearances"),
                    ),
                    "GB 9706.1-2020",
                    days=15,
                    price=3000,
                )
                + _methods(
                    (
                        ("传导发射", "Conducted emissions"),
                        ("辐射发射", "Radiated emissions"),
                        ("静电放电抗扰度", "Electrostatic discharge immunity"),
                    ),
                    "YY 9706.102-2021",
                    days=10,
                    price=2500,
                ),
            ),
            Block(
                (("医疗器械", "Medical devices"),),
                (
                    M("体外细胞毒性", "In vitro cytotoxicity", "GB/T 16886.5-2017", days=15, price=2000),
                    M("刺激", "Irritation", "GB/T 16886.10-2017", days=30, price=4000),
                    M("皮肤致敏", "Skin sensitization", "GB/T 16886.10-2017", days=45, price=6000),
                ),
            ),
            Block(
                (("卫生巾", "Sanitary napkins"), ("纸尿裤", "Disposable diapers")),
                _methods(
                    (
                        ("细菌菌落总数", "Total bacterial colonies"),
                        ("大肠菌群", "Coliforms"),
                        ("真菌菌落总数", "Total fungal colonies"),
                        ("致病性化脓菌", "Pathogenic pyogenic bacteria"),
                    ),
                    "GB 15979-2002",
                    days=7,
                    price=200,
                ),
            ),
            Block(
                (("一次性使用医用橡胶检查手套", "Single-use medical rubber examination gloves"),),
                _methods(
                    (("尺寸", "Dimensions"), ("不透水性", "Freedom from holes"), ("拉伸性能", "Tensile properties")),
                    "GB 10213-2006",
                    days=5,
                    price=300,
                ),
            ),
            Block(
                (("一次性使用灭菌橡胶外科手套", "Single-use sterile rubber surgical gloves"),),
                _methods(
                    (("尺寸", "Dimensions"), ("不透水性", "Freedom from holes"), ("拉伸性能", "Tensile properties")),
                    "GB 7543-2020",
                    days=5,
                    price=300,
                ),
            ),
        ),
    ),
    Lab(
        "rc-clean-energy",
        "陈主任",
        "南宁",
        "0771-5511256",
        "清洁能源产品检验检测中心：光伏组件与逆变器、储能电池、太阳能热水系统、生物柴油。",
        "Clean-energy products centre: PV modules and inverters, energy-storage batteries, solar water heaters, "
        "biodiesel.",
        (_nanning("G2 栋", "光伏与储能实验室", "PV and energy storage laboratory"),),
        (Acc("CNAS", "L8127", -747, 1442), Acc("CMA", "202020110190", -6 * 365 + 25, 25)),
        (
            Block(
                (("地面用晶体硅光伏组件", "Crystalline silicon terrestrial PV modules"),),
                _methods(
                    (
                        ("最大功率确定", "Maximum power determination"),
                        ("绝缘试验", "Insulation test"),
                        ("湿漏电流试验", "Wet leakage current test"),
                        ("热循环试验", "Thermal cycling test"),
                        ("湿热试验", "Damp heat test"),
                        ("湿冻试验", "Humidity-freeze test"),
                        ("冰雹试验", "Hail test"),
                        ("静态机械载荷试验", "Static mechanical load test"),
                        ("热斑耐久试验", "Hot-spot endurance test"),
                        ("紫外预处理试验", "UV preconditioning test"),
                    ),
                    "IEC 61215-2:2021",
                    days=45,
                    price=5000,
                )
                + _methods(
                    (
                        ("可触及性试验", "Accessibility test"),
                        ("冲击电压试验", "Impulse voltage test"),
                        ("接地连续性试验", "Continuity test of equipotential bonding"),
                        ("反向电流过载试验", "Reverse current overload test"),
                    ),
                    "IEC 61730-2:2016",
                    days=20,
                    price=3000,
                ),
            ),
            Block(
                (("光伏并网逆变器", "Grid-connected PV inverters"),),
                _methods(
                    (
                        ("转换效率", "Conversion efficiency"),
                        ("电流谐波", "Current harmonics"),
                        ("防孤岛保护", "Anti-islanding protection"),
                        ("低电压穿越", "Low voltage ride-through"),
                        ("直流分量", "DC injection"),
                    ),
                    "NB/T 32004-2018",
                    days=15,
                    price=4000,
                ),
            ),
            Block(
                (("家用太阳能热水系统", "Domestic solar water heating systems"),),
                _methods(
                    (("日有用得热量", "Daily useful heat gain"), ("平均热损因数", "Average heat loss coefficient")),
                    "GB/T 19141-2011",
                    days=15,
                    price=3000,
                ),
            ),
            Block(
                (("电力储能用锂离子电池", "Lithium-ion batteries for electrical energy storage"),),
                _methods(
                    (
                        ("过充电", "Overcharge"),
                        ("过放电", "Overdischarge"),
                        ("短路", "Short circuit"),
                        ("挤压", "Crush"),
                        ("热失控", "Thermal runaway"),
                        ("初始充放电能量", "Initial charge and discharge energy"),
                    ),
                    "GB/T 36276-2018",
                    days=30,
                    price=8000,
                ),
            ),
            Block(
                (("生物柴油BD100", "Biodiesel BD100"),),
                _methods(
                    (
                        ("密度", "Density"),
                        ("运动黏度", "Kinematic viscosity"),
                        ("闪点", "Flash point"),
                        ("硫含量", "Sulfur content"),
                        ("酸值", "Acid number"),
                        ("氧化安定性", "Oxidation stability"),
                    ),
                    "GB/T 20828-2015",
                    days=5,
                    price=300,
                ),
            ),
        ),
    ),
    Lab(
        "rc-rail-transit",
        "蓝高工",
        "南宁",
        "0771-5511309",
        "轨道交通装备检验检测中心：机车车辆电子装置、振动冲击、车内空气与噪声，以及车站电梯和扶梯检验。",
        "Rail-transit equipment centre: rolling-stock electronics, vibration and shock, cabin air and noise, and "
        "inspection of station lifts.",
        (_nanning("H1 栋", "轨道交通实验室", "Rail transit laboratory"),),
        (Acc("CNAS", "L4877", -6 * 365 - 30, -200), Acc("CMA", "202120110141", -1812, 377)),
        (
            Block(
                (("车载电子设备", "On-board electronic equipment"), ("牵引变流器", "Traction converters")),
                _methods(
                    (
                        ("绝缘电阻", "Insulation resistance"),
                        ("耐压试验", "Voltage withstand test"),
                        ("低温试验", "Cold test"),
                        ("高温试验", "Dry heat test"),
                        ("交变湿热试验", "Cyclic damp heat test"),
                    ),
                    "GB/T 25119-2021",
                    days=10,
                    price=1500,
                )
                + _methods(
                    (
                        ("功能性随机振动", "Functional random vibration"),
                        ("长寿命随机振动", "Long-life random vibration"),
                        ("冲击试验", "Shock test"),
                    ),
                    "GB/T 21563-2018",
                    days=10,
                    price=3000,
                ),
                accreditation="CMA",
            ),
            Block(
                (("地铁车辆", "Metro vehicles"),),
                _methods(
                    (("称重", "Weighing"), ("限界", "Gauge"), ("淋雨试验", "Water-tightness test")),
                    "GB/T 7928-2003",
                    days=5,
                    price=5000,
                )
                + _methods(
                    (("车内噪声", "Interior noise"), ("车外噪声", "Exterior noise")),
                    "GB/T 14892-2006",
                    days=5,
                    price=5000,
                ),
                accreditation="CMA",
            ),
            Block(
                (("机车车辆非金属材料", "Non-metallic materials of rolling stock"),),
                _methods(
                    (("甲醛", "Formaldehyde"), ("苯", "Benzene"), ("总挥发性有机化合物", "TVOC")),
                    "TB/T 3139-2021",
                    days=10,
                    price=800,
                ),
                accreditation="CMA",
            ),
            Block(
                (("曳引驱动乘客电梯", "Traction passenger lifts"),),
                _methods(
                    (
                        ("平衡系数", "Balance coefficient"),
                        ("限速器动作速度校验", "Overspeed governor tripping speed check"),
                        ("制动试验", "Braking test"),
                        ("轿厢上行超速保护装置试验", "Ascending car overspeed protection test"),
                    ),
                    "TSG T7001-2009",
                    days=3,
                    price=1000,
                ),
                accreditation="CMA",
            ),
        ),
    ),
    Lab(
        "lab-mekong",
        "Somchai Wong",
        "南宁",
        "0771-2099318",
        "外资检验机构：面向东盟进出口的天然橡胶、大米、热带水果与木薯制品检验，报告获东盟互认。",
        "Foreign-invested inspection company for ASEAN trade: natural rubber, rice, tropical fruit and cassava "
        "products; reports recognised across ASEAN.",
        (
            Site("南宁口岸实验室", "Nanning port laboratory", "广西南宁市江南区综合保税区 3 号库", "南宁"),
            Site("凭祥口岸检验点", "Pingxiang border inspection point", "广西凭祥市友谊关口岸", "崇左"),
        ),
        (
            Acc("CMA", "202220010733", -1504, 685),
            Acc("OTHER", "VILAS 1123", -1287, 902, body_name="越南认可局（BoA, Bureau of Accreditation）", mra=True),
        ),
        (
            Block(
                (("天然生胶", "Raw natural rubber"),),
                (
                    M("杂质含量", "Dirt content", "ISO 249:2016", days=3, price=150),
                    M("挥发分含量", "Volatile-matter content", "ISO 248-1:2011", days=3, price=100),
                    M("灰分", "Ash", "ISO 247-1:2018", days=3, price=100),
                    M("塑性保持指数", "Plasticity retention index", "ISO 2930:2017", days=3, price=200),
                    M("初始塑性值", "Initial plasticity", "ISO 2007:2018", days=3, price=150),
                    M("门尼黏度", "Mooney viscosity", "ISO 289-1:2015", days=3, price=200),
                    M("氮含量", "Nitrogen content", "ISO 1656:2019", days=3, price=150),
                ),
                accreditation="CMA,OTHER",
            ),
            Block(
                (("浓缩天然胶乳", "Natural rubber latex concentrate"),),
                (
                    M("总固体含量", "Total solids content", "ISO 124:2014", days=3, price=100),
                    M("干胶含量", "Dry rubber content", "ISO 126:2005", days=3, price=100),
                    M("机械稳定度", "Mechanical stability", "ISO 35:2004", days=3, price=150),
                    M("碱度", "Alkalinity", "ISO 125:2020", days=3, price=100),
                ),
                accreditation="CMA,OTHER",
            ),
            Block(
                (("大米", "Rice"),),
                (
                    M("色泽、气味", "Colour and odour", "GB/T 5492-2008", days=2, price=50),
                    M("杂质", "Impurities", "GB/T 5494-2019", days=2, price=50),
                    M("不完善粒", "Imperfect kernels", "GB/T 5494-2019", days=2, price=50),
                    M("碎米", "Broken rice", "GB/T 5503-2009", days=2, price=50),
                    M("黄粒米", "Yellow kernels", "GB/T 5496-1985", days=2, price=50),
                    MOISTURE,
                ),
                site=1,
                accreditation="CMA",
            ),
            Block(
                (
                    ("榴莲", "Durian"),
                    ("山竹", "Mangosteen"),
                    ("龙眼", "Longan"),
                    ("火龙果", "Pitaya"),
                    ("芒果", "Mango"),
                    ("香蕉", "Banana"),
                ),
                PESTICIDES[:1] + PESTICIDES[5:8],
                accreditation="CMA,OTHER",
            ),
            Block((("龙眼", "Longan"),), (SO2,), accreditation="CMA,OTHER"),
            Block(
                (("木薯干片", "Dried cassava chips"), ("木薯淀粉", "Tapioca starch")),
                (MOISTURE, ASH, SO2),
                site=1,
                accreditation="CMA",
            ),
        ),
    ),
    Lab(
        "lab-sino-thai",
        "Niran Chai",
        "南宁",
        "0771-2099456",
        "中泰合资计量校准机构：长度、压力、质量、温度、力值与硬度计量器具的校准，出具中英双语证书。",
        "Sino-Thai joint-venture calibration company: length, pressure, mass, temperature, torque and hardness "
        "instruments, bilingual certificates.",
        (Site("五象校准实验室", "Wuxiang calibration laboratory", "广西南宁市良庆区五象大道 401 号", "南宁"),),
        (Acc("CNAS", "L8860", -6 * 365 + 45, 45), Acc("CMA", "202120010815", -748, 1441)),
        (
            Block(
                (("游标卡尺", "Vernier callipers"),),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("零值误差", "Zero error"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                    ),
                    "JJG 30-2002",
                    days=2,
                    price=40,
                ),
            ),
            Block(
                (("外径千分尺", "Outside micrometers"),),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("测量面的平面度", "Flatness of measuring faces"),
                        ("两测量面的平行度", "Parallelism of measuring faces"),
                    ),
                    "JJG 21-2008",
                    days=2,
                    price=40,
                ),
            ),
            Block(
                (("一般压力表", "General pressure gauges"),),
                _methods(
                    (
                        ("示值误差", "Indication error"),
                        ("回程误差", "Hysteresis error"),
                        ("轻敲位移", "Tapping displacement"),
                    ),
                    "JJG 52-2013",
                    days=2,
                    price=30,
                ),
            ),
            Block(
                (("电子天平", "Electronic balances"),),
                _methods(
                    (
                        ("偏载误差", "Eccentric load error"),
                        ("重复性", "Repeatability"),
                        ("示值误差", "Indication error"),
                    ),
                    "JJG 1036-2008",
                    days=2,
                    price=100,
                ),
            ),
            Block(
                (("工业铂热电阻", "Industrial platinum resistance thermometers"),),
                (M("允差", "Tolerance", "JJG 229-2010", days=3, price=120),),
            ),
            Block(
                (("环境试验设备", "Environmental test chambers"),),
                _methods(
                    (
                        ("温度偏差", "Temperature deviation"),
                        ("温度均匀度", "Temperature uniformity"),
                        ("温度波动度", "Temperature fluctuation"),
                    ),
                    "JJF 1101-2019",
                    days=3,
                    price=500,
                ),
            ),
            Block(
                (("扭矩扳子", "Torque wrenches"),),
                _methods(
                    (("示值相对误差", "Relative indication error"), ("示值重复性", "Repeatability of indication")),
                    "JJG 707-2014",
                    days=2,
                    price=80,
                ),
            ),
            Block(
                (("洛氏硬度计", "Rockwell hardness testers"),),
                _methods(
                    (("示值误差", "Indication error"), ("示值重复性", "Repeatability of indication")),
                    "JJG 112-2013",
                    days=2,
                    price=300,
                ),
            ),
        ),
        prices_public=True,
    ),
    Lab(
        "ca-article-coding",
        "赵主任",
        "南宁",
        "0771-5511480",
        "中国—东盟物品编码中心：商品条码与物流条码的符号质量检验和编码符合性检查。",
        "China–ASEAN Article Coding Centre: print quality verification of product and logistics barcodes and "
        "checks of their coding.",
        (_nanning("A2 栋", "条码检测实验室", "Barcode verification laboratory"),),
        (Acc("CNAS", "L5702", -1084, 1105), Acc("CMA", "202320110166", -1068, 1121)),
        (
            Block(
                (
                    ("零售商品条码", "Retail trade item barcodes"),
                    ("储运包装商品条码", "Outer-case barcodes"),
                    ("物流单元条码", "Logistic unit barcodes"),
                ),
                _methods(
                    (
                        ("译码正确性", "Decodability"),
                        ("符号等级", "Symbol grade"),
                        ("空白区宽度", "Quiet zone width"),
                        ("条高", "Bar height"),
                        ("放大系数", "Magnification factor"),
                    ),
                    "GB/T 18348-2022",
                    days=3,
                    price=100,
                ),
            ),
            Block(
                (("零售商品条码", "Retail trade item barcodes"),),
                (M("编码符合性", "Coding conformity", "GB 12904-2008", days=2, price=50),),
            ),
            Block(
                (("储运包装商品条码", "Outer-case barcodes"),),
                (M("编码符合性", "Coding conformity", "GB/T 16830-2008", days=2, price=50),),
            ),
            Block(
                (("物流单元条码", "Logistic unit barcodes"),),
                (M("编码符合性", "Coding conformity", "GB/T 18127-2009", days=2, price=50),),
            ),
        ),
    ),
]

# Names that mean the same parameter (search follows the canonical key). True synonyms only.
ALIASES: dict[str, tuple[str, ...]] = {
    "铅": ("Pb", "lead", "plumbum"),
    "镉": ("Cd", "cadmium"),
    "汞": ("Hg", "mercury"),
    "总砷": ("total arsenic", "总砷（以As计）"),
    "二氧化硫": ("SO2", "sulfur dioxide", "sulphur dioxide"),
    "甜蜜素": ("环己基氨基磺酸钠", "sodium cyclamate"),
    "菌落总数": ("细菌总数", "aerobic plate count"),
    "运动黏度": ("运动粘度", "kinematic viscosity"),
}

# Needs the cluster cannot serve (or only in part), searched once through the real search path.
UNMET: list[Need] = [
    Need(object_text="婴幼儿配方乳粉", parameters=("三聚氰胺",), standard_code="GB/T 22388-2008"),
    Need(object_text="电动自行车用锂离子蓄电池", parameters=("热失控",), standard_code="GB 43854-2024"),
    Need(object_text="动力蓄电池包或系统", parameters=("热扩散",), standard_code="GB 38031-2025"),
    Need(object_text="车用汽油", parameters=("铜片腐蚀", "锰含量")),
    Need(object_text="工业机器人", parameters=("位姿准确度", "位姿重复性"), standard_code="GB/T 12642-2013"),
    Need(object_text="白砂糖", parameters=("铅", "丙烯酰胺")),
]

ADMIN_NAMES = {"nqi-sugar": f"lab.admin@{DEMO_DOMAIN}"}  # institutions whose admin the accounts demo already made


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------


def _day(offset: int, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=offset)


def scope_table(lab: Lab) -> list[list[str]]:
    """The institution's scope as the rows of its CNAS/CMA annex table (header first)."""
    rows: list[list[str]] = [HEADERS]
    seq = 0
    for block in lab.blocks:
        site = lab.sites[block.site].name_zh
        for object_zh, object_en in block.objects:
            for m in block.methods:
                seq += 1
                price = ""
                if m.price is not None:  # a stable spread of ±20 % around the list price, whole yuan
                    spread = zlib.crc32(f"{lab.slug}|{object_zh}|{m.zh}|{m.code}".encode()) % 41 - 20
                    price = f"{round(m.price * (100 + spread) / 100)}.00"
                rows.append(
                    [str(seq), object_zh, object_en, m.zh, m.en, f"{TITLES[m.code]} {m.code}", m.clause, m.limitation,
                     "", site, block.accreditation, m.status, str(m.days), price]
                )  # fmt: skip
    return rows


def scope_csv(lab: Lab) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(scope_table(lab))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _admin(org: Organisation, lab: Lab) -> Actor:
    """The institution admin the demo acts as: the accounts demo's one, else <slug>.admin (2FA like the others)."""
    email = ADMIN_NAMES.get(lab.slug, f"{lab.slug}.admin@{DEMO_DOMAIN}")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = accounts_services.user_create(email=email, name=lab.admin, password=DEMO_PASSWORD)
    accounts_services.membership_grant(
        actor=Actor(user=None), organisation=org, user=user, roles=[Role.INSTITUTION_ADMIN]
    )
    if not user.has_totp:
        User.objects.filter(pk=user.pk).update(totp_secret=DEMO_TOTP_SECRET, totp_confirmed_at=timezone.now())
        user.refresh_from_db()
    return actor_for(user, org.pk)


def _profile(actor: Actor, lab: Lab, org: Organisation) -> None:
    if my_profile(actor).pk is not None:
        return
    manage_services.profile_update(
        actor=actor,
        description_zh=lab.about_zh,
        description_en=lab.about_en,
        region=lab.region,
        contact_person=lab.admin,
        phone=lab.phone,
        email=f"service@{org.slug}.{DEMO_DOMAIN}",
        contact_public=True,
        prices_public=lab.prices_public,
    )


def _sites_and_accreditations(actor: Actor, lab: Lab, today: dt.date) -> None:
    sites = {site.name_zh: site.pk for site in my_sites(actor)}
    for site in lab.sites:
        if site.name_zh not in sites:
            created = manage_services.site_create(
                actor=actor, name_zh=site.name_zh, name_en=site.name_en, address_zh=site.address_zh, region=site.region
            )
            sites[site.name_zh] = created.pk
    held = {(a.body, a.number) for a in my_accreditations(actor)}
    for acc in lab.accreditations:
        if (acc.body, acc.number) in held:
            continue
        manage_services.accreditation_create(
            actor=actor,
            body=acc.body,
            number=acc.number,
            valid_from=_day(acc.valid_from, today),
            valid_until=_day(acc.valid_until, today),
            body_name=acc.body_name,
            mra_signatory=acc.mra,
            site_ids=[sites[lab.sites[i].name_zh] for i in acc.sites],
        )


def _scope(actor: Actor, lab: Lab) -> int:
    """Upload the scope table through preview and commit, once; the number of rows it added."""
    done = scope_imports_of(actor).filter(filename=DEMO_FILENAME, status=ScopeImport.Status.COMMITTED)
    if done.exists():
        return 0
    preview = import_services.scope_import_preview(actor=actor, filename=DEMO_FILENAME, content=scope_csv(lab))
    import_services.scope_import_commit(actor=actor, import_id=preview.pk)
    return int(preview.diff["counts"]["added"])


def _aliases() -> int:
    curator = User.objects.filter(email=CURATOR_EMAIL).first()
    operator = Organisation.objects.filter(slug="cluster-operator").first()
    if curator is None or operator is None:
        return 0
    actor = actor_for(curator, operator.pk)
    current = alias_map()
    added = 0
    for canonical, names in ALIASES.items():
        missing = [n for n in names if current.get(normalise(n)) != normalise(canonical)]
        if missing:
            alias_group_add(actor=actor, canonical=canonical, aliases=missing)
            added += len(missing)
    return added


def _demand() -> int:
    recorded = 0
    for need in UNMET:
        result = capability_search(need)
        text = normalise(need.object_text)
        if DemandRecord.objects.filter(object_text=text, standard_code=result.standard).exists():
            continue
        if demand_record(need, result) is not None:
            recorded += 1
    return recorded


def load(today: dt.date | None = None) -> dict[str, int]:
    """Create what is missing (idempotent). Returns counts: institutions with a scope, their active scope rows,
    rows added by this run, aliases added, demand records added."""
    today = today or timezone.localdate()
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__in=[lab.slug for lab in LABS])}
    added = 0
    with transaction.atomic():
        aliases = _aliases()
    institutions = rows = 0
    for lab in LABS:
        org = orgs.get(lab.slug)
        if org is None:
            continue  # the accounts demo was not loaded
        with transaction.atomic():
            actor = _admin(org, lab)
            _profile(actor, lab, org)
            _sites_and_accreditations(actor, lab, today)
            added += _scope(actor, lab)
        active = my_scope_rows(actor).filter(status=ScopeStatus.ACTIVE).count()
        institutions += bool(active)
        rows += active
    with transaction.atomic():
        demand = _demand()
    return {"institutions": institutions, "rows": rows, "added": added, "aliases": aliases, "demand": demand}


def scope_rows_in_tables() -> int:
    """How many rows the demo tables hold (for tests and the docs)."""
    return sum(len(scope_table(lab)) - 1 for lab in LABS)
