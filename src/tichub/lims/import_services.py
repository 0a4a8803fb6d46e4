"""Results from instruments' CSV exports: a column mapping per instrument, a preview, then all rows or none.

ISO/IEC 17025 7.11.2 (data transferred between systems is checked before use), 7.5.1 (technical records: the
file is kept with its SHA-256, every result's revision names the import) and 6.4.4 (an instrument is used only
while in service and calibrated on the day of the measurement).

* `mapping_save`: one mapping per instrument (which header holds the sample number, the test, the value, ...).
* `import_preview`: the file is stored and every row is checked, none written: the sample is the laboratory's,
  the keyword names exactly one live test of it that may take a result (待检 or 已录入), not a calculated one, not
  twice in the file; the value and its unit go through `lims.evaluation.evaluate` (conversion to the test's
  unit, LOD/LOQ, uncertainty, GB/T 8170 rounding, decision); the measurement date is not in the future and the
  instrument was usable on it. The import is saved PREVIEWED with its summary, or REFUSED with every error
  (line, column, message). A file that cannot be read at all (size, encoding, no header) is refused outright.
* `import_apply`: the same analyst (or a laboratory manager) applies a PREVIEWED import. The tests are locked and
  everything that depends on the database is judged again (they may have changed since the preview); the values
  as `evaluate` judged them at the preview are kept beside the file (verdicts, their SHA-256 in the import) and
  stand while each test's rules are unchanged, else the file is judged again from the start. Then every result
  is written at once through the DB-API: SQLite one executemany UPDATE of the tests and one executemany INSERT
  of their revisions, PostgreSQL COPY into a temporary table, one UPDATE from it and COPY of the revisions.
  Django's bulk_update/bulk_create build SQL at 12-18k rows/s, far too slow for 100,000 results (DESIGN.md).

The uncertainty column: where the method gives the expanded uncertainty (absolute, relative or by range), the
method's figure is used and the file's is ignored (counted in the summary), because the laboratory's validated
budget is what the report states (ISO/IEC 17025 7.6); where the method reports none, the file's value is taken as
the expanded uncertainty U in the row's unit (converted like the value), so that a decision rule that needs U can
still be applied.

ResultImport.columns keeps, beside the mapping, what the preview found:
{"mapping": {...}, "delimiter": ",", "encoding": "utf-8", "headers": [...], "summary": {...},
 "preview": [the first 200 rows], "mapping_saved": bool, "verdicts": {"name": ..., "sha256": ...}} (the model has
no field of its own for them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import gzip
import hashlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from tichub.accounts.models import User
from tichub.core.audit import audit_record, snapshot
from tichub.core.errors import Conflict, ServiceError
from tichub.core.policies import LAB_MANAGERS
from tichub.core.tenancy import Actor
from tichub.metrology.models import Instrument

from .choices import ImportStatus, TestStatus
from .csvfile import (
    DELIMITERS,
    MAX_BYTES,
    CsvRefused,
    CsvTable,
    Problem,
    clean_delimiter,
    clean_mapping,
    column_labels,
    read_table,
)
from .import_checks import (
    RULE_FIELDS,
    RULES_AT,
    TEST_FIELDS,
    VERDICTS_FORMAT,
    Checked,
    Context,
    Good,
    Targets,
    TestRow,
    check_rows,
    ordered,
    recheck,
    verdicts_of,
)
from .import_selectors import ENTER, import_not_found, instrument_not_found
from .models import ImportMapping, LabSample, ResultImport, ResultRevision, Test
from .progress_services import progress_sync
from .result_services import results_recalculate

__all__ = ["import_apply", "import_preview", "import_recheck", "mapping_save"]

JSON = dict[str, Any]
PREVIEW_ROWS = 200
SOURCE = "import"
BATCH = 10_000  # rows per executemany call: bounded memory for the driver's parameter lists
RECALCULATE_BATCH = 500  # samples per results_recalculate call: its IN lists stay small


class NotYours(ServiceError):
    """Applying someone else's import: only its analyst or a laboratory manager may."""

    status = 403


