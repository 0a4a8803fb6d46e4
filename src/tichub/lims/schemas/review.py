"""API schemas of review and progress: tests under review, queues, one sample's review, an order's progress."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from tichub.core.api_support import RowId


class CheckIn(Schema):
    test_ids: list[RowId] = Field(description="1 to 500 tests, checked all or nothing")
    note: str = Field("", description="the reviewer's note, at most 1,000 characters")


class ApproveIn(Schema):
    test_ids: list[RowId] = Field(description="1 to 500 tests, approved all or nothing")


class RejectIn(Schema):
    test_ids: list[RowId] = Field(description="1 to 500 tests, returned all or nothing")
    reason: str = Field("", description="required, at most 1,000 characters; told to the analyst")


class ReviewReasonIn(Schema):
    reason: str = Field("", description="required, at most 1,000 characters")


class ReviewTestOut(Schema):
    id: int
    sample_id: int
    sample_number: str = Field(alias="sample.number")
    order_id: int
    keyword: str
    parameter: str
    parameter_en: str
    standard: str = Field(alias="standard.canonical", description="the method's standard edition")
    specification: str
    unit: str
    reported_value: str = Field(description='rounded, in `unit`; "" below the LOD or the LOQ (see result_text_*)')
    uncertainty: str
    result_text_zh: str
    result_text_en: str
    decision: str
    analyst_id: int | None
    entered_by_id: int | None
    submitted_at: dt.datetime | None
    status: str
    checks_done: int = Field(description="levels of checking done (the approval is the last level)")
    approved_by_id: int | None
    approved_at: dt.datetime | None
    retest_of_id: int | None
    due_date: dt.date | None
    version: int


class ApprovalItemOut(Schema):
    test: ReviewTestOut
    covered: bool = Field(description="whether you may approve it (authorisation, not your own work)")
    reason: str = Field(description="why not, when not covered")


class RetestOut(Schema):
    original: ReviewTestOut = Field(description="kept as a record (retested or retracted)")
    retest: ReviewTestOut = Field(description="the new test to redo, pending")


class ReviewRevisionOut(Schema):
    version: int
    raw_value: str
    raw_unit: str
    value: str
    reported_value: str
    uncertainty: str
    decision: str
    changed_by_id: int
    changed_at: dt.datetime
    reason: str
    source: str


class ReviewStepRecordOut(Schema):
    action: str
    level: int
    by_id: int
    at: dt.datetime
    reason: str


class ReviewTestHistoryOut(Schema):
    test: ReviewTestOut
    revisions: list[ReviewRevisionOut]
    steps: list[ReviewStepRecordOut]
    actions: list[str] = Field(description="what you may do now: check, approve, reject, retest, retract")
    approve_blocked: str = Field(description="why you may not approve it, when approving is your step")


class SampleStatementOut(Schema):
    decision: str = Field(description='pass, conditional_pass, conditional_fail, fail; "none": no statement')
    text_zh: str
    text_en: str
    rule_zh: str
    rule_en: str
    items: dict[str, list[str]] = Field(description="decision → items that fail or are conditional")
    pending: list[str] = Field(description="items with a limit still without a decision (statement provisional)")


class ReviewSampleOut(Schema):
    id: int
    number: str
    description: str
    status: str
    order_id: int


class SampleReviewOut(Schema):
    sample: ReviewSampleOut
    levels: int = Field(description="the institution's review levels (the last is the approval)")
    statement: SampleStatementOut
    tests: list[ReviewTestHistoryOut]


class SampleProgressOut(Schema):
    number: str
    description: str
    status: str = Field(description='received, testing, ready, reported; "not_received": announced, on its way')
    tests_total: int
    tests_with_result: int
    tests_approved: int
    due_date: dt.date | None
    overdue: bool


class OrderProgressOut(Schema):
    order_id: int
    number: str
    status: str
    tests_total: int
    tests_with_result: int
    tests_approved: int
    samples: list[SampleProgressOut]
