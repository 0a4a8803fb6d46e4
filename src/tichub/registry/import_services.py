"""Scope imports: upload → preview (every row validated, diff against the current scope) → commit all or nothing.

The uploaded table is the institution's whole scope: rows it adds are created, rows it changes are updated, and
current rows it no longer lists are withdrawn (kept, because orders and reports reference them). Reads and writes
take a bounded number of queries whatever the number of rows: names, standards, sites and accreditations are
resolved in bulk, rows are written with bulk statements.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.models import Organisation
from tichub.core.audit import audit_record
from tichub.core.errors import Conflict, NotFound, ServiceError
from tichub.core.tenancy import Actor
from tichub.standards.models import StandardEdition
from tichub.standards.services import editions_ensure

from .choices import AccreditationBody, ScopeStatus, TermKind
from .imports import ParsedTable, ScopeRecord, TableError, parse_scope_table
from .models import Accreditation, ScopeImport, ScopeRow, Term, TestSite
from .normalise import normalise
from .services import alias_map, parameter_key

JSON = dict[str, Any]
MANAGE = "registry.scope.manage"
DEFAULT_SITE = "主场所"
BATCH = 1000
IN_CHUNK = 900  # values per IN (...) list: under SQLite's smallest variable limit (999)
SEP = "\x1f"
COMPARED = ("parameter", "clause", "limitation", "accreditations", "status", "turnaround_days", "list_price")

__all__ = ["scope_import_commit", "scope_import_discard", "scope_import_preview"]


# --------------------------------------------------------------------------------------------------------------
# What the institution has: sites, accreditations, the current scope
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Accreditation:
    id: int
    body: str
    number: str
    valid_from: dt.date
    valid_until: dt.date
    site_ids: frozenset[int]

    @property
    def label(self) -> str:
        return f"{self.body} {self.number}"

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def covers(self, site_id: int | None) -> bool:
        return not self.site_ids or site_id in self.site_ids


@dataclass
class _Institution:
    id: int
    today: dt.date
    sites: list[tuple[int, str]]  # (id, name_zh) by id
    accreditations: list[_Accreditation]
    aliases: dict[str, str] = field(default_factory=dict)
    site_keys: dict[str, tuple[int, str]] = field(default_factory=dict)
    resolved: dict[tuple[tuple[str, ...], int | None, str], tuple[list[_Accreditation], list[str]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        self.site_keys = {normalise(name): (pk, name) for pk, name in self.sites}

    @classmethod
    def load(cls, organisation_id: int, *, aliases: bool = True) -> _Institution:
        sites = list(
            TestSite.objects.filter(organisation_id=organisation_id).order_by("id").values_list("id", "name_zh")
        )
        covered: dict[int, set[int]] = defaultdict(set)
        through = Accreditation.sites.through.objects.filter(accreditation__organisation_id=organisation_id)
        for accreditation_id, site_id in through.values_list("accreditation_id", "testsite_id"):
            covered[accreditation_id].add(site_id)
        accreditations = [
            _Accreditation(pk, body, number, start, end, frozenset(covered[pk]))
            for pk, body, number, start, end in Accreditation.objects.filter(organisation_id=organisation_id)
            .order_by("body", "number")
            .values_list("id", "body", "number", "valid_from", "valid_until")
        ]
        return cls(
            id=organisation_id,
            today=timezone.localdate(),
            sites=sites,
            accreditations=accreditations,
            aliases=alias_map() if aliases else {},
        )

    def site_names(self) -> str:
        return "、".join(name for _pk, name in self.sites) or _("（尚未登记场所）")

    def default_site(self) -> tuple[int | None, str]:
        """The site of rows that name none: the only (or first) site, or a default site made at commit."""
        return self.sites[0] if self.sites else (None, DEFAULT_SITE)


def _current_scope(organisation_id: int) -> tuple[list[JSON], dict[int, list[int]]]:
    """Every scope row of the institution (withdrawn ones too) as plain values, and their accreditation ids."""
    rows: list[JSON] = [
        dict(row)
        for row in ScopeRow.objects.filter(organisation_id=organisation_id)
        .order_by("id")
        .values(
            "id", "object_term__key", "object_term__name_zh", "parameter_term__key", "parameter_term__name_zh",
            "parameter_key", "standard__edition_key", "standard__canonical", "clause", "limitation", "site__name_zh",
            "status", "turnaround_days", "list_price",
        )
    ]  # fmt: skip
    accreditations: dict[int, list[int]] = defaultdict(list)
    through = ScopeRow.accreditations.through.objects.filter(scoperow__organisation_id=organisation_id)
    for row_id, accreditation_id in through.values_list("scoperow_id", "accreditation_id").order_by("id"):
        accreditations[row_id].append(accreditation_id)
    return rows, accreditations


# --------------------------------------------------------------------------------------------------------------
# Validating rows against the institution
# --------------------------------------------------------------------------------------------------------------


def _row_key(object_key: str, param_key: str, edition_key: str, clause: str, site_name: str) -> str:
    """Two rows with this key are the same capability: object, parameter (after aliases), edition, clause, site."""
    return SEP.join((object_key, param_key, edition_key, normalise(clause), normalise(site_name)))


def _exact_key(object_key: str, term_key: str, edition_key: str, clause: str, site_name: str) -> str:
    """The database's own uniqueness: object term, parameter term, edition, clause as written, site."""
    return SEP.join((object_key, term_key, edition_key, clause, normalise(site_name)))


