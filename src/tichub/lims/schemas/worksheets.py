"""API schemas of worksheets: building one, QC values and results in, the worksheet with its slots out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tichub.core.api_support import RowId, Version


class QcSlotIn(Schema):
    kind: str = Field(description="blank, duplicate or reference")
    expected: str = Field(
        "", description="reference: the certified value; blank: the limit (empty: the method's LOD); duplicate: empty"
    )
    tolerance: str = Field("", description='absolute ("0.02") or relative ("10%": of the mean, of the certified value)')
    duplicate_of_test_id: RowId | None = Field(None, description="duplicate: the test on the worksheet it repeats")
    position: int | None = Field(None, description="1-based place among the slots made; empty: after the tests")


class WorksheetIn(Schema):
    test_ids: list[RowId] = Field(description="editable tests of the institution, in the order of the worksheet")
    method_id: RowId | None = Field(None, description="all tests must be of this method")
    instrument_id: RowId | None = Field(None, description="must be usable today (in service, calibrated)")
    qc: list[QcSlotIn] = Field(default_factory=list, description="QC slots with their acceptance settings")


class QcValuesIn(Schema):
    values: dict[str, str] = Field(
        description='{slot id: decimal text}, e.g. {"12": "0.003"}; "" clears the value; never JSON numbers'
    )


class SlotResultIn(Schema):
    slot_id: RowId
    value: str = Field(description='decimal text as measured, e.g. "0.48" (never a JSON number)')
    unit: str = Field("", description="the unit of `value`; empty: the test's unit")
    reason: str = Field("", description="required to change a result already submitted or rejected")
    version: Version | None = Field(None, description="the test's version you read; a newer one on the server → 409")


class WorksheetResultsIn(Schema):
    entries: list[SlotResultIn] = Field(description="results of sample slots, recorded all or nothing")
    measured_on: dt.date | None = Field(None, description="default the worksheet's day")


class WorksheetListOut(Schema):
    id: int
    number: str
    status: str
    method_id: int | None
    method: str = Field(description="keyword and parameter of the method")
    instrument_id: int | None
    instrument: str
    analyst_id: int | None
    analyst: str
    created_at: dt.datetime
    sample_count: int
    qc_count: int
    entered_count: int = Field(description="sample slots whose test has a result")

    @staticmethod
    def resolve_method(obj: Any) -> str:
        return str(obj.method) if obj.method_id else ""

    @staticmethod
    def resolve_instrument(obj: Any) -> str:
        return str(obj.instrument) if obj.instrument_id else ""

    @staticmethod
    def resolve_analyst(obj: Any) -> str:
        return obj.analyst.name if obj.analyst_id else ""


class SlotOut(Schema):
    id: int = Field(alias="slot.id")
    position: int = Field(alias="slot.position")
    kind: str = Field(alias="slot.kind")
    test_id: int | None = Field(alias="slot.test_id")
    duplicate_of_test_id: int | None = Field(alias="slot.duplicate_of_id")
    sample_number: str
    parameter: str
    unit: str
    value: str = Field(description="as typed: the test's raw result, or the QC value")
    test_status: str | None = Field(None, description="sample slots: the test's status")
    test_version: int | None = Field(None, description="sample slots: send it back as `version` when entering")
    reported_value: str | None = None
    result_text_zh: str | None = None
    result_text_en: str | None = None
    decision: str | None = None
    qc_expected: str = Field(alias="slot.qc_expected")
    qc_tolerance: str = Field(alias="slot.qc_tolerance")
    qc_accepted: bool | None = Field(None, description="QC slots: the verdict on the values as they stand now")
    qc_explanation_zh: str = ""
    qc_explanation_en: str = ""
    qc_problem: str = Field("", description="why a QC value could not be judged")

    @staticmethod
    def resolve_test_status(obj: Any) -> str | None:
        return obj.test.status if obj.test else None

    @staticmethod
    def resolve_test_version(obj: Any) -> int | None:
        return obj.test.version if obj.test else None

    @staticmethod
    def resolve_reported_value(obj: Any) -> str | None:
        return obj.test.reported_value if obj.test else None

    @staticmethod
    def resolve_result_text_zh(obj: Any) -> str | None:
        return obj.test.result_text_zh if obj.test else None

    @staticmethod
    def resolve_result_text_en(obj: Any) -> str | None:
        return obj.test.result_text_en if obj.test else None

    @staticmethod
    def resolve_decision(obj: Any) -> str | None:
        return obj.test.decision if obj.test else None

    @staticmethod
    def resolve_qc_accepted(obj: Any) -> bool | None:
        return obj.outcome.accepted if obj.outcome else None

    @staticmethod
    def resolve_qc_explanation_zh(obj: Any) -> str:
        return obj.outcome.text_zh if obj.outcome else ""

    @staticmethod
    def resolve_qc_explanation_en(obj: Any) -> str:
        return obj.outcome.text_en if obj.outcome else ""


class WorksheetOut(Schema):
    id: int = Field(alias="worksheet.id")
    number: str = Field(alias="worksheet.number")
    status: str = Field(alias="worksheet.status")
    method_id: int | None = Field(alias="worksheet.method_id")
    instrument_id: int | None = Field(alias="worksheet.instrument_id")
    analyst_id: int | None = Field(alias="worksheet.analyst_id")
    created_at: dt.datetime = Field(alias="worksheet.created_at")
    entered: int = Field(description="sample slots with a result")
    qc_failed: int
    qc_open: int = Field(description="QC slots without a value, or not judged yet")
    slots: list[SlotOut] = Field(alias="rows")
