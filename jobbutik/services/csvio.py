"""CSV import and export: a generic mechanism plus one importer/exporter per kind of record.

The file format (both directions):
- a header row naming the columns (case and surrounding spaces ignored; order free);
- `;` or `,` between fields, sniffed from the header line (export writes `;`, what Danish
  spreadsheet programs expect);
- UTF-8, with or without a byte-order mark (export writes the mark so spreadsheets show æøå).

Import checks every row first and reports each problem as `row N: reason`, N being the line in the
file where the row starts (the header is row 1). By default a file with any bad row is refused
whole and nothing is imported; with `skip_invalid=True` the good rows are imported and the bad ones
reported. The import is one transaction (`db.write`) and writes one audit entry per imported
record, so each citizen's own log (an access request) shows where the record came from. Export
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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from jobbutik.domain.errors import JobbutikError, NotFound
from jobbutik.domain.files import write_private
from jobbutik.domain.i18n import _, ngettext
from jobbutik.domain.identity import parse_cpr
from jobbutik.domain.text import text_errors
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services import audit
from jobbutik.services.context import Permission, ServiceContext
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
    "export_csv",
    "import_csv",
    "kind",
    "read_rows",
    "register",
]

Row = TypeVar("Row")
Progress = Callable[[int, int], None]
_IN_CHUNK = 500  # keys per "already in the database?" query
_BREAKS = re.compile(r"[\t\r\n]+")


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
    - `insert(session, rows, ctx, source)`: write the rows (with their audit entries);
    - `export(session, ctx, target)`: the rows to write, as column → text, audited.
    """

    name: str
    columns: tuple[Column, ...]
    parse: Callable[[Mapping[str, str], ServiceContext], Row]
    key: Callable[[Row], Hashable]
    existing: Callable[[Session, list[Hashable]], set[Hashable]]
    insert: Callable[[Session, list[Row], ServiceContext, str], None]
    export: Callable[[Session, ServiceContext, str], list[dict[str, str]]] | None = None
    duplicate_reason: Callable[[Row], str] = field(
        default=lambda _row: _("appears twice in the file.")
    )
    existing_reason: Callable[[Row], str] = field(default=lambda _row: _("already registered."))
    permission_import: Permission = Permission.IMPORT
    permission_export: Permission = Permission.EXPORT

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
    path: Path


# -- reading ---------------------------------------------------------------------------------------


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            _(
                "{file} is not UTF-8 text (line {line}): save it as 'CSV UTF-8' and try again."
            ).format(file=source, line=line)
        ) from None


def _sniff_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") and ";" in header_line else ","


def read_rows(
    text: str, csv_kind: CsvKind[Any], source: str
) -> Iterator[tuple[int, dict[str, str] | RowProblem]]:
    """(row number, values) for each data row, or (row number, problem) for a malformed row.

    Raises ImportRefused for a file whose header does not fit `csv_kind`."""
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise ImportRefused(
            _("{file} is empty or has no header row; the columns are: {columns}.").format(
                file=source, columns=", ".join(csv_kind.column_names)
            )
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first_line))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ImportRefused(
            _("{file}: the header row cannot be read ({problem}).").format(file=source, problem=exc)
        ) from None
    known = set(csv_kind.column_names)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ImportRefused(
            _("{file}: unknown column {column!r}; the columns are: {columns}.").format(
                file=source, column=unknown[0], columns=", ".join(csv_kind.column_names)
            )
        )
    twice = sorted({h for h in header if header.count(h) > 1})
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
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, RowProblem(start, _("cannot be read ({problem}).").format(problem=exc))
            return
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(header):
            yield (
                start,
                RowProblem(
                    start,
                    _("has {found} fields, the header has {expected}.").format(
                        found=len(fields), expected=len(header)
                    ),
                ),
            )
            continue
        values = {name: "" for name in csv_kind.column_names}
        values.update({h: f.strip() for h, f in zip(header, fields, strict=True)})
        yield start, values


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
        # A line break or tab in a spreadsheet cell reads as a space: every field is one line.
        item = {column: _BREAKS.sub(" ", value) for column, value in item.items()}
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
    with open(path, "rb") as handle:  # OSError (missing, unreadable) goes to the caller
        text = _decode(handle.read(), source)
    checked = _check(text, csv_kind, source, ctx)
    if checked.problems and not skip_invalid:
        raise _refusal(checked.problems, source)
    total = len(checked.good)

    def work(session: Session) -> ImportResult:
        problems = list(checked.problems)
        existing = _existing_keys(session, csv_kind, checked.good)
        rows: list[Any] = []
        for number, row in checked.good:
            if csv_kind.key(row) in existing:
                problems.append(RowProblem(number, csv_kind.existing_reason(row)))
            else:
                rows.append(row)
        problems.sort(key=lambda p: p.row)
        if problems and not skip_invalid:
            raise _refusal(problems, source)
        batch = 1000
        for start in range(0, len(rows), batch):
            csv_kind.insert(session, rows[start : start + batch], ctx, Path(source).name)
            if progress is not None:
                progress(min(start + batch, len(rows)), len(rows))
        return ImportResult(csv_kind.name, len(rows), tuple(problems))

    if progress is not None:
        progress(0, total)
    return ctx.db.write(work)