def _resolve_site(record: ScopeRecord, institution: _Institution, errors: list[str]) -> tuple[int | None, str]:
    if record.site is None:
        return institution.default_site()
    wanted = normalise(record.site)
    if wanted in institution.site_keys:
        return institution.site_keys[wanted]
    if not institution.sites and wanted == normalise(DEFAULT_SITE):
        return None, DEFAULT_SITE
    errors.append(
        _("场所“%(site)s”不存在。本机构的场所：%(sites)s。") % {"site": record.site, "sites": institution.site_names()}
    )
    return None, record.site


def _resolve_accreditations(
    tokens: Sequence[str], site_id: int | None, site_name: str, institution: _Institution, errors: list[str]
) -> list[_Accreditation]:
    """'CNAS' → the institution's CNAS accreditations valid today that cover the row's site; or a certificate."""
    cache_key = (tuple(tokens), site_id, site_name)
    if cache_key not in institution.resolved:  # thousands of rows share a few combinations
        problems: list[str] = []
        institution.resolved[cache_key] = (
            _accreditations_for(tokens, site_id, site_name, institution, problems),
            problems,
        )
    found, problems = institution.resolved[cache_key]
    errors.extend(problems)
    return found


BODIES = frozenset(AccreditationBody.values)


def _accreditations_for(
    tokens: Sequence[str], site_id: int | None, site_name: str, institution: _Institution, errors: list[str]
) -> list[_Accreditation]:
    found: list[_Accreditation] = []
    for token in tokens:
        if token in BODIES:
            candidates = [a for a in institution.accreditations if a.body == token]
            what = token
        else:
            candidates = [a for a in institution.accreditations if normalise(a.number) == normalise(token)]
            what = token
            if not candidates:
                errors.append(
                    _("无法识别认可/资质“%(token)s”：请填写 CNAS、CMA 或本机构的证书编号，多个用逗号分隔；无则留空。")
                    % {"token": token}
                )
                continue
        if not candidates:
            errors.append(_("本机构没有登记 %(body)s 认可/资质，请先在资质管理中登记。") % {"body": what})
            continue
        valid = [a for a in candidates if a.valid_on(institution.today)]
        if not valid:
            latest = max(candidates, key=lambda a: a.valid_until)
            errors.append(
                _("%(label)s 不在有效期内（%(start)s 至 %(end)s）。")
                % {"label": latest.label, "start": latest.valid_from, "end": latest.valid_until}
            )
            continue
        covering = [a for a in valid if a.covers(site_id)]
        if not covering:
            errors.append(
                _("%(labels)s 未覆盖场所“%(site)s”。")
                % {"labels": "、".join(a.label for a in valid), "site": site_name}
            )
            continue
        found += [a for a in covering if a not in found]
    return found


