"""Data for the scope import tests: an institution with sites and accreditations, tables as CSV or XLSX bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook

from tichub.accounts.choices import Role
from tichub.core.tenancy import Actor
from tichub.core.testing.factories import InstitutionFactory, member
from tichub.registry.models import Accreditation, TestSite

HEADERS_ZH = [
    "序号", "检测对象", "项目/参数", "参数英文名", "检测标准（方法）名称及编号（含年号）", "限制范围", "说明", "场所",
    "认可/资质", "状态", "周期（工作日）", "参考价格（元）",
]  # fmt: skip
HEADERS_EN = [
    "No", "Object/Product", "Parameter", "Parameter (EN)", "Standard (method)", "Limitation", "Remarks", "Site",
    "Accreditation", "Status", "Turnaround (days)", "Price (CNY)",
]  # fmt: skip


def institution(*, sites=("一号楼",), bodies=("CNAS", "CMA")):
    """An institution, its admin as an actor, its sites and accreditations valid today."""
    lab = InstitutionFactory()
    admin = member(lab, Role.INSTITUTION_ADMIN)
    actor = Actor(user=admin, organisation=lab, roles=frozenset({Role.INSTITUTION_ADMIN}))
    for name in sites:
        TestSite.objects.create(organisation=lab, name_zh=name)
    today = dt.date.today()
    for body in bodies:
        Accreditation.objects.create(
            organisation=lab,
            body=body,
            number=f"{body}-{lab.pk}",
            valid_from=today - dt.timedelta(days=365),
            valid_until=today + dt.timedelta(days=365),
        )
    return lab, admin, actor


def csv_bytes(header, rows, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(no, obj, param, standard, *, en="", limitation="", site="一号楼", acc="CNAS,CMA", status="有效", days="5",
        price="300.00"):  # fmt: skip
    return [str(no), obj, param, en, standard, limitation, "", site, acc, status, days, price]


def many_rows(n, *, site="一号楼", prefix="", year=2016):
    """n distinct good rows (one parameter each) against 40 standards."""
    return [
        row(
            i + 1,
            f"{prefix}样品{i % 7}",
            f"{prefix}参数{i}",
            f"GB 5009.{(i % 40) + 1}-{year} 第一法",
            site=site,
            price=f"{i}.50",
        )
        for i in range(n)
    ]
