"""Capability search: which institutions of the cluster can test this object for these parameters by this method.

The need (object, parameters, method standard with or without its year, accreditation, region, deadline, free text)
is resolved against the small tables first (parameter aliases, the Term table of distinct object and parameter
names, the editions of the requested standard) and only then against the scope rows, through indexed keys:
`parameter_key [+ standard_base_key] + status`, `object_term + status`, or `standard` (foreign-key index). Scope
rows are never scanned with LIKE. The query count does not depend on the number of rows: aliases, terms, editions,
candidate rows (capped at `MAX_CANDIDATE_ROWS`), their valid accreditations, and the organisations of the page shown.

A row's verdict says how exactly it answers the need (ISO/IEC 17025 7.1.1: the method must be the one agreed with
the customer, edition included):

* ``covered``: the requested edition, or any current edition when no year was asked for;
* ``other_edition``: another edition of the same standard (a hint: "accredited for the 2010 edition, not 2017");
* ``withdrawn_edition``: the row's edition is withdrawn (a warning naming its replacement);
* ``not_accredited``: the row lacks a valid accreditation from the body the need requires.

The scope rows of institutions are public by design (the accredited scope is a public document); this selector
therefore reads across tenants, and shows only active rows of active institutions. Prices are shown only where
the institution publishes them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.choices import InstitutionLevel, OrganisationKind, Ownership
from tichub.accounts.models import Organisation
from tichub.core.errors import ServiceError
from tichub.science.standard_codes import StandardCode, StandardCodeError, parse_standard_code
from tichub.standards.choices import StandardStatus
from tichub.standards.models import StandardEdition

from .choices import AccreditationBody, ScopeStatus
from .models import ScopeRow
from .normalise import normalise
from .search_terms import TEXT_LIMIT, Unit, plan_need
from .services import alias_map

Verdict = Literal["covered", "other_edition", "withdrawn_edition", "not_accredited"]
CoverageLevel = Literal["complete", "partial", "none"]

VERDICT_ORDER: dict[str, int] = {"covered": 0, "other_edition": 1, "withdrawn_edition": 2, "not_accredited": 3}
HINTS = frozenset({"other_edition", "withdrawn_edition"})
ACCREDITATION_FILTERS = (AccreditationBody.CNAS.value, AccreditationBody.CMA.value)

#: Scope rows read for one search at most; beyond this the result says `truncated` and asks for a narrower need.
MAX_CANDIDATE_ROWS = 5000
PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
#: Rows shown per parameter and institution (the best first).
ROWS_SHOWN = 5

_NO_TURNAROUND = 10**6


class SearchInputError(ServiceError):
    """A need that cannot be searched as typed (an unreadable standard code, a deadline in the past)."""

    status = 422

    def __init__(self, name: str, message: str, *, code: str, suggestion: str | None = None) -> None:
        super().__init__(message, code=code, fields={name: [message]})
        self.suggestion = suggestion


# ------------------------------------------------------------------------------------------------------------------
# The need and the result
# ------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What a customer needs tested. Every field is optional; at least one of the first four or `q` is needed."""

    object_text: str = ""
    parameters: tuple[str, ...] = ()
    standard_code: str = ""
    accreditation: str | None = None  # "CNAS", "CMA" or None (no accreditation required)
    region: str = ""
    deadline: dt.date | None = None
    q: str = ""

    @property
    def is_empty(self) -> bool:
        """Nothing names what to test: region, accreditation and deadline alone only narrow a search."""
        return not (
            normalise(self.object_text)
            or any(normalise(p) for p in self.parameters)
            or normalise(self.standard_code)
            or normalise(self.q)
        )


@dataclass(frozen=True)
class OrganisationCard:
    id: int
    slug: str
    name_zh: str
    name_en: str
    level: str
    ownership: str
    region: str

    @property
    def level_label(self) -> str:
        return str(InstitutionLevel(self.level).label) if self.level in InstitutionLevel.values else self.level

    @property
    def ownership_label(self) -> str:
        return str(Ownership(self.ownership).label) if self.ownership in Ownership.values else self.ownership