def _validate(table: ParsedTable, institution: _Institution) -> tuple[list[JSON], dict[int, list[str]]]:
    """The good rows as JSON and every bad line's reasons (the file's own and the institution's)."""
    errors: dict[int, list[str]] = {line: list(messages) for line, messages in table.errors.items()}
    rows: list[JSON] = []
    seen: dict[str, int] = {}
    for record in table.records:
        problems: list[str] = []
        site_id, site_name = _resolve_site(record, institution, problems)
        accreditations = _resolve_accreditations(record.accreditations, site_id, site_name, institution, problems)
        object_key = normalise(record.object_zh)
        term_key = normalise(record.parameter_zh)
        param_key = parameter_key(record.parameter_zh, record.parameter_en, aliases=institution.aliases)
        code = record.standard
        key = _row_key(object_key, param_key, code.edition_key, record.clause, site_name)
        if key in seen:
            problems.append(
                _("与第 %(first)d 行重复（检测对象、项目/参数、标准、条款和场所均相同），两行只能保留一行。")
                % {"first": seen[key]}
            )
        else:
            seen[key] = record.line
        if problems:
            errors.setdefault(record.line, []).extend(problems)
            continue
        rows.append(
            {
                "line": record.line,
                "key": key,
                "exact": _exact_key(object_key, term_key, code.edition_key, record.clause, site_name),
                "object_zh": record.object_zh,
                "object_en": record.object_en,
                "object_key": object_key,
                "parameter_zh": record.parameter_zh,
                "parameter_en": record.parameter_en,
                "parameter_term_key": term_key,
                "parameter_key": param_key,
                "standard": code.canonical,
                "edition_key": code.edition_key,
                "base_key": code.base_key,
                "standard_title": record.standard_title,
                "clause": record.clause,
                "limitation": record.limitation,
                "site_id": site_id,
                "site": site_name,
                "accreditation_ids": [a.id for a in sorted(accreditations, key=lambda a: a.id)],
                "accreditations": [a.label for a in sorted(accreditations, key=lambda a: a.id)],
                "status": record.status,
                "turnaround_days": record.turnaround_days,
                "list_price": _price(record.list_price),
            }
        )
    return rows, dict(sorted(errors.items()))


