"""Navigation by role: each entry shows only if the actor may open it."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .routes import actor_of
from .selectors import unread_count

NAVIGATION = [
    ("registry:search", _("找机构"), "public"),
    ("registry:directory", _("机构名录"), "public"),
    ("standards:list", _("标准目录"), "public"),
    ("reports_public:home", _("核验报告"), "public"),
    ("core:dashboard", _("工作台"), "signed_in"),
    ("marketplace:work", _("委托工作台"), "market.order.view"),
    ("marketplace:need_list", _("委托需求"), "market.need.manage"),
    ("marketplace:quote_inbox", _("待报价"), "market.quote.manage"),
    ("marketplace:order_list", _("委托单"), "market.order.view"),
    ("marketplace:stats", _("委托统计"), "market.stats.view"),
    ("lims:home", _("实验室"), "lims.sample.view"),
    ("lims:receive", _("样品接收"), "lims.sample.receive"),
    ("lims:sample_list", _("样品"), "lims.sample.view"),
    ("lims:worksheet_list", _("工作单"), "lims.result.enter"),
    ("lims:import_new", _("仪器数据导入"), "lims.result.enter"),
    ("lims:review_queue", _("结果审核"), "lims.result.check"),
    ("lims:approval_queue", _("结果批准"), "lims.result.approve"),
    ("lims:method_list", _("检测方法"), "lims.method.manage"),
    ("reports:list", _("检测报告"), "reports.view"),
    ("metrology:instrument_list", _("仪器设备"), "metrology.instrument.view"),
    ("trust:keys", _("签名密钥"), "trust.keys.view"),
    ("accounts:organisation", _("本组织"), "organisation.view"),
    ("accounts:members", _("成员"), "membership.view"),
    ("registry:manage", _("资质与能力"), "registry.scope.view"),
    ("core:audit_list", _("审计记录"), "audit.view"),
    ("registry:demand", _("未满足需求"), "registry.demand.view"),
    ("registry:aliases", _("参数别名"), "registry.aliases.curate"),
    ("accounts:tokens", _("API 令牌"), "token.use"),
    ("accounts:profile", _("个人设置"), "signed_in"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    items = [{"url": reverse(name), "label": label} for name, label, action in NAVIGATION if actor.can(action)]
    return {
        "nav_items": items,
        "unread_notifications": unread_count(actor) if actor.is_authenticated else 0,
        "actor": actor,
        "my_organisations": getattr(request, "organisations", {}),
    }
