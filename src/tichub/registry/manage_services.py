"""An institution's writes to its own registry entries: public profile, test sites, accreditations, scope rows.

Each service requires "registry.scope.manage", runs in one transaction, locks what it changes and writes its audit
event in that transaction. Refusals name the field and the rule; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from tichub.accounts.choices import OrganisationKind
from tichub.accounts.models import Organisation
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.tenancy import Actor

from .choices import AccreditationBody, ScopeStatus
from .models import Accreditation, InstitutionProfile, ScopeRow, TestSite

MANAGE = "registry.scope.manage"
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = frozenset({"application/pdf", "application/x-pdf"})
TURNAROUND_MAX = 365
PRICE_MAX = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
BULK_MAX = 5000
REASON_MAX = 500
STATUSES_NEEDING_REASON = frozenset({ScopeStatus.SUSPENDED, ScopeStatus.WITHDRAWN})

PROFILE_FIELDS = (
    "description_zh",
    "description_en",
    "region",
    "contact_person",
    "phone",
    "email",
    "website",
    "contact_public",
    "prices_public",
)
SITE_FIELDS = ("name_zh", "name_en", "address_zh", "region")
ACCREDITATION_FIELDS = ("body", "body_name", "number", "mra_signatory", "valid_from", "valid_until", "scope_document")
ACCREDITATION_CHANGES = frozenset({*ACCREDITATION_FIELDS, "site_ids", "remove_scope_document"})
SCOPE_ROW_FIELDS = ("status", "turnaround_days", "list_price", "limitation")
SCOPE_ROW_CHANGES = frozenset({*SCOPE_ROW_FIELDS, "accreditation_ids"})

_PHONE = re.compile(r"^[0-9+()\- 转,;/]{5,40}$")
_TEXT_MAX = {
    "description_zh": 5000,
    "description_en": 5000,
    "region": 60,
    "contact_person": 60,
    "phone": 40,
    "email": 254,
    "website": 200,
    "name_zh": 200,
    "name_en": 200,
    "address_zh": 300,
    "body_name": 120,
    "number": 60,
    "limitation": 300,
}


def _labels() -> dict[str, str]:
    """Field names as people read them, for messages."""
    return {
        "description_zh": _("中文简介"),
        "description_en": _("英文简介"),
        "region": _("所在地区"),
        "contact_person": _("联系人"),
        "phone": _("电话"),
        "email": _("电子邮箱"),
        "website": _("网站"),
        "name_zh": _("场所名称"),
        "name_en": _("英文名称"),
        "address_zh": _("地址"),
        "body": _("认可/资质机构"),
        "body_name": _("机构名称"),
        "number": _("证书编号"),
        "valid_from": _("生效日期"),
        "valid_until": _("有效期至"),
        "scope_document": _("范围文件"),
        "limitation": _("限制范围"),
        "turnaround_days": _("典型周期（工作日）"),
        "list_price": _("参考价格（元）"),
    }


class _Errors:
    """Collects every field error of one request so that they are reported together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self, code: str = "invalid") -> None:
        if self.fields:
            summary = "; ".join(f"{_labels().get(n, n)}: {' '.join(m)}" for n, m in self.fields.items())
            raise ServiceError(summary, code=code, fields=self.fields)


