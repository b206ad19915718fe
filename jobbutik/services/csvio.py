"""CSV import and export: a generic mechanism plus one importer/exporter per kind of record.

The file format (both directions):
- a header row naming the columns (case and surrounding spaces ignored; order free);
- `;` or `,` between fields, sniffed from the header line (export writes `;`, what Danish
  spreadsheet programs expect);
- UTF-8, with or without a byte-order mark (export writes the mark so spreadsheets show æøå).

Import checks every row first and reports each problem as `row N: reason`, N being the line in the
file where the row starts (the header is row 1). By default a file with any bad row is refused
whole and nothing is imported; with `skip_invalid=True` the good rows are imported and the bad ones
reported. An import writes one audit entry per imported record, so each citizen's own log (an
access request) shows where the record came from. Companies and openings are imported in one
transaction (`db.write`); citizens, whose files run to 100,000 rows, are staged in short
transactions and published in one (`import_batches`), so the desks wait about a second at the
most, and the import stays all or nothing. Export
writes one audit entry per exported citizen, for the same reason.

A new kind (companies, openings) is added by declaring a `CsvKind` — its columns, a row parser
returning a row object (or raising `RowError`), a key for duplicates, the keys already in the
database, the insert and the export — and calling `register()`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Generic, Protocol, TypeVar

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.csvcells import neutralise, restore
from jobbutik.domain.errors import JobbutikError, NotFound
from jobbutik.domain.files import STDOUT, cannot_write, write_private
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.identity import parse_cpr
from jobbutik.domain.text import text_errors
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.import_batches import CitizenRow, import_staged
from jobbutik.services.outputs import check_output
from jobbutik.store.models import AuditAction, Citizen

__all__ = [
    "KINDS",
    "Column",
    "CsvKind",
    "ExportResult",
    "ImportRefused",
    "ImportResult",
    "RowError",
    "RowProblem",
    "add_imported",
    "digit_run_problem",
    "excerpt",
    "export_csv",
    "import_csv",
    "kind",
    "read_rows",
    "read_source",
    "register",
]

Row = TypeVar("Row")
Progress = Callable[[int, int], None]
_IN_CHUNK = 500  # keys per "already in the database?" query
_BATCH = 1000  # rows per insert (and per progress report)


class RowError(ValueError):
    """One row refused; the message is the translated reason (without the row number)."""


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line in the file where the row starts; the header is row 1
    reason: str

    def __str__(self) -> str:
        return _("row {row}: {reason}").format(row=self.row, reason=self.reason)


class ImportRefused(JobbutikError):
    """The file cannot be imported (bad header, bad encoding, or bad rows without
    `skip_invalid`). `problems` lists the row problems, if that was the cause."""

    def __init__(self, message: str, problems: Sequence[RowProblem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False


@dataclass(frozen=True)
class CsvKind(Generic[Row]):
    """How one kind of record is read from and written to CSV.

    - `parse(values, ctx)`: one row's values (column → stripped text, '' when absent) to a row
      object, or `RowError(reason)`;
    - `key(row)`: what makes two rows the same record (a duplicate inside the file is a row error);
    - `existing(session, keys)`: which of `keys` the database already holds (a row error
      "already registered");
    - `insert(session, rows, ctx, source)`: write the rows (with their audit entries), in one
      transaction; or, for a kind whose files are large (citizens), `staged(ctx, rows, source,
      skip_invalid, progress)`: import the checked (row number, row) pairs in short transactions
      (`import_batches`), returning (imported, numbers of the rows found registered meanwhile);
    - `export(session, ctx, target)`: the rows to write, as column → text, audited.
    """

    name: str
    columns: tuple[Column, ...]
    parse: Callable[[Mapping[str, str], ServiceContext], Row]
    key: Callable[[Row], Hashable]
    existing: Callable[[Session, list[Hashable]], set[Hashable]]
    insert: Callable[[Session, list[Row], ServiceContext, str], None] | None
    export: Callable[[Session, ServiceContext, str], list[dict[str, str]]] | None = None
    duplicate_reason: Callable[[Row], str] = field(
        default=lambda _row: _("appears twice in the file.")
    )
    existing_reason: Callable[[Row], str] = field(default=lambda _row: _("already registered."))
    permission_import: Permission = Permission.IMPORT
    permission_export: Permission = Permission.EXPORT
    staged: (
        Callable[
            [ServiceContext, list[tuple[int, Row]], str, bool, Progress | None],
            tuple[int, list[int]],
        ]
        | None
    ) = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


KINDS: dict[str, CsvKind[Any]] = {}


def register(csv_kind: CsvKind[Any]) -> CsvKind[Any]:
    KINDS[csv_kind.name] = csv_kind
    return csv_kind


def kind(name: str) -> CsvKind[Any]:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(
            _("Cannot import or export {name!r}; choose one of: {kinds}.").format(
                name=name, kinds=", ".join(sorted(KINDS))
            )
        ) from None


@dataclass(frozen=True)
class ImportResult:
    kind: str
    imported: int
    skipped: tuple[RowProblem, ...]  # rows left out (only with skip_invalid)


@dataclass(frozen=True)
class ExportResult:
    kind: str
    exported: int
    path: Path | None  # None: written to a stream (standard output)


# -- reading ---------------------------------------------------------------------------------------

# Bounds on what an import reads: far above any real file (a municipality's 100,000 citizens take
# about 8 MB), low enough that a wrong or hostile file (a device, a database, a dump) is refused at
# once with a sentence, instead of filling the memory or taking the afternoon.
MAX_BYTES = 50 * 1024 * 1024  # the whole file
MAX_ROWS = 200_000  # lines after the header: twice the largest import planned for
MAX_COLUMNS = 200  # in the header; the widest kind has 9
MAX_FIELD = 10_000  # characters in one field; a name may have 200, requirements a paragraph
# Characters in one line: a row of the widest kind with every field at MAX_FIELD fits. Each line
# is parsed on its own, so this also keeps every field under the csv module's own field limit
# (131,072, shared by the whole process), which therefore never needs changing.
MAX_LINE = 100_000
_EXCERPT = 40  # characters of a file's text that a message quotes
_DIGIT_RUN = re.compile(r"[0-9]{6}")
_TABS = re.compile(r"\t+")


def excerpt(value: str) -> str:
    """`value` cut short for a message: a message never carries a whole field."""
    return value if len(value) <= _EXCERPT else value[:_EXCERPT] + "…"


def digit_run_problem(column: str, value: str) -> str | None:
    """The reason to refuse `value` in a column of names or words when it holds six or more
    digits in a row: that is almost always a CPR number in the wrong column."""
    if _DIGIT_RUN.search(value) is None:
        return None
    return _(
        "column {column} holds a run of 6 or more digits: almost always a CPR number in the "
        "wrong column."
    ).format(column=column)


def read_source(path: str | os.PathLike[str]) -> str:
    """The text of the file at `path`, read within bounds: a device (/dev/zero), a pipe or a folder
    is refused unread (a pipe without waiting for a writer), a file over MAX_BYTES without reading
    more than MAX_BYTES + 1 bytes. OSError (missing, unreadable) goes to the caller."""
    source = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(source, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise ImportRefused(_("{file} is a folder; give a CSV file.").format(file=source))
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(
                _(
                    "{file} is not a regular file (a device, pipe or socket); save the data in a "
                    "file and import that."
                ).format(file=source)
            )
        data = handle.read(MAX_BYTES + 1) if info.st_size <= MAX_BYTES else b""
    if info.st_size > MAX_BYTES or len(data) > MAX_BYTES:
        raise ImportRefused(
            _("{file} is larger than {limit} MB; split it into smaller files.").format(
                file=source, limit=MAX_BYTES // (1024 * 1024)
            )
        )
    return _decode(data, source)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportRefused(
            _(
                "{file} is not UTF-8 text (line {line}): save it as 'CSV UTF-8' and try again."
            ).format(file=source, line=line)
        ) from None


def _sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") and ";" in header_line else ","


def _lines(text: str) -> Iterator[tuple[int, str | None]]:
    """(line number, the line without its end) for each line of `text`; None instead of a line
    longer than MAX_LINE, which is never copied."""
    number, start, end_of_text = 0, 0, len(text)
    while start < end_of_text:
        end = text.find("\n", start)
        if end < 0:
            end = end_of_text
        number += 1
        line = text[start:end].removesuffix("\r") if end - start <= MAX_LINE + 1 else None
        yield number, line if line is None or len(line) <= MAX_LINE else None
        start = end + 1


def _fields(line: str, delimiter: str) -> list[str]:
    """The raw fields of one line, or RowError when it is not one well-formed CSV row. No field
    of ours holds a line break, so a quote still open at the end of the line is refused rather
    than read on into the next line, where it would swallow the next row."""
    if "\x00" in line:
        raise RowError(_("holds a NUL byte: the file is damaged or not plain text."))
    line_break = _("a line break inside a field (an unclosed quote?)")
    if "\r" in line:
        raise RowError(line_break)
    try:
        return next(csv.reader((line,), delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        try:  # would closing the quote mend it? Then the field went on past the line's end.
            next(csv.reader((line + '"',), delimiter=delimiter, strict=True))
        except csv.Error:
            raise RowError(_("cannot be read ({problem}).").format(problem=exc)) from None
        raise RowError(line_break) from None


def _cell(raw: str) -> str:
    """A field's value: a cell the program wrote with a formula guard (`csvcells.neutralise`)
    reads back exactly as the value it stood for; any other cell without surrounding spaces."""
    if raw.startswith("'") and (value := restore(raw)) != raw:
        return value
    return raw.strip()


def _header(
    lines: Iterator[tuple[int, str | None]], csv_kind: CsvKind[Any], source: str
) -> tuple[list[str], str]:
    """The header's column names and the file's delimiter; ImportRefused if they do not fit."""
    columns = ", ".join(csv_kind.column_names)
    _number, line = next(lines, (1, ""))
    if line is None:
        raise ImportRefused(
            _("{file}: line 1 is longer than {limit} characters; is it a CSV file?").format(
                file=source, limit=MAX_LINE
            )
        )
    if not line.strip():
        raise ImportRefused(
            _("{file} is empty or has no header row; the columns are: {columns}.").format(
                file=source, columns=columns
            )
        )
    delimiter = _sniff_delimiter(line)
    try:
        header = [h.strip().lower() for h in _fields(line, delimiter)]
    except RowError as exc:
        raise ImportRefused(f"{source}: {RowProblem(1, str(exc))}") from None
    if len(header) > MAX_COLUMNS:
        raise ImportRefused(
            _(
                "{file}: the header has {count} columns, more than {limit}; the columns are: "
                "{columns}."
            ).format(file=source, count=len(header), limit=MAX_COLUMNS, columns=columns)
        )
    known = set(csv_kind.column_names)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ImportRefused(
            _("{file}: unknown column {column!r}; the columns are: {columns}.").format(
                file=source, column=excerpt(unknown[0]), columns=columns
            )
        )
    twice = sorted(name for name, count in Counter(header).items() if count > 1)
    if twice:
        raise ImportRefused(
            _("{file}: the column {column!r} appears twice in the header.").format(
                file=source, column=twice[0]
            )
        )
    missing = [c.name for c in csv_kind.columns if c.required and c.name not in header]
    if missing:
        raise ImportRefused(
            ngettext(
                "{file}: the header lacks the required column {missing}.",
                "{file}: the header lacks the required columns {missing}.",
                len(missing),
            ).format(file=source, missing=", ".join(missing))
        )
    return header, delimiter


def _row(header: list[str], fields: list[str], empty: dict[str, str]) -> dict[str, str]:
    """A data row's values by column, or RowError when its fields do not fit the header."""
    if len(fields) != len(header):
        raise RowError(
            ngettext(
                "has {found} field, the header has {expected}.",
                "has {found} fields, the header has {expected}.",
                len(fields),
            ).format(found=len(fields), expected=len(header))
        )
    values = dict(empty)
    for column, raw in zip(header, fields, strict=True):
        if len(raw) > MAX_FIELD:
            raise RowError(
                _("column {column} is longer than {limit} characters.").format(
                    column=column, limit=MAX_FIELD
                )
            )
        values[column] = _cell(raw)
    return values