def _price(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


# --------------------------------------------------------------------------------------------------------------
# The diff
# --------------------------------------------------------------------------------------------------------------


def _diff(
    rows: list[JSON], current: list[JSON], current_accreditations: dict[int, list[int]], labels: dict[int, str]
) -> JSON:
    """What committing `rows` does to the current scope: rows added, rows changed (which fields, from what), rows
    removed (withdrawn). Rows match first on the database's exact key, then on the capability key."""
    by_exact: dict[str, JSON] = {}
    by_key: dict[str, list[JSON]] = defaultdict(list)
    for row in current:
        by_exact[
            _exact_key(
                row["object_term__key"], row["parameter_term__key"], row["standard__edition_key"], row["clause"],
                row["site__name_zh"],
            )
        ] = row  # fmt: skip
        by_key[
            _row_key(
                row["object_term__key"], row["parameter_key"], row["standard__edition_key"], row["clause"],
                row["site__name_zh"],
            )
        ].append(row)  # fmt: skip
    matches: dict[int, JSON] = {}
    taken: set[int] = set()
    for index, row in enumerate(rows):
        if (found := by_exact.get(row["exact"])) is not None:
            matches[index] = found
            taken.add(found["id"])
    for index, row in enumerate(rows):
        if index not in matches:
            candidates = [c for c in by_key.get(row["key"], []) if c["id"] not in taken]
            if candidates:
                # Prefer a row still in the scope over one withdrawn earlier.
                found = min(candidates, key=lambda c: (c["status"] == ScopeStatus.WITHDRAWN, c["id"]))
                matches[index] = found
                taken.add(found["id"])
    added: list[int] = []
    changed: list[JSON] = []
    for index, row in enumerate(rows):
        existing = matches.get(index)
        if existing is None:
            added.append(index)
            continue
        before = _changes(row, existing, current_accreditations.get(existing["id"], []), labels)
        if before:
            changed.append({"row": index, "id": existing["id"], "fields": list(before), "before": before})
    removed = [
        {
            "id": row["id"],
            "object": row["object_term__name_zh"],
            "parameter": row["parameter_term__name_zh"],
            "standard": row["standard__canonical"],
            "clause": row["clause"],
            "site": row["site__name_zh"],
            "status": row["status"],
        }
        for row in current
        if row["id"] not in taken and row["status"] != ScopeStatus.WITHDRAWN
    ]
    counts = {
        "rows": len(rows),
        "added": len(added),
        "changed": len(changed),
        "removed": len(removed),
        "unchanged": len(rows) - len(added) - len(changed),
    }
    return {"counts": counts, "added": added, "changed": changed, "removed": removed}


def _changes(row: JSON, existing: JSON, accreditation_ids: list[int], labels: dict[int, str]) -> JSON:
    """The compared fields that differ, with their current values (for people: names, labels)."""
    before: JSON = {}
    if row["parameter_term_key"] != existing["parameter_term__key"]:
        before["parameter"] = existing["parameter_term__name_zh"]
    if row["clause"] != existing["clause"]:
        before["clause"] = existing["clause"]
    if row["limitation"] != existing["limitation"]:
        before["limitation"] = existing["limitation"]
    if sorted(row["accreditation_ids"]) != sorted(accreditation_ids):
        before["accreditations"] = [labels.get(pk, str(pk)) for pk in sorted(accreditation_ids)]
    if row["status"] != existing["status"]:
        before["status"] = existing["status"]
    if row["turnaround_days"] != existing["turnaround_days"]:
        before["turnaround_days"] = existing["turnaround_days"]
    if row["list_price"] != _price(existing["list_price"]):
        before["list_price"] = _price(existing["list_price"])
    return before


def _signature(
    diff: JSON, rows: list[JSON]
) -> tuple[frozenset[str], frozenset[tuple[int, tuple[str, ...]]], frozenset[int]]:
    return (
        frozenset(rows[i]["key"] for i in diff["added"]),
        frozenset((c["id"], tuple(c["fields"])) for c in diff["changed"]),
        frozenset(r["id"] for r in diff["removed"]),
    )


def _catalogue_notes(rows: list[JSON]) -> JSON:
    """Editions new to the catalogue (added at commit) and editions the catalogue knows as withdrawn."""
    lines: dict[str, list[int]] = defaultdict(list)
    canonical: dict[str, str] = {}
    for row in rows:
        lines[row["edition_key"]].append(row["line"])
        canonical[row["edition_key"]] = row["standard"]
    known: dict[str, tuple[str, str | None]] = {}
    for chunk in _chunks(list(lines), IN_CHUNK):
        for key, status, replaced in StandardEdition.objects.filter(edition_key__in=chunk).values_list(
            "edition_key", "status", "replaced_by__canonical"
        ):
            known[key] = (status, replaced)
    withdrawn = [
        {"standard": canonical[key], "replaced_by": replaced, "lines": lines[key][:20], "rows": len(lines[key])}
        for key, (status, replaced) in known.items()
        if status == "withdrawn"
    ]
    return {
        "new_editions": sorted(canonical[key] for key in lines if key not in known),
        "withdrawn": sorted(withdrawn, key=lambda w: w["standard"]),
    }


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------------


def _row_errors(errors: dict[int, list[str]]) -> ServiceError:
    fields = {f"line {line}": messages for line, messages in errors.items()}
    message = _("范围表有 %(count)d 行有误，未导入任何内容。请按行号修改后重新上传。") % {"count": len(errors)}
    return ServiceError(message, code="invalid_rows", fields=fields)


def scope_import_preview(*, actor: Actor, filename: str, content: bytes) -> ScopeImport:
    """Read and validate an uploaded scope table and keep it, with its diff, for the actor to commit or discard.

    Raises ServiceError with `fields` {"line N": [reasons]} for every bad line (or {"file": [...]} when the file
    cannot be read); then nothing is saved.
    """
    actor.require(MANAGE)
    organisation_id = actor.tenant_id
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:200] or "scope.csv"
    try:
        table = parse_scope_table(filename, content)
    except TableError as exc:
        raise ServiceError.field("file", exc.message, code="invalid_file") from exc
    institution = _Institution.load(organisation_id)
    rows, errors = _validate(table, institution)
    if errors:
        raise _row_errors(errors)
    current, current_accreditations = _current_scope(organisation_id)
    labels = {a.id: a.label for a in institution.accreditations}
    diff = _diff(rows, current, current_accreditations, labels)
    diff["catalogue"] = _catalogue_notes(rows)
    diff["site_to_create"] = DEFAULT_SITE if any(row["site_id"] is None for row in rows) else None
    with transaction.atomic():
        scope_import = ScopeImport.objects.create(
            organisation_id=organisation_id, created_by=actor.person, filename=filename, rows=rows, diff=diff
        )
        audit_record(
            actor=actor,
            action="scope_import.preview",
            obj=scope_import,
            after={"filename": filename, **diff["counts"]},
        )
    return scope_import