# --------------------------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------------------------


def _raise(fields: Mapping[str, Sequence[str]]) -> None:
    if fields:
        raise ServiceError(
            "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items()), fields=fields
        )


def _instrument(tenant: int, instrument_id: int) -> Instrument:
    instrument = Instrument.objects.filter(institution_id=tenant, pk=instrument_id).first()
    if instrument is None:
        raise instrument_not_found()
    return instrument


def _mapping_write(actor: Actor, instrument: Instrument, columns: dict[str, str], delimiter: str) -> ImportMapping:
    fields = ("columns", "delimiter")
    mapping = ImportMapping.objects.select_for_update().filter(instrument_id=instrument.pk).first()
    if mapping is None:
        mapping = ImportMapping(
            institution_id=instrument.institution_id, instrument=instrument, columns=columns, delimiter=delimiter
        )
        try:
            with transaction.atomic():
                mapping.save()
        except IntegrityError as exc:  # another analyst saved this instrument's first mapping at the same moment
            raise Conflict(_("该仪器的映射刚被他人保存，请刷新后重试。"), code="mapping_taken") from exc
        before = None
    else:
        before = snapshot(mapping, fields)
        mapping.columns, mapping.delimiter = columns, delimiter
        mapping.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="import_mapping.save",
        obj=mapping,
        before=before,
        after={"instrument": instrument.pk, **snapshot(mapping, fields)},
    )
    return mapping


def mapping_save(*, actor: Actor, instrument_id: int, columns: Mapping[str, Any], delimiter: str) -> ImportMapping:
    """Save the instrument's column mapping (one per instrument; the next import from it starts from it).

    `columns` maps sample, keyword, value (required), unit, measured_on, uncertainty to the file's header names;
    `delimiter` is ",", ";", a tab, or "" to recognise it from each file.
    """
    actor.require(ENTER)
    with transaction.atomic():
        instrument = _instrument(actor.tenant_id, instrument_id)
        cleaned, errors = clean_mapping(columns)
        try:
            delimiter = clean_delimiter(delimiter if isinstance(delimiter, str) else "?")
        except CsvRefused as exc:
            errors["delimiter"] = [exc.message]
        _raise(errors)
        return _mapping_write(actor, instrument, cleaned, delimiter)


# --------------------------------------------------------------------------------------------------------------
# The tests a file names
# --------------------------------------------------------------------------------------------------------------


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field


def _column(model: type[Model], name: str) -> str:
    return str(_field(model, name).column)