def read_rows(
    text: str, csv_kind: CsvKind[Any], source: str
) -> Iterator[tuple[int, dict[str, str] | RowProblem]]:
    """(row number, values) for each data row, or (row number, problem) for a malformed row.

    Every line is one row, and the row number is its line in the file (the header is row 1).
    Raises ImportRefused for a file whose header does not fit `csv_kind`, or with more than
    MAX_ROWS rows."""
    lines = _lines(text)
    header, delimiter = _header(lines, csv_kind, source)
    empty = dict.fromkeys(csv_kind.column_names, "")  # a column the file lacks reads as ''
    rows = text.count("\n") - (1 if text.endswith("\n") else 0)
    if rows > MAX_ROWS:
        raise ImportRefused(
            _("{file} has {count} rows, more than {limit}; split it into smaller files.").format(
                file=source, count=rows, limit=MAX_ROWS
            )
        )
    for number, line in lines:
        if line is not None and not line.strip():
            continue  # blank line
        try:
            if line is None:
                raise RowError(
                    _("the line is longer than {limit} characters.").format(limit=MAX_LINE)
                )
            fields = _fields(line, delimiter)
            if all(not f.strip() for f in fields):
                continue  # a line of empty fields
            yield number, _row(header, fields, empty)
        except RowError as exc:
            yield number, RowProblem(number, str(exc))


