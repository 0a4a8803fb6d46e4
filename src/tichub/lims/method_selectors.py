"""Reads of the laboratory's method settings, its lab settings and its signatory authorisations.

Everything is the actor's institution's only; another institution's method or authorisation answers NotFound,
as one that does not exist. `covers` is the one place that says whether a signatory's authorisation reaches a
test (ISO/IEC 17025 6.2.6): the review services use it at approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.errors import NotFound
from tichub.core.tenancy import Actor

from .models import LabSettings, SignatoryAuthorisation, Test, TestMethod

VIEW = "lims.sample.view"
DEFAULT_REVIEW_LEVELS = 2
DEFAULT_RETENTION_DAYS = 90
Q_MAX = 100


def method_not_found() -> NotFound:
    return NotFound(_("检测方法不存在，或不属于本机构。"))


def method_list(actor: Actor, *, active: bool | None = None, q: str | None = None) -> QuerySet[TestMethod]:
    """The institution's methods by keyword; `q` matches the keyword, the parameter (Chinese or English) or the
    standard's code."""
    actor.require(VIEW)
    methods = TestMethod.objects.filter(institution_id=actor.tenant_id).select_related("standard")
    if active is not None:
        methods = methods.filter(active=active)
    text = " ".join((q or "").split())[:Q_MAX]
    if text:
        methods = methods.filter(
            Q(keyword__icontains=text)
            | Q(parameter__icontains=text)
            | Q(parameter_en__icontains=text)
            | Q(standard__canonical__icontains=text)
        )
    return methods.order_by("keyword", "pk")


def method_get(actor: Actor, method_id: int) -> TestMethod:
    actor.require(VIEW)
    method = TestMethod.objects.select_related("standard").filter(pk=method_id, institution_id=actor.tenant_id).first()
    if method is None:
        raise method_not_found()
    return method


def lab_settings(institution_id: int) -> LabSettings:
    """The institution's lab settings; an unsaved row with the defaults (2 review levels, 90 days' retention)
    when it never set them."""
    found = LabSettings.objects.filter(institution_id=institution_id).first()
    if found is not None:
        return found
    return LabSettings(
        institution_id=institution_id, review_levels=DEFAULT_REVIEW_LEVELS, retention_days=DEFAULT_RETENTION_DAYS
    )


def authorisations(actor: Actor, *, user_id: int | None = None) -> list[SignatoryAuthorisation]:
    """The institution's signatory authorisations (optionally one person's), by person then start date, with the
    person, the edition and the method loaded (one query)."""
    actor.require(VIEW)
    rows = SignatoryAuthorisation.objects.filter(institution_id=actor.tenant_id)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return list(
        rows.select_related("user", "standard", "method__standard").order_by(
            "user__name", "user_id", "valid_from", "pk"
        )
    )


def authorisation_get(actor: Actor, authorisation_id: int) -> SignatoryAuthorisation:
    actor.require(VIEW)
    found = (
        SignatoryAuthorisation.objects.select_related("user", "standard", "method__standard")
        .filter(pk=authorisation_id, institution_id=actor.tenant_id)
        .first()
    )
    if found is None:
        raise NotFound(_("授权记录不存在，或不属于本机构。"))
    return found


def is_valid_on(authorisation: SignatoryAuthorisation, on: dt.date) -> bool:
    return authorisation.valid_from <= on and (authorisation.valid_until is None or on <= authorisation.valid_until)


def covers(authorisations: Iterable[SignatoryAuthorisation], test: Test, on: dt.date) -> bool:
    """Whether one of a signatory's authorisations reaches `test` on `on` (ISO/IEC 17025 6.2.6): same institution,
    valid that day, and naming the test's standard edition or the test's method. No query: pass the signatory's
    authorisations (`authorisations(actor, user_id=...)`) and a test as loaded."""
    for authorisation in authorisations:
        if authorisation.institution_id != test.institution_id or not is_valid_on(authorisation, on):
            continue
        if authorisation.standard_id is not None and authorisation.standard_id == test.standard_id:
            return True
        if authorisation.method_id is not None and authorisation.method_id == test.method_id:
            return True
    return False


def members_with_role(actor: Actor, role: str) -> list[User]:
    """Active people of the institution holding `role`, by name (for the choices of a form)."""
    actor.require(VIEW)
    user_ids = Membership.objects.filter(organisation_id=actor.tenant_id, role=role).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("name", "pk"))


def signatories(actor: Actor) -> list[User]:
    return members_with_role(actor, Role.AUTHORIZED_SIGNATORY)