def _load_tests(tenant: int, numbers: Iterable[str], *, lock: bool, named: bool = True) -> Targets:
    """Every test of the institution's samples numbered `numbers`, in one statement whatever their count (the
    numbers travel as one array or JSON parameter, not as an IN list that grows with the file)."""
    quote = connection.ops.quote_name
    test_columns = [_column(Test, name) for name in (*TEST_FIELDS, *RULE_FIELDS)]
    selected = ", ".join(f"t.{quote(c)}" for c in test_columns)
    selected += f", s.{quote('number')}, s.{quote('received_at')}"
    wanted = sorted(set(numbers))
    among = "= ANY(%s)"
    parameter: list[str] | str = wanted
    if connection.vendor != "postgresql":
        among, parameter = "IN (SELECT value FROM json_each(%s))", json.dumps(wanted, ensure_ascii=False)
    sql = (
        f"SELECT {selected} FROM {quote(Test._meta.db_table)} t "  # noqa: S608 (identifiers from model metadata)
        f"JOIN {quote(LabSample._meta.db_table)} s ON s.{quote('id')} = t.{quote('sample_id')} "
        f"WHERE s.{quote('institution_id')} = %s AND t.{quote('institution_id')} = %s AND s.{quote('number')} {among}"
        f" ORDER BY t.{quote('id')}"
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF t"
    targets = Targets(named=named)
    received = targets.received
    ranges = RULES_AT + RULE_FIELDS.index("uncertainty_ranges")
    zone = timezone.get_current_timezone()  # once: Django's helpers look it up on every call
    make = TestRow._make
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant, tenant, parameter])
        for row in cursor.fetchall():
            test = make(row[:-1])
            if not isinstance(test[ranges], str):  # a driver that decodes JSON itself: back to hashable text
                test = test._replace(uncertainty_ranges=json.dumps(test[ranges]))
            if test.number not in received:
                received_at = row[-1]
                if received_at.tzinfo is None:  # SQLite hands back naive UTC
                    received_at = received_at.replace(tzinfo=dt.UTC)
                received[test.number] = received_at.astimezone(zone).date()
            targets.add(test)
    return targets


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a pass makes its hundreds of thousands of small objects
    (rows, tests, results; none of them in a cycle): it would otherwise scan them again and again as they pile
    up (measured: a third of the time of a pass). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _context(tenant: int, targets: Targets, instrument: Instrument | None, analyst_id: int) -> Context:
    """What checking rows needs besides the tests: the instruments (the import's, else the tests' own) and the
    names of the analysts other tests are assigned to (two queries at most)."""
    tests = targets.live()
    instruments: dict[int, Instrument] = {}
    if instrument is not None:
        instruments[instrument.pk] = instrument
    else:
        ids = {t.instrument_id for t in tests if t.instrument_id}
        if ids:
            instruments = {i.pk: i for i in Instrument.objects.filter(institution_id=tenant, pk__in=ids)}
    others = {t.analyst_id for t in tests if t.analyst_id is not None and t.analyst_id != analyst_id}
    names = dict(User.objects.filter(pk__in=others).values_list("pk", "name")) if others else {}
    return Context(
        targets=targets,
        instrument=instrument,
        instruments=instruments,
        analyst_id=analyst_id,
        analyst_names={pk: name or str(pk) for pk, name in names.items()},
        today=timezone.localdate(),
    )


def _formula_samples(targets: Targets) -> set[int]:
    return {t.sample_id for t in targets.live() if t.formula}


def _check(tenant: int, table: CsvTable, instrument: Instrument | None, *, analyst_id: int, lock: bool) -> Checked:
    """Every row of `table` against the institution's tests (read, or locked, in one statement) and instruments."""
    targets = _load_tests(tenant, (row.sample for row in table.rows), lock=lock)
    checked = check_rows(table.rows, _context(tenant, targets, instrument, analyst_id))
    checked.formula_samples = _formula_samples(targets)
    return checked


def _verdicts_save(good: Sequence[Good]) -> JSON:
    """Keep the preview's verdicts beside the file (gzip JSON), named in the import with their SHA-256."""
    content = gzip.compress(json.dumps(verdicts_of(good), ensure_ascii=False, separators=(",", ":")).encode(), 1)
    name = _storage().save(f"lims/imports/verdicts/{uuid.uuid4().hex}.json.gz", ContentFile(content))
    return {"name": name, "sha256": hashlib.sha256(content).hexdigest()}


def _verdicts_load(result_import: ResultImport) -> JSON | None:
    """The preview's verdicts, or None when they are missing or not the ones recorded (then the file is judged
    again from the start)."""
    kept = (result_import.columns or {}).get("verdicts")
    if not kept:
        return None
    try:
        with _storage().open(kept["name"], "rb") as stored:
            content = stored.read()
        if hashlib.sha256(content).hexdigest() != kept["sha256"]:
            return None
        verdicts: JSON = json.loads(gzip.decompress(content))
    except (OSError, ValueError, KeyError):
        return None
    return verdicts if verdicts.get("format") == VERDICTS_FORMAT else None


