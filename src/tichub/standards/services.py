"""Writes of the standards catalogue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tichub.accounts.choices import Role
from tichub.accounts.models import Membership, User
from tichub.core.audit import audit_record, audit_record_many, snapshot
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.notifications import by_language, notify
from tichub.core.tenancy import Actor
from tichub.science.standard_codes import StandardCode, parse_standard_code

from . import imports
from .choices import AdoptionRelation, StandardStatus
from .models import Adoption, StandardEdition
from .selectors import Impact, impact_of, parse_code, replacement_chain

# --- shared: editions named by scopes ---------------------------------------------------------------------------


def editions_ensure(titles: Mapping[str, str]) -> dict[str, StandardEdition]:
    """The editions for these codes (code → Chinese title), adding the missing ones to the catalogue as current.

    Scope tables name standards the operator may not have catalogued yet; they enter with the title the scope
    gives, and curation refines them later. Returns edition_key → edition. Raises ValueError for a bad code.
    """
    parsed = {code: parse_standard_code(code) for code in titles}
    by_key = {p.edition_key: (p, titles[code]) for code, p in parsed.items()}
    found = {e.edition_key: e for e in StandardEdition.objects.filter(edition_key__in=by_key)}
    missing = [
        StandardEdition(
            canonical=p.canonical, base=p.base, edition_key=key, base_key=p.base_key, prefix=p.prefix,
            number=p.number, year=p.year, family=p.family, mandatory=p.mandatory, title_zh=title.strip()[:300],
        )
        for key, (p, title) in by_key.items()
        if key not in found
    ]  # fmt: skip
    if missing:
        StandardEdition.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
        found = {e.edition_key: e for e in StandardEdition.objects.filter(edition_key__in=by_key)}
    return found


# --- the catalogue: curated editions, withdrawal impact, imports ------------------------------------------------
# (catalogue engineer; everything below writes through actor.require("standards.curate") and the audit trail)

RETIRED = frozenset({StandardStatus.WITHDRAWN, StandardStatus.TO_BE_WITHDRAWN})
CONTENT_FIELDS = ("title_zh", "title_en", "ics", "status", "published_on", "effective_on", "withdrawn_on")
AUDITED_FIELDS = ("canonical", *CONTENT_FIELDS, "replaced_by")
UPDATABLE = frozenset({"code", *CONTENT_FIELDS, "replaced_by_id"})
SYSTEM = Actor(user=None)  # the daily status roll: no person caused it


def _today() -> dt.date:
    return timezone.localdate()


def _code_fields(code: StandardCode) -> dict[str, Any]:
    return {
        "canonical": code.canonical,
        "base": code.base,
        "edition_key": code.edition_key,
        "base_key": code.base_key,
        "prefix": code.prefix,
        "number": code.number,
        "year": code.year,
        "family": code.family,
        "mandatory": code.mandatory,
    }


def _code_problems(code: StandardCode) -> list[str]:
    if not code.dated:
        return [_("目录中的标准须带年代号，如 %(example)s。") % {"example": f"{code.canonical}-2020"}]
    if len(code.canonical) > 80:
        return [_("标准号过长（最多 80 个字符）。")]
    return []


def _status_of(on: dt.date, today: dt.date) -> str:
    """The status of an edition withdrawn on `on`: withdrawn once the day has come, to be withdrawn before."""
    return StandardStatus.WITHDRAWN if on <= today else StandardStatus.TO_BE_WITHDRAWN


def edition_problems(
    *,
    status: str,
    published_on: dt.date | None,
    effective_on: dt.date | None,
    withdrawn_on: dt.date | None,
    replaced: bool,
    today: dt.date,
) -> dict[str, list[str]]:
    """How the status, the dates and a replacement disagree (field → messages); empty when consistent.

    现行 current: in force (effective date, if any, has come), no withdrawal date. 即将实施 upcoming: the
    effective date is in the future. 即将废止 to be withdrawn: the withdrawal date is in the future. 废止
    withdrawn: the withdrawal date has come. Only editions withdrawn or to be withdrawn name a replacement.
    """
    errors: dict[str, list[str]] = defaultdict(list)

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else ""

    for name, value in (("published_on", published_on), ("effective_on", effective_on), ("withdrawn_on", withdrawn_on)):
        if value is not None and not imports.YEAR_MIN <= value.year <= imports.YEAR_MAX:
            errors[name].append(_("日期超出范围（1900–2100 年）。"))
    if published_on and effective_on and effective_on < published_on:
        errors["effective_on"].append(_("实施日期不能早于发布日期。"))
    if withdrawn_on and effective_on and withdrawn_on < effective_on:
        errors["withdrawn_on"].append(_("废止日期不能早于实施日期。"))
    elif withdrawn_on and published_on and withdrawn_on < published_on:
        errors["withdrawn_on"].append(_("废止日期不能早于发布日期。"))
    if status == StandardStatus.CURRENT:
        if effective_on and effective_on > today:
            errors["status"].append(_("实施日期 %(date)s 尚未到，状态应为“即将实施”。") % {"date": day(effective_on)})
        if withdrawn_on:
            errors["withdrawn_on"].append(_("现行标准不应有废止日期；已宣布废止的请选“即将废止”。"))
    elif status == StandardStatus.UPCOMING:
        if effective_on is None:
            errors["effective_on"].append(_("即将实施的标准须填写实施日期。"))
        elif effective_on <= today:
            errors["status"].append(_("实施日期 %(date)s 已到，状态应为“现行”。") % {"date": day(effective_on)})
        if withdrawn_on:
            errors["withdrawn_on"].append(_("即将实施的标准不应有废止日期。"))
    elif status == StandardStatus.TO_BE_WITHDRAWN:
        if withdrawn_on is None:
            errors["withdrawn_on"].append(_("即将废止的标准须填写废止日期。"))
        elif withdrawn_on <= today:
            errors["status"].append(_("废止日期 %(date)s 已到，状态应为“废止”。") % {"date": day(withdrawn_on)})
    elif status == StandardStatus.WITHDRAWN:
        if withdrawn_on is None:
            errors["withdrawn_on"].append(_("废止的标准须填写废止日期。"))
        elif withdrawn_on > today:
            errors["status"].append(_("废止日期 %(date)s 尚未到，状态应为“即将废止”。") % {"date": day(withdrawn_on)})
    else:
        errors["status"].append(_("未知的标准状态“%(status)s”。") % {"status": status})
    if replaced and status not in RETIRED:
        errors["replaced_by"].append(_("只有废止或即将废止的标准才能填写“被代替为”。"))
    return dict(errors)


def _loops_back(edition_pk: int | None, replacement: StandardEdition) -> bool:
    """Whether following replacements from `replacement` reaches the edition `edition_pk` (a cycle)."""
    return edition_pk is not None and any(e.pk == edition_pk for e in replacement_chain(replacement))


def _replacement(edition: StandardEdition | None, replaced_by_id: int | None) -> StandardEdition | None:
    if replaced_by_id is None:
        return None
    replacement = StandardEdition.objects.filter(pk=replaced_by_id).first()
    if replacement is None:
        raise ServiceError.field("replaced_by", _("目录中没有指定的代替标准。"), code="not_found")
    if edition is not None and replacement.pk == edition.pk:
        raise ServiceError.field("replaced_by", _("标准不能被自己代替。"), code="self_replacement")
    if edition is not None and _loops_back(edition.pk, replacement):
        raise ServiceError.field(
            "replaced_by",
            _("代替关系会成环：%(replacement)s 已（间接）被 %(edition)s 代替。")
            % {"replacement": replacement.canonical, "edition": edition.canonical},
            code="cycle",
        )
    return replacement


def _check_edition(edition: StandardEdition, *, today: dt.date) -> None:
    """Refuse an edition whose fields break a rule, naming every field at fault."""
    errors: dict[str, list[str]] = defaultdict(list)
    edition.title_zh = (edition.title_zh or "").strip()
    edition.title_en = (edition.title_en or "").strip()
    if not edition.title_zh:
        errors["title_zh"].append(_("请填写中文名称。"))
    for name in ("title_zh", "title_en"):
        if len(getattr(edition, name)) > 300:
            errors[name].append(_("名称过长（最多 300 个字）。"))
    try:
        edition.ics = imports.clean_ics(edition.ics)
    except ValueError as exc:
        errors["ics"].append(str(exc))
    rules = edition_problems(
        status=edition.status,
        published_on=edition.published_on,
        effective_on=edition.effective_on,
        withdrawn_on=edition.withdrawn_on,
        replaced=edition.replaced_by_id is not None,
        today=today,
    )
    for name, messages in rules.items():
        errors[name].extend(messages)
    if errors:
        raise ServiceError(_("标准信息有误。"), fields=errors)


def _set_code(edition: StandardEdition, text: str) -> None:
    code = parse_code(text)
    problems = _code_problems(code)
    if problems:
        raise ServiceError("; ".join(problems), fields={"code": problems}, code="undated")
    clash = StandardEdition.objects.filter(edition_key=code.edition_key).exclude(pk=edition.pk).first()
    if clash is not None:
        raise ServiceError.field("code", _("目录中已有 %(code)s。") % {"code": clash.canonical}, code="duplicate")
    for name, value in _code_fields(code).items():
        setattr(edition, name, value)


def standard_create(
    *,
    actor: Actor,
    code: str,
    title_zh: str,
    title_en: str = "",
    ics: str = "",
    status: str = StandardStatus.CURRENT,
    published_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    withdrawn_on: dt.date | None = None,
    replaced_by_id: int | None = None,
) -> StandardEdition:
    """Add one edition to the catalogue; its code is normalised (GB and GB/T stay distinct) and must be dated."""
    actor.require("standards.curate")
    with transaction.atomic():
        edition = StandardEdition(
            title_zh=title_zh, title_en=title_en, ics=ics, status=status, published_on=published_on,
            effective_on=effective_on, withdrawn_on=withdrawn_on,
        )  # fmt: skip
        _set_code(edition, code)
        replacement = _replacement(None, replaced_by_id)
        edition.replaced_by = replacement
        _check_edition(edition, today=_today())
        edition.save()
        audit_record(actor=actor, action="standard.create", obj=edition, after=snapshot(edition, AUDITED_FIELDS))
    return edition


def standard_update(*, actor: Actor, edition_id: int, reason: str = "", **changes: Any) -> StandardEdition:
    """Change an edition's code, titles, ICS, status, dates or replacement.

    When the status is not among the changes and the dates say it has moved on (an upcoming edition's effective
    date has come, a to-be-withdrawn edition's withdrawal date has come), it moves on with them. An edition that
    becomes withdrawn or gains a replacement notifies the institutions whose scopes cite it.
    """
    actor.require("standards.curate")
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ServiceError(f"unknown fields: {', '.join(sorted(unknown))}", code="unknown_field")
    today = _today()
    with transaction.atomic():
        edition = StandardEdition.objects.select_for_update().filter(pk=edition_id).first()
        if edition is None:
            raise NotFound(_("目录中没有该标准。"))
        before = snapshot(edition, AUDITED_FIELDS)
        was_retired, was_replaced_by = edition.status in RETIRED, edition.replaced_by_id
        if "code" in changes:
            _set_code(edition, str(changes["code"]))
        for name in CONTENT_FIELDS:
            if name in changes:
                value = changes[name]
                setattr(edition, name, "" if value is None and name in ("title_en", "ics") else value)
        if "replaced_by_id" in changes:
            edition.replaced_by = _replacement(edition, changes["replaced_by_id"])
        if "status" not in changes:
            edition.status = _rolled(edition, today)
        _check_edition(edition, today=today)
        after = snapshot(edition, AUDITED_FIELDS)
        if after == before:
            return edition
        edition.save()
        audit_record(actor=actor, action="standard.update", obj=edition, before=before, after=after, reason=reason)
        if (edition.status in RETIRED and not was_retired) or (
            edition.replaced_by_id is not None and edition.replaced_by_id != was_replaced_by
        ):
            _notify_impact(edition, impact_of(edition))
    return edition


def _rolled(edition: StandardEdition, today: dt.date) -> str:
    if edition.status == StandardStatus.UPCOMING and edition.effective_on and edition.effective_on <= today:
        return StandardStatus.CURRENT
    if edition.status == StandardStatus.TO_BE_WITHDRAWN and edition.withdrawn_on and edition.withdrawn_on <= today:
        return StandardStatus.WITHDRAWN
    return str(edition.status)


def adoption_set(*, actor: Actor, edition_id: int, adopts_id: int, relation: str) -> Adoption:
    """Record that an edition adopts another (GB/T 2828.1-2012 IDT ISO 2859-1:1999), or change the degree."""
    actor.require("standards.curate")
    if relation not in AdoptionRelation.values:
        raise ServiceError.field("relation", _("采用程度应为 IDT、MOD 或 NEQ。"))
    with transaction.atomic():
        edition = StandardEdition.objects.select_for_update().filter(pk=edition_id).first()
        adopted = StandardEdition.objects.filter(pk=adopts_id).first()
        if edition is None:
            raise NotFound(_("目录中没有该标准。"))
        if adopted is None:
            raise ServiceError.field("adopts", _("目录中没有被采用的标准。"), code="not_found")
        if adopted.pk == edition.pk:
            raise ServiceError.field("adopts", _("标准不能采用自己。"), code="self_adoption")
        if Adoption.objects.filter(edition=adopted, adopts=edition).exists():
            raise ServiceError.field(
                "adopts",
                _("%(adopted)s 已采用 %(edition)s，不能反过来再采用。")
                % {"adopted": adopted.canonical, "edition": edition.canonical},
                code="cycle",
            )
        adoption = Adoption.objects.filter(edition=edition, adopts=adopted).first()
        before = {"adopts": adopted.canonical, "relation": adoption.relation} if adoption else None
        if adoption is None:
            adoption = Adoption.objects.create(edition=edition, adopts=adopted, relation=relation)
        elif adoption.relation != relation:
            adoption.relation = relation
            adoption.save(update_fields=["relation"])
        else:
            return adoption
        audit_record(
            actor=actor,
            action="standard.adoption_set",
            obj=edition,
            before=before,
            after={"adopts": adopted.canonical, "relation": relation},
        )
    return adoption


def adoption_remove(*, actor: Actor, edition_id: int, adopts_id: int) -> None:
    actor.require("standards.curate")
    with transaction.atomic():
        adoption = (
            Adoption.objects.select_related("edition", "adopts")
            .filter(edition_id=edition_id, adopts_id=adopts_id)
            .first()
        )
        if adoption is None:
            raise NotFound(_("没有该采用关系。"))
        before = {"adopts": adoption.adopts.canonical, "relation": adoption.relation}
        adoption.delete()
        audit_record(actor=actor, action="standard.adoption_remove", obj=adoption.edition, before=before)


# --- withdrawal and replacement -----------------------------------------------------------------------------------


def standard_withdraw(
    *, actor: Actor, edition_id: int, on: dt.date, replaced_by_id: int | None = None, reason: str
) -> list[Impact]:
    """Withdraw an edition on `on` (废止; 即将废止 while the day is still to come), optionally naming the edition
    that replaces it. Notifies the quality managers of every institution whose active scope cites it and returns
    the impact: per institution, the number of scope rows and a few of them."""
    return _retire(actor=actor, edition_id=edition_id, on=on, replaced_by_id=replaced_by_id, reason=reason)


def standard_replace(
    *, actor: Actor, edition_id: int, replaced_by_id: int, on: dt.date | None = None, reason: str
) -> list[Impact]:
    """Record that `replaced_by_id` replaces an edition (代替). It is withdrawn on `on`, by default the day its
    replacement takes effect (today if that is not known); an edition already withdrawn keeps its date unless
    `on` is given. Notifies and returns the impact like standard_withdraw."""
    return _retire(
        actor=actor, edition_id=edition_id, on=on, replaced_by_id=replaced_by_id, reason=reason, replacing=True
    )


def _retire(
    *,
    actor: Actor,
    edition_id: int,
    on: dt.date | None,
    replaced_by_id: int | None,
    reason: str,
    replacing: bool = False,
) -> list[Impact]:
    actor.require("standards.curate")
    if not (reason or "").strip():
        raise ServiceError.field("reason", _("请说明废止或代替的原因（如标准化管理委员会公告号）。"), code="required")
    if on is not None and not imports.YEAR_MIN <= on.year <= imports.YEAR_MAX:
        raise ServiceError.field("on", _("日期超出范围（1900–2100 年）。"))
    today = _today()
    with transaction.atomic():
        edition = StandardEdition.objects.select_for_update().filter(pk=edition_id).first()
        if edition is None:
            raise NotFound(_("目录中没有该标准。"))
        replacement = _replacement(edition, replaced_by_id)
        if replacement is not None and replacement.status == StandardStatus.WITHDRAWN:
            raise ServiceError.field(
                "replaced_by", _("代替标准 %(code)s 已废止。") % {"code": replacement.canonical}, code="withdrawn"
            )
        if not replacing and edition.status == StandardStatus.WITHDRAWN:
            raise Conflict(_("%(code)s 已废止。") % {"code": edition.canonical}, code="already_withdrawn")
        if on is None:
            if edition.status == StandardStatus.WITHDRAWN and edition.withdrawn_on:
                on = edition.withdrawn_on
            else:
                on = (replacement.effective_on if replacement else None) or today
        before = snapshot(edition, AUDITED_FIELDS)
        edition.withdrawn_on = on
        edition.status = _status_of(on, today)
        if replacement is not None:
            edition.replaced_by = replacement
        try:
            _check_edition(edition, today=today)
        except ServiceError as exc:  # the withdrawal date is the form's "on"
            fields = {("on" if name in ("withdrawn_on", "status") else name): msgs for name, msgs in exc.fields.items()}
            raise ServiceError(exc.message, code=exc.code, fields=fields) from exc
        after = snapshot(edition, AUDITED_FIELDS)
        if after == before:
            raise Conflict(_("%(code)s 的废止信息没有变化。") % {"code": edition.canonical}, code="unchanged")
        edition.save()
        audit_record(
            actor=actor,
            action="standard.replace" if replacing else "standard.withdraw",
            obj=edition,
            before=before,
            after=after,
            reason=reason.strip(),
        )
        impact = impact_of(edition)
        _notify_impact(edition, impact)
    return impact


def standard_status_roll(*, today: dt.date | None = None) -> dict[str, list[str]]:
    """Daily: upcoming editions whose effective date has come become current, editions to be withdrawn whose
    withdrawal date has come become withdrawn (their institutions are told). Returns the codes moved."""
    today = today or _today()
    moved: dict[str, list[str]] = {"current": [], "withdrawn": []}
    with transaction.atomic():
        starting = list(
            StandardEdition.objects.select_for_update().filter(status=StandardStatus.UPCOMING, effective_on__lte=today)
        )
        ending = list(
            StandardEdition.objects.select_for_update().filter(
                status=StandardStatus.TO_BE_WITHDRAWN, withdrawn_on__lte=today
            )
        )
        changes: list[tuple[StandardEdition, dict[str, Any] | None, dict[str, Any] | None]] = []
        for editions, status in ((starting, StandardStatus.CURRENT), (ending, StandardStatus.WITHDRAWN)):
            for edition in editions:
                changes.append((edition, {"status": edition.status}, {"status": status}))
                edition.status = status
                moved[str(status)].append(edition.canonical)
        if changes:
            StandardEdition.objects.bulk_update([c[0] for c in changes], ["status"])
            audit_record_many(actor=SYSTEM, action="standard.status_roll", changes=changes, reason=today.isoformat())
        for edition in ending:
            _notify_impact(edition, impact_of(edition))
    return moved


def _quality_contacts(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """Per institution, its quality managers; its administrators when it has none."""
    managers: dict[int, dict[int, User]] = defaultdict(dict)
    admins: dict[int, dict[int, User]] = defaultdict(dict)
    memberships = Membership.objects.filter(
        organisation_id__in=list(organisation_ids),
        role__in=[Role.QUALITY_MANAGER, Role.INSTITUTION_ADMIN],
        user__is_active=True,
    ).select_related("user")
    for membership in memberships:
        target = managers if membership.role == Role.QUALITY_MANAGER else admins
        target[membership.organisation_id][membership.user_id] = membership.user
    return {org: list((managers.get(org) or admins.get(org) or {}).values()) for org in set(managers) | set(admins)}


def _notify_impact(edition: StandardEdition, impact: list[Impact]) -> int:
    """Tell each affected institution's quality managers (in the app and by e-mail). Returns people notified."""
    if not impact:
        return 0
    contacts = _quality_contacts(item.organisation.pk for item in impact)
    url = reverse("standards:detail", args=[edition.pk])
    replacement = edition.replaced_by if edition.replaced_by_id else None
    told = 0
    for item in impact:
        for language, users in by_language(contacts.get(item.organisation.pk, [])).items():
            with translation.override(language):
                title, body = _impact_message(edition, replacement, item)
            notify(users=users, organisation_id=item.organisation.pk, title=title, body=body, url=url, email=True)
            told += len(users)
    return told


def _impact_message(edition: StandardEdition, replacement: StandardEdition | None, item: Impact) -> tuple[str, str]:
    values = {
        "code": edition.canonical,
        "title": edition.title_zh,
        "date": edition.withdrawn_on.isoformat() if edition.withdrawn_on else "",
        "count": item.row_count,
        "organisation": item.organisation.name_zh,
    }
    if edition.status == StandardStatus.WITHDRAWN:
        title = _("标准已废止：%(code)s") % values
        body = _(
            "%(organisation)s 的能力范围中有 %(count)d 条有效记录引用 %(code)s《%(title)s》，该标准已于 %(date)s 废止。"
        )
    else:
        title = _("标准即将废止：%(code)s") % values
        body = _(
            "%(organisation)s 的能力范围中有 %(count)d 条有效记录引用 %(code)s《%(title)s》，该标准将于 %(date)s 废止。"
        )
    body = body % values
    if replacement is not None:
        body += " " + _("代替标准：%(code)s《%(title)s》。") % {
            "code": replacement.canonical,
            "title": replacement.title_zh,
        }
    body += " " + _("请评审受影响的能力范围，按标准变更程序验证新方法并更新范围。")
    return title, body


# --- catalogue import -------------------------------------------------------------------------------------------


@dataclass
class ImportProblem:
    line: int
    column: str
    message: str


@dataclass
class CatalogueImportReport:
    """What an import did (or, for a dry run, would do). Nothing is written while `problems` is not empty."""

    filename: str
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    references_added: list[str] = field(default_factory=list)  # replaced/adopted editions not catalogued before
    retired: list[str] = field(default_factory=list)  # catalogued editions that this file withdraws
    institutions_notified: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_error(self) -> ServiceError:
        fields: dict[str, list[str]] = defaultdict(list)
        for p in self.problems:
            fields[f"line {p.line}"].append(f"{p.column}: {p.message}" if p.column else p.message)
        lines = len({p.line for p in self.problems})
        return ServiceError(
            _("文件中有 %(lines)d 行有错误，未导入任何内容。") % {"lines": lines}, code="invalid_rows", fields=fields
        )


_KEEP = object()  # a column the file does not have: the catalogued value stays


@dataclass
class _Plan:
    """One edition the import writes: from a file row, or touched by another row (line is that row's)."""

    line: int
    code: StandardCode
    values: dict[str, Any]
    existing: StandardEdition | None
    replaced_by: object = _KEEP  # edition_key, None (clear) or _KEEP
    adopts: list[tuple[str, str]] | None = None  # (edition_key, relation); None: leave adoptions alone
    from_file: bool = True


def catalogue_import(*, actor: Actor, filename: str, content: bytes, dry_run: bool = False) -> CatalogueImportReport:
    """Import or update catalogue editions from a CSV (UTF-8 with or without BOM, or GB18030) or XLSX file.

    Every row is checked first and every problem reported with its line number; then all rows are written in one
    transaction, or none. Rows update the edition with the same code (edition_key) and create the others;
    columns the file lacks keep their catalogued values. A dry run checks and counts without writing. With
    problems, a dry run returns them in the report and a real run raises ServiceError (fields "line N").
    Editions a row replaces (代替标准) that the catalogue lacks are added, titled like the row that replaces them;
    so are adopted standards (采用国际标准).
    """
    actor.require("standards.curate")
    table = imports.read_catalogue(filename, content)
    report = CatalogueImportReport(filename=filename, rows=len(table.rows))
    with transaction.atomic():
        plans = _plan_import(table, report, lock=not dry_run)
        if report.problems:
            report.problems.sort(key=lambda p: (p.line, p.column))
            if dry_run:
                return report
            raise report.as_error()
        _count(plans, report)
        if dry_run:
            return report
        _write_import(actor, plans, report)
        report.committed = True
    return report


def _plan_import(table: imports.CatalogueFile, report: CatalogueImportReport, *, lock: bool) -> dict[str, _Plan]:
    today = _today()
    problem = report.problems

    def add(line: int, name: str, message: str) -> None:
        problem.append(ImportProblem(line, table.label(name) if name else "", message))

    names: dict[str, str] = {}  # edition_key → canonical, for messages

    def code_of(line: int, name: str, text: str) -> StandardCode | None:
        try:
            code = parse_code(text, field=name)
        except ServiceError as exc:
            add(line, name, exc.message)
            return None
        names.setdefault(code.edition_key, code.canonical)
        for message in _code_problems(code):
            add(line, name, message)
        return code

    # 1. Read each row on its own.
    rows: list[tuple[imports.RawRow, StandardCode, dict[str, Any], list[StandardCode], StandardCode | None, Any]] = []
    first_line: dict[str, int] = {}
    for raw in table.rows:
        for name, message in raw.problems:
            add(raw.line, name, message)
        cells = raw.cells
        code = code_of(raw.line, "code", str(cells["code"])) if cells.get("code") else None
        if not cells.get("code"):
            add(raw.line, "code", _("请填写标准号。"))
        values: dict[str, Any] = {}
        if "title_zh" in cells:
            values["title_zh"] = str(cells["title_zh"] or "")
            if not values["title_zh"]:
                add(raw.line, "title_zh", _("请填写中文名称。"))
        if "title_en" in cells:
            values["title_en"] = str(cells["title_en"] or "")
        for name in ("title_zh", "title_en"):
            if len(values.get(name, "")) > 300:
                add(raw.line, name, _("名称过长（最多 300 个字）。"))
        if "ics" in cells:
            try:
                values["ics"] = imports.clean_ics(str(cells["ics"] or ""))
            except ValueError as exc:
                add(raw.line, "ics", str(exc))
        if cells.get("status"):
            try:
                values["status"] = imports.parse_status(str(cells["status"]))
            except ValueError as exc:
                add(raw.line, "status", str(exc))
        for name in imports.DATE_FIELDS:
            if name in cells:
                values[name] = cells[name]
        replaces = [
            c for t in imports.split_codes(_text(cells.get("replaces"))) if (c := code_of(raw.line, "replaces", t))
        ]
        replaced_by: Any = _KEEP
        if "replaced_by" in cells:
            targets = imports.split_codes(_text(cells.get("replaced_by")))
            replaced_by = None
            if len(targets) > 1:
                add(raw.line, "replaced_by", _("只能填写一个代替它的标准。"))
            elif targets:
                replaced_by = code_of(raw.line, "replaced_by", targets[0]) or _KEEP
        adopts: Any = None
        if "adopts" in cells:
            adopts = []
            for text, relation in imports.split_adoptions(_text(cells.get("adopts"))):
                adopted = code_of(raw.line, "adopts", text) if text else None
                if not text:
                    add(raw.line, "adopts", _("缺少被采用标准的编号。"))
                if relation is None:
                    add(raw.line, "adopts", _("“%(text)s”没有注明采用程度（IDT、MOD 或 NEQ）。") % {"text": text})
                elif adopted is not None:
                    adopts.append((adopted, relation))
        if code is None:
            continue
        if code.edition_key in first_line:
            add(
                raw.line,
                "code",
                _("与第 %(line)d 行是同一标准 %(code)s。")
                % {"line": first_line[code.edition_key], "code": code.canonical},
            )
            continue
        first_line[code.edition_key] = raw.line
        rows.append((raw, code, values, replaces, replaced_by, adopts))

    # 2. The catalogued editions the file names, by code.
    keys = {code.edition_key for _r, code, *_rest in rows}
    for _r, _c, _v, replaces, replaced_by, adopts in rows:
        keys |= {c.edition_key for c in replaces}
        if isinstance(replaced_by, StandardCode):
            keys.add(replaced_by.edition_key)
        keys |= {c.edition_key for c, _rel in adopts or []}
    catalogued = _editions_by_key(keys, lock=lock)

    # 3. What each row will write.
    defaults: dict[str, Any] = {
        "title_zh": "", "title_en": "", "ics": "", "status": StandardStatus.CURRENT,
        "published_on": None, "effective_on": None, "withdrawn_on": None,
    }  # fmt: skip
    plans: dict[str, _Plan] = {}
    for raw, code, values, _replaces, replaced_by, adopts in rows:
        existing = catalogued.get(code.edition_key)
        merged = {name: getattr(existing, name) for name in defaults} if existing else dict(defaults)
        merged.update(values)
        plan = _Plan(raw.line, code, merged, existing)
        if isinstance(replaced_by, StandardCode):
            plan.replaced_by = replaced_by.edition_key
            if replaced_by.edition_key == code.edition_key:
                add(raw.line, "replaced_by", _("标准不能被自己代替。"))
        elif replaced_by is None:
            plan.replaced_by = None
        if adopts is not None:
            plan.adopts = []
            for adopted, relation in adopts:
                if adopted.edition_key == code.edition_key:
                    add(raw.line, "adopts", _("标准不能采用自己。"))
                else:
                    plan.adopts.append((adopted.edition_key, relation))
        plans[code.edition_key] = plan

    # 4. 代替标准: the row's edition replaces these; they are withdrawn when it takes effect.
    replaced_here: dict[str, int] = {}
    for raw, code, _values, replaces, _rb, _ad in rows:
        plan = plans[code.edition_key]
        for old in replaces:
            key = old.edition_key
            if key == code.edition_key:
                add(raw.line, "replaces", _("标准不能代替自己。"))
                continue
            if key in replaced_here:
                add(
                    raw.line,
                    "replaces",
                    _("%(code)s 在第 %(line)d 行已被另一标准代替。")
                    % {"code": old.canonical, "line": replaced_here[key]},
                )
                continue
            replaced_here[key] = raw.line
            target = plans.get(key)
            if target is not None and target.from_file:
                named = target.replaced_by
                if named is not _KEEP and named is not None and named != code.edition_key:
                    add(
                        raw.line,
                        "replaces",
                        _("第 %(line)d 行写明 %(old)s 被 %(other)s 代替。")
                        % {"line": target.line, "old": old.canonical, "other": names.get(str(named), str(named))},
                    )
                    continue
                target.replaced_by = code.edition_key
                if target.values["status"] not in RETIRED:
                    add(
                        raw.line,
                        "replaces",
                        _("被代替的 %(old)s（第 %(line)d 行）状态应为“废止”或“即将废止”。")
                        % {"old": old.canonical, "line": target.line},
                    )
                continue
            existing = catalogued.get(key)
            if existing is not None:
                if existing.replaced_by is not None and existing.replaced_by.edition_key != code.edition_key:
                    add(
                        raw.line,
                        "replaces",
                        _("目录中 %(old)s 已被 %(other)s 代替。")
                        % {"old": existing.canonical, "other": existing.replaced_by.canonical},
                    )
                    continue
                values = {name: getattr(existing, name) for name in defaults}
            else:
                values = {**dict(defaults), "title_zh": plan.values["title_zh"], "title_en": plan.values["title_en"],
                          "ics": plan.values["ics"]}  # fmt: skip
            touched = _Plan(raw.line, old, values, existing, replaced_by=code.edition_key, from_file=False)
            if values["status"] not in RETIRED or values["withdrawn_on"] is None:
                on = plan.values["effective_on"]
                if on is None:
                    add(
                        raw.line,
                        "effective_on",
                        _("%(code)s 代替 %(old)s，须填写实施日期（被代替标准于该日废止）。")
                        % {"code": code.canonical, "old": old.canonical},
                    )
                    continue
                values["withdrawn_on"] = on
                if values["status"] not in RETIRED:
                    values["status"] = _status_of(on, today)
            plans[key] = touched

    # 5. 被代替为 and 采用: the named editions must exist; adopted ones the catalogue lacks are added.
    for plan in list(plans.values()):
        if isinstance(plan.replaced_by, str) and plan.replaced_by not in plans and plan.replaced_by not in catalogued:
            add(
                plan.line,
                "replaced_by",
                _("代替它的标准 %(code)s 既不在目录中，也不在本文件中。") % {"code": names[plan.replaced_by]},
            )
        for key, _relation in plan.adopts or []:
            if key not in plans and key not in catalogued:
                adopted = parse_standard_code(key)
                plans[key] = _Plan(
                    plan.line, adopted,
                    {**dict(defaults), "title_zh": plan.values["title_zh"], "title_en": plan.values["title_en"]},
                    None, from_file=False,
                )  # fmt: skip

    # 6. Each edition's status, dates and replacement agree; replacements form no cycle.
    for plan in plans.values():
        replaced = (
            plan.replaced_by is not None
            if plan.replaced_by is not _KEEP
            else bool(plan.existing and plan.existing.replaced_by_id)
        )
        rules = edition_problems(**{n: plan.values[n] for n in imports.DATE_FIELDS}, status=plan.values["status"],
                                 replaced=replaced, today=today)  # fmt: skip
        for name, messages in rules.items():
            for message in messages:
                column = name if plan.from_file else "replaces"
                prefix = "" if plan.from_file else f"{plan.code.canonical}: "
                add(plan.line, column, prefix + message)
    _check_cycles(plans, catalogued, add)
    return plans


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _editions_by_key(keys: Iterable[str], *, lock: bool) -> dict[str, StandardEdition]:
    found: dict[str, StandardEdition] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 2000):
        chunk = StandardEdition.objects.filter(edition_key__in=wanted[start : start + 2000]).select_related(
            "replaced_by"
        )
        if lock:
            chunk = chunk.select_for_update(of=("self",))
        found.update({e.edition_key: e for e in chunk})
    return found