@dataclass
class _Checked(Generic[Row]):
    good: list[tuple[int, Row]]
    problems: list[RowProblem]


def _check(text: str, csv_kind: CsvKind[Row], source: str, ctx: ServiceContext) -> _Checked[Row]:
    good: list[tuple[int, Row]] = []
    problems: list[RowProblem] = []
    seen: dict[Hashable, int] = {}
    for number, item in read_rows(text, csv_kind, source):
        if isinstance(item, RowProblem):
            problems.append(item)
            continue
        # A tab in a spreadsheet cell reads as a space (a line break was refused when read).
        item = {column: _TABS.sub(" ", value) for column, value in item.items()}
        if bad := text_errors(item):
            column, problem = next(iter(bad.items()))
            reason = _("column {column}: {problem}").format(column=column, problem=problem)
            problems.append(RowProblem(number, reason))
            continue
        try:
            row = csv_kind.parse(item, ctx)
        except RowError as exc:
            problems.append(RowProblem(number, str(exc)))
            continue
        key = csv_kind.key(row)
        if key in seen:
            problems.append(
                RowProblem(
                    number,
                    csv_kind.duplicate_reason(row)
                    + " "
                    + _("(first on row {row})").format(row=seen[key]),
                )
            )
            continue
        seen[key] = number
        good.append((number, row))
    return _Checked(good, problems)


