"""API schemas of results: entries in, tests with their result out, a test's record with revisions and steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tichub.core.api_support import RowId, Version


class ResultEntryIn(Schema):
    test_id: RowId
    value: str = Field(description='decimal text as measured, e.g. "0.48", "480", "1.2E-3" (never a JSON number)')
    unit: str = Field("", description="the unit of `value`; empty: the test's unit. Converted to the test's unit")
    measured_on: dt.date | None = Field(None, description="default today; not in the future, not before receipt")
    instrument_id: RowId | None = Field(None, description="default the test's instrument; must be usable that day")
    reason: str = Field("", description="required to change a result already submitted, checked or rejected")
    version: Version | None = Field(None, description="the test's version you read; a newer one on the server → 409")


class ResultsIn(Schema):
    entries: list[ResultEntryIn] = Field(description="1 to 1,000 results, recorded all or nothing")


class ResultsSubmitIn(Schema):
    test_ids: list[RowId] = Field(description="entered tests to hand over for review")


class TestResultOut(Schema):
    id: int
    sample_id: int
    sample_number: str = Field(alias="sample.number")
    order_id: int
    keyword: str
    parameter: str
    parameter_en: str
    unit: str
    formula: str
    raw_value: str
    raw_unit: str
    value: str = Field(description="in `unit`, unrounded")
    reported_value: str = Field(description='rounded, in `unit`; "" below the LOD or the LOQ (see result_text_*)')
    uncertainty: str = Field(description="expanded uncertainty U, in `unit`")
    result_text_zh: str
    result_text_en: str
    decision: str
    measured_on: dt.date | None
    instrument_id: int | None
    analyst_id: int | None
    entered_by_id: int | None
    entered_at: dt.datetime | None
    submitted_at: dt.datetime | None
    status: str
    checks_done: int
    version: int


class RevisionOut(Schema):
    version: int
    raw_value: str
    raw_unit: str
    value: str
    reported_value: str
    uncertainty: str
    decision: str
    measured_on: dt.date | None
    instrument_id: int | None
    changed_by_id: int
    changed_by: str = Field(alias="changed_by.name")
    changed_at: dt.datetime
    reason: str
    source: str


class ReviewStepOut(Schema):
    action: str
    level: int
    by_id: int
    by: str = Field(alias="by.name")
    at: dt.datetime
    reason: str


class TestRecordOut(TestResultOut):
    standard: str = Field(alias="standard.canonical")
    clause: str
    accredited: bool
    specification: str
    lower_limit: str
    upper_limit: str
    decision_rule: str
    places: int | None
    round_to_uncertainty: bool
    lod: str
    loq: str
    uncertainty_kind: str
    uncertainty_value: str
    uncertainty_ranges: list[dict[str, Any]]
    coverage_factor: str
    non_negative: bool
    due_date: dt.date | None
    approved_by_id: int | None
    approved_at: dt.datetime | None
    retest_of_id: int | None
    revisions: list[RevisionOut]
    review_steps: list[ReviewStepOut]