def _check_cycles(plans: dict[str, _Plan], catalogued: dict[str, StandardEdition], add: Any) -> None:
    graph: dict[str, str] = dict(
        StandardEdition.objects.filter(replaced_by__isnull=False).values_list("edition_key", "replaced_by__edition_key")
    )
    for key, plan in plans.items():
        if plan.replaced_by is None:
            graph.pop(key, None)
        elif isinstance(plan.replaced_by, str):
            graph[key] = plan.replaced_by
    reported: set[str] = set()
    for key, plan in plans.items():
        path = [key]
        node = graph.get(key)
        while node is not None and node not in path and len(path) <= 1000:
            path.append(node)
            node = graph.get(node)
        if node == key and key not in reported:
            reported.update(path)
            names = [plans[k].code.canonical if k in plans else catalogued[k].canonical if k in catalogued else k
                     for k in [*path, key]]  # fmt: skip
            add(plan.line, "replaced_by" if plan.from_file else "replaces",
                _("代替关系成环：%(cycle)s。") % {"cycle": " → ".join(names)})  # fmt: skip


def _count(plans: dict[str, _Plan], report: CatalogueImportReport) -> None:
    adoptions = _adoptions_by_edition([p.existing.pk for p in plans.values() if p.existing and p.adopts is not None])
    for plan in plans.values():
        if plan.existing is None:
            (report.created if plan.from_file else report.references_added).append(plan.code.canonical)
            continue
        before = {name: getattr(plan.existing, name) for name in plan.values}
        changed = before != plan.values
        if isinstance(plan.replaced_by, str):
            old = plan.existing.replaced_by
            changed |= old is None or old.edition_key != plan.replaced_by
        elif plan.replaced_by is None:
            changed |= plan.existing.replaced_by_id is not None
        if plan.adopts is not None:
            changed |= sorted(adoptions.get(plan.existing.pk, [])) != sorted(plan.adopts)
        if changed:
            report.updated.append(plan.code.canonical)
            if plan.values["status"] in RETIRED and plan.existing.status not in RETIRED:
                report.retired.append(plan.code.canonical)
        else:
            report.unchanged += 1