def _existing_keys(
    session: Session, csv_kind: CsvKind[Row], rows: list[tuple[int, Row]]
) -> set[Hashable]:
    keys = [csv_kind.key(row) for _n, row in rows]
    found: set[Hashable] = set()
    for start in range(0, len(keys), _IN_CHUNK):
        found |= csv_kind.existing(session, keys[start : start + _IN_CHUNK])
    return found


def _refusal(problems: Sequence[RowProblem], source: str) -> ImportRefused:
    return ImportRefused(
        ngettext(
            "{file}: {count} row refused, nothing imported; fix it or use skip-invalid.",
            "{file}: {count} rows refused, nothing imported; fix them or use skip-invalid.",
            len(problems),
        ).format(file=source, count=len(problems)),
        problems,
    )


def import_csv(
    ctx: ServiceContext,
    kind_name: str,
    path: str | os.PathLike[str],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import `path` as `kind_name` records; all or nothing unless `skip_invalid`."""
    csv_kind = kind(kind_name)
    ctx.require(csv_kind.permission_import)
    source = os.fspath(path)
    text = read_source(path)  # bounded; OSError (missing, unreadable) goes to the caller
    checked = _check(text, csv_kind, source, ctx)
    if checked.problems and not skip_invalid:
        raise _refusal(checked.problems, source)
    # Already registered? Asked before the write lock too, so a refused file never takes it;
    # asked again under the lock, for a record registered at a desk in between.
    early = ctx.db.read(lambda session: _existing_keys(session, csv_kind, checked.good))
    kept, problems = _not_existing(csv_kind, checked, early)
    wanted = [checked.good[i] for i in kept]
    if problems and not skip_invalid:
        raise _refusal(problems, source)
    if csv_kind.staged is not None:
        imported, registered = csv_kind.staged(
            ctx, wanted, Path(source).name, skip_invalid, progress
        )
        numbers = set(registered)
        registered_keys = {csv_kind.key(row) for number, row in wanted if number in numbers}
        late = _not_existing(csv_kind, _Checked(wanted, problems), registered_keys)[1]
        if registered and not skip_invalid:
            raise _refusal(late, source)
        return ImportResult(csv_kind.name, imported, tuple(late))
    insert = csv_kind.insert
    assert insert is not None
    if progress is not None:
        progress(0, len(wanted))

    def work(session: Session) -> ImportResult:
        existing = _existing_keys(session, csv_kind, wanted)
        still, late = _not_existing(csv_kind, _Checked(wanted, problems), existing)
        if late != problems and not skip_invalid:
            raise _refusal(late, source)
        rows = [wanted[i][1] for i in still]
        for start in range(0, len(rows), _BATCH):
            insert(session, rows[start : start + _BATCH], ctx, Path(source).name)
            if progress is not None:
                progress(min(start + _BATCH, len(rows)), len(rows))
        return ImportResult(csv_kind.name, len(rows), tuple(late))

    return ctx.db.write(work)


def _not_existing(
    csv_kind: CsvKind[Row], checked: _Checked[Row], existing: set[Hashable]
) -> tuple[list[int], list[RowProblem]]:
    """Where in `checked.good` the rows whose keys are not in `existing` are, and the problems
    with the others added (in row order)."""
    kept: list[int] = []
    problems = list(checked.problems)
    for index, (number, row) in enumerate(checked.good):
        if csv_kind.key(row) in existing:
            problems.append(RowProblem(number, csv_kind.existing_reason(row)))
        else:
            kept.append(index)
    problems.sort(key=lambda p: p.row)
    return kept, problems


def to_csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """`;` between fields; every text cell spreadsheet-safe (`csvcells.neutralise`): a value that
    begins like a formula is written with a leading apostrophe, and the import takes it off."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c, "")) for c in columns])
    return buffer.getvalue()


def export_csv(
    ctx: ServiceContext,
    kind_name: str,
    path: str | os.PathLike[str] | BinaryIO,
    *,
    overwrite: bool = False,
) -> ExportResult:
    """Write every `kind_name` record to `path` (`;`, UTF-8 with BOM, file mode 0600), or to an
    open binary stream (standard output). A path is checked first (`outputs.check_output`): never
    the database, never anything but a regular file, an existing file only when `overwrite`."""
    csv_kind = kind(kind_name)
    if csv_kind.export is None:
        raise NotFound(_("{kind} cannot be exported.").format(kind=kind_name))
    exporter = csv_kind.export
    ctx.require(csv_kind.permission_export)
    stream: BinaryIO | None = None
    target: Path | None = None
    if isinstance(path, str | os.PathLike):
        target = check_output(ctx.db, path, overwrite=overwrite)
    else:
        stream = path

    def work(session: Session) -> list[dict[str, str]]:
        rows = exporter(session, ctx, target.name if target is not None else STDOUT)
        data = to_csv_text(csv_kind.column_names, rows).encode("utf-8-sig")
        # Write inside the transaction: if the file cannot be written, the audit entries roll
        # back with it, and the log never claims an export that did not happen.
        if target is None:
            assert stream is not None
            stream.write(data)
            stream.flush()
            return rows
        try:
            write_private(target, data)
        except OSError as exc:  # the reason, never the name of the temporary file
            raise cannot_write(target, exc) from exc
        return rows

    rows = ctx.db.write(work)
    return ExportResult(csv_kind.name, len(rows), target)


class _Record(Protocol):
    @property
    def id(self) -> int | None: ...


def add_imported(
    session: Session,
    ctx: ServiceContext,
    records: Sequence[_Record],
    *,
    entity: str,
    source: str,
    at: datetime,
) -> None:
    """Add a kind's imported records, and one IMPORT audit entry per record naming `source` (for
    citizens also in the citizen's own log): what each `CsvKind.insert` ends with."""
    session.add_all(records)
    session.flush()
    audit.record_many(
        session,
        actor=ctx.staff.initials,
        action=AuditAction.IMPORT,
        entity=entity,
        at=at,
        ids=[(r.id, None) for r in records],
        detail=source,
    )


# -- citizens --------------------------------------------------------------------------------------


_PHONE_CHARS = frozenset("0123456789 +")
_MAX_NAME = 200


def _parse_citizen(values: Mapping[str, str], ctx: ServiceContext) -> CitizenRow:
    from jobbutik.domain.identity import CprError

    reasons: list[str] = []
    cpr_text = values.get("cpr", "")
    digits, birth = "", date.min
    try:
        cpr = parse_cpr(cpr_text, ctx.clock.today())
        digits, birth = cpr.digits, cpr.birth_date
    except CprError as exc:
        reasons.append(
            _("CPR {value!r}: {reason}").format(value=excerpt(cpr_text), reason=exc.reason)
        )
    name = " ".join(values.get("name", "").split())
    if not name:
        reasons.append(_("the name is empty."))
    elif len(name) > _MAX_NAME:
        reasons.append(_("the name is longer than {n} characters.").format(n=_MAX_NAME))
    elif problem := digit_run_problem("name", name):
        reasons.append(problem)
    phone = values.get("phone", "")
    if phone:
        digits_only = phone.replace(" ", "").lstrip("+")
        if not set(phone) <= _PHONE_CHARS or not 8 <= len(digits_only) <= 15 or "+" in phone[1:]:
            reasons.append(
                _("phone {value!r} must be 8 digits, optionally with +country code.").format(
                    value=excerpt(phone)
                )
            )
    email = values.get("email", "")
    if email:
        local, at, domain = email.partition("@")
        if not at or not local or "." not in domain or " " in email or "@" in domain:
            reasons.append(
                _("e-mail {value!r} must look like name@example.dk.").format(value=excerpt(email))
            )
    postcode = values.get("postcode", "")
    if postcode and not (len(postcode) == 4 and postcode.isascii() and postcode.isdigit()):
        reasons.append(_("postcode {value!r} must be 4 digits.").format(value=excerpt(postcode)))
    if reasons:
        raise RowError("; ".join(reasons))
    return CitizenRow(digits, name, birth, phone, email, postcode)


def _existing_cprs(session: Session, keys: list[Hashable]) -> set[Hashable]:
    rows = session.exec(select(Citizen.cpr).where(col(Citizen.cpr).in_(keys))).all()
    return set(rows)


def _import_citizens(
    ctx: ServiceContext,
    rows: list[tuple[int, CitizenRow]],
    source: str,
    skip_invalid: bool,
    progress: Progress | None,
) -> tuple[int, list[int]]:
    return import_staged(ctx, rows, source, skip_invalid=skip_invalid, progress=progress)


_EXPORT_COLUMNS = (
    Citizen.id,
    Citizen.cpr,
    Citizen.name,
    Citizen.phone,
    Citizen.email,
    Citizen.postcode,
)


def _export_citizens(session: Session, ctx: ServiceContext, target: str) -> list[dict[str, str]]:
    staff = ctx.staff
    now = ctx.clock.now()
    found = (
        session.connection()
        .execute(
            select_columns(*(col(c) for c in _EXPORT_COLUMNS))
            .where(col(Citizen.anonymised_at).is_(None))
            .order_by(col(Citizen.id))
        )
        .all()
    )
    rows = []
    for found_row in found:
        citizen_id, cpr, name, phone, email, postcode = tuple(found_row)
        rows.append(
            {
                "cpr": cpr,
                "name": name,
                "phone": phone or "",
                "email": email or "",
                "postcode": postcode or "",
            }
        )
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.EXPORT,
            entity=AuditEntity.CITIZEN,
            entity_id=citizen_id,
            citizen_id=citizen_id,
            detail=target,
            at=now,
        )
    return rows


CITIZENS: CsvKind[CitizenRow] = CsvKind(
    name="citizens",
    columns=(
        Column("cpr", required=True),
        Column("name", required=True),
        Column("phone"),
        Column("email"),
        Column("postcode"),
    ),
    parse=_parse_citizen,
    key=lambda row: row.cpr,
    existing=_existing_cprs,
    insert=None,
    staged=_import_citizens,
    export=_export_citizens,
    duplicate_reason=lambda _row: _("the CPR number appears twice in the file."),
    existing_reason=lambda _row: _("the CPR number is already registered."),
)
register(CITIZENS)
