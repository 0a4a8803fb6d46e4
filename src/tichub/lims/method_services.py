"""Writes of the laboratory's method settings, lab settings and signatory authorisations.

Every service needs "lims.method.manage", acts on the actor's institution only (another institution's method or
authorisation answers NotFound), validates all its input first and refuses it once with every fault named by
field, then writes in one transaction with its audit event.

Method settings (ISO/IEC 17025 7.2.1.1, 7.6, 7.8.6): a test copies its method's settings when it is created
(lims.plan), so changing or deactivating a method never changes a test that exists: the results already
reported stay as they were computed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, FieldErrors, NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.registry.services import parameter_key
from tichub.science.formula import FormulaError, variables
from tichub.science.rounding import to_decimal
from tichub.science.units import UnknownUnit, parse_unit
from tichub.standards.models import StandardEdition
from tichub.standards.selectors import standard_by_code

from .choices import UncertaintyKind
from .method_selectors import method_not_found
from .models import LabSettings, SignatoryAuthorisation, Test, TestMethod

MANAGE = "lims.method.manage"
#: What a caller sets on a method (the edition is named by its code; parameter_key is derived).
INPUT_FIELDS = (
    "keyword",
    "parameter",
    "parameter_en",
    "standard_code",
    "clause",
    "unit",
    "places",
    "round_to_uncertainty",
    "lod",
    "loq",
    "uncertainty_kind",
    "uncertainty_value",
    "uncertainty_ranges",
    "coverage_factor",
    "formula",
    "non_negative",
)
AUDITED = (
    "keyword",
    "parameter",
    "parameter_en",
    "parameter_key",
    "standard",
    "clause",
    "unit",
    "places",
    "round_to_uncertainty",
    "lod",
    "loq",
    "uncertainty_kind",
    "uncertainty_value",
    "uncertainty_ranges",
    "coverage_factor",
    "formula",
    "non_negative",
    "active",
)
TEXT_MAX = {"parameter": 200, "parameter_en": 200, "clause": 60, "unit": 40, "formula": 300}
NUMBER_MAX = {"lod": 40, "loq": 40, "uncertainty_value": 40, "coverage_factor": 10, "from": 40, "to": 40, "value": 40}
# A keyword names results in formulas (tichub.science.formula reads Python names) and in instrument files.
KEYWORD = re.compile(r"[a-z][a-z0-9_]{0,39}")
FORMULA_FUNCTIONS = frozenset({"abs", "min", "max", "sqrt", "ln", "log10", "exp"})
PLACES_MIN, PLACES_MAX = -6, 12
RANGES_MAX = 50
RANGE_KEYS = frozenset({"from", "to", "value", "relative"})
REVIEW_LEVELS = (1, 2, 3)
RETENTION_MAX = 3650


def _label(name: str) -> str:
    if name == "standard_code":
        return _("标准号")
    return str(getattr(TestMethod._meta.get_field(name), "verbose_name", name))


def _day(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


# --- validation of one method ---------------------------------------------------------------------------------


def _text(errors: FieldErrors, name: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("%(field)s 须为文本。") % {"field": _label(name)})
        return ""
    value = " ".join(value.split())
    if required and not value:
        errors.add(name, _("请填写%(field)s。") % {"field": _label(name)})
    limit = TEXT_MAX[name]
    if len(value) > limit:
        errors.add(
            name,
            _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。")
            % {"field": _label(name), "max": limit, "n": len(value)},
        )
    return value


def _number(
    errors: FieldErrors, path: str, label: str, value: Any, *, required: bool = False, non_negative: bool = True
) -> tuple[str, Decimal | None]:
    """Decimal text as written (stripped) and its value; "" and None when empty and allowed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _('%(field)s 须以文本形式的数字填写，如 "0.005"。') % {"field": label})
        return "", None
    text = value.strip()
    if not text:
        if required:
            errors.add(path, _("请填写%(field)s。") % {"field": label})
        return "", None
    limit = NUMBER_MAX[path.rsplit(".", 1)[-1]]
    if len(text) > limit:
        errors.add(
            path, _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。") % {"field": label, "max": limit, "n": len(text)}
        )
        return "", None
    try:
        number = to_decimal(text)
    except ValueError:
        errors.add(path, _("%(field)s“%(value)s”不是数值：请填写数字，如 0.005。") % {"field": label, "value": text})
        return "", None
    if non_negative and number < 0:
        errors.add(path, _("%(field)s 不能小于零（现为 %(value)s）。") % {"field": label, "value": text})
        return "", None
    return text, number


