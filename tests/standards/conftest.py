import datetime as dt
import io

import pytest
from django.utils import timezone

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, OperatorFactory, member
from tichub.registry.choices import ScopeStatus, TermKind
from tichub.registry.models import ScopeRow, Term, TestSite
from tichub.science.standard_codes import parse_standard_code
from tichub.standards.models import StandardEdition


def today():
    return timezone.localdate()


def days(n):
    return today() + dt.timedelta(days=n)


def make_edition(code, title_zh="标题", **values):
    """A catalogue edition built straight in the database (tests only)."""
    p = parse_standard_code(code)
    return StandardEdition.objects.create(
        canonical=p.canonical, base=p.base, edition_key=p.edition_key, base_key=p.base_key, prefix=p.prefix,
        number=p.number, year=p.year, family=p.family, mandatory=p.mandatory, title_zh=title_zh, **values,
    )  # fmt: skip


def make_scope_rows(organisation, edition, n=1, status=ScopeStatus.ACTIVE, site=None, clause=""):
    site = site or TestSite.objects.get_or_create(organisation=organisation, name_zh=f"场所 {organisation.pk}")[0]
    obj, _ = Term.objects.get_or_create(
        kind=TermKind.OBJECT, key="白砂糖", defaults={"name_zh": "白砂糖", "search": "白砂糖"}
    )
    rows = []
    for i in range(n):
        param, _ = Term.objects.get_or_create(
            kind=TermKind.PARAMETER, key=f"p{i}", defaults={"name_zh": f"参数{i}", "search": f"参数{i}"}
        )
        rows.append(
            ScopeRow.objects.create(
                organisation=organisation,
                object_term=obj,
                parameter_term=param,
                parameter_key=f"p{i}",
                standard=edition,
                standard_base_key=edition.base_key,
                site=site,
                status=status,
                clause=clause,
            )
        )
    return rows


def csv_file(*lines, encoding="utf-8"):
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def operator():
    return OperatorFactory()


@pytest.fixture
def curator_user(operator):
    return member(operator, Role.OPERATOR_CURATOR)


@pytest.fixture
def curator(operator, curator_user):
    return Actor(user=curator_user, organisation=operator, roles=frozenset({Role.OPERATOR_CURATOR}))


@pytest.fixture
def analyst(operator):
    user = member(operator, Role.OPERATOR_ANALYST)
    return Actor(user=user, organisation=operator, roles=frozenset({Role.OPERATOR_ANALYST}))


@pytest.fixture
def lab():
    return InstitutionFactory()
