"""Laboratory API schemas: method settings, lab settings, signatory authorisations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from tichub.core.api_support import RowId

RANGES = 'rows {"from": "0", "to": "1", "value": "0.05", "relative": false}: decimal text, contiguous, increasing'


class MethodOut(Schema):
    id: int
    keyword: str
    parameter: str
    parameter_en: str
    parameter_key: str
    standard_id: int
    standard_code: str = Field(alias="standard.canonical")
    clause: str
    unit: str
    places: int | None
    round_to_uncertainty: bool
    lod: str
    loq: str
    uncertainty_kind: str = Field(description="none, absolute, relative (%) or ranges")
    uncertainty_value: str
    uncertainty_ranges: list[dict[str, Any]] = Field(description=RANGES)
    coverage_factor: str
    formula: str
    non_negative: bool
    active: bool


class MethodIn(Schema):
    keyword: str = Field(description="lower-case letters, digits and _, starting with a letter; unique in the lab")
    parameter: str
    parameter_en: str = ""
    standard_code: str = Field(description="a catalogued, dated edition, e.g. GB 5009.12-2017")
    clause: str = ""
    unit: str = Field(description="stored in its canonical spelling, e.g. ug/l → µg/L")
    places: int | None = Field(None, description="-6 to 12, or null for no rounding")
    round_to_uncertainty: bool = False
    lod: str = Field("", description="decimal text ≥ 0, in the method's unit")
    loq: str = Field("", description="decimal text ≥ LOD")
    uncertainty_kind: str = "none"
    uncertainty_value: str = Field("", description="absolute: decimal text ≥ 0; relative: 0 to 100 (%)")
    uncertainty_ranges: list[dict[str, Any]] = Field([], description=RANGES)
    coverage_factor: str = Field("2", description="decimal text > 0")
    formula: str = Field("", description="reads other methods' keywords, e.g. (m1 - m2) / m0 * 100")
    non_negative: bool = True


class MethodPatch(Schema):
    keyword: str | None = None
    parameter: str | None = None
    parameter_en: str | None = None
    standard_code: str | None = None
    clause: str | None = None
    unit: str | None = None
    places: int | None = None
    round_to_uncertainty: bool | None = None
    lod: str | None = None
    loq: str | None = None
    uncertainty_kind: str | None = None
    uncertainty_value: str | None = None
    uncertainty_ranges: list[dict[str, Any]] | None = None
    coverage_factor: str | None = None
    formula: str | None = None
    non_negative: bool | None = None


class MethodActiveIn(Schema):
    active: bool


class LabSettingsOut(Schema):
    review_levels: int = Field(description="1: approval only; 2: check + approval; 3: two checks + approval")
    retention_days: int


class LabSettingsIn(Schema):
    review_levels: int = Field(description="1: approval only; 2: check + approval; 3: two checks + approval")
    retention_days: int = Field(description="1 to 3650")


class AuthorisationOut(Schema):
    id: int
    user_id: int
    user_name: str = Field(alias="user.name")
    standard_id: int | None
    standard_code: str | None = None
    method_id: int | None
    method_keyword: str | None = None
    valid_from: dt.date
    valid_until: dt.date | None
    valid_today: bool = False

    @staticmethod
    def resolve_standard_code(obj: Any) -> str | None:
        return obj.standard.canonical if obj.standard_id else None

    @staticmethod
    def resolve_method_keyword(obj: Any) -> str | None:
        return obj.method.keyword if obj.method_id else None

    @staticmethod
    def resolve_valid_today(obj: Any) -> bool:
        from ..method_selectors import is_valid_on

        return is_valid_on(obj, timezone.localdate())


class AuthorisationIn(Schema):
    user_id: RowId = Field(description="an active member holding the authorized signatory role")
    standard_code: str | None = Field(None, description="a catalogued, dated edition; or give method_id")
    method_id: RowId | None = None
    valid_from: dt.date
    valid_until: dt.date | None = Field(None, description="the last day covered; null: open-ended")


class AuthorisationEndIn(Schema):
    valid_until: dt.date = Field(description="the last day covered; not before an approval made under it")
