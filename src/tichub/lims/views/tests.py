"""Laboratory pages: the lab home (counts and the analyst's own queue) and the test list with bulk assignment of
analysts, instruments and due dates (ISO/IEC 17025 6.2.5, 6.4.13, 7.1.1 d).

Everyone of the institution reads ("lims.sample.view"); sample handlers and laboratory managers assign
("lims.test.assign"). In the assignment form an instrument that may not be used today stays listed, disabled,
with the reason. Every page works without JavaScript; lab-tests.js only adds "tick all".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tichub.accounts.choices import Role
from tichub.core.errors import NotFound, ServiceError
from tichub.core.forms import form_error
from tichub.core.routes import actor_of, policy
from tichub.core.tenancy import Actor
from tichub.metrology.selectors import instruments_for_choice

from .. import assignment_services as services
from .. import queue_selectors as selectors
from ..forms.tests import AssignForm, TestFilterForm

VIEW, ASSIGN, MANAGE = "lims.sample.view", "lims.test.assign", "lims.method.manage"
PAGE_SIZE = 50
QUEUE_MAX = 200
FILTERS = ("status", "analyst", "keyword", "q", "unassigned", "overdue")


@policy(VIEW)
def home(request: HttpRequest) -> HttpResponse:
    """The lab home: an analyst sees their own queue (by due date, overdue tests flagged); the other roles see
    the counts of the laboratory's work (both, for someone holding both kinds of role)."""
    actor = actor_of(request)
    is_analyst = Role.ANALYST in actor.roles
    queue = list(selectors.my_queue(actor)[: QUEUE_MAX + 1]) if is_analyst else []
    context = {
        "is_analyst": is_analyst,
        "queue": queue[:QUEUE_MAX],
        "queue_more": len(queue) > QUEUE_MAX,
        "overview": selectors.lab_overview(actor) if actor.roles - {Role.ANALYST} else None,
        "can_manage": actor.can(MANAGE),
        "can_assign": actor.can(ASSIGN),
    }
    return render(request, "lims/tests/home.html", context)


def _assign_form(actor: Actor, data: Any = None) -> AssignForm:
    analysts = [(user.pk, user.name) for user in selectors.analysts(actor)]
    instruments = [
        (instrument.pk, str(instrument), refusal)
        for instrument, refusal in instruments_for_choice(actor, timezone.localdate())
    ]
    return AssignForm(data, analysts=analysts, instruments=instruments)


def _list_page(
    request: HttpRequest, params: QueryDict, *, assign_form: AssignForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    analysts = [(user.pk, user.name) for user in selectors.analysts(actor)]
    form = TestFilterForm(params or None, analysts=analysts)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {name: form.cleaned_data[name] for name in FILTERS}
    page = Paginator(selectors.test_list(actor, **filters), PAGE_SIZE).get_page(params.get("page"))
    can_assign = actor.can(ASSIGN)
    if can_assign and assign_form is None:
        assign_form = _assign_form(actor)
    # Ticks survive a refused assignment, so that it can be corrected and sent again.
    ticked = set(request.POST.getlist("test_ids")) if request.method == "POST" else set()
    context = {
        "form": form,
        "page": page,
        "query": urlencode([(k, v) for k, v in params.items() if k != "page" and v]),
        "full_query": urlencode([(k, v) for k, v in params.items() if v]),
        "open_states": selectors.OPEN_STATES,
        "assign_form": assign_form if can_assign else None,
        "ticked": ticked,
    }
    return render(request, "lims/tests/list.html", context, status=400 if form.errors else status)


@policy(VIEW)
def test_list(request: HttpRequest) -> HttpResponse:
    """The laboratory's tests by due date, filtered; those who assign tick tests and assign them in one go."""
    return _list_page(request, request.GET)


@require_POST
@policy(ASSIGN)
def test_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked tests (analyst, instrument, due date); back to the list with the same filters."""
    actor = actor_of(request)
    params = QueryDict(str(request.POST.get("back", ""))[:1000])
    form = _assign_form(actor, request.POST)
    status = 400
    if form.is_valid():
        try:
            assigned = services.tests_assign(actor=actor, **form.cleaned_data)
        except NotFound:
            raise
        except ServiceError as exc:
            form_error(form, exc)
            status = exc.status
        else:
            flash.success(request, _("已分配 %(n)d 个检测项目。") % {"n": len(assigned)})
            back = urlencode([(k, v) for k, v in params.items() if v])
            return redirect(reverse("lims:test_list") + (f"?{back}" if back else ""))
    return _list_page(request, params, assign_form=form, status=status)


urlpatterns = [
    path("", home, name="home"),
    path("tests/", test_list, name="test_list"),
    path("tests/assign/", test_assign, name="test_assign"),
]