def _locked_preview(actor: Actor, import_id: int) -> ScopeImport:
    scope_import = ScopeImport.objects.select_for_update().filter(organisation_id=actor.tenant_id, pk=import_id).first()
    if scope_import is None:
        raise NotFound(_("导入记录不存在。"))
    if scope_import.status != ScopeImport.Status.PREVIEW:
        raise Conflict(
            _("该导入的状态为“%(status)s”，不能再提交或放弃。") % {"status": scope_import.get_status_display()},
            code="not_preview",
        )
    return scope_import


def scope_import_commit(*, actor: Actor, import_id: int) -> ScopeImport:
    """Apply a previewed import in one transaction: add, update, withdraw rows; one audit event with the counts.

    Refuses (Conflict) an import that is not a preview any more, or whose diff no longer matches the scope
    (someone changed the scope, a site or an accreditation since the preview): upload it again.
    """
    actor.require(MANAGE)
    organisation_id = actor.tenant_id
    with transaction.atomic():
        # One import at a time per institution: the diff must be computed and applied on the same scope.
        Organisation.objects.select_for_update().filter(pk=organisation_id).first()
        scope_import = _locked_preview(actor, import_id)
        rows: list[JSON] = scope_import.rows
        institution = _Institution.load(organisation_id, aliases=False)
        _check_still_valid(rows, institution)
        site_created = _ensure_default_site(rows, institution)
        current, current_accreditations = _current_scope(organisation_id)
        labels = {a.id: a.label for a in institution.accreditations}
        diff = _diff(rows, current, current_accreditations, labels)
        if _signature(diff, rows) != _signature(scope_import.diff, rows):
            raise Conflict(_("预览之后本机构的能力范围已有变化，请重新上传并预览。"), code="stale_preview")
        _apply(organisation_id, rows, diff)
        now = timezone.now()
        done: JSON = {"status": ScopeImport.Status.COMMITTED, "committed_at": now}
        if site_created is not None:
            done["rows"] = rows  # the rows now name the site made for them
        ScopeImport.objects.filter(pk=scope_import.pk).update(**done)
        scope_import.status, scope_import.committed_at = ScopeImport.Status.COMMITTED, now
        audit_record(
            actor=actor,
            action="scope_import.commit",
            obj=scope_import,
            after={
                "import_id": scope_import.pk,
                "filename": scope_import.filename,
                **diff["counts"],
                "site_created": site_created,
            },
        )
    return scope_import