def _unknown(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ServiceError(
            _("以下字段不可修改：%(fields)s。") % {"fields": ", ".join(sorted(unknown))}, code="unknown_field"
        )


def _text(errors: _Errors, name: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("%(field)s 须为文本。") % {"field": _labels()[name]})
        return ""
    value = value.strip()
    if required and not value:
        errors.add(name, _("请填写%(field)s。") % {"field": _labels()[name]})
    limit = _TEXT_MAX[name]
    if len(value) > limit:
        errors.add(name, _("%(field)s 最多 %(max)d 个字符（现为 %(n)d 个）。") % {
            "field": _labels()[name], "max": limit, "n": len(value)
        })  # fmt: skip
    return value


def _flag(errors: _Errors, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(name, _("须为是或否。"))
        return False
    return value


def _institution(actor: Actor) -> Organisation:
    actor.require(MANAGE)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.INSTITUTION:
        raise NotFound(_("当前组织不是检验检测认证机构。"))
    return org


# --- public profile ---------------------------------------------------------------------------------------------


def profile_update(*, actor: Actor, **changes: Any) -> InstitutionProfile:
    """Change the institution's public profile (created on first save); only the given fields change."""
    org = _institution(actor)
    _unknown(changes, PROFILE_FIELDS)
    errors = _Errors()
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("contact_public", "prices_public"):
            clean[name] = _flag(errors, name, value)
        else:
            clean[name] = _text(errors, name, value)
    if clean.get("phone") and not _PHONE.match(clean["phone"]):
        errors.add("phone", _("电话只能包含数字、空格和 + - ( ) 转，5 至 40 个字符。"))
    if clean.get("email"):
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors.add("email", _("请填写有效的电子邮箱地址。"))
        clean["email"] = clean["email"].lower()
    if clean.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            errors.add("website", _("网站须为以 http:// 或 https:// 开头的完整网址。"))
    errors.raise_if_any()
    with transaction.atomic():
        profile, _created = InstitutionProfile.objects.select_for_update().get_or_create(organisation=org)
        before = snapshot(profile, PROFILE_FIELDS)
        for name, value in clean.items():
            setattr(profile, name, value)
        profile.save()
        audit_record(
            actor=actor,
            action="institution_profile.update",
            obj=profile,
            before=before,
            after=snapshot(profile, PROFILE_FIELDS),
        )
    return profile


# --- test sites -------------------------------------------------------------------------------------------------


def _site_values(errors: _Errors, values: Mapping[str, Any]) -> dict[str, str]:
    return {name: _text(errors, name, value, required=name == "name_zh") for name, value in values.items()}


def _site_name_taken(org: Organisation, name_zh: str, exclude: int | None = None) -> bool:
    sites = TestSite.objects.filter(organisation=org, name_zh=name_zh)
    if exclude is not None:
        sites = sites.exclude(pk=exclude)
    return sites.exists()


def _duplicate_site() -> ServiceError:
    return ServiceError.field("name_zh", _("本机构已有同名检测场所。"), code="duplicate")


def site_create(*, actor: Actor, name_zh: str, name_en: str = "", address_zh: str = "", region: str = "") -> TestSite:
    """A new test site of the institution; names are unique within it."""
    org = _institution(actor)
    errors = _Errors()
    values = _site_values(errors, {"name_zh": name_zh, "name_en": name_en, "address_zh": address_zh, "region": region})
    errors.raise_if_any()
    with transaction.atomic():
        if _site_name_taken(org, values["name_zh"]):
            raise _duplicate_site()
        site = TestSite(organisation=org, **values)
        try:
            with transaction.atomic():
                site.save()
        except IntegrityError as exc:
            raise _duplicate_site() from exc
        audit_record(actor=actor, action="test_site.create", obj=site, after=snapshot(site, SITE_FIELDS))
    return site


def site_update(*, actor: Actor, site_id: int, **changes: Any) -> TestSite:
    """Change a test site of the institution; another institution's site answers NotFound."""
    org = _institution(actor)
    _unknown(changes, SITE_FIELDS)
    errors = _Errors()
    values = _site_values(errors, changes)
    errors.raise_if_any()
    with transaction.atomic():
        site = TestSite.objects.select_for_update().filter(organisation=org, pk=site_id).first()
        if site is None:
            raise NotFound(_("没有这个检测场所。"))
        if "name_zh" in values and _site_name_taken(org, values["name_zh"], exclude=site.pk):
            raise _duplicate_site()
        before = snapshot(site, SITE_FIELDS)
        for name, value in values.items():
            setattr(site, name, value)
        try:
            with transaction.atomic():
                site.save()
        except IntegrityError as exc:
            raise _duplicate_site() from exc
        audit_record(actor=actor, action="test_site.update", obj=site, before=before, after=snapshot(site, SITE_FIELDS))
    return site


# --- accreditations ---------------------------------------------------------------------------------------------


def _number(errors: _Errors, value: Any) -> str:
    number = _text(errors, "number", value, required=True)
    return " ".join(unicodedata.normalize("NFKC", number).split())


def _date(errors: _Errors, name: str, value: Any) -> dt.date | None:
    label = _labels()[name]
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(name, _("请填写%(field)s（格式 YYYY-MM-DD）。") % {"field": label})
        return None
    if not DATE_MIN <= value <= DATE_MAX:
        errors.add(
            name,
            _("%(field)s %(value)s 超出允许范围：须在 %(min)s 至 %(max)s 之间。")
            % {"field": label, "value": value.isoformat(), "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )
        return None
    return value


def _check_dates(errors: _Errors, valid_from: Any, valid_until: Any) -> tuple[dt.date | None, dt.date | None]:
    start = _date(errors, "valid_from", valid_from)
    end = _date(errors, "valid_until", valid_until)
    if start is not None and end is not None and end < start:
        errors.add(
            "valid_until",
            _("有效期至（%(until)s）不得早于生效日期（%(from)s）。")
            % {"until": end.isoformat(), "from": start.isoformat()},
        )
    return start, end


def _document(errors: _Errors, upload: Any) -> File[Any] | None:
    """A scope document must be a PDF (by name, declared type and content) of at most 10 MB."""
    if not upload:
        return None
    label = _labels()["scope_document"]
    name = str(getattr(upload, "name", "") or "")
    problem = ""
    content_type = str(getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    size = getattr(upload, "size", None)
    if not name.lower().endswith(".pdf"):
        problem = _("%(field)s 须为 PDF 文件（文件名以 .pdf 结尾）。") % {"field": label}
    elif content_type and content_type not in DOCUMENT_TYPES:
        problem = _("%(field)s 的类型为 %(type)s，须为 application/pdf。") % {"field": label, "type": content_type}
    elif not isinstance(size, int) or size > DOCUMENT_MAX_BYTES:
        problem = _("%(field)s 不得超过 10 MB（现为 %(size).1f MB）。") % {
            "field": label, "size": (size or 0) / 1048576
        }  # fmt: skip
    else:
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            problem = _("%(field)s 的内容不是 PDF 文件。") % {"field": label}
    if problem:
        errors.add("scope_document", problem)
        return None
    return upload


def _ids(errors: _Errors, name: str, values: Any) -> list[int]:
    try:
        return sorted({int(i) for i in values})
    except (TypeError, ValueError):
        errors.add(name, _("须为编号（整数）的列表。"))
        return []


def _site_ids(errors: _Errors, org: Organisation, site_ids: Iterable[int]) -> list[int]:
    wanted = _ids(errors, "sites", site_ids)
    own = set(TestSite.objects.filter(organisation=org, pk__in=wanted).values_list("pk", flat=True))
    stranger = [i for i in wanted if i not in own]
    if stranger:
        errors.add("sites", _("检测场所 %(ids)s 不属于本机构。") % {"ids": ", ".join(f"#{i}" for i in stranger)})
    return wanted


def _number_taken(body: str, number: str, exclude: int | None = None) -> bool:
    taken = Accreditation.objects.filter(body=body, number__iexact=number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return taken.exists()


def _duplicate_number(body: str, number: str) -> ServiceError:
    return ServiceError.field(
        "number",
        _("%(body)s 证书编号 %(number)s 已登记，同一认可/资质机构的证书编号不能重复。")
        % {"body": body, "number": number},
        code="duplicate",
    )


def _check_body(errors: _Errors, body: Any, body_name: str) -> str:
    if body not in AccreditationBody.values:
        errors.add("body", _("可选值为：%(values)s。") % {"values": ", ".join(AccreditationBody.values)})
        return ""
    if body == AccreditationBody.OTHER and not body_name:
        errors.add("body_name", _("认可/资质机构为“其他”时，请填写机构名称。"))
    return str(body)


def _accreditation_snapshot(accreditation: Accreditation) -> dict[str, Any]:
    data = snapshot(accreditation, ACCREDITATION_FIELDS)
    data["scope_document"] = accreditation.scope_document.name or ""
    data["sites"] = sorted(accreditation.sites.values_list("pk", flat=True))
    return data


def _document_name(org: Organisation, body: str, number: str) -> str:
    return get_valid_filename(f"{org.slug}-{body}-{number}.pdf".lower())


def _delete_file_later(accreditation: Accreditation, name: str) -> None:
    if name:
        storage = accreditation.scope_document.storage
        transaction.on_commit(lambda: storage.delete(name))


def _save_accreditation(accreditation: Accreditation) -> None:
    try:
        with transaction.atomic():
            accreditation.save()
    except IntegrityError as exc:
        raise _duplicate_number(accreditation.body, accreditation.number) from exc


def accreditation_create(
    *,
    actor: Actor,
    body: str,
    number: str,
    valid_from: dt.date,
    valid_until: dt.date,
    body_name: str = "",
    mra_signatory: bool = False,
    scope_document: Any = None,
    site_ids: Iterable[int] = (),
) -> Accreditation:
    """Register an accreditation or licence of the institution. The number is unique per body; the dates lie in
    1900-2100 with valid_until on or after valid_from; the scope document is a PDF of at most 10 MB; the sites
    are the institution's own."""
    org = _institution(actor)
    errors = _Errors()
    name = _text(errors, "body_name", body_name)
    body = _check_body(errors, body, name)
    number = _number(errors, number)
    start, end = _check_dates(errors, valid_from, valid_until)
    mra = _flag(errors, "mra_signatory", mra_signatory)
    sites = _site_ids(errors, org, site_ids)
    document = _document(errors, scope_document)
    errors.raise_if_any()
    assert start is not None and end is not None  # checked above
    with transaction.atomic():
        if _number_taken(body, number):
            raise _duplicate_number(body, number)
        accreditation = Accreditation(
            organisation=org,
            body=body,
            body_name=name,
            number=number,
            mra_signatory=mra,
            valid_from=start,
            valid_until=end,
        )
        if document is not None:
            accreditation.scope_document.save(_document_name(org, body, number), document, save=False)
        _save_accreditation(accreditation)
        accreditation.sites.set(sites)
        audit_record(
            actor=actor,
            action="accreditation.create",
            obj=accreditation,
            after=_accreditation_snapshot(accreditation),
        )
    return accreditation


def _lock_accreditation(org: Organisation, accreditation_id: int) -> Accreditation:
    accreditation = Accreditation.objects.select_for_update().filter(organisation=org, pk=accreditation_id).first()
    if accreditation is None:
        raise NotFound(_("没有这项资质。"))
    return accreditation


def _rows_outside_sites(accreditation: Accreditation, site_ids: list[int]) -> int:
    """Active rows citing the accreditation at a site the new site list would no longer cover."""
    if not site_ids:
        return 0  # an accreditation naming no site covers every site of the institution
    return accreditation.scope_rows.filter(status=ScopeStatus.ACTIVE).exclude(site_id__in=site_ids).count()


def accreditation_update(*, actor: Actor, accreditation_id: int, **changes: Any) -> Accreditation:
    """Change an accreditation: any of body, body_name, number, mra_signatory, valid_from, valid_until, site_ids,
    scope_document (a new PDF replaces the old) and remove_scope_document=True. The rules of
    `accreditation_create` apply to the result; another institution's accreditation answers NotFound."""
    org = _institution(actor)
    _unknown(changes, ACCREDITATION_CHANGES)
    with transaction.atomic():
        accreditation = _lock_accreditation(org, accreditation_id)
        before = _accreditation_snapshot(accreditation)
        errors = _Errors()
        name = _text(errors, "body_name", changes.get("body_name", accreditation.body_name))
        body = _check_body(errors, changes.get("body", accreditation.body), name)
        number = _number(errors, changes.get("number", accreditation.number))
        start, end = _check_dates(
            errors,
            changes.get("valid_from", accreditation.valid_from),
            changes.get("valid_until", accreditation.valid_until),
        )
        mra = _flag(errors, "mra_signatory", changes.get("mra_signatory", accreditation.mra_signatory))
        sites = _site_ids(errors, org, changes["site_ids"]) if "site_ids" in changes else None
        document = _document(errors, changes.get("scope_document"))
        errors.raise_if_any()
        assert start is not None and end is not None  # checked above
        if _number_taken(body, number, exclude=accreditation.pk):
            raise _duplicate_number(body, number)
        if sites is not None and (stranded := _rows_outside_sites(accreditation, sites)):
            raise Conflict(
                _("仍有 %(count)d 条有效能力范围在未列入的检测场所引用此资质，请先调整这些条目。")
                % {"count": stranded},
                code="in_use",
                fields={"sites": [_("%(count)d 条有效能力范围不在所选场所。") % {"count": stranded}]},
            )
        old_document = accreditation.scope_document.name or ""
        accreditation.body, accreditation.body_name, accreditation.number = body, name, number
        accreditation.valid_from, accreditation.valid_until, accreditation.mra_signatory = start, end, mra
        if document is not None:
            accreditation.scope_document.save(_document_name(org, body, number), document, save=False)
        elif changes.get("remove_scope_document"):
            accreditation.scope_document = ""
        _save_accreditation(accreditation)
        if (accreditation.scope_document.name or "") != old_document:
            _delete_file_later(accreditation, old_document)
        if sites is not None:
            accreditation.sites.set(sites)
        audit_record(
            actor=actor,
            action="accreditation.update",
            obj=accreditation,
            before=before,
            after=_accreditation_snapshot(accreditation),
        )
    return accreditation


def accreditation_remove(*, actor: Actor, accreditation_id: int) -> None:
    """Remove an accreditation no active scope row cites (suspended and withdrawn rows simply lose the link)."""
    org = _institution(actor)
    with transaction.atomic():
        accreditation = _lock_accreditation(org, accreditation_id)
        citing = accreditation.scope_rows.filter(status=ScopeStatus.ACTIVE).count()
        if citing:
            raise Conflict(
                _("仍有 %(count)d 条有效能力范围引用资质 %(body)s %(number)s，不能删除；请先调整这些条目。")
                % {"count": citing, "body": accreditation.body, "number": accreditation.number},
                code="in_use",
            )
        before = _accreditation_snapshot(accreditation)
        audit_record(actor=actor, action="accreditation.remove", obj=accreditation, before=before)
        _delete_file_later(accreditation, accreditation.scope_document.name or "")
        accreditation.delete()


# --- scope rows -------------------------------------------------------------------------------------------------


def _status(errors: _Errors, value: Any) -> str:
    if value not in ScopeStatus.values:
        errors.add("status", _("可选值为：%(values)s。") % {"values": ", ".join(ScopeStatus.values)})
        return ""
    return str(value)


def _reason(errors: _Errors, status: str, current: str | None, reason: Any) -> str:
    text = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    if status in STATUSES_NEEDING_REASON and status != current and not text:
        errors.add("reason", _("暂停或撤销能力范围时须填写原因。"))
    if len(text) > REASON_MAX:
        errors.add("reason", _("原因最多 %(max)d 个字符。") % {"max": REASON_MAX})
    return text


def _turnaround(errors: _Errors, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.add("turnaround_days", _("典型周期须为整数工作日。"))
        return None
    try:
        days = int(value)
    except ValueError:
        errors.add("turnaround_days", _("典型周期须为整数工作日。"))
        return None
    if not 1 <= days <= TURNAROUND_MAX:
        errors.add(
            "turnaround_days",
            _("典型周期须在 1 至 %(max)d 个工作日之间（现为 %(days)d）。") % {"max": TURNAROUND_MAX, "days": days},
        )
        return None
    return days


def parse_price(errors: _Errors, value: Any) -> Decimal | None:
    """A list price in yuan: empty for none, otherwise ≥ 0 with at most 2 decimal places (read from the digits)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        errors.add("list_price", _("参考价格须为十进制数字，例如 1200.00。"))
        return None
    try:
        price = Decimal(value.strip().replace(",", "") if isinstance(value, str) else value)
    except InvalidOperation:
        errors.add("list_price", _("参考价格须为十进制数字，例如 1200.00。"))
        return None
    if not price.is_finite():
        errors.add("list_price", _("参考价格须为十进制数字，例如 1200.00。"))
        return None
    if price < 0:
        errors.add("list_price", _("参考价格不能为负数。"))
        return None
    if price != price.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        errors.add("list_price", _("参考价格最多保留 2 位小数（现为 %(value)s）。") % {"value": value})
        return None
    if price > PRICE_MAX:
        errors.add("list_price", _("参考价格不得超过 %(max)s 元。") % {"max": PRICE_MAX})
        return None
    return price.quantize(Decimal("0.01"))


def _accreditation_ids(errors: _Errors, org: Organisation, row: ScopeRow, ids: Iterable[int]) -> list[int]:
    wanted = _ids(errors, "accreditations", ids)
    own = {a.pk: a for a in Accreditation.objects.filter(organisation=org, pk__in=wanted).prefetch_related("sites")}
    stranger = [i for i in wanted if i not in own]
    if stranger:
        errors.add(
            "accreditations",
            _("资质 %(ids)s 不属于本机构。") % {"ids": ", ".join(f"#{i}" for i in stranger)},
        )
        return wanted
    elsewhere = [a for a in own.values() if a.sites.all() and row.site_id not in {s.pk for s in a.sites.all()}]
    if elsewhere:
        errors.add(
            "accreditations",
            _("资质 %(names)s 不覆盖此条目的检测场所。")
            % {"names": ", ".join(f"{a.body} {a.number}" for a in elsewhere)},
        )
    return wanted


def _row_snapshot(row: ScopeRow) -> dict[str, Any]:
    data = snapshot(row, SCOPE_ROW_FIELDS)
    data["accreditations"] = sorted(row.accreditations.values_list("pk", flat=True))
    return data


def scope_row_update(*, actor: Actor, row_id: int, reason: str = "", **changes: Any) -> ScopeRow:
    """Change one scope row: status (a reason is required to suspend or withdraw), turnaround_days (1-365),
    list_price (≥ 0, at most 2 decimals, or None), limitation, accreditation_ids (the institution's own,
    covering the row's site). Another institution's row answers NotFound."""
    org = _institution(actor)
    _unknown(changes, SCOPE_ROW_CHANGES)
    with transaction.atomic():
        row = ScopeRow.objects.select_for_update().filter(organisation=org, pk=row_id).first()
        if row is None:
            raise NotFound(_("没有这条能力范围。"))
        before = _row_snapshot(row)
        errors = _Errors()
        values: dict[str, Any] = {}
        if "status" in changes:
            values["status"] = _status(errors, changes["status"])
        text = _reason(errors, values.get("status", row.status), row.status, reason)
        if "turnaround_days" in changes:
            values["turnaround_days"] = _turnaround(errors, changes["turnaround_days"])
        if "list_price" in changes:
            values["list_price"] = parse_price(errors, changes["list_price"])
        if "limitation" in changes:
            values["limitation"] = _text(errors, "limitation", changes["limitation"])
        accreditations = (
            _accreditation_ids(errors, org, row, changes["accreditation_ids"])
            if "accreditation_ids" in changes
            else None
        )
        errors.raise_if_any()
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        if accreditations is not None:
            row.accreditations.set(accreditations)
        audit_record(
            actor=actor, action="scope_row.update", obj=row, before=before, after=_row_snapshot(row), reason=text
        )
    return row


def scope_rows_set_status(*, actor: Actor, row_ids: Iterable[int], status: str, reason: str = "") -> int:
    """Set the status of several of the institution's rows at once (one audit event per changed row). A reason is
    required to suspend or withdraw. Any id that is not the institution's refuses the whole request. Returns the
    number of rows whose status changed."""
    org = _institution(actor)
    errors = _Errors()
    status = _status(errors, status)
    text = _reason(errors, status, None, reason)
    ids = _ids(errors, "rows", row_ids)
    if not ids and "rows" not in errors.fields:
        errors.add("rows", _("请至少选择一条能力范围。"))
    if len(ids) > BULK_MAX:
        errors.add("rows", _("一次最多修改 %(max)d 条（现为 %(n)d 条）。") % {"max": BULK_MAX, "n": len(ids)})
    errors.raise_if_any()
    with transaction.atomic():
        rows = list(ScopeRow.objects.select_for_update().filter(organisation=org, pk__in=ids).order_by("pk"))
        if len(rows) != len(ids):
            raise NotFound(
                _("所选的 %(n)d 条能力范围不存在或不属于本机构，未做任何修改。") % {"n": len(ids) - len(rows)}
            )
        changed = [row for row in rows if row.status != status]
        if not changed:
            return 0
        now = timezone.now()
        ScopeRow.objects.filter(pk__in=[row.pk for row in changed]).update(status=status, updated_at=now)
        audit_record_many(
            actor=actor,
            action="scope_row.set_status",
            changes=[(row, {"status": row.status}, {"status": status}) for row in changed],
            reason=text,
        )
    return len(changed)
