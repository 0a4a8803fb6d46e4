"""API schemas of the instrument CSV imports: the mapping per instrument, an import with its summary and errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tichub.core.api_support import RowId


class MappingIn(Schema):
    columns: dict[str, str] = Field(
        description='logical column → header of the file, e.g. {"sample": "Sample Name", "keyword": "Analyte", '
        '"value": "Conc."}; sample, keyword and value are required; unit, measured_on and uncertainty optional'
    )
    delimiter: str = Field("", description='",", ";", a tab, or "" to recognise it from each file')


class MappingOut(Schema):
    instrument_id: int
    columns: dict[str, str]
    delimiter: str


class ImportJsonIn(Schema):
    """The same upload as the multipart form, for clients that send JSON."""

    file_name: str = Field(description="the file's name, at most 200 characters")
    content_base64: str = Field(description="the CSV file, base64")
    instrument_id: RowId | None = Field(None, description="the instrument that wrote the file (its mapping applies)")
    columns: dict[str, str] | None = Field(None, description="the mapping; default the instrument's saved one")
    delimiter: str | None = Field(None, description='",", ";", a tab, "" (recognise); default the mapping\'s')
    save_mapping: bool = Field(False, description="save `columns` and `delimiter` as the instrument's mapping")


class ImportErrorOut(Schema):
    line: int = Field(description="line of the file (the header is line 1)")
    column: str = Field(description='sample, keyword, value, unit, measured_on, uncertainty, instrument, or ""')
    message: str


class ImportRowOut(Schema):
    line: int
    test_id: int
    sample: str
    keyword: str
    parameter: str
    raw_value: str = Field(description="as in the file")
    raw_unit: str = Field(description="as in the file (the test's unit when the file gives none)")
    value: str = Field(description="converted to the test's unit, unrounded")
    unit: str = Field(description="the test's unit")
    reported: str = Field(description="rounded (GB/T 8170); empty below the LOD or the LOQ")
    text_zh: str
    text_en: str
    uncertainty: str = Field(description="expanded uncertainty U in the test's unit, as reported")
    decision: str
    measured_on: dt.date


class ImportSummaryOut(Schema):
    rows: int = Field(description="data rows of the file")
    tests: int = Field(description="tests that get a result (0 while there are errors)")
    samples: int
    orders: int
    decisions: dict[str, int] = Field(description="results per decision (pass, conditional_pass, ...)")
    conversions: dict[str, int] = Field(description='rows converted per unit pair, e.g. {"µg/kg → mg/kg": 20}')
    converted: int
    below_limits: int = Field(description="results below the LOD or the LOQ")
    uncertainty_from_file: int = Field(description="rows whose U is the file's (the method gives none)")
    uncertainty_ignored: int = Field(description="rows whose U in the file was ignored (the method gives U)")
    measured_from: dt.date | None
    measured_to: dt.date | None
    errors: int
    error_lines: int


class ImportOut(Schema):
    id: int
    status: str = Field(description="previewed (no error: apply it), refused (see errors) or applied")
    file_name: str
    sha256: str
    instrument_id: int | None
    rows: int
    created_by_id: int
    created_at: dt.datetime
    applied_at: dt.datetime | None
    columns: dict[str, str] = Field(description="the mapping used")
    delimiter: str
    headers: list[str] = Field(description="the header row of the file")
    summary: ImportSummaryOut | None
    errors: list[ImportErrorOut]
    preview: list[ImportRowOut] = Field(description="the first 200 rows as they will be written")

    @staticmethod
    def resolve_columns(obj: Any) -> dict[str, str]:
        return dict(obj.columns.get("mapping", {}))

    @staticmethod
    def resolve_delimiter(obj: Any) -> str:
        return str(obj.columns.get("delimiter", ""))

    @staticmethod
    def resolve_headers(obj: Any) -> list[str]:
        return list(obj.columns.get("headers", []))

    @staticmethod
    def resolve_summary(obj: Any) -> dict[str, Any] | None:
        summary = obj.columns.get("summary")
        return dict(summary) if summary else None

    @staticmethod
    def resolve_preview(obj: Any) -> list[dict[str, Any]]:
        return list(obj.columns.get("preview", []))