def scope_import_discard(*, actor: Actor, import_id: int) -> ScopeImport:
    """Set a previewed import aside; the scope is unchanged and the record stays in the history."""
    actor.require(MANAGE)
    with transaction.atomic():
        scope_import = _locked_preview(actor, import_id)
        ScopeImport.objects.filter(pk=scope_import.pk).update(status=ScopeImport.Status.DISCARDED)
        scope_import.status = ScopeImport.Status.DISCARDED
        audit_record(
            actor=actor,
            action="scope_import.discard",
            obj=scope_import,
            before={"status": ScopeImport.Status.PREVIEW},
            after={"status": ScopeImport.Status.DISCARDED},
        )
    return scope_import


def _check_still_valid(rows: list[JSON], institution: _Institution) -> None:
    site_ids = {pk for pk, _name in institution.sites}
    valid = {a.id for a in institution.accreditations if a.valid_on(institution.today)}
    for row in rows:
        if row["site_id"] is not None and row["site_id"] not in site_ids:
            raise Conflict(
                _("场所“%(site)s”已被删除，请重新上传并预览。") % {"site": row["site"]}, code="stale_preview"
            )
        lost = [
            label for pk, label in zip(row["accreditation_ids"], row["accreditations"], strict=True) if pk not in valid
        ]
        if lost:
            raise Conflict(
                _("%(labels)s 已失效或被删除，请重新上传并预览。") % {"labels": "、".join(lost)}, code="stale_preview"
            )


def _ensure_default_site(rows: list[JSON], institution: _Institution) -> int | None:
    """Create the default site when rows need it (the institution had none at preview); its id, if created."""
    if not any(row["site_id"] is None for row in rows):
        return None
    site, created = TestSite.objects.get_or_create(organisation_id=institution.id, name_zh=DEFAULT_SITE)
    for row in rows:
        if row["site_id"] is None:
            row["site_id"] = site.pk
    return site.pk if created else None


def _apply(organisation_id: int, rows: list[JSON], diff: JSON) -> None:
    """Write the diff. Thousands of rows: plain multi-row statements (executemany), not one ORM object per row;
    Django's bulk_create spends most of its time building SQL (DESIGN.md, measured)."""
    added = [rows[i] for i in diff["added"]]
    needed = added + [rows[c["row"]] for c in diff["changed"]]
    objects = _terms_ensure(TermKind.OBJECT, _pairs(needed, "object_zh", "object_en"))
    parameters = _terms_ensure(TermKind.PARAMETER, _pairs(needed, "parameter_zh", "parameter_en"))
    titles: dict[str, str] = {}
    for row in needed:
        if not titles.get(row["standard"]):
            titles[row["standard"]] = row["standard_title"] or row["standard"]
    editions = {key: edition.pk for key, edition in editions_ensure(titles).items()} if titles else {}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ops = connection.ops

    def price(row: JSON) -> Any:
        return None if row["list_price"] is None else ops.adapt_decimalfield_value(Decimal(row["list_price"]), 12, 2)

    _insert_many(
        ScopeRow,
        ["organisation_id", "object_term_id", "parameter_term_id", "parameter_key", "standard_id", "standard_base_key",
         "clause", "limitation", "site_id", "status", "turnaround_days", "list_price", "updated_at"],
        [
            (organisation_id, objects[row["object_key"]], parameters[row["parameter_term_key"]], row["parameter_key"],
             editions[row["edition_key"]], row["base_key"], row["clause"], row["limitation"], row["site_id"],
             row["status"], row["turnaround_days"], price(row), now)
            for row in added
        ],
    )  # fmt: skip
    _update_many(
        ScopeRow,
        ["parameter_term_id", "parameter_key", "clause", "limitation", "status", "turnaround_days", "list_price",
         "updated_at"],
        [
            (parameters[row["parameter_term_key"]], row["parameter_key"], row["clause"], row["limitation"],
             row["status"], row["turnaround_days"], price(row), now, change["id"])
            for change in diff["changed"]
            for row in [rows[change["row"]]]
        ],
    )  # fmt: skip
    removed = [r["id"] for r in diff["removed"]]
    for chunk in _chunks(removed, IN_CHUNK):
        ScopeRow.objects.filter(organisation_id=organisation_id, pk__in=chunk).update(
            status=ScopeStatus.WITHDRAWN, updated_at=timezone.now()
        )

    through = ScopeRow.accreditations.through
    relinked = [c["id"] for c in diff["changed"] if "accreditations" in c["fields"]]
    for chunk in _chunks(relinked, IN_CHUNK):
        through.objects.filter(scoperow_id__in=chunk).delete()
    links: list[tuple[int, int]] = []
    if any(row["accreditation_ids"] for row in added):
        ids = {
            (o, p, s, c, site): pk
            for pk, o, p, s, c, site in ScopeRow.objects.filter(organisation_id=organisation_id).values_list(
                "id", "object_term_id", "parameter_term_id", "standard_id", "clause", "site_id"
            )
        }
        for row in added:
            pk = ids[
                (objects[row["object_key"]], parameters[row["parameter_term_key"]], editions[row["edition_key"]],
                 row["clause"], row["site_id"])
            ]  # fmt: skip
            links += [(pk, accreditation_id) for accreditation_id in row["accreditation_ids"]]
    for change in diff["changed"]:
        if "accreditations" in change["fields"]:
            links += [(change["id"], pk) for pk in rows[change["row"]]["accreditation_ids"]]
    _insert_many(through, ["scoperow_id", "accreditation_id"], links)


