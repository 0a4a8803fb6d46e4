"""Operator pages of the registry: unmet demand (what the cluster is asked for and lacks) and parameter aliases."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy

from ..alias_selectors import alias_list
from ..alias_services import alias_group_add
from ..alias_services import alias_remove as alias_remove_service
from ..demand_selectors import demand_period, demand_summary
from ..search_terms import split_parameters

PERIODS = [
    ("7", gettext_lazy("最近 7 天")),
    ("30", gettext_lazy("最近 30 天")),
    ("90", gettext_lazy("最近 90 天")),
    ("365", gettext_lazy("最近一年")),
]
DEFAULT_DAYS = 90
ALIAS_PAGE = 100


class PeriodForm(forms.Form):
    days = forms.ChoiceField(label=gettext_lazy("时间范围"), choices=PERIODS, required=False)


class AliasGroupForm(forms.Form):
    canonical = forms.CharField(
        label=gettext_lazy("规范名"),
        max_length=200,
        help_text=gettext_lazy("搜索和能力范围统一使用的名称，例如：铅"),
    )
    aliases = forms.CharField(
        label=gettext_lazy("别名"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("同一参数的其他写法，用逗号、顿号、分号或换行分隔，例如：Pb、lead"),
    )


@policy("registry.demand.view")
def demand(request: HttpRequest) -> HttpResponse:
    """Unmet demand over a period: top missing parameters (chart and table), standards, objects, and weeks."""
    form = PeriodForm(request.GET or None)
    days = DEFAULT_DAYS
    if form.is_bound and form.is_valid() and form.cleaned_data["days"]:
        days = int(form.cleaned_data["days"])
    since, until = demand_period(days)
    summary = demand_summary(actor_of(request), since=since, until=until)
    chart = {
        "title": _("未满足的检测项目"),
        "labels": [t.label for t in summary.top_parameters][::-1],  # ECharts draws horizontal bars bottom-up
        "counts": [t.count for t in summary.top_parameters][::-1],
        "series": _("次数"),
    }
    context = {"form": form, "summary": summary, "chart": chart, "days": days}
    return render(request, "registry/operator/demand.html", context)


@policy("registry.aliases.curate")
def aliases(request: HttpRequest) -> HttpResponse:
    """The alias table, grouped by canonical name, with a form to add names to a group."""
    actor = actor_of(request)
    form = AliasGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            canonical, group = alias_group_add(
                actor=actor,
                canonical=form.cleaned_data["canonical"],
                aliases=split_parameters([form.cleaned_data["aliases"]]),
            )
        except ServiceError as exc:
            form_error(form, exc)
        else:
            names = "、".join(a.alias for a in group)
            message = _("已将 %(names)s 归入“%(canonical)s”。") % {"names": names, "canonical": canonical}
            messages.success(request, message)
            return redirect("registry:aliases")
    q = request.GET.get("q", "")[:100]
    page = Paginator(alias_list(actor, q=q), ALIAS_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "q": q}
    return render(request, "registry/operator/aliases.html", context, status=400 if form.errors else 200)


@require_POST
@policy("registry.aliases.curate")
def alias_remove(request: HttpRequest, alias_id: int) -> HttpResponse:
    removed = alias_remove_service(actor=actor_of(request), alias_id=alias_id)
    messages.success(
        request,
        _("已将“%(alias)s”移出“%(canonical)s”组，重新归类 %(rows)d 条能力范围。")
        % {"alias": removed.alias, "canonical": removed.canonical, "rows": removed.rows_rekeyed},
    )
    return redirect("registry:aliases")


urlpatterns = [
    path("operator/demand/", demand, name="demand"),
    path("operator/aliases/", aliases, name="aliases"),
    path("operator/aliases/<int:alias_id>/remove/", alias_remove, name="alias_remove"),
]
