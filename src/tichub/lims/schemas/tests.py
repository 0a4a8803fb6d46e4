"""Laboratory API schemas: the test list, assignment, the work queue and the lab overview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tichub.core.api_support import RowId


class LabTestOut(Schema):
    id: int
    sample_id: int
    sample_number: str = Field(alias="sample.number")
    order_id: int
    order_number: str = Field(alias="order.number")
    keyword: str
    parameter: str
    parameter_en: str
    standard_code: str = Field(alias="standard.canonical")
    method_id: int | None
    unit: str
    status: str
    status_label: str
    analyst_id: int | None
    analyst_name: str | None = None
    instrument_id: int | None
    instrument: str | None = None
    due_date: dt.date | None
    overdue: bool = Field(False, description="due date passed and the test still has work to do")
    version: int

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_analyst_name(obj: Any) -> str | None:
        return obj.analyst.name if obj.analyst_id else None

    @staticmethod
    def resolve_instrument(obj: Any) -> str | None:
        return str(obj.instrument) if obj.instrument_id else None


class AssignIn(Schema):
    test_ids: list[RowId] = Field(description="1 to 500 tests of the institution, live and not approved")
    analyst_id: RowId | None = Field(None, description="an active member with the analyst role")
    instrument_id: RowId | None = Field(None, description="an instrument usable today (in service, calibrated)")
    due_date: dt.date | None = Field(None, description="not in the past")


class AssignedOut(Schema):
    id: int
    sample_number: str = Field(alias="sample.number")
    keyword: str
    analyst_id: int | None
    instrument_id: int | None
    due_date: dt.date | None
    version: int


class AssignOut(Schema):
    assigned: list[AssignedOut]


class OverviewOut(Schema):
    awaiting_receipt: int = Field(description="samples sent by customers and not received yet")
    unassigned: int = Field(description="open tests without an analyst")
    in_progress: int = Field(description="assigned tests before submission, or returned after a rejection")
    awaiting_check: int
    awaiting_approval: int
    overdue: int = Field(description="open tests past their due date")