def to_csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def export_csv(ctx: ServiceContext, kind_name: str, path: str | os.PathLike[str]) -> ExportResult:
    """Write every `kind_name` record to `path` (`;`, UTF-8 with BOM, file mode 0600)."""
    csv_kind = kind(kind_name)
    if csv_kind.export is None:
        raise NotFound(_("{kind} cannot be exported.").format(kind=kind_name))
    exporter = csv_kind.export
    ctx.require(csv_kind.permission_export)
    target = Path(path)
    if target.is_dir():
        raise ImportRefused(_("{path} is a folder; give a file name.").format(path=target))

    def work(session: Session) -> list[dict[str, str]]:
        rows = exporter(session, ctx, target.name)
        # Write inside the transaction: if the file cannot be written, the audit entries roll
        # back with it, and the log never claims an export that did not happen.
        write_private(target, to_csv_text(csv_kind.column_names, rows).encode("utf-8-sig"))
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
    citizens: bool = False,
) -> None:
    """Add a kind's imported records, and one IMPORT audit entry per record naming `source` (for
    citizens also in the citizen's own log): what each `CsvKind.insert` ends with."""
    staff = ctx.staff
    session.add_all(records)
    session.flush()
    for record in records:
        audit.record(
            session,
            actor=staff.initials,
            action=AuditAction.IMPORT,
            entity=entity,
            entity_id=record.id,
            citizen_id=record.id if citizens else None,
            detail=source,
            at=at,
        )


# -- citizens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitizenRow:
    cpr: str
    name: str
    birth_date: date
    phone: str
    email: str
    postcode: str


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
        reasons.append(_("CPR {value!r}: {reason}").format(value=cpr_text, reason=exc.reason))
    name = " ".join(values.get("name", "").split())
    if not name:
        reasons.append(_("the name is empty."))
    elif len(name) > _MAX_NAME:
        reasons.append(_("the name is longer than {n} characters.").format(n=_MAX_NAME))
    phone = values.get("phone", "")
    if phone:
        digits_only = phone.replace(" ", "").lstrip("+")
        if not set(phone) <= _PHONE_CHARS or not 8 <= len(digits_only) <= 15 or "+" in phone[1:]:
            reasons.append(
                _("phone {value!r} must be 8 digits, optionally with +country code.").format(
                    value=phone
                )
            )
    email = values.get("email", "")
    if email:
        local, at, domain = email.partition("@")
        if not at or not local or "." not in domain or " " in email or "@" in domain:
            reasons.append(
                _("e-mail {value!r} must look like name@example.dk.").format(value=email)
            )
    postcode = values.get("postcode", "")
    if postcode and not (len(postcode) == 4 and postcode.isascii() and postcode.isdigit()):
        reasons.append(_("postcode {value!r} must be 4 digits.").format(value=postcode))
    if reasons:
        raise RowError("; ".join(reasons))
    return CitizenRow(digits, name, birth, phone, email, postcode)


def _existing_cprs(session: Session, keys: list[Hashable]) -> set[Hashable]:
    rows = session.exec(select(Citizen.cpr).where(col(Citizen.cpr).in_(keys))).all()
    return set(rows)


def _insert_citizens(
    session: Session, rows: list[CitizenRow], ctx: ServiceContext, source: str
) -> None:
    from jobbutik.services.citizens import new_citizen_row

    now = ctx.clock.now()
    citizens = [
        new_citizen_row(
            cpr=r.cpr,
            name=r.name,
            birth_date=r.birth_date,
            created_at=now,
            phone=r.phone,
            email=r.email,
            postcode=r.postcode,
        )
        for r in rows
    ]
    add_imported(
        session, ctx, citizens, entity=AuditEntity.CITIZEN, source=source, at=now, citizens=True
    )


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
    insert=_insert_citizens,
    export=_export_citizens,
    duplicate_reason=lambda _row: _("the CPR number appears twice in the file."),
    existing_reason=lambda _row: _("the CPR number is already registered."),
)
register(CITIZENS)