def _keyword(errors: FieldErrors, value: Any) -> str:
    keyword = value.strip().lower() if isinstance(value, str) else ""
    if not keyword:
        errors.add("keyword", _("请填写%(field)s。") % {"field": _label("keyword")})
    elif not KEYWORD.fullmatch(keyword):
        errors.add(
            "keyword",
            _("代码“%(keyword)s”不符合规则：以字母开头，只含小写字母、数字和下划线，最多 40 个字符。")
            % {"keyword": keyword},
        )
    elif keyword in FORMULA_FUNCTIONS:
        errors.add("keyword", _("“%(keyword)s”是公式中的函数名，不能用作代码。") % {"keyword": keyword})
    return keyword


def _standard(errors: FieldErrors, value: Any) -> StandardEdition | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors.add("standard_code", _("请填写%(field)s。") % {"field": _label("standard_code")})
        return None
    try:
        exact, _others, code = standard_by_code(text, field="standard_code")
    except ServiceError as exc:
        errors.add("standard_code", exc.fields.get("standard_code", [exc.message])[0])
        return None
    if not code.dated:
        errors.add(
            "standard_code",
            _("请写明 %(code)s 的年代号（如 GB 5009.12-2017）：方法设置针对标准的具体版本。")
            % {"code": code.canonical},
        )
        return None
    if exact is None:
        errors.add(
            "standard_code",
            _("标准目录中没有 %(code)s：请联系平台目录维护员先将其加入目录。") % {"code": code.canonical},
        )
    return exact


def _unit(errors: FieldErrors, value: Any) -> str:
    text = _text(errors, "unit", value, required=True)
    if not text:
        return ""
    try:
        return parse_unit(text)
    except UnknownUnit:
        errors.add("unit", _("未知单位“%(unit)s”：请使用规范写法，如 mg/kg、µg/L、%% (m/m)、°C。") % {"unit": text})
        return ""