@dataclass(frozen=True)
class MatchedRow:
    id: int
    object_zh: str
    object_en: str
    parameter_zh: str
    parameter_en: str
    standard: str
    standard_title: str
    clause: str
    limitation: str
    site: str
    site_region: str
    accreditations: tuple[str, ...]  # valid today, e.g. "CNAS L1234"
    turnaround_days: int | None
    list_price: Decimal | None  # only when the institution publishes its prices
    verdict: Verdict
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True)
class ParameterCoverage:
    """How one institution answers one requested parameter (or the whole need when no parameter was named)."""

    parameter: str
    verdict: Verdict | None
    rows: tuple[MatchedRow, ...]
    more_rows: int = 0


@dataclass(frozen=True)
class InstitutionMatch:
    organisation: OrganisationCard
    coverage: tuple[ParameterCoverage, ...]
    complete: bool
    covered_count: int
    hinted_count: int
    score: tuple[int, ...]
    turnaround_days: int | None
    meets_deadline: bool | None
    load: int


@dataclass(frozen=True)
class SearchResult:
    need: Need
    searched: bool  # False for an empty need: nothing was looked up, nothing is recorded
    institutions: tuple[InstitutionMatch, ...]
    total: int  # institutions that match, over all pages
    page: int
    page_size: int
    parameters: tuple[str, ...]  # the requested parameters as understood (free-text ones included)
    missing_parameters: tuple[str, ...]  # requested parameters no institution covers
    missing_keys: tuple[str, ...]  # the same, as canonical parameter keys (for the demand record)
    coverage: CoverageLevel
    single_institution: bool  # one institution covers everything
    standard: str  # canonical code of the requested standard, "" when none
    notes_zh: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()
    unrecognised: tuple[str, ...] = ()  # free-text words that name no known object or parameter
    truncated: bool = False
    working_days: int | None = None  # working days from today to the deadline

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# ------------------------------------------------------------------------------------------------------------------
# Hooks and small helpers
# ------------------------------------------------------------------------------------------------------------------


def institution_load(ids: Iterable[int]) -> dict[int, int]:
    """Open orders per institution, used to break ties between equally good matches (the less loaded first).

    One grouped query over the marketplace's open orders; imported here, not at module level, because the
    marketplace builds on the registry and not the other way round.
    """
    from tichub.marketplace.order_selectors import open_order_counts

    return open_order_counts(ids)


