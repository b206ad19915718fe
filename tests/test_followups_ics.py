"""`jobbutik report followups --format ics` and `--split`, run as a user runs them.

The calendar file is read back by two parsers (icalendar and vobject): one all-day event per open
follow-up of the consultant on its due day, a summary with the kind, the masked CPR number and
the first name only, UIDs that stay the same from one export to the next (so a calendar updates
its events instead of adding them twice), and nothing of a full CPR number, a surname or a note.
The morning list with --split puts each consultant on a page of their own.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner
from factories import at, make_ctx
from pypdf import PdfReader
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from test_reports import CITIZENS, build_all
from trust_helpers import cli, one_line_error

from jobbutik.cli.main import main
from jobbutik.domain.i18n import set_language
from jobbutik.domain.vocabulary import FollowUpKind
from jobbutik.services import followups
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, FollowUp, Staff
from jobbutik.store.settings import mark_demo

TODAY = "2026-12-01"
NOTE = "Ringede: har søgt, men er syg med angst"
# Free text the dataset typed into cases (exemption and override reasons), and surnames.
FREE_TEXT = (
    NOTE,
    "grundforløb",
    "lægeerklæring",
    "Butiksassistent",
    "Lagermedarbejder",
    "Netto",
    "Materielgården",
)
SURNAMES = tuple(name.split()[-1] for _cpr, name in CITIZENS.values())


@pytest.fixture
def db(sqlite_database: Database) -> Database:
    """The known dataset; CD records on 1.12. that A7 applied, with a note: the next referral
    follow-up is open, and the note must stay in the program."""
    build_all(sqlite_database)
    cd = make_ctx(sqlite_database, "cd", roles="consultant", now=at(date(2026, 12, 1), 10))
    referral = open_follow_ups(sqlite_database, "cd", kind=FollowUpKind.REFERRAL)
    followups.record_outcome(cd, referral[0][0], "applied", note=NOTE)
    sqlite_database.write(mark_demo)  # --user and --today choose the reader and the day
    return sqlite_database


def open_follow_ups(
    db: Database, initials: str, kind: str | None = None
) -> list[tuple[int, str, date, str, str]]:
    """(id, kind, due, CPR, name) of the consultant's open follow-ups."""

    def read(session: Session) -> list[tuple[int, str, date, str, str]]:
        query = (
            select_columns(
                col(FollowUp.id),
                col(FollowUp.kind),
                col(FollowUp.due),
                col(Citizen.cpr),
                col(Citizen.name),
            )
            .join(Staff, col(Staff.id) == FollowUp.assignee_id)
            .join(Citizen, col(Citizen.id) == FollowUp.citizen_id)
            .where(col(FollowUp.done_at).is_(None), col(Staff.initials) == initials)
            .order_by(col(FollowUp.id))
        )
        if kind is not None:
            query = query.where(col(FollowUp.kind) == kind)
        return [(fid, k, due, cpr, name) for fid, k, due, cpr, name in session.execute(query)]

    return db.read(read)


def export(db: Database, user: str, target: Path, *extra: str) -> str:
    result = cli(db, user, "report", "followups", "--format", "ics", "-o", str(target), *extra,
                 today=TODAY)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout


def unfolded(text: str) -> str:
    """The file with its long lines joined again (RFC 5545 folds them at 75 octets)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "")


def read_icalendar(text: str) -> dict[str, tuple[date, str]]:
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["VERSION"]) == "2.0" and "Jobbutik" in str(calendar["PRODID"])
    events = {}
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        assert isinstance(start, date) and event.decoded("DTEND") > start  # all-day
        assert event.get("DTSTAMP") is not None and event.decoded("SEQUENCE") == 0
        events[str(event["UID"])] = (start, str(event["SUMMARY"]))
    return events


def read_vobject(text: str) -> dict[str, tuple[date, str]]:
    calendar = vobject.readOne(text)
    return {e.uid.value: (e.dtstart.value, e.summary.value) for e in calendar.vevent_list}


def test_the_calendar_reads_back_the_same_in_two_parsers(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "cd.ics"
    said = export(db, "cd", target)
    expected = open_follow_ups(db, "cd")
    assert f"{len(expected)} follow-ups written to {target}" in said
    text = target.read_text(encoding="utf-8")
    events = read_icalendar(text)
    assert read_vobject(text) == events
    # One event per open follow-up, later ones too, each on its due day.
    by_id = {int(uid.split("@")[0].removeprefix("followup-")): ev for uid, ev in events.items()}
    assert {fid: due for fid, (due, _s) in by_id.items()} == {
        fid: due for fid, _k, due, _c, _n in expected
    }
    for fid, kind, _due, cpr, name in expected:
        label = FollowUpKind.label_of(kind)
        assert by_id[fid][1] == f"{label}: {cpr[:6]}-XXXX {name.split()[0]}"
    summaries = {s for _d, s in events.values()}
    assert "Activation start: 040494-XXXX Mette" in summaries  # overdue since 24.11.
    assert "CV deadline: 060696-XXXX Hanne" in summaries


def test_no_full_cpr_number_surname_or_note_leaves_the_program(
    db: Database, tmp_path: Path
) -> None:
    everyone: list[str] = []
    for user in ("ab", "cd"):
        target = tmp_path / f"{user}.ics"
        export(db, user, target)
        everyone.append(unfolded(target.read_text(encoding="utf-8")))
    stdout = cli(db, "sup", "report", "followups", "--format", "ics", "--consultant", "cd",
                 today=TODAY).stdout  # fmt: skip
    everyone.append(unfolded(stdout))
    cprs = db.read(lambda s: list(s.exec(select(Citizen.cpr)).all()))
    for text in everyone:
        assert "BEGIN:VEVENT" in text
        assert not re.search(r"\d{6}-?\d{4}", text)  # no CPR number, in any form
        for cpr in cprs:
            assert cpr not in text and f"{cpr[:6]}-{cpr[6:]}" not in text
        for word in (*FREE_TEXT, *SURNAMES):
            assert word not in text, word


def test_uids_stay_the_same_so_a_calendar_updates(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "cd.ics"
    export(db, "cd", target)
    first = read_icalendar(target.read_text(encoding="utf-8"))
    refused = cli(db, "cd", "report", "followups", "--format", "ics", "-o", str(target),
                  today=TODAY)  # fmt: skip
    assert "--force" in one_line_error(refused)
    export(db, "cd", target, "--force")
    again = read_icalendar(target.read_text(encoding="utf-8"))
    assert again == first
    # A supervisor exporting CD's calendar gets the same events, the same UIDs.
    other = tmp_path / "sup.ics"
    export(db, "sup", other, "--consultant", "CD")
    assert read_vobject(other.read_text(encoding="utf-8")) == first
    ids = {uid.split("@")[0] for uid in first}
    assert ids == {f"followup-{fid}" for fid, *_rest in open_follow_ups(db, "cd")}
    assert len({uid.split("@")[1] for uid in first}) == 1  # one name for this database


def test_with_a_date_only_those_due_by_it(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "cd.ics"
    export(db, "cd", target, "--date", "07.12.2026")
    days = sorted(due for due, _s in read_icalendar(target.read_text(encoding="utf-8")).values())
    assert days and max(days) <= date(2026, 12, 7)
    assert len(days) < len(open_follow_ups(db, "cd"))


def test_the_export_is_in_the_audit_log_with_each_citizen(db: Database, tmp_path: Path) -> None:
    export(db, "cd", tmp_path / "cd.ics")

    def entries(session: Session) -> list[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.action == "export")
        return list(session.exec(query).all())

    logged = db.read(entries)
    assert {e.detail for e in logged} == {"followups ics open cd"}
    assert all(e.actor == "cd" for e in logged)
    citizens = {e.citizen_id for e in logged if e.citizen_id is not None}
    names = {name for *_rest, name in open_follow_ups(db, "cd")}
    assert len(citizens) == len(names)


def test_a_consultant_exports_only_their_own(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "cd.ics"
    result = cli(db, "ab", "report", "followups", "--format", "ics", "--consultant", "cd",
                 "-o", str(target), today=TODAY)  # fmt: skip
    assert "only their own" in one_line_error(result)
    assert not target.exists()
    printed = cli(db, "cd", "report", "followups", "--format", "ics", "--print", today=TODAY)
    assert printed.exit_code == 2 and "calendar" in printed.output


def test_the_summary_names_the_kind_in_danish(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "cd.ics"
    base = ["--db", db.url, "--user", "cd", "--today", TODAY, "--lang", "da", "report"]
    result = CliRunner().invoke(main, [*base, "followups", "--format", "ics", "-o", str(target)])
    assert result.exit_code == 0, result.output
    set_language("da")
    try:
        label = FollowUpKind.ACTIVATION_START.label
    finally:
        set_language("en")
    assert label != "Activation start"
    summaries = {s for _d, s in read_vobject(target.read_text(encoding="utf-8")).values()}
    assert f"{label}: 040494-XXXX Mette" in summaries


# -- the morning list, one page per consultant -------------------------------------------------

SPLIT_DAY = "14.12.2026"  # both AB and CD have follow-ups due by then


def test_split_text_has_a_form_feed_between_consultants(db: Database) -> None:
    plain = cli(db, "sup", "report", "followups", "--date", SPLIT_DAY, today=TODAY)
    assert plain.exit_code == 0, plain.output
    assert "\f" not in plain.stdout
    split = cli(db, "sup", "report", "followups", "--date", SPLIT_DAY, "--split", today=TODAY)
    assert split.exit_code == 0, split.output
    summary, ab, cd = split.stdout.split("\f")
    assert "Summary" in summary and "Consultant" not in summary.split("Summary")[1].split("\n")[0]
    assert "Consultant AB" in ab and "Consultant CD" not in ab and "010190-XXXX" in ab
    assert "Consultant CD" in cd and "Consultant AB" not in cd and "040494-XXXX" in cd
    assert all(len(line) <= 80 for line in split.stdout.splitlines())


def test_split_pdf_has_a_page_per_consultant(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "morning.pdf"
    result = cli(db, "sup", "report", "followups", "--date", SPLIT_DAY, "--split",
                 "--format", "pdf", "-o", str(target), today=TODAY)  # fmt: skip
    assert result.exit_code == 0, result.output
    pages = [page.extract_text() or "" for page in PdfReader(target).pages]
    assert len(pages) == 3  # the summary, then AB's page and CD's page
    assert "Summary" in pages[0]
    assert "Consultant AB" in pages[1] and "Consultant CD" not in pages[1]
    assert "Consultant CD" in pages[2] and "Consultant AB" not in pages[2]


def test_help_names_split_and_ics() -> None:
    result = CliRunner().invoke(main, ["--lang", "en", "report", "followups", "--help"])
    assert result.exit_code == 0, result.output
    assert "--split" in result.stdout and "ics" in result.stdout
