"""An enterprise's needs (委托需求): write, attach files, send to institutions for quotes, cancel.

Every service requires "market.need.manage" (enterprise owner or member) and acts only on the actor's own
enterprise's needs (another enterprise's id answers NotFound, like an id that does not exist). Input is validated
completely before anything is written, and each refusal names the field: ``items.2.standard_code`` is the third
item's standard (items are numbered from 0, as in the API's validation errors).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tichub.accounts.choices import OrganisationKind, Role
from tichub.accounts.models import Membership, Organisation, User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, FieldErrors, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor
from tichub.science.rounding import to_decimal
from tichub.science.standard_codes import StandardCode, StandardCodeError, parse_standard_code
from tichub.standards.choices import StandardStatus
from tichub.standards.models import StandardEdition
from tichub.standards.services import editions_ensure

from .choices import DecisionRuleChoice, NeedStatus, QuoteStatus
from .models import Attachment, Need, NeedItem, Quote

MANAGE = "market.need.manage"
MAX_ITEMS = 100
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_SAMPLES = 10_000
NEED_FIELDS = (
    "title",
    "product_description",
    "sample_count",
    "deadline",
    "decision_rule",
    "accredited_required",
    "confidential",
    "status",
)
ITEM_TEXT_FIELDS = {
    "object_text": 200,
    "parameter": 200,
    "clause": 60,
    "specification": 200,
    "lower_limit": 40,
    "upper_limit": 40,
    "unit": 40,
}
QUOTER_ROLES = (Role.INSTITUTION_ADMIN, Role.RECEPTION)


def _today() -> dt.date:
    return timezone.localdate()


def notify_in_language(
    *,
    users: Iterable[User],
    organisation_id: int,
    build: Callable[[], tuple[str, str]],
    url: str,
    email: bool = True,
) -> None:
    """Notify people each in their own interface language: `build` returns (title, body) under that language."""
    for language, group in by_language(users).items():
        with translation.override(language):
            title, body = build()
        notify(users=group, organisation_id=organisation_id, title=title, body=body, url=url, email=email)


def _url(name: str, pk: int, fallback: str = "") -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


# ------------------------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------------------------


def _enterprise_of(actor: Actor) -> Organisation:
    actor.require(MANAGE)
    org = actor.organisation
    if org is None or org.kind != OrganisationKind.ENTERPRISE:
        raise NotFound(_("当前组织不是企业。"))
    return org


def _text(errors: FieldErrors, name: str, value: Any, *, limit: int, required: bool = False, label: str = "") -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(name, _("请填写%(label)s。") % {"label": label})
    elif len(text) > limit:
        errors.add(name, _("%(label)s最多 %(n)s 个字符。") % {"label": label, "n": limit})
    return text


def _limit(errors: FieldErrors, name: str, value: Any, label: str) -> tuple[str, Decimal | None]:
    text = "" if value is None else str(value).strip()
    if not text:
        return "", None
    try:
        number = to_decimal(text)
    except (TypeError, ValueError):
        errors.add(name, _("%(label)s应为数字（如 0.5），不是「%(value)s」。") % {"label": label, "value": text[:40]})
        return text, None
    if len(text) > ITEM_TEXT_FIELDS["lower_limit"]:
        errors.add(name, _("%(label)s最多 40 个字符。") % {"label": label})
    return text, number


def _parse_code(errors: FieldErrors, name: str, text: str) -> StandardCode | None:
    if not text:
        errors.add(name, _("每个检测项目都须写明方法标准（如 GB 5009.12-2017）。"))
        return None
    try:
        return parse_standard_code(text)
    except StandardCodeError as exc:
        message = _("无法识别的标准编号「%(code)s」。") % {"code": text[:80]}
        if exc.suggestion:
            message += _("是否为 %(suggestion)s？") % {"suggestion": exc.suggestion}
        errors.add(name, message)
        return None


def _current_editions(errors: FieldErrors, codes: Mapping[int, tuple[str, StandardCode]]) -> dict[int, StandardEdition]:
    """An undated code means the current edition of that standard, which must be unambiguous (a read)."""
    undated = {i: (name, code) for i, (name, code) in codes.items() if not code.dated}
    found: dict[int, StandardEdition] = {}
    if not undated:
        return found
    current: dict[str, list[StandardEdition]] = {}
    rows = StandardEdition.objects.filter(
        base_key__in={code.base_key for _name, code in undated.values()}, status=StandardStatus.CURRENT
    ).order_by("-year")
    for edition in rows:
        current.setdefault(edition.base_key, []).append(edition)
    for i, (name, code) in undated.items():
        candidates = current.get(code.base_key, [])
        if len(candidates) == 1:
            found[i] = candidates[0]
        else:
            errors.add(
                name,
                _("请写明 %(code)s 的年代号（如 %(code)s-2017），以确定方法的版本。") % {"code": code.canonical},
            )
    return found


def _dated_editions(codes: Mapping[int, tuple[str, StandardCode]]) -> dict[int, StandardEdition]:
    """A dated code names its edition, added to the catalogue as current if unknown (only once all input is valid)."""
    dated = {i: code for i, (_name, code) in codes.items() if code.dated}
    if not dated:
        return {}
    editions = editions_ensure({code.canonical: code.canonical for code in dated.values()})
    return {i: editions[code.edition_key] for i, code in dated.items()}


@dataclass
class _CleanNeed:
    fields: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)


def _clean(
    *,
    title: Any,
    product_description: Any,
    sample_count: Any,
    deadline: Any,
    decision_rule: Any,
    accredited_required: Any,
    confidential: Any,
    items: Sequence[Mapping[str, Any]] | None,
) -> _CleanNeed:
    errors = FieldErrors()
    clean: dict[str, Any] = {
        "title": _text(errors, "title", title, limit=200, required=True, label=_("名称")),
        "product_description": _text(
            errors, "product_description", product_description, limit=5000, required=True, label=_("样品/产品描述")
        ),
        "accredited_required": bool(accredited_required),
        "confidential": bool(confidential),
    }
    try:
        count = int(sample_count)
    except (TypeError, ValueError):
        count = 0
    if isinstance(sample_count, bool) or not 1 <= count <= MAX_SAMPLES or str(sample_count).strip() != str(count):
        errors.add("sample_count", _("样品数量应为 1 到 %(n)s 之间的整数。") % {"n": MAX_SAMPLES})
    clean["sample_count"] = count
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError:
            deadline = None
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        errors.add("deadline", _("请填写期望完成日期（YYYY-MM-DD）。"))
    elif deadline <= _today():
        errors.add(
            "deadline",
            _("期望完成日期须晚于今天（%(today)s），%(deadline)s 已过。")
            % {"today": _today().isoformat(), "deadline": deadline.isoformat()},
        )
    clean["deadline"] = deadline
    if decision_rule not in DecisionRuleChoice.values:
        allowed = "、".join(DecisionRuleChoice.values)
        errors.add("decision_rule", _("判定规则须为以下之一：%(values)s。") % {"values": allowed})
    clean["decision_rule"] = decision_rule

    rows = list(items or [])
    if not rows:
        errors.add("items", _("至少填写一个检测项目。"))
    elif len(rows) > MAX_ITEMS:
        errors.add("items", _("一个需求最多 %(n)s 个检测项目。") % {"n": MAX_ITEMS})
    cleaned_items: list[dict[str, Any]] = []
    codes: dict[int, tuple[str, StandardCode]] = {}
    for i, raw in enumerate(rows[:MAX_ITEMS]):
        prefix = f"items.{i}."
        if not isinstance(raw, Mapping):
            errors.add(f"items.{i}", _("检测项目格式不正确。"))
            continue
        item: dict[str, Any] = {
            "object_text": _text(
                errors, prefix + "object_text", raw.get("object_text"), limit=200, label=_("检测对象")
            ),
            "parameter": _text(
                errors, prefix + "parameter", raw.get("parameter"), limit=200, required=True, label=_("项目/参数")
            ),
            "clause": _text(errors, prefix + "clause", raw.get("clause"), limit=60, label=_("条款")),
            "specification": _text(
                errors, prefix + "specification", raw.get("specification"), limit=200, label=_("限量/技术要求")
            ),
            "unit": _text(errors, prefix + "unit", raw.get("unit"), limit=40, label=_("单位")),
        }
        item["lower_limit"], lower = _limit(errors, prefix + "lower_limit", raw.get("lower_limit"), _("下限"))
        item["upper_limit"], upper = _limit(errors, prefix + "upper_limit", raw.get("upper_limit"), _("上限"))
        if lower is not None and upper is not None and lower > upper:
            errors.add(
                prefix + "upper_limit",
                _("上限（%(upper)s）不得小于下限（%(lower)s）。")
                % {"upper": item["upper_limit"], "lower": item["lower_limit"]},
            )
        code_text = str(raw.get("standard_code") or "").strip()
        code = _parse_code(errors, prefix + "standard_code", code_text)
        if code is not None:
            codes[i] = (prefix + "standard_code", code)
        cleaned_items.append(item)
    editions = _current_editions(errors, codes)
    errors.raise_if_any()  # nothing reaches the catalogue unless everything is right
    editions.update(_dated_editions(codes))
    for i, item in enumerate(cleaned_items):
        item["standard"] = editions[i]
        item["position"] = i + 1
    return _CleanNeed(fields=clean, items=cleaned_items)


def _need_snapshot(need: Need, items: Iterable[NeedItem]) -> dict[str, Any]:
    data = snapshot(need, NEED_FIELDS)
    data["items"] = [
        {
            "parameter": item.parameter,
            "standard": item.standard.canonical,
            "clause": item.clause,
            "specification": item.specification,
            "lower_limit": item.lower_limit,
            "upper_limit": item.upper_limit,
            "unit": item.unit,
        }
        for item in items
    ]
    return data


def _write_items(need: Need, items: list[dict[str, Any]]) -> list[NeedItem]:
    rows = [NeedItem(need=need, **item) for item in items]
    NeedItem.objects.bulk_create(rows)
    return rows


def _locked_need(actor: Actor, need_id: int) -> Need:
    org = _enterprise_of(actor)
    need = Need.objects.select_for_update().filter(pk=need_id, organisation_id=org.pk).first()
    if need is None:
        raise NotFound(_("没有这个委托需求。"))
    return need


def _state_conflict(need: Need, action: str) -> Conflict:
    return Conflict(
        _("委托需求当前状态为「%(status)s」，不能%(action)s。")
        % {"status": NeedStatus(need.status).label, "action": action},
        code="need_state",
    )


# ------------------------------------------------------------------------------------------------------------------
# Services
# ------------------------------------------------------------------------------------------------------------------


def need_create(
    *,
    actor: Actor,
    title: str,
    product_description: str,
    sample_count: int,
    deadline: dt.date,
    decision_rule: str,
    accredited_required: bool,
    confidential: bool,
    items: Sequence[Mapping[str, Any]],
) -> Need:
    """Write a DRAFT need with its items. Standard codes are parsed; an unknown dated edition joins the catalogue."""
    org = _enterprise_of(actor)
    with transaction.atomic():
        clean = _clean(
            title=title, product_description=product_description, sample_count=sample_count, deadline=deadline,
            decision_rule=decision_rule, accredited_required=accredited_required, confidential=confidential,
            items=items,
        )  # fmt: skip
        need = Need.objects.create(organisation=org, created_by=actor.person, status=NeedStatus.DRAFT, **clean.fields)
        rows = _write_items(need, clean.items)
        audit_record(actor=actor, action="need.create", obj=need, after=_need_snapshot(need, rows))
    return need


def need_update(
    *,
    actor: Actor,
    need_id: int,
    title: str,
    product_description: str,
    sample_count: int,
    deadline: dt.date,
    decision_rule: str,
    accredited_required: bool,
    confidential: bool,
    items: Sequence[Mapping[str, Any]],
) -> Need:
    """Rewrite a DRAFT need and replace its items (a sent need is fixed: institutions quote on it)."""
    with transaction.atomic():
        need = _locked_need(actor, need_id)
        if need.status != NeedStatus.DRAFT:
            raise _state_conflict(need, pgettext("state action", "修改（只有草稿可以修改）"))
        clean = _clean(
            title=title, product_description=product_description, sample_count=sample_count, deadline=deadline,
            decision_rule=decision_rule, accredited_required=accredited_required, confidential=confidential,
            items=items,
        )  # fmt: skip
        old_items = list(need.items.select_related("standard").order_by("position"))
        before = _need_snapshot(need, old_items)
        for name, value in clean.fields.items():
            setattr(need, name, value)
        need.save(update_fields=list(clean.fields))
        NeedItem.objects.filter(need=need).delete()
        rows = _write_items(need, clean.items)
        audit_record(actor=actor, action="need.update", obj=need, before=before, after=_need_snapshot(need, rows))
    return need


def need_attach(*, actor: Actor, need_id: int, uploaded_file: UploadedFile) -> Attachment:
    """Attach a file (at most 20 MB) to a DRAFT or OPEN need; its SHA-256 is recorded."""
    with transaction.atomic():
        need = _locked_need(actor, need_id)
        if need.status not in (NeedStatus.DRAFT, NeedStatus.OPEN):
            raise _state_conflict(need, pgettext("state action", "添加附件"))
        size = int(uploaded_file.size or 0)
        name = (uploaded_file.name or "").rsplit("/", 1)[-1].strip()[:200]
        if size <= 0:
            raise ServiceError.field("file", _("附件是空文件。"), code="empty")
        if size > MAX_ATTACHMENT_BYTES:
            raise ServiceError.field(
                "file",
                _("附件最大 20 MB，此文件为 %(mb).1f MB。") % {"mb": size / 1024 / 1024},
                code="too_large",
            )
        digest = hashlib.sha256()
        for chunk in uploaded_file.chunks():
            digest.update(chunk)
        uploaded_file.seek(0)
        attachment = Attachment(
            need=need, name=name or "attachment", size=size, sha256=digest.hexdigest(), uploaded_by=actor.person
        )
        attachment.file.save(name or "attachment", uploaded_file, save=False)
        attachment.save()
        audit_record(
            actor=actor,
            action="need.attach",
            obj=need,
            after={"attachment": attachment.pk, "name": attachment.name, "size": size, "sha256": attachment.sha256},
        )
    return attachment


def _quoters(institution_ids: Iterable[int]) -> dict[int, list[User]]:
    """Reception and administrators of each institution: who answers requests for quotes."""
    people: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        organisation_id__in=list(institution_ids), role__in=QUOTER_ROLES, user__is_active=True
    ).select_related("user"):
        people.setdefault(membership.organisation_id, []).append(membership.user)
    return people


def _clean_institutions(raw: Any, enterprise_id: int) -> list[int]:
    try:
        ids = sorted({int(i) for i in (raw or [])})
    except (TypeError, ValueError):
        raise ServiceError.field("institution_ids", _("机构编号应为整数。")) from None
    if not ids:
        raise ServiceError.field("institution_ids", _("请至少选择一家机构。"), code="required")
    if len(ids) > 20:
        raise ServiceError.field("institution_ids", _("一次最多向 20 家机构询价。"))
    valid = set(
        Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.INSTITUTION, is_active=True)
        .exclude(pk=enterprise_id)
        .values_list("pk", flat=True)
    )
    bad = [i for i in ids if i not in valid]
    if bad:
        raise ServiceError.field(
            "institution_ids",
            _("以下编号不是集聚区内有效的机构：%(ids)s。") % {"ids": ", ".join(str(i) for i in bad)},
        )
    return ids


def need_send(*, actor: Actor, need_id: int, institution_ids: Sequence[int]) -> list[Quote]:
    """Ask institutions for quotes: DRAFT or OPEN → OPEN, one REQUESTED quote per institution not asked yet.

    The institutions' reception and administrators are notified (and e-mailed after commit). Returns the new
    quotes; institutions already asked are skipped, and asking only those is a Conflict.
    """
    with transaction.atomic():
        need = _locked_need(actor, need_id)
        if need.status not in (NeedStatus.DRAFT, NeedStatus.OPEN):
            raise _state_conflict(need, pgettext("state action", "发送询价"))
        if need.deadline <= _today():
            raise Conflict(
                _("期望完成日期 %(deadline)s 已过，请先修改需求。") % {"deadline": need.deadline.isoformat()},
                code="deadline_passed",
            )
        ids = _clean_institutions(institution_ids, need.organisation_id)
        asked = set(Quote.objects.filter(need=need, institution_id__in=ids).values_list("institution_id", flat=True))
        new_ids = [i for i in ids if i not in asked]
        if not new_ids:
            raise Conflict(_("所选机构都已收到此需求的询价。"), code="already_asked")
        before = snapshot(need, ["status"])
        quotes = [
            Quote(need=need, enterprise_id=need.organisation_id, institution_id=i, status=QuoteStatus.REQUESTED)
            for i in new_ids
        ]
        Quote.objects.bulk_create(quotes)
        quotes = list(Quote.objects.filter(need=need, institution_id__in=new_ids).order_by("institution_id"))
        if need.status != NeedStatus.OPEN:
            need.status = NeedStatus.OPEN
            need.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="need.send",
            obj=need,
            before=before,
            after={"status": need.status, "institution_ids": new_ids, "quote_ids": [q.pk for q in quotes]},
        )
        people = _quoters(new_ids)
        enterprise = actor.organisation.name_zh if actor.organisation else ""
        item_count = NeedItem.objects.filter(need=need).count()

        def request_text() -> tuple[str, str]:
            if need.confidential:
                title = _("新的询价（保密需求）来自 %(enterprise)s") % {"enterprise": enterprise}
            else:
                title = _("新的询价：%(title)s（%(enterprise)s）") % {"title": need.title, "enterprise": enterprise}
            body = _("期望 %(deadline)s 前完成，共 %(n)s 个检测项目，请报价或谢绝。") % {
                "deadline": need.deadline.isoformat(),
                "n": item_count,
            }
            return title, body

        for quote in quotes:
            notify_in_language(
                users=people.get(quote.institution_id, []),
                organisation_id=quote.institution_id,
                build=request_text,
                url=_url("marketplace:quote_edit", quote.pk),
            )
    return quotes


def need_cancel(*, actor: Actor, need_id: int, reason: str = "") -> Need:
    """Cancel a DRAFT or OPEN need; open requests and quotes are withdrawn and their institutions told."""
    with transaction.atomic():
        need = _locked_need(actor, need_id)
        if need.status not in (NeedStatus.DRAFT, NeedStatus.OPEN):
            raise _state_conflict(need, pgettext("state action", "取消"))
        reason = (reason or "").strip()[:1000]
        before = snapshot(need, ["status"])
        pending = list(
            Quote.objects.select_for_update()
            .filter(need=need, status__in=(QuoteStatus.REQUESTED, QuoteStatus.SUBMITTED))
            .order_by("pk")
        )
        Quote.objects.filter(pk__in=[q.pk for q in pending]).update(status=QuoteStatus.WITHDRAWN)
        need.status = NeedStatus.CANCELLED
        need.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="need.cancel",
            obj=need,
            before=before,
            after={"status": need.status, "withdrawn_quote_ids": [q.pk for q in pending]},
            reason=reason,
        )
        people = _quoters(q.institution_id for q in pending)

        def cancel_text() -> tuple[str, str]:
            title = _("询价已撤回：%(title)s") % {"title": need.title if not need.confidential else _("保密需求")}
            body = _("客户已取消此需求，无需再报价。感谢您的支持。") + (f"\n{reason}" if reason else "")
            return title, body

        for quote in pending:
            notify_in_language(
                users=people.get(quote.institution_id, []),
                organisation_id=quote.institution_id,
                build=cancel_text,
                url=_url("marketplace:quote_edit", quote.pk),
                email=False,
            )
    return need


# ------------------------------------------------------------------------------------------------------------------
# From a capability search to a draft (a read: nothing is written until the enterprise saves the form)
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedPrefill:
    """Initial values of a need form from a capability search: fields, items and the institutions found."""

    fields: dict[str, Any]
    items: list[dict[str, Any]]
    institution_ids: list[int]


def need_from_search(
    *,
    actor: Actor,
    object_text: str = "",
    parameters: Sequence[str] = (),
    standard_code: str = "",
    accreditation: str | None = None,
    region: str = "",
    deadline: dt.date | None = None,
    q: str = "",
) -> NeedPrefill:
    """Prefill a need from the registry search's parameters: one item per requested parameter, taken from the best
    matched row (the exact edition first), else the parameter as typed with the requested standard.

    Raises the search's own field errors (an unreadable standard code, a deadline in the past).
    """
    from tichub.registry.search_selectors import MAX_PAGE_SIZE, capability_search
    from tichub.registry.search_selectors import Need as SearchNeed

    _enterprise_of(actor)
    search = SearchNeed(
        object_text=object_text.strip(),
        parameters=tuple(p.strip() for p in parameters if p.strip()),
        standard_code=standard_code.strip(),
        accreditation=accreditation or None,
        region=region.strip(),
        deadline=deadline,
        q=q.strip(),
    )
    items: list[dict[str, Any]] = []
    institution_ids: list[int] = []
    if not search.is_empty:
        result = capability_search(search, page=1, page_size=MAX_PAGE_SIZE)
        best: dict[str, Any] = {}
        for match in result.institutions:
            institution_ids.append(match.organisation.id)
            for coverage in match.coverage:
                for row in coverage.rows:
                    key = coverage.parameter or row.parameter_zh
                    rank = (0 if row.verdict == "covered" else 1, 0 if row.accreditations else 1)
                    if key not in best or rank < best[key][0]:
                        best[key] = (rank, row)
        order = list(result.parameters) or list(best)
        for name in order:
            if name in best:
                row = best[name][1]
                items.append(
                    {
                        "object_text": row.object_zh or object_text,
                        "parameter": row.parameter_zh,
                        "standard_code": row.standard,
                        "clause": row.clause,
                    }
                )
            else:
                # No institution covers it. With one parameter the searched method is the customer's own choice;
                # with several it may belong to another parameter, so the customer chooses.
                method = (result.standard or standard_code) if len(search.parameters) == 1 else ""
                items.append({"object_text": object_text, "parameter": name, "standard_code": method})
        for name, (_rank, row) in best.items():
            if name not in order:
                items.append(
                    {"object_text": row.object_zh, "parameter": row.parameter_zh, "standard_code": row.standard}
                )
    for item in items:
        for key in ("clause", "specification", "lower_limit", "upper_limit", "unit"):
            item.setdefault(key, "")
    title_parts = [object_text.strip(), "、".join(i["parameter"] for i in items[:5])]
    fields = {
        "title": (" ".join(p for p in title_parts if p) or q.strip())[:200],
        "product_description": object_text.strip(),
        "accredited_required": accreditation is not None,
        "deadline": deadline if deadline and deadline > _today() else None,
    }
    return NeedPrefill(fields=fields, items=items[:MAX_ITEMS], institution_ids=institution_ids)