def _adoptions_by_edition(edition_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(edition_ids), 2000):
        pairs = Adoption.objects.filter(edition_id__in=edition_ids[start : start + 2000]).values_list(
            "edition_id", "adopts__edition_key", "relation"
        )
        for edition_id, key, relation in pairs:
            found[edition_id].append((key, relation))
    return found


def _write_import(actor: Actor, plans: dict[str, _Plan], report: CatalogueImportReport) -> None:
    changed = set(report.created) | set(report.updated) | set(report.references_added)
    todo = [p for p in plans.values() if p.code.canonical in changed]
    old_adoptions = _adoptions_by_edition([p.existing.pk for p in todo if p.existing and p.adopts is not None])
    befores: dict[str, dict[str, Any] | None] = {}
    new = []
    for plan in todo:
        edition = plan.existing
        if edition is None:
            edition = StandardEdition(**_code_fields(plan.code), **plan.values)
            new.append(edition)
            befores[plan.code.edition_key] = None
        else:
            befores[plan.code.edition_key] = {
                **snapshot(edition, AUDITED_FIELDS),
                **({"adopts": sorted(old_adoptions.get(edition.pk, []))} if plan.adopts is not None else {}),
            }
            for name, value in plan.values.items():
                setattr(edition, name, value)
        plan.existing = edition
    StandardEdition.objects.bulk_create(new, batch_size=1000)
    # Primary keys for every edition a replacement or an adoption names.
    referenced = {str(p.replaced_by) for p in todo if isinstance(p.replaced_by, str)}
    referenced |= {key for p in todo for key, _rel in p.adopts or []}
    ids = dict(StandardEdition.objects.filter(edition_key__in=referenced | {p.code.edition_key for p in todo})
               .values_list("edition_key", "pk"))  # fmt: skip
    for plan in todo:
        assert plan.existing is not None
        plan.existing.pk = ids[plan.code.edition_key]
        if isinstance(plan.replaced_by, str):
            plan.existing.replaced_by_id = ids[plan.replaced_by]
        elif plan.replaced_by is None:
            plan.existing.replaced_by_id = None
    editions = [p.existing for p in todo if p.existing is not None]
    StandardEdition.objects.bulk_update(editions, [*CONTENT_FIELDS, "replaced_by"], batch_size=1000)
    with_adoptions = [p for p in todo if p.adopts is not None and p.existing is not None]
    Adoption.objects.filter(edition_id__in=[p.existing.pk for p in with_adoptions if p.existing]).delete()
    Adoption.objects.bulk_create(
        [
            Adoption(edition_id=p.existing.pk, adopts_id=ids[key], relation=relation)
            for p in with_adoptions
            if p.existing is not None
            for key, relation in p.adopts or []
        ],
        batch_size=1000,
    )
    audit_record_many(
        actor=actor,
        action="standard.import",
        changes=[
            (
                p.existing,
                befores[p.code.edition_key],
                {
                    **snapshot(p.existing, AUDITED_FIELDS),
                    **({"adopts": sorted(p.adopts)} if p.adopts is not None else {}),
                },
            )
            for p in todo
            if p.existing is not None
        ],
        reason=_("导入 %(file)s：新增 %(created)d 条，更新 %(updated)d 条")
        % {
            "file": report.filename,
            "created": len(report.created) + len(report.references_added),
            "updated": len(report.updated),
        },
    )
    retired = set(report.retired)
    notified: set[int] = set()
    for plan in todo:
        if plan.existing is not None and plan.code.canonical in retired:
            impact = impact_of(plan.existing)
            _notify_impact(plan.existing, impact)
            notified |= {item.organisation.pk for item in impact}
    report.institutions_notified = len(notified)