def working_days_until(deadline: dt.date, today: dt.date) -> int:
    """Monday-to-Friday days after today up to and including the deadline (public holidays are not known)."""
    if deadline <= today:
        return 0
    days = (deadline - today).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (today + dt.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def _parse_code(text: str) -> StandardCode | None:
    if not normalise(text):
        return None
    try:
        return parse_standard_code(text)
    except StandardCodeError as exc:
        message = _("标准号“%(text)s”无法识别：%(reason)s。") % {"text": text.strip(), "reason": exc.reason}
        if exc.suggestion:
            message += " " + _("您是否要输入“%(suggestion)s”？") % {"suggestion": exc.suggestion}
        raise SearchInputError("standard", message, code="invalid_standard", suggestion=exc.suggestion) from None


def _edition_notes(code: StandardCode, editions: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """What the catalogue says about the requested standard: withdrawn and replaced, unknown, or undated."""
    zh: list[str] = []
    en: list[str] = []
    if not code.dated:
        zh.append(f"未指定年代号：{code.base} 的各个版本均可匹配，现行版本优先。")
        en.append(f"No year given: every edition of {code.base} matches, current editions first.")
        return zh, en
    wanted = next((e for e in editions if e["edition_key"] == code.edition_key), None)
    if wanted is None:
        others = "、".join(e["canonical"] for e in editions)
        zh.append(f"标准目录中没有 {code.canonical}" + (f"（目录中有：{others}）。" if others else "。"))
        en.append(
            f"{code.canonical} is not in the standards catalogue"
            + (f" (catalogued: {', '.join(e['canonical'] for e in editions)})." if others else ".")
        )
    elif wanted["status"] == StandardStatus.WITHDRAWN:
        replacement = wanted["replaced_by__canonical"]
        if replacement:
            zh.append(f"{code.canonical} 已废止，被 {replacement} 代替。")
            en.append(f"{code.canonical} is withdrawn, replaced by {replacement}.")
        else:
            zh.append(f"{code.canonical} 已废止。")
            en.append(f"{code.canonical} is withdrawn.")
    return zh, en


# ------------------------------------------------------------------------------------------------------------------
# Verdicts
# ------------------------------------------------------------------------------------------------------------------


def _edition_label(code: StandardCode) -> str:
    return code.written_year or str(code.year) if code.year is not None else code.canonical


def _verdict(edition_key: str, status: str, accredited: bool, code: StandardCode | None) -> Verdict:
    """How exactly one scope row answers the need: decided on the edition's key and status and, when an
    accreditation is required, on whether the row holds a valid one."""
    if not accredited:
        return "not_accredited"
    if status == StandardStatus.WITHDRAWN:
        return "withdrawn_edition"
    if code is not None and code.dated and edition_key != code.edition_key:
        return "other_edition"
    return "covered"


def _explain(
    verdict: Verdict,
    detail: dict[str, Any],
    code: StandardCode | None,
    required: str | None,
    bodies: set[str],
    replaces: str | None,
) -> tuple[str, str]:
    """The verdict said in Chinese and in English, naming editions and replacements."""
    canonical = detail["standard__canonical"]
    replacement = detail["standard__replaced_by__canonical"]
    if verdict == "not_accredited":
        held = sorted(bodies)
        zh = f"该项目没有有效的 {required} 认可/资质" + (f"（现有：{'、'.join(held)}）" if held else "")
        en = f"no valid {required} accreditation for this item" + (f" (holds: {', '.join(held)})" if held else "")
        return zh, en
    other = code is not None and code.dated and detail["standard__edition_key"] != code.edition_key
    if verdict == "withdrawn_edition":
        zh = f"{canonical} 已废止" + (f"，被 {replacement} 代替" if replacement else "")
        en = f"{canonical} is withdrawn" + (f", replaced by {replacement}" if replacement else "")
        if other and code is not None:
            zh = f"认可版本为 {canonical}，而非 {_edition_label(code)} 版；{zh}"
            en = f"accredited for {canonical}, not {_edition_label(code)}; {en}"
        return zh, en
    if verdict == "other_edition" and code is not None:
        if replaces and replaces == code.canonical:
            return (
                f"认可版本为 {canonical}（代替所需的 {code.canonical}）",
                f"accredited for {canonical}, which replaces {code.canonical}",
            )
        return (
            f"认可版本为 {canonical}，而非 {_edition_label(code)} 版",
            f"accredited for {canonical}, not {_edition_label(code)}",
        )
    if code is not None and code.dated:
        zh, en = f"认可版本与所需一致：{canonical}", f"accredited for {canonical}, the edition required"
    else:
        zh, en = f"按 {canonical} 检测", f"tested by {canonical}"
    if detail["standard__status"] == StandardStatus.TO_BE_WITHDRAWN:
        zh += "；该版本即将废止" + (f"，将被 {replacement} 代替" if replacement else "")
        en += "; this edition is to be withdrawn" + (f", replaced by {replacement}" if replacement else "")
    return zh, en


# ------------------------------------------------------------------------------------------------------------------
# The search
# ------------------------------------------------------------------------------------------------------------------

# What every candidate row needs for its verdict and rank (tuples: read fast, thousands of them).
_CANDIDATE = ("id", "organisation_id", "parameter_key", "standard_id", "standard__edition_key", "standard__status",
              "turnaround_days")  # fmt: skip
# What a shown row needs besides: read for the page's rows only.
_DETAIL = (
    "id",
    "object_term__name_zh",
    "object_term__name_en",
    "parameter_term__name_zh",
    "parameter_term__name_en",
    "standard__canonical",
    "standard__edition_key",
    "standard__status",
    "standard__title_zh",
    "standard__replaced_by__canonical",
    "clause",
    "limitation",
    "site__name_zh",
    "site__region",
    "list_price",
)


class _Candidate(NamedTuple):
    id: int
    organisation_id: int
    parameter_key: str
    standard_id: int
    turnaround_days: int | None
    verdict: Verdict


def _empty(need: Need, page: int, page_size: int, searched: bool = False, **extra: Any) -> SearchResult:
    defaults: dict[str, Any] = {
        "institutions": (),
        "total": 0,
        "parameters": (),
        "missing_parameters": (),
        "missing_keys": (),
        "coverage": "none",
        "single_institution": False,
        "standard": "",
    }
    defaults.update(extra)
    return SearchResult(need=need, searched=searched, page=page, page_size=page_size, **defaults)


def capability_search(need: Need, *, page: int = 1, page_size: int = PAGE_SIZE) -> SearchResult:
    """Institutions ranked by how completely and exactly they cover the need (see the module's docstring).

    Ranking: parameters covered by the exact edition, then parameters with only a hint, then whether the typical
    turnaround meets the deadline, then the shortest turnaround, then the lightest load, then the oldest id.
    Raises SearchInputError (422) for an unreadable standard code or a deadline in the past.

    Queries, whatever the number of rows: aliases, terms (when text is typed), the requested standard's editions,
    candidate rows (verdict fields only, capped), then for the page shown: its rows' details, their valid
    accreditations, and its organisations.
    """
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    today = timezone.localdate()
    required = need.accreditation if need.accreditation in ACCREDITATION_FILTERS else None
    code = _parse_code(need.standard_code)
    if need.deadline is not None and need.deadline < today:
        raise SearchInputError("deadline", _("截止日期不能早于今天。"), code="deadline_past")
    working_days = working_days_until(need.deadline, today) if need.deadline else None
    if need.is_empty:
        return _empty(need, page, page_size, working_days=working_days)

    plan = plan_need(
        object_text=need.object_text,
        parameters=need.parameters,
        q=need.q,
        standard_given=code is not None,
        aliases=alias_map(),
    )
    if not plan.units:
        label = need.q.strip() or need.object_text.strip() or need.standard_code.strip()
        plan.units = [Unit(label[:TEXT_LIMIT], None)]
    labels = tuple(u.label for u in plan.units if u.keys is not None)
    notes_zh: list[str] = []
    notes_en: list[str] = []

    rows_qs = ScopeRow.objects.filter(
        status=ScopeStatus.ACTIVE, organisation__is_active=True, organisation__kind=OrganisationKind.INSTITUTION
    )
    replaces: dict[int, str] = {}  # edition id → the edition it replaces, among the requested standard's editions
    if code is not None:
        editions: list[dict[str, Any]] = [
            dict(e)
            for e in StandardEdition.objects.filter(base_key=code.base_key).values(
                "id", "canonical", "edition_key", "status", "replaced_by_id", "replaced_by__canonical"
            )
        ]
        replaces = {e["replaced_by_id"]: e["canonical"] for e in editions if e["replaced_by_id"]}
        edition_zh, edition_en = _edition_notes(code, editions)
        notes_zh += edition_zh
        notes_en += edition_en
        if plan.parameter_keys is not None:
            rows_qs = rows_qs.filter(standard_base_key=code.base_key)
        else:
            rows_qs = rows_qs.filter(standard_id__in=[e["id"] for e in editions])
    if plan.parameter_keys is not None:
        rows_qs = rows_qs.filter(parameter_key__in=sorted(plan.parameter_keys))
    if plan.object_ids is not None:
        rows_qs = rows_qs.filter(object_term_id__in=sorted(plan.object_ids))
    if plan.either is not None:
        objects, keys = plan.either
        rows_qs = rows_qs.filter(Q(object_term_id__in=sorted(objects)) | Q(parameter_key__in=sorted(keys)))
    region = need.region.strip()
    if region:
        rows_qs = rows_qs.filter(
            Q(site__region__icontains=region)
            | Q(site__name_zh__icontains=region)
            | Q(site__address_zh__icontains=region)
            | Q(organisation__profile__region__icontains=region)
        )
    fields: tuple[str, ...] = _CANDIDATE
    if required:
        valid = ScopeRow.accreditations.through.objects.filter(
            scoperow_id=OuterRef("pk"),
            accreditation__body=required,
            accreditation__valid_from__lte=today,
            accreditation__valid_until__gte=today,
        )
        rows_qs = rows_qs.annotate(accredited=Exists(valid))
        fields = (*_CANDIDATE, "accredited")
    nothing = plan.object_ids == set() or (plan.parameter_keys is not None and not plan.parameter_keys)
    raw = [] if nothing else list(rows_qs.values_list(*fields)[: MAX_CANDIDATE_ROWS + 1])
    truncated = len(raw) > MAX_CANDIDATE_ROWS
    candidates = [
        _Candidate(r[0], r[1], r[2], r[3], r[6], _verdict(r[4], r[5], r[7] if required else True, code))
        for r in raw[:MAX_CANDIDATE_ROWS]
    ]

    # Verdicts grouped by institution and requested parameter.
    by_org: dict[int, dict[int, list[_Candidate]]] = defaultdict(lambda: defaultdict(list))
    for candidate in candidates:
        for index, unit in enumerate(plan.units):
            if unit.keys is None or candidate.parameter_key in unit.keys:
                by_org[candidate.organisation_id][index].append(candidate)

    covered_anywhere: set[int] = set()
    scored: list[tuple[tuple[int, ...], int, dict[int, Verdict | None], int | None, bool | None]] = []
    loads = institution_load(by_org)
    for org_id, per_unit in by_org.items():
        best: dict[int, Verdict | None] = {}
        slowest: int | None = None
        for index in range(len(plan.units)):
            matched = per_unit.get(index, [])
            if not matched:
                best[index] = None
                continue
            top = min((m.verdict for m in matched), key=VERDICT_ORDER.__getitem__)
            best[index] = top
            if top == "covered":
                covered_anywhere.add(index)
            if top != "not_accredited":
                days = [m.turnaround_days for m in matched if m.verdict == top and m.turnaround_days]
                if days:
                    slowest = max(slowest or 0, min(days))
        covered = sum(1 for v in best.values() if v == "covered")
        hinted = sum(1 for v in best.values() if v in HINTS)
        if not covered and not hinted:
            continue  # only rows without the required accreditation: not a match
        meets = None if working_days is None or slowest is None else slowest <= working_days
        score: tuple[int, ...] = (
            covered,
            hinted,
            {True: 2, None: 1, False: 0}[meets],
            -(slowest if slowest is not None else _NO_TURNAROUND),
            -loads.get(org_id, 0),
        )
        scored.append((score, org_id, best, slowest, meets))
    scored.sort(key=lambda s: (-s[0][0], -s[0][1], -s[0][2], -s[0][3], -s[0][4], s[1]))

    total = len(scored)
    shown = scored[(page - 1) * page_size : page * page_size]
    # The rows shown: the best few per institution and parameter.
    picked: dict[tuple[int, int], list[_Candidate]] = {}
    for _score, org_id, _best, _slowest, _meets in shown:
        for index in range(len(plan.units)):
            matched = sorted(
                by_org[org_id].get(index, []),
                key=lambda m: (VERDICT_ORDER[m.verdict], m.turnaround_days or _NO_TURNAROUND, m.id),
            )
            picked[(org_id, index)] = matched
    shown_ids = sorted({m.id for matched in picked.values() for m in matched[:ROWS_SHOWN]})
    details: dict[int, dict[str, Any]] = {}
    bodies: dict[int, set[str]] = defaultdict(set)
    marks: dict[int, list[str]] = defaultdict(list)
    organisations: dict[int, dict[str, Any]] = {}
    if shown_ids:
        details = {d["id"]: d for d in ScopeRow.objects.filter(id__in=shown_ids).values(*_DETAIL)}
        for row_id, body, number in ScopeRow.accreditations.through.objects.filter(
            scoperow_id__in=shown_ids,
            accreditation__valid_from__lte=today,
            accreditation__valid_until__gte=today,
        ).values_list("scoperow_id", "accreditation__body", "accreditation__number"):
            bodies[row_id].add(body)
            marks[row_id].append(f"{body} {number}")
        organisations = {
            o["id"]: dict(o)
            for o in Organisation.objects.filter(id__in=[s[1] for s in shown]).values(
                "id", "slug", "name_zh", "name_en", "level", "ownership", "profile__region", "profile__prices_public"
            )
        }
    institutions = []
    for score, org_id, best, slowest, meets in shown:
        org = organisations[org_id]
        prices = bool(org["profile__prices_public"])
        coverage = []
        for index, unit in enumerate(plan.units):
            matched = picked[(org_id, index)]
            rows = []
            for m in matched[:ROWS_SHOWN]:
                detail = details[m.id]
                zh, en = _explain(m.verdict, detail, code, required, bodies[m.id], replaces.get(m.standard_id))
                rows.append(_matched_row(m, detail, zh, en, tuple(sorted(marks[m.id])), prices))
            more = max(0, len(matched) - ROWS_SHOWN)
            coverage.append(ParameterCoverage(unit.label, best[index], tuple(rows), more_rows=more))
        institutions.append(
            InstitutionMatch(
                organisation=OrganisationCard(
                    id=org_id,
                    slug=org["slug"],
                    name_zh=org["name_zh"],
                    name_en=org["name_en"],
                    level=org["level"],
                    ownership=org["ownership"],
                    region=org["profile__region"] or "",
                ),
                coverage=tuple(coverage),
                complete=score[0] == len(plan.units),
                covered_count=score[0],
                hinted_count=score[1],
                score=score,
                turnaround_days=slowest,
                meets_deadline=meets,
                load=-score[4],
            )
        )

    missing_units = [u for i, u in enumerate(plan.units) if i not in covered_anywhere]
    if len(missing_units) == len(plan.units):
        level: CoverageLevel = "none"
    elif missing_units or plan.unrecognised:
        level = "partial"  # words naming nothing known (榴莲 in 榴莲中的铅) are part of the need that is not met
    else:
        level = "complete"
    if plan.unrecognised:
        ignored = "、".join(plan.unrecognised)
        notes_zh.append(f"未识别：{ignored}（不是已知的检测对象或项目）。")
        notes_en.append(f"Not recognised: {', '.join(plan.unrecognised)} (no known object or parameter).")
    if truncated:
        notes_zh.append(f"匹配的能力范围条目超过 {MAX_CANDIDATE_ROWS} 条，结果可能不全，请细化条件。")
        notes_en.append(f"More than {MAX_CANDIDATE_ROWS} scope rows match; results may be incomplete: narrow the need.")
    return SearchResult(
        need=need,
        searched=True,
        institutions=tuple(institutions),
        total=total,
        page=page,
        page_size=page_size,
        parameters=labels,
        missing_parameters=tuple(u.label for u in missing_units if u.keys is not None),
        missing_keys=tuple(u.key for u in missing_units if u.keys is not None and u.key),
        coverage=level,
        single_institution=any(s[0][0] == len(plan.units) for s in scored),
        standard=code.canonical if code else "",
        notes_zh=tuple(notes_zh),
        notes_en=tuple(notes_en),
        unrecognised=tuple(plan.unrecognised),
        truncated=truncated,
        working_days=working_days,
    )


def _matched_row(
    candidate: _Candidate,
    detail: dict[str, Any],
    zh: str,
    en: str,
    accreditations: tuple[str, ...],
    prices_public: bool,
) -> MatchedRow:
    return MatchedRow(
        id=candidate.id,
        object_zh=detail["object_term__name_zh"],
        object_en=detail["object_term__name_en"],
        parameter_zh=detail["parameter_term__name_zh"],
        parameter_en=detail["parameter_term__name_en"],
        standard=detail["standard__canonical"],
        standard_title=detail["standard__title_zh"],
        clause=detail["clause"],
        limitation=detail["limitation"],
        site=detail["site__name_zh"],
        site_region=detail["site__region"],
        accreditations=accreditations,
        turnaround_days=candidate.turnaround_days,
        list_price=detail["list_price"] if prices_public else None,
        verdict=candidate.verdict,
        explanation_zh=zh,
        explanation_en=en,
    )