def _storage() -> Storage:
    return ResultImport._meta.get_field("file").storage


# --------------------------------------------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------------------------------------------


def _read_upload(file: File[Any]) -> tuple[bytes, str]:
    name = os.path.basename(str(getattr(file, "name", "") or "").replace("\\", "/")).strip()[:200] or "results.csv"
    size = getattr(file, "size", None)
    limit = _("文件过大：上限为 %(max)d MB，请分成多个文件导入。") % {"max": MAX_BYTES // (1024 * 1024)}
    if isinstance(size, int) and size > MAX_BYTES:
        raise ServiceError.field("file", limit, code="too_large")
    if hasattr(file, "seek"):
        file.seek(0)
    content = file.read(MAX_BYTES + 1)
    if isinstance(content, str):
        content = content.encode()
    if len(content) > MAX_BYTES:
        raise ServiceError.field("file", limit, code="too_large")
    return content, name


def _stored_content(result_import: ResultImport) -> bytes:
    """The stored file, checked against the SHA-256 recorded when it was uploaded."""
    with result_import.file.open("rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != result_import.sha256:
        raise Conflict(_("导入文件已被改动（SHA-256 不符），不能使用，请重新上传。"), code="file_changed")
    return bytes(content)


def _refuse_applied_twice(tenant: int, sha256: str, *, exclude: int | None = None) -> None:
    applied = ResultImport.objects.filter(institution_id=tenant, sha256=sha256, status=ImportStatus.APPLIED)
    if exclude is not None:
        applied = applied.exclude(pk=exclude)
    earlier = applied.values_list("pk", "applied_at").first()
    if earlier is not None:
        pk, applied_at = earlier
        raise ServiceError.field(
            "file",
            _("该文件已于 %(at)s 导入（导入记录 #%(id)d），不能重复导入。")
            % {"at": timezone.localtime(applied_at).strftime("%Y-%m-%d %H:%M") if applied_at else "", "id": pk},
            code="already_applied",
        )


def _rows_of(table: CsvTable) -> int:
    """The file's data rows: those read and those refused as they were read."""
    return len(table.rows) + len({p.line for p in table.problems if p.line != table.header_line})


def _summary(rows: int, header_line: int, checked: Checked | None, problems: Sequence[Problem]) -> JSON:
    bad_lines = {p.line for p in problems if p.line != header_line}
    good = checked.good if checked else []
    decisions = Counter(g.texts[7] for g in good)
    conversions = Counter(g.conversion for g in good if g.conversion)
    days = [g.measured_on for g in good]
    return {
        "rows": rows,
        "tests": len(good) if not problems else 0,
        "samples": len({g.test.sample_id for g in good}) if not problems else 0,
        "orders": len({g.test.order_id for g in good}) if not problems else 0,
        "decisions": dict(sorted(decisions.items())),
        "conversions": dict(sorted(conversions.items())),
        "converted": sum(conversions.values()),
        "below_limits": sum(1 for g in good if not g.texts[3]),
        "uncertainty_from_file": checked.uncertainty_from_file if checked else 0,
        "uncertainty_ignored": checked.uncertainty_ignored if checked else 0,
        "measured_from": min(days).isoformat() if days else None,
        "measured_to": max(days).isoformat() if days else None,
        "errors": len(problems),
        "error_lines": len(bad_lines),
    }


def _shown(good: Sequence[Good]) -> list[JSON]:
    shown = []
    for g in good[:PREVIEW_ROWS]:
        raw_value, raw_unit, value, reported, uncertainty, text_zh, text_en, decision = g.texts
        shown.append(
            {
                "line": g.line,
                "test_id": g.test.id,
                "sample": g.test.number,
                "keyword": g.test.keyword,
                "parameter": g.test.parameter,
                "raw_value": raw_value,
                "raw_unit": raw_unit,
                "value": value,
                "unit": g.unit,
                "reported": reported,
                "text_zh": text_zh,
                "text_en": text_en,
                "uncertainty": uncertainty,
                "decision": decision,
                "measured_on": g.measured_on.isoformat(),
            }
        )
    return shown


def _preview(
    actor: Actor,
    *,
    content: bytes,
    file_name: str,
    instrument: Instrument | None,
    columns: Mapping[str, Any] | None,
    delimiter: str | None,
    save_mapping: bool,
    stored_as: str = "",
) -> ResultImport:
    tenant = actor.tenant_id
    if save_mapping and instrument is None:
        raise ServiceError.field("save_mapping", _("保存映射前请先选择仪器。"))
    saved = None
    if instrument is not None and (columns is None or delimiter is None):
        saved = ImportMapping.objects.filter(institution_id=tenant, instrument_id=instrument.pk).first()
    if columns is None:
        if saved is None:
            raise ServiceError.field("columns", _("请填写列映射：所选仪器尚未保存映射。"), code="no_mapping")
        columns = saved.columns
    if delimiter is None:
        delimiter = saved.delimiter if saved is not None else ""
    mapping, errors = clean_mapping(columns, complete=False)
    if not isinstance(delimiter, str) or delimiter not in ("", *DELIMITERS):
        errors["delimiter"] = [_("分隔符无效：应为逗号、分号、制表符，或留空自动识别。")]
    _raise(errors)
    sha256 = hashlib.sha256(content).hexdigest()
    _refuse_applied_twice(tenant, sha256)
    try:
        table = read_table(content, mapping, delimiter)
    except CsvRefused as exc:
        raise ServiceError.field(exc.field, exc.message, code="unreadable") from exc
    header_ok = not any(p.line == table.header_line for p in table.problems)
    checked = (
        _check(tenant, table, instrument, analyst_id=actor.person.pk, lock=False) if table.rows and header_ok else None
    )
    problems = ordered([*table.problems, *(checked.problems if checked else [])])
    status = ImportStatus.REFUSED if problems else ImportStatus.PREVIEWED
    summary = _summary(_rows_of(table), table.header_line, checked, problems)
    with transaction.atomic():
        result_import = ResultImport(
            institution_id=tenant,
            instrument=instrument,
            file_name=file_name,
            sha256=sha256,
            rows=summary["rows"],
            errors=[p.as_json() for p in problems],
            status=status,
            created_by=actor.person,
        )
        # The same bytes uploaded again (a corrected mapping) are kept once.
        earlier = stored_as or (
            ResultImport.objects.filter(institution_id=tenant, sha256=sha256).values_list("file", flat=True).first()
        )
        if earlier:
            result_import.file.name = earlier
        else:
            result_import.file.save(file_name, ContentFile(content), save=False)
        mapping_saved = bool(save_mapping and instrument is not None and header_ok)
        if mapping_saved and instrument is not None:
            _mapping_write(actor, instrument, mapping, table.delimiter)
        result_import.columns = {
            "mapping": mapping,
            "delimiter": table.delimiter,
            "encoding": table.encoding,
            "headers": table.headers,
            "summary": summary,
            "preview": _shown(checked.good) if checked and not problems else [],
            "mapping_saved": mapping_saved,
        }
        if checked and not problems:
            result_import.columns["verdicts"] = _verdicts_save(checked.good)
        result_import.save()
        audit_record(
            actor=actor,
            action="result_import.preview",
            obj=result_import,
            after={
                "status": status,
                "file_name": file_name,
                "sha256": sha256,
                "instrument": instrument.pk if instrument else None,
                "rows": summary["rows"],
                "errors": summary["errors"],
            },
        )
    return result_import


def import_preview(
    *,
    actor: Actor,
    file: File[Any],
    instrument_id: int | None = None,
    columns: Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    save_mapping: bool = False,
) -> ResultImport:
    """Store an instrument's CSV export and check every row without writing any result.

    `columns`/`delimiter` default to the instrument's saved mapping; `save_mapping` saves the ones given as the
    instrument's mapping (when they fit the file's header). Returns the import, PREVIEWED with its summary or
    REFUSED with every error (line, column, message). A file that cannot be read at all, or a mapping that is not
    one, raises ServiceError and saves nothing.
    """
    actor.require(ENTER)
    instrument = _instrument(actor.tenant_id, instrument_id) if instrument_id is not None else None
    content, file_name = _read_upload(file)
    with _collector_paused():
        return _preview(
            actor,
            content=content,
            file_name=file_name,
            instrument=instrument,
            columns=columns,
            delimiter=delimiter,
            save_mapping=save_mapping,
        )


def import_recheck(
    *,
    actor: Actor,
    import_id: int,
    columns: Mapping[str, Any] | None = None,
    delimiter: str | None = None,
    save_mapping: bool = False,
) -> ResultImport:
    """Preview the stored file of an earlier import again, with another mapping (no upload needed): a new import."""
    actor.require(ENTER)
    earlier = ResultImport.objects.filter(institution_id=actor.tenant_id, pk=import_id).first()
    if earlier is None:
        raise import_not_found()
    if earlier.status == ImportStatus.APPLIED:
        raise Conflict(_("该导入已完成，不能再检查。"), code="import_state")
    instrument = _instrument(actor.tenant_id, earlier.instrument_id) if earlier.instrument_id else None
    with _collector_paused():
        return _preview(
            actor,
            content=_stored_content(earlier),
            file_name=earlier.file_name,
            instrument=instrument,
            columns=columns,
            delimiter=delimiter,
            save_mapping=save_mapping,
            stored_as=earlier.file.name,
        )


# --------------------------------------------------------------------------------------------------------------
# Apply
# --------------------------------------------------------------------------------------------------------------


def _chunks(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


WRITTEN = (
    "raw_value", "raw_unit", "value", "reported_value", "uncertainty", "result_text_zh", "result_text_en", "decision",
    "measured_on", "instrument", "entered_by", "entered_at", "version", "status", "analyst",
)  # fmt: skip
REVISED = (
    "test", "version", "raw_value", "raw_unit", "value", "reported_value", "uncertainty", "decision", "measured_on",
    "instrument", "changed_by", "changed_at", "reason", "source",
)  # fmt: skip


def _write(good: Sequence[Good], *, analyst_id: int, changed_by: int, now: dt.datetime, reason: str) -> None:
    """Every result and every revision with the DB-API, without an ORM object per row.

    SQLite: one executemany UPDATE of the tests by primary key and one executemany INSERT of the revisions (one
    prepared statement run many times, its fastest path). PostgreSQL: the new values are copied (COPY) into a
    temporary table and the tests updated from it in one statement, then the revisions are copied in: a statement
    per row, even pipelined, spends most of its time parsing and planning (measured: ~5 times slower).
    The results are entered by `analyst_id` (who uploaded the file; an unassigned test becomes theirs, as in a
    manual entry); the revisions name `changed_by` (who applied the import).
    """
    ops = connection.ops
    quote = ops.quote_name
    postgres = connection.vendor == "postgresql"
    when = now if postgres else ops.adapt_datetimefield_value(now)
    days: dict[dt.date, Any] = {}
    updates: list[tuple[Any, ...]] = []
    revisions: list[tuple[Any, ...]] = []
    entered = TestStatus.ENTERED.value
    # In primary-key order: the table and its indexes are then written page after page.
    for g in sorted(good, key=lambda g: g.test.id):
        test = g.test
        day = days.get(g.measured_on)
        if day is None:
            day = days[g.measured_on] = g.measured_on if postgres else ops.adapt_datefield_value(g.measured_on)
        version = test.version + 1
        raw_value, raw_unit, value, reported, uncertainty, text_zh, text_en, decision = g.texts
        updates.append(
            (raw_value, raw_unit, value, reported, uncertainty, text_zh, text_en, decision, day, g.instrument_id,
             analyst_id, when, version, entered, test.analyst_id or analyst_id, test.id)
        )  # fmt: skip
        revisions.append(
            (test.id, version, raw_value, raw_unit, value, reported, uncertainty, decision, day, g.instrument_id,
             changed_by, when, reason, SOURCE)
        )  # fmt: skip
    tests = quote(Test._meta.db_table)
    test_columns = [_column(Test, name) for name in WRITTEN]
    revision_columns = ", ".join(quote(_column(ResultRevision, name)) for name in REVISED)
    revisions_table = quote(ResultRevision._meta.db_table)
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", cursor)
        if postgres and hasattr(raw, "copy"):  # psycopg 3
            fields = [_field(Test, name) for name in (*WRITTEN, "id")]
            ddl = ", ".join(f"{quote(_column(Test, f.name))} {f.db_type(connection)}" for f in fields)
            cursor.execute(f"CREATE TEMPORARY TABLE lims_import_rows ({ddl}) ON COMMIT DROP")
            with raw.copy(
                "COPY lims_import_rows ({}) FROM STDIN".format(", ".join(quote(_column(Test, f.name)) for f in fields))
            ) as copy:
                for update in updates:
                    copy.write_row(update)
            assignments = ", ".join(f"{quote(c)} = r.{quote(c)}" for c in test_columns)
            cursor.execute(
                f"UPDATE {tests} t SET {assignments} FROM lims_import_rows r WHERE t.{quote('id')} = r.{quote('id')}"  # noqa: S608
            )
            cursor.execute("DROP TABLE lims_import_rows")
            with raw.copy(f"COPY {revisions_table} ({revision_columns}) FROM STDIN") as copy:
                for revision in revisions:
                    copy.write_row(revision)
            return
        update_sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (identifiers from model metadata)
            tests, ", ".join(f"{quote(c)} = %s" for c in test_columns), quote("id")
        )
        for chunk in _chunks(updates, BATCH):
            cursor.executemany(update_sql, chunk)
        placeholders = ", ".join(["%s"] * len(REVISED))
        insert_sql = f"INSERT INTO {revisions_table} ({revision_columns}) VALUES ({placeholders})"  # noqa: S608
        for chunk in _chunks(revisions, BATCH):
            cursor.executemany(insert_sql, chunk)


def _recheck(tenant: int, result_import: ResultImport, instrument: Instrument | None) -> Checked | None:
    """The preview's verdicts judged again against the tests, locked (import_checks.recheck); None when there
    are none to use."""
    verdicts = _verdicts_load(result_import)
    if verdicts is None:
        return None
    targets = _load_tests(tenant, verdicts["samples"], lock=True, named=False)
    checked = recheck(verdicts, _context(tenant, targets, instrument, result_import.created_by_id))
    if checked is not None:
        checked.formula_samples = _formula_samples(targets)
    return checked


def _stale(problems: Sequence[Problem]) -> Conflict:
    labels = {**column_labels(), "instrument": _("仪器"), "": ""}
    fields: dict[str, list[str]] = {}
    for p in ordered(problems):
        label = labels.get(p.column, p.column)
        fields.setdefault(f"line {p.line}", []).append(f"{label}：{p.message}" if label else p.message)
    return Conflict(
        _("预览之后数据已有变化，%(n)d 行不能导入，未写入任何结果。请按行号核对后重新上传并预览。")
        % {"n": len(fields)},
        code="stale_preview",
        fields=fields,
    )


def import_apply(*, actor: Actor, import_id: int) -> ResultImport:
    """Write every result of a previewed import, or none (ISO/IEC 17025 7.11.2, 7.5.2).

    Only a PREVIEWED import of the institution, by the analyst who uploaded it or a laboratory manager. Every row
    is checked again with the tests locked; then the tests become 已录入 with their results (version + 1, one
    ResultRevision each, source "import", the reason naming the import and the file's SHA-256), one audit event
    "result.import" records the import, calculated results of the samples are recomputed and the samples' and
    orders' progress is rolled up once per order.
    """
    actor.require(ENTER)
    tenant = actor.tenant_id
    # On SQLite the foreign keys are not looked up row by row here (with them, the write takes three times as
    # long): the transaction holds the database's only write lock from its first statement (BEGIN IMMEDIATE),
    # and every row the results name (tests, instrument, people) is read inside it, so none can disappear before
    # it commits. Inside an outer transaction SQLite keeps checking (the pragma cannot change there); PostgreSQL
    # always checks.
    with _collector_paused(), connection.constraint_checks_disabled(), transaction.atomic():
        result_import = ResultImport.objects.select_for_update().filter(institution_id=tenant, pk=import_id).first()
        if result_import is None:
            raise import_not_found()
        if result_import.status != ImportStatus.PREVIEWED:
            raise Conflict(
                _("导入记录 #%(id)d 的状态为“%(state)s”，不能导入：只有预览无误（待确认）的导入可以确认。")
                % {"id": result_import.pk, "state": result_import.get_status_display()},
                code="import_state",
            )
        if result_import.created_by_id != actor.person.pk and not actor.roles & LAB_MANAGERS:
            raise NotYours(_("只有上传该文件的检测人员或实验室管理人员可以确认导入。"), code="not_yours")
        _refuse_applied_twice(tenant, result_import.sha256, exclude=result_import.pk)
        instrument = _instrument(tenant, result_import.instrument_id) if result_import.instrument_id else None
        checked = _recheck(tenant, result_import, instrument)
        if checked is None:  # no verdicts kept, or a test's rules changed: judge the file again
            content = _stored_content(result_import)
            settings = result_import.columns
            try:
                table = read_table(content, settings["mapping"], settings["delimiter"])
            except CsvRefused as exc:
                raise Conflict(exc.message, code="unreadable") from exc
            checked = _check(tenant, table, instrument, analyst_id=result_import.created_by_id, lock=True)
            checked.problems[:0] = table.problems
        if checked.problems:
            raise _stale(checked.problems)
        now = timezone.now()
        reason = _("CSV 导入 #%(id)d（%(file)s，SHA-256 %(sha)s）") % {
            "id": result_import.pk,
            "file": result_import.file_name,
            "sha": result_import.sha256,
        }
        _write(checked.good, analyst_id=result_import.created_by_id, changed_by=actor.person.pk, now=now, reason=reason)
        ResultImport.objects.filter(pk=result_import.pk).update(status=ImportStatus.APPLIED, applied_at=now)
        result_import.status, result_import.applied_at = ImportStatus.APPLIED, now
        summary = _summary(result_import.rows, 1, checked, [])
        audit_record(
            actor=actor,
            action="result.import",
            obj=result_import,
            before={"status": ImportStatus.PREVIEWED},
            after={
                "status": ImportStatus.APPLIED,
                "file_name": result_import.file_name,
                "sha256": result_import.sha256,
                "instrument": result_import.instrument_id,
                **{k: summary[k] for k in ("rows", "tests", "samples", "orders", "decisions", "converted")},
            },
        )
        recalculate = sorted(checked.formula_samples & {g.test.sample_id for g in checked.good})
        for start in range(0, len(recalculate), RECALCULATE_BATCH):
            results_recalculate(actor=actor, sample_ids=recalculate[start : start + RECALCULATE_BATCH])
        for order_id in sorted({g.test.order_id for g in checked.good}):
            progress_sync(actor=actor, order_id=order_id)
        kept = (result_import.columns or {}).get("verdicts")
        if kept:  # served their purpose; the file itself stays with the import
            transaction.on_commit(lambda: _storage().delete(kept["name"]))
    return result_import