def _terms_ensure(kind: str, names: list[tuple[str, str]]) -> dict[str, int]:
    """services.terms_ensure (same keys and search text) with the fast path for thousands of new names: the
    missing ones go in with one executemany, and lookups are chunked under SQLite's variable limit."""
    wanted = {normalise(zh): (zh.strip(), en.strip()) for zh, en in names}
    found: dict[str, int] = {}
    for chunk in _chunks(list(wanted), IN_CHUNK):
        found.update(Term.objects.filter(kind=kind, key__in=chunk).values_list("key", "id"))
    missing = [(kind, key, zh, en, normalise(f"{zh} {en}")) for key, (zh, en) in wanted.items() if key not in found]
    if missing:
        _insert_many(Term, ["kind", "key", "name_zh", "name_en", "search"], missing, ignore_conflicts=True)
        for chunk in _chunks([m[1] for m in missing], IN_CHUNK):
            found.update(Term.objects.filter(kind=kind, key__in=chunk).values_list("key", "id"))
    return found


def _insert_many(model: type[models.Model], columns: list[str], values: list[tuple[Any, ...]], *,
                 ignore_conflicts: bool = False) -> None:  # fmt: skip
    """INSERT rows without building an ORM object per row: SQLite runs one prepared statement many times (its
    fastest path); PostgreSQL gets multi-row VALUES lists (one statement per batch, not per row)."""
    if not values:
        return
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 (identifiers from model metadata)
        quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
    )
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    one = "({})".format(", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for chunk in _chunks(values, 5000):
                cursor.executemany(head + one + tail, chunk)
            return
        per_statement = max(1, min(1000, 60000 // len(columns)))  # PostgreSQL allows 65,535 parameters
        for chunk in _chunks(values, per_statement):
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, [v for row in chunk for v in row])


def _update_many(model: type[models.Model], columns: list[str], values: list[tuple[Any, ...]]) -> None:
    """UPDATE ... SET columns WHERE id = the last value of each tuple."""
    if not values:
        return
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (identifiers from model metadata)
        quote(model._meta.db_table), ", ".join(f"{quote(c)} = %s" for c in columns), quote(model._meta.pk.column)
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(values, 5000):
            cursor.executemany(sql, chunk)


def _pairs(rows: Iterable[JSON], zh: str, en: str) -> list[tuple[str, str]]:
    return [(row[zh], row[en]) for row in rows]
