"""Capability search pages: the public search form and its results, and the as-you-type results fragment (HTMX).

The page works without JavaScript (a GET form). With HTMX the form refreshes the results fragment as one types;
only a submitted search (the page itself, first page of results) is recorded as demand, never the keystrokes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tichub.core.errors import ServiceError
from tichub.core.forms import form_error
from tichub.core.ratelimit import rate_limited
from tichub.core.routes import policy

from ..demand_services import demand_record
from ..search_selectors import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Need,
    SearchInputError,
    SearchResult,
    capability_search,
)
from ..search_terms import TEXT_LIMIT, split_parameters

FIELDS = ("q", "object", "parameters", "standard", "accreditation", "region", "deadline")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("关键词"),
        required=False,
        max_length=TEXT_LIMIT,
        help_text=gettext_lazy("中文或英文均可，无需分词，例如：白砂糖中的铅、lead in sugar"),
    )
    object = forms.CharField(label=gettext_lazy("检测对象/产品"), required=False, max_length=TEXT_LIMIT)
    parameters = forms.CharField(
        label=gettext_lazy("检测项目/参数"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("多个项目用逗号、顿号或分号分隔，例如：铅、镉、总砷"),
    )
    standard = forms.CharField(
        label=gettext_lazy("方法标准"),
        required=False,
        max_length=80,
        help_text=gettext_lazy("例如 GB 5009.12-2017；不写年代号则匹配该标准的所有版本"),
    )
    accreditation = forms.ChoiceField(
        label=gettext_lazy("资质要求"),
        required=False,
        choices=[
            ("", gettext_lazy("不限")),
            ("CNAS", gettext_lazy("CNAS 认可")),
            ("CMA", gettext_lazy("CMA 资质认定")),
        ],
    )
    region = forms.CharField(label=gettext_lazy("地区/场所"), required=False, max_length=60)
    deadline = forms.DateField(
        label=gettext_lazy("最晚完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def need(self) -> Need:
        data = self.cleaned_data
        return Need(
            object_text=data["object"].strip(),
            parameters=split_parameters([data["parameters"]]),
            standard_code=data["standard"].strip(),
            accreditation=data["accreditation"] or None,
            region=data["region"].strip(),
            deadline=data["deadline"],
            q=data["q"].strip(),
        )


def _form_data(request: HttpRequest) -> QueryDict | None:
    """The submitted fields; repeated `parameters` fields are joined into one."""
    if not any(request.GET.get(name) for name in FIELDS):
        return None
    data = request.GET.copy()
    data["parameters"] = "；".join(request.GET.getlist("parameters"))
    return data


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _query(request: HttpRequest, **changes: str) -> str:
    pairs = [
        (name, value)
        for name, values in request.GET.lists()
        for value in values
        if name in FIELDS and value and name not in changes
    ]
    return urlencode(pairs + [(k, v) for k, v in changes.items() if v])


def _search(request: HttpRequest, *, record: bool) -> tuple[dict[str, Any], int]:
    data = _form_data(request)
    form = SearchForm(data)
    result: SearchResult | None = None
    suggestion: dict[str, str] | None = None
    if data is not None and form.is_valid():
        need = form.need()
        try:
            page_size = min(MAX_PAGE_SIZE, max(1, int(request.GET.get("page_size", PAGE_SIZE))))
        except ValueError:
            page_size = PAGE_SIZE
        try:
            result = capability_search(need, page=_page(request), page_size=page_size)
        except ServiceError as exc:
            form_error(form, exc)
            if isinstance(exc, SearchInputError) and exc.suggestion:
                url = f"{reverse('registry:search')}?{_query(request, standard=exc.suggestion)}"
                suggestion = {"code": exc.suggestion, "url": url}
        else:
            if record and result.page == 1:
                demand_record(need, result)
    context = {
        "form": form,
        "result": result,
        "notes": list(zip(result.notes_zh, result.notes_en, strict=True)) if result else [],
        "suggestion": suggestion,
        "query": _query(request),
        "search_url": reverse("registry:search"),
    }
    return context, 400 if form.errors else 200


def _too_many(request: HttpRequest, template: str) -> HttpResponse | None:
    if rate_limited(request, "public"):
        form = SearchForm()
        form.add_error(None, _("请求过于频繁，请稍后再试。"))
        context = {"form": form, "result": None, "partial": template.endswith("_results.html")}
        return render(request, template, context, status=429)
    return None


@policy("public")
def search(request: HttpRequest) -> HttpResponse:
    """Who can test this? The need in, institutions ranked by how completely and exactly they cover it."""
    if limited := _too_many(request, "registry/search/page.html"):
        return limited
    context, status = _search(request, record=True)
    return render(request, "registry/search/page.html", context, status=status)


@policy("public")
def search_results(request: HttpRequest) -> HttpResponse:
    """The results fragment for as-you-type search. Not recorded as demand. Errors come back with status 200 so
    that HTMX swaps them in."""
    if limited := _too_many(request, "registry/search/_results.html"):
        return limited
    context, _status = _search(request, record=False)
    return render(request, "registry/search/_results.html", {**context, "partial": True})


urlpatterns = [
    path("search/", search, name="search"),
    path("search/results/", search_results, name="search_results"),
]