def _places(errors: FieldErrors, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("places", _("保留小数位数须为整数；不修约请留空。"))
        return None
    if not PLACES_MIN <= value <= PLACES_MAX:
        errors.add(
            "places",
            _("保留小数位数须在 %(min)d 到 %(max)d 之间（现为 %(n)d）；不修约请留空。")
            % {"min": PLACES_MIN, "max": PLACES_MAX, "n": value},
        )
        return None
    return value


def _flag(errors: FieldErrors, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(name, _("“%(field)s”须为是或否。") % {"field": _label(name)})
        return False
    return value


def _range_rows(errors: FieldErrors, rows: Any) -> list[dict[str, Any]]:
    """Rows {from, to, value, relative}: each from < to, contiguous (a row starts where the previous one ends),
    increasing, so every value falls in exactly one row; value ≥ 0, relative ones (%) at most 100."""
    name = "uncertainty_ranges"
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        errors.add(name, _("不确定度范围表须为若干行，每行包含下限、上限、不确定度及是否为相对值。"))
        return []
    if not rows:
        errors.add(name, _("按浓度范围给出不确定度时，请至少填写一行范围。"))
        return []
    if len(rows) > RANGES_MAX:
        errors.add(name, _("不确定度范围表最多 %(max)d 行（现为 %(n)d 行）。") % {"max": RANGES_MAX, "n": len(rows)})
        return []
    cleaned: list[dict[str, Any]] = []
    previous: tuple[str, Decimal] | None = None
    for index, row in enumerate(rows):
        path = f"{name}.{index}"
        if not isinstance(row, Mapping):
            errors.add(path, _("每行须包含下限、上限、不确定度及是否为相对值。"))
            previous = None
            continue
        unknown = sorted(set(map(str, row)) - RANGE_KEYS)
        if unknown:
            errors.add(path, _("未知字段：%(fields)s。") % {"fields": ", ".join(unknown)})
        relative = row.get("relative", False)
        if not isinstance(relative, bool):
            errors.add(f"{path}.relative", _("“相对值”须为是或否。"))
            relative = False
        low_text, low = _number(errors, f"{path}.from", _("下限"), row.get("from"), required=True, non_negative=False)
        high_text, high = _number(errors, f"{path}.to", _("上限"), row.get("to"), required=True, non_negative=False)
        value_text, value = _number(errors, f"{path}.value", _("不确定度"), row.get("value"), required=True)
        if relative and value is not None and value > 100:
            errors.add(
                f"{path}.value", _("相对不确定度须在 0 到 100 %% 之间（现为 %(value)s）。") % {"value": value_text}
            )
        if low is not None and high is not None and high <= low:
            errors.add(f"{path}.to", _("上限（%(to)s）须大于下限（%(from)s）。") % {"to": high_text, "from": low_text})
        if previous is not None and low is not None and low != previous[1]:
            message = (
                _("第 %(n)d 行的下限（%(from)s）须等于上一行的上限（%(previous)s）：范围之间不能有空档。")
                if low > previous[1]
                else _("第 %(n)d 行的下限（%(from)s）小于上一行的上限（%(previous)s）：范围不能重叠，须从小到大排列。")
            )
            errors.add(f"{path}.from", message % {"n": index + 1, "from": low_text, "previous": previous[0]})
        previous = (high_text, high) if high is not None else None
        cleaned.append({"from": low_text, "to": high_text, "value": value_text, "relative": relative})
    return cleaned


def _formula_cycle(keyword: str, reads: frozenset[str], formulas: Mapping[str, frozenset[str]]) -> list[str] | None:
    """A path keyword → … → keyword through the formulas of the other methods, or None."""
    stack: list[tuple[str, list[str]]] = [(name, [keyword, name]) for name in sorted(reads)]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        if current == keyword:
            return path
        if current in seen:
            continue
        seen.add(current)
        stack.extend((name, [*path, name]) for name in sorted(formulas.get(current, ())))
    return None


def _formula(errors: FieldErrors, value: Any, keyword: str, institution_id: int, method_pk: int | None) -> str:
    formula = _text(errors, "formula", value)
    if not formula or "formula" in errors.fields:
        return formula
    try:
        reads = variables(formula)
    except FormulaError as exc:
        errors.add("formula", _("公式无法识别：%(reason)s。") % {"reason": str(exc)})
        return formula
    if keyword and keyword in reads:
        errors.add("formula", _("公式不能引用本方法自身的代码“%(keyword)s”。") % {"keyword": keyword})
        return formula
    others = TestMethod.objects.filter(institution_id=institution_id)
    if method_pk is not None:
        others = others.exclude(pk=method_pk)
    known = dict(others.values_list("keyword", "formula"))
    unknown = sorted(reads - set(known))
    if unknown:
        errors.add(
            "formula",
            _("公式中的 %(names)s 不是本实验室检测方法的代码。") % {"names": "、".join(unknown)},
        )
        return formula
    formulas: dict[str, frozenset[str]] = {}
    for other, text in known.items():
        if text:
            try:
                formulas[other] = variables(text)
            except FormulaError:
                continue  # a stored formula was checked when written; one that no longer parses reads nothing
    cycle = _formula_cycle(keyword, reads, formulas)
    if cycle:
        errors.add("formula", _("公式形成循环引用：%(path)s。") % {"path": " → ".join(cycle)})
    return formula


def _clean(institution_id: int, data: Mapping[str, Any], method: TestMethod | None) -> dict[str, Any]:
    """Every input field checked, every fault reported; the model's fields when all is well."""
    errors = FieldErrors()
    method_pk = method.pk if method is not None else None
    keyword = _keyword(errors, data.get("keyword"))
    parameter = _text(errors, "parameter", data.get("parameter"), required=True)
    parameter_en = _text(errors, "parameter_en", data.get("parameter_en"))
    standard = _standard(errors, data.get("standard_code"))
    clause = _text(errors, "clause", data.get("clause"))
    unit = _unit(errors, data.get("unit"))
    places = _places(errors, data.get("places"))
    round_to_uncertainty = _flag(errors, "round_to_uncertainty", data.get("round_to_uncertainty", False))
    non_negative = _flag(errors, "non_negative", data.get("non_negative", True))
    lod_text, lod = _number(errors, "lod", _label("lod"), data.get("lod"))
    loq_text, loq = _number(errors, "loq", _label("loq"), data.get("loq"))
    if lod is not None and loq is not None and loq < lod:
        errors.add("loq", _("定量限（%(loq)s）不得小于检出限（%(lod)s）。") % {"loq": loq_text, "lod": lod_text})
    kind = data.get("uncertainty_kind") or UncertaintyKind.NONE
    value_text, ranges = "", []
    if kind not in UncertaintyKind.values:
        errors.add(
            "uncertainty_kind",
            _("未知的不确定度表示方式“%(kind)s”：可选 %(choices)s。")
            % {"kind": kind, "choices": ", ".join(UncertaintyKind.values)},
        )
    elif kind in (UncertaintyKind.ABSOLUTE, UncertaintyKind.RELATIVE):
        value_text, value = _number(
            errors, "uncertainty_value", _label("uncertainty_value"), data.get("uncertainty_value"), required=True
        )
        if kind == UncertaintyKind.RELATIVE and value is not None and value > 100:
            errors.add(
                "uncertainty_value",
                _("相对不确定度须在 0 到 100 %% 之间（现为 %(value)s）。") % {"value": value_text},
            )
    elif kind == UncertaintyKind.RANGES:
        ranges = _range_rows(errors, data.get("uncertainty_ranges"))
    if round_to_uncertainty and kind == UncertaintyKind.NONE:
        errors.add("round_to_uncertainty", _("按不确定度修约须先给出不确定度：请选择不确定度的表示方式。"))
    coverage_text, coverage = _number(
        errors, "coverage_factor", _label("coverage_factor"), data.get("coverage_factor"), required=True
    )
    if coverage is not None and coverage <= 0:
        errors.add(
            "coverage_factor",
            _("%(field)s 须大于零（现为 %(value)s）。") % {"field": _label("coverage_factor"), "value": coverage_text},
        )
    formula = _formula(errors, data.get("formula"), keyword, institution_id, method_pk)
    key = parameter_key(parameter, parameter_en) if parameter else ""
    if keyword and "keyword" not in errors.fields:
        _check_keyword_free(errors, institution_id, keyword, method)
    if standard is not None and key and (method is None or method.active):
        _check_one_active(errors, institution_id, standard, key, method_pk)
    errors.raise_if_any()
    return {
        "keyword": keyword,
        "parameter": parameter,
        "parameter_en": parameter_en,
        "parameter_key": key,
        "standard": standard,
        "clause": clause,
        "unit": unit,
        "places": places,
        "round_to_uncertainty": round_to_uncertainty,
        "lod": lod_text,
        "loq": loq_text,
        "uncertainty_kind": kind,
        "uncertainty_value": value_text,
        "uncertainty_ranges": ranges,
        "coverage_factor": coverage_text,
        "formula": formula,
        "non_negative": non_negative,
    }


def _check_keyword_free(errors: FieldErrors, institution_id: int, keyword: str, method: TestMethod | None) -> None:
    others = TestMethod.objects.filter(institution_id=institution_id)
    if method is not None:
        others = others.exclude(pk=method.pk)
    if others.filter(keyword=keyword).exists():
        errors.add("keyword", _("代码“%(keyword)s”已被本实验室的另一个方法使用。") % {"keyword": keyword})
        return
    if method is not None and method.keyword != keyword:
        readers = _formula_readers(institution_id, method.keyword, exclude_pk=method.pk)
        if readers:
            errors.add(
                "keyword",
                _("代码“%(keyword)s”被方法 %(methods)s 的公式引用，不能修改：请先修改这些公式。")
                % {"keyword": method.keyword, "methods": "、".join(readers)},
            )


def _formula_readers(institution_id: int, keyword: str, *, exclude_pk: int, active_only: bool = False) -> list[str]:
    """Keywords of the institution's methods whose formula reads `keyword`."""
    rows = TestMethod.objects.filter(institution_id=institution_id).exclude(formula="").exclude(pk=exclude_pk)
    if active_only:
        rows = rows.filter(active=True)
    readers = []
    for other, formula in rows.values_list("keyword", "formula").order_by("keyword"):
        try:
            if keyword in variables(formula):
                readers.append(other)
        except FormulaError:
            continue
    return readers


def _check_one_active(
    errors: FieldErrors, institution_id: int, standard: StandardEdition, key: str, method_pk: int | None
) -> None:
    """Receipt finds a test's method by (edition, parameter): two active methods for one pair would be a guess."""
    same = TestMethod.objects.filter(institution_id=institution_id, standard=standard, parameter_key=key, active=True)
    if method_pk is not None:
        same = same.exclude(pk=method_pk)
    clash = same.values_list("keyword", flat=True).first()
    if clash:
        errors.add(
            "parameter",
            _("已有同一标准（%(standard)s）、同一参数的启用方法 %(keyword)s：收样时无法确定用哪一个，请先停用它。")
            % {"standard": standard.canonical, "keyword": clash},
        )


def _save_method(method: TestMethod) -> None:
    try:
        with transaction.atomic():
            method.save()
    except IntegrityError as exc:  # the same keyword written at the same moment by someone else
        raise Conflict(
            _("代码“%(keyword)s”已被本实验室的另一个方法使用。") % {"keyword": method.keyword}, code="keyword_taken"
        ) from exc


def _locked_method(actor: Actor, method_id: int) -> TestMethod:
    method = (
        TestMethod.objects.select_for_update()
        .select_related("standard")
        .filter(pk=method_id, institution_id=actor.tenant_id)
        .first()
    )
    if method is None:
        raise method_not_found()
    return method


def _inputs_of(method: TestMethod) -> dict[str, Any]:
    inputs = {name: getattr(method, name) for name in INPUT_FIELDS if name != "standard_code"}
    inputs["standard_code"] = method.standard.canonical
    return inputs


# --- methods ----------------------------------------------------------------------------------------------------


def method_create(
    *,
    actor: Actor,
    keyword: str,
    parameter: str,
    standard_code: str,
    unit: str,
    parameter_en: str = "",
    clause: str = "",
    places: int | None = None,
    round_to_uncertainty: bool = False,
    lod: str = "",
    loq: str = "",
    uncertainty_kind: str = UncertaintyKind.NONE,
    uncertainty_value: str = "",
    uncertainty_ranges: Sequence[Mapping[str, Any]] = (),
    coverage_factor: str = "2",
    formula: str = "",
    non_negative: bool = True,
) -> TestMethod:
    """Set up how a parameter is measured and reported under one standard edition (ISO/IEC 17025 7.2.1):
    keyword, unit (canonical spelling), decimals, LOD/LOQ, expanded uncertainty (absolute, relative % or a range
    table) with its coverage factor, a formula for calculated results, and whether results may be negative.
    The method is active: samples received from now on get tests with these settings."""
    actor.require(MANAGE)
    data = {
        "keyword": keyword,
        "parameter": parameter,
        "parameter_en": parameter_en,
        "standard_code": standard_code,
        "clause": clause,
        "unit": unit,
        "places": places,
        "round_to_uncertainty": round_to_uncertainty,
        "lod": lod,
        "loq": loq,
        "uncertainty_kind": uncertainty_kind,
        "uncertainty_value": uncertainty_value,
        "uncertainty_ranges": list(uncertainty_ranges),
        "coverage_factor": coverage_factor,
        "formula": formula,
        "non_negative": non_negative,
    }
    with transaction.atomic():
        cleaned = _clean(actor.tenant_id, data, None)
        method = TestMethod(institution_id=actor.tenant_id, **cleaned)
        _save_method(method)
        audit_record(actor=actor, action="method.create", obj=method, after=snapshot(method, AUDITED))
    return method


def method_update(*, actor: Actor, method_id: int, **changes: Any) -> TestMethod:
    """Change a method's settings (any of INPUT_FIELDS; the others keep their values), checked as a whole.

    Tests already created keep the settings they copied (ISO/IEC 17025 7.2.1: the method as it was when the work
    was done); only samples received afterwards get the new ones. A keyword that another method's formula reads
    cannot change.
    """
    actor.require(MANAGE)
    unknown = sorted(set(changes) - set(INPUT_FIELDS))
    if unknown:
        raise ServiceError(
            _("不能在此修改：%(fields)s。") % {"fields": ", ".join(unknown)},
            code="unknown_field",
            fields={name: [_("未知字段。")] for name in unknown},
        )
    with transaction.atomic():
        method = _locked_method(actor, method_id)
        cleaned = _clean(actor.tenant_id, {**_inputs_of(method), **changes}, method)
        before = snapshot(method, AUDITED)
        for name, value in cleaned.items():
            setattr(method, name, value)
        after = snapshot(method, AUDITED)
        if after == before:
            return method
        _save_method(method)
        audit_record(actor=actor, action="method.update", obj=method, before=before, after=after)
    return method


def method_set_active(*, actor: Actor, method_id: int, active: bool) -> TestMethod:
    """Take a method into use or out of use for samples received from now on (existing tests are untouched).

    Activating refuses a second active method for the same edition and parameter; deactivating refuses while an
    active method's formula reads this one's results.
    """
    actor.require(MANAGE)
    if not isinstance(active, bool):
        raise ServiceError.field("active", _("“%(field)s”须为是或否。") % {"field": _label("active")})
    with transaction.atomic():
        method = _locked_method(actor, method_id)
        if method.active == active:
            return method
        if active:
            errors = FieldErrors()
            _check_one_active(errors, actor.tenant_id, method.standard, method.parameter_key, method.pk)
            if errors.fields:
                raise Conflict(errors.fields["parameter"][0], code="method_duplicate", fields=errors.fields)
        else:
            readers = _formula_readers(actor.tenant_id, method.keyword, exclude_pk=method.pk, active_only=True)
            if readers:
                raise Conflict(
                    _("方法 %(keyword)s 被启用方法 %(methods)s 的公式引用：请先停用或修改这些方法。")
                    % {"keyword": method.keyword, "methods": "、".join(readers)},
                    code="method_in_formula",
                )
        method.active = active
        method.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="method.activate" if active else "method.deactivate",
            obj=method,
            before={"active": not active},
            after={"active": active},
        )
    return method


# --- lab settings -----------------------------------------------------------------------------------------------


def lab_settings_update(*, actor: Actor, review_levels: int, retention_days: int) -> LabSettings:
    """Set the review levels (1: approval only; 2: check + approval; 3: two checks + approval; ISO/IEC 17025
    7.8.1.1 review before release) and the sample retention period in days (7.4.4, 1 to 3650). Review steps
    taken from now on follow the new levels."""
    actor.require(MANAGE)
    errors = FieldErrors()
    if isinstance(review_levels, bool) or review_levels not in REVIEW_LEVELS:
        errors.add(
            "review_levels",
            _("审核级数须为 1、2 或 3（1：仅批准；2：审核 + 批准；3：两级审核 + 批准），现为 %(value)s。")
            % {"value": review_levels},
        )
    if (
        isinstance(retention_days, bool)
        or not isinstance(retention_days, int)
        or not 1 <= retention_days <= RETENTION_MAX
    ):
        errors.add(
            "retention_days",
            _("样品保存期须为 1 到 %(max)d 天（现为 %(value)s）。") % {"max": RETENTION_MAX, "value": retention_days},
        )
    errors.raise_if_any()
    fields = ("review_levels", "retention_days")
    with transaction.atomic():
        row = LabSettings.objects.select_for_update().filter(institution_id=actor.tenant_id).first()
        before = snapshot(row, fields) if row is not None else None
        if row is None:
            row = LabSettings(institution_id=actor.tenant_id)
        row.review_levels, row.retention_days = review_levels, retention_days
        if before is not None and snapshot(row, fields) == before:
            return row
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # a first save by two people at the same moment
            raise Conflict(_("实验室设置刚被他人修改，请刷新后重试。"), code="concurrent") from exc
        audit_record(actor=actor, action="lab.settings", obj=row, before=before, after=snapshot(row, fields))
    return row


# --- signatory authorisations -----------------------------------------------------------------------------------


def _is_signatory(institution_id: int, user_id: Any) -> bool:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        return False
    return Membership.objects.filter(
        organisation_id=institution_id, user_id=user_id, role=Role.AUTHORIZED_SIGNATORY, user__is_active=True
    ).exists()


def authorisation_grant(
    *,
    actor: Actor,
    user_id: int,
    valid_from: dt.date,
    standard_code: str | None = None,
    method_id: int | None = None,
    valid_until: dt.date | None = None,
) -> SignatoryAuthorisation:
    """Authorise a signatory to approve results of a standard edition, or of one method (ISO/IEC 17025 6.2.6,
    7.8.1.1), from `valid_from` and until `valid_until` (inclusive; open-ended when None).

    The person must be an active member of the institution holding the authorized signatory role. Name exactly
    one scope: `standard_code` (a catalogued, dated edition) or `method_id` (a method of the institution). An
    authorisation of the same person for the same scope whose period overlaps is refused.
    """
    actor.require(MANAGE)
    errors = FieldErrors()
    tenant = actor.tenant_id
    if not _is_signatory(tenant, user_id):
        errors.add("user_id", _("所选人员不是本机构在职的授权签字人：请先在成员管理中为其授予“授权签字人”角色。"))
    code_text = standard_code.strip() if isinstance(standard_code, str) else ""
    standard: StandardEdition | None = None
    method: TestMethod | None = None
    if code_text and method_id is not None:
        errors.add("standard_code", _("授权范围只能选一项：标准版本或检测方法。"))
    elif code_text:
        standard = _standard(errors, code_text)
    elif method_id is not None:
        method = TestMethod.objects.filter(pk=method_id, institution_id=tenant).first()
        if method is None:
            errors.add("method_id", _("检测方法不存在，或不属于本机构。"))
    else:
        errors.add("standard_code", _("请填写授权范围：标准版本（标准号）或检测方法。"))
    if not isinstance(valid_from, dt.date):
        errors.add("valid_from", _("请填写生效日期。"))
    elif valid_until is not None and (not isinstance(valid_until, dt.date) or valid_until < valid_from):
        errors.add("valid_until", _("有效期至不得早于生效日期（%(from)s）。") % {"from": _day(valid_from)})
    errors.raise_if_any()
    with transaction.atomic():
        scope = Q(standard=standard) if standard is not None else Q(method=method)
        overlapping = (
            SignatoryAuthorisation.objects.select_for_update()
            .filter(scope, institution_id=tenant, user_id=user_id)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        )
        if valid_until is not None:
            overlapping = overlapping.filter(valid_from__lte=valid_until)
        clash = overlapping.order_by("valid_from").first()
        if clash is not None:
            raise Conflict(
                _("此人已有同一范围的授权（%(from)s 至 %(until)s），与所填期间重叠。")
                % {
                    "from": _day(clash.valid_from),
                    "until": _day(clash.valid_until) if clash.valid_until else _("长期"),
                },
                code="authorisation_overlap",
            )
        authorisation = SignatoryAuthorisation.objects.create(
            institution_id=tenant,
            user_id=user_id,
            standard=standard,
            method=method,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        audit_record(
            actor=actor,
            action="signatory.grant",
            obj=authorisation,
            after=snapshot(authorisation, ("user", "standard", "method", "valid_from", "valid_until")),
        )
    return authorisation


def authorisation_end(*, actor: Actor, authorisation_id: int, valid_until: dt.date) -> SignatoryAuthorisation:
    """End an authorisation on `valid_until` (the last day it covers). It can only be shortened (to extend,
    grant anew), not before it starts, and not before an approval already made under it: ending never turns a
    result approved within authority into one approved without it (ISO/IEC 17025 6.2.6, 8.4 records)."""
    actor.require(MANAGE)
    if not isinstance(valid_until, dt.date):
        raise ServiceError.field("valid_until", _("请填写有效期至。"))
    with transaction.atomic():
        authorisation = (
            SignatoryAuthorisation.objects.select_for_update()
            .filter(pk=authorisation_id, institution_id=actor.tenant_id)
            .first()
        )
        if authorisation is None:
            raise NotFound(_("授权记录不存在，或不属于本机构。"))
        errors = FieldErrors()
        if valid_until < authorisation.valid_from:
            errors.add(
                "valid_until",
                _("有效期至不得早于生效日期（%(from)s）。") % {"from": _day(authorisation.valid_from)},
            )
        elif authorisation.valid_until is not None and valid_until > authorisation.valid_until:
            errors.add(
                "valid_until",
                _("该授权有效期至 %(until)s，只能提前终止；如需延长，请重新授权。")
                % {"until": _day(authorisation.valid_until)},
            )
        else:
            last = _last_approval_after(authorisation, valid_until)
            if last is not None:
                errors.add(
                    "valid_until",
                    _("此人于 %(last)s 按此授权批准过结果：终止日期不能早于该日。") % {"last": _day(last)},
                )
        errors.raise_if_any()
        before = {"valid_until": authorisation.valid_until}
        authorisation.valid_until = valid_until
        authorisation.save(update_fields=["valid_until"])
        audit_record(
            actor=actor,
            action="signatory.end",
            obj=authorisation,
            before=before,
            after={"valid_until": valid_until},
        )
    return authorisation


def _last_approval_after(authorisation: SignatoryAuthorisation, day: dt.date) -> dt.date | None:
    """The local date of the signatory's latest approval within the scope after `day`, if any."""
    start = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    scope = (
        Q(standard_id=authorisation.standard_id)
        if authorisation.standard_id is not None
        else Q(method_id=authorisation.method_id)
    )
    latest = (
        Test.objects.filter(
            scope,
            institution_id=authorisation.institution_id,
            approved_by_id=authorisation.user_id,
            approved_at__gte=start,
        )
        .aggregate(latest=Max("approved_at"))
        .get("latest")
    )
    return timezone.localdate(latest) if latest is not None else None
