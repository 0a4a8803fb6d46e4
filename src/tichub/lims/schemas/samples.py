"""API schemas of the laboratory's samples: receipt, sub-samples, custody, disposal, lists and one sample."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tichub.core.api_support import RowId

# --- input --------------------------------------------------------------------------------------------------------


class ReceiveIn(Schema):
    announcement_id: RowId = Field(description="the announced sample (SampleAnnouncement) being received")
    condition: str = Field("intact", description="intact, damaged, leaking, insufficient, temperature or other")
    condition_note: str = Field("", description="at most 300 characters; required for `other`")
    seal_intact: bool | None = Field(None, description="true / false; null when the sample carries no seal")
    temperature: str = Field("", description='decimal text in °C as read, e.g. "4.5"; empty when not measured')
    quantity: str = Field("", description="received quantity; empty: the announced quantity")
    storage_location: str = Field("", description="at most 120 characters")
    deviation: str = Field("", description="deviation from the expected condition, at most 2,000 characters")
    consult_customer: bool = Field(False, description="raise the deviation with the customer (order message)")
    disclaimer: str = Field("", description="statement the report carries if testing proceeds despite a deviation")
    internal_note: str = Field("", description="the institution's own note; never shown to the customer")


class PartIn(Schema):
    description: str = Field("", description="required, at most 300 characters")
    quantity: str = Field("", description="required, at most 60 characters")
    storage_location: str = Field("", description="empty: the parent's location")


class SplitIn(Schema):
    parts: list[PartIn] = Field(description="1 to 20 sub-samples, numbered <parent number>-<n>")
    test_ids: list[RowId] = Field(
        default_factory=list, description="pending tests of the parent moved to the (single) part"
    )


class CustodyIn(Schema):
    kind: str = Field(description="handover, move or return")
    to_person_id: RowId | None = Field(None, description="handover: an active member of the institution")
    to_location: str = Field("", description="move: required; handover: optional (also moves the sample)")
    note: str = Field("", description="return: required (how the sample went back); at most 300 characters")


class DisposeIn(Schema):
    method: str = Field(description="how the sample was disposed of, at most 200 characters")
    note: str = Field("", description="at most 300 characters")
    early_reason: str = Field("", description="required before the retention date; kept as the audit reason")


# --- output -------------------------------------------------------------------------------------------------------


class LabSampleOut(Schema):
    id: int
    number: str
    parent_id: int | None
    order_id: int
    order_number: str = Field(alias="order.number")
    enterprise_id: int
    enterprise: str = Field(alias="enterprise.name_zh")
    reference: str = Field("", description="the customer's sample reference (label), empty for a sub-sample")
    description: str
    quantity: str
    condition: str
    condition_note: str
    seal_intact: bool | None
    temperature: str = Field(description="°C, decimal text")
    received_at: dt.datetime
    received_by_id: int
    storage_location: str
    custodian_id: int | None
    retention_until: dt.date
    deviation: str
    customer_consulted_at: dt.datetime | None
    disclaimer: str
    disposed_at: dt.datetime | None
    disposal: str
    status: str = Field(description="received, testing, ready or reported")
    internal_note: str

    @staticmethod
    def resolve_reference(obj: Any) -> str:
        return obj.announcement.reference if obj.announcement_id else ""


class LabSampleListOut(LabSampleOut):
    tests_live: int = Field(0, description="tests whose result counts (not retested or retracted)")
    tests_approved: int = 0


class TestSummaryOut(Schema):
    id: int
    keyword: str
    parameter: str
    standard: str = Field(alias="standard.canonical")
    accredited: bool
    unit: str
    status: str
    analyst_id: int | None
    due_date: dt.date | None


class CustodyOut(Schema):
    id: int
    sample_id: int
    kind: str = Field(description="receive, handover, move, subsample, dispose or return")
    at: dt.datetime
    by_id: int
    by: str = Field(alias="by.name")
    to_person_id: int | None
    to_person: str = ""
    from_location: str
    to_location: str
    note: str

    @staticmethod
    def resolve_to_person(obj: Any) -> str:
        return obj.to_person.name if obj.to_person_id else ""


class LabSampleDetailOut(LabSampleOut):
    tests: list[TestSummaryOut]
    parts: list[LabSampleOut]
    custody: list[CustodyOut]


class ReviewItemBriefOut(Schema):
    position: int = Field(alias="item.position")
    parameter: str = Field(alias="item.parameter")
    standard: str = Field(alias="item.standard.canonical")
    specification: str = Field(alias="item.specification")
    verdict: str


class AnnouncementOut(Schema):
    id: int
    reference: str
    description: str
    quantity: str
    batch: str
    storage: str
    dispatched_at: dt.datetime | None


class OrderBriefOut(Schema):
    id: int
    number: str
    status: str
    due_date: dt.date | None
    enterprise: str = Field(alias="enterprise.name_zh")


class ReceiptLookupOut(Schema):
    announcement: AnnouncementOut
    order: OrderBriefOut
    items: list[ReviewItemBriefOut] = Field(description="what will be tested (contract review)")
    received: bool
    receivable: bool = Field(description="not received yet, and the order is in a state where samples arrive")
    sample: LabSampleOut | None = Field(None, description="the laboratory sample, once received")
