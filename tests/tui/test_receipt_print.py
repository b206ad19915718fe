"""Ctrl+R on the citizen screen prints the receipt with `lp`, as at a desk with a printer: a fake
`lp` first on PATH keeps what it was given; a printer that refuses leaves the receipt saved."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from factories import NOW, add_site, make_ctx
from helpers import notices, screen_text, settle, start
from pypdf import PdfReader
from sqlmodel import col, select
from test_followups import visit

from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen
from jobbutik.tui.messages import OpenCitizen

JENS = "0101901234"
REQUEST_ID = "request id is Skranke-12 (1 file(s))"
REFUSAL = "lp: The printer or class does not exist."


class FakeLp:
    """An `lp` that writes its arguments (one a line), $PRINTER and a copy of the file it was
    given into `folder`, then answers as CUPS does — or refuses the job."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        self.args = folder / "lp-args"
        self.printer = folder / "lp-printer"
        self.received = folder / "lp-received"

    def answer(self, *, refuse: bool = False) -> None:
        script = self.bin / "lp"
        ending = (
            f'echo "{REFUSAL}" >&2\nexit 1\n'
            if refuse
            else f'for last; do :; done\ncp "$last" {self.received}\necho "{REQUEST_ID}"\n'
        )
        script.write_text(
            f'#!/bin/sh\nprintf "%s\\n" "$@" > {self.args}\n'
            f'printf "%s" "$PRINTER" > {self.printer}\n' + ending
        )
        script.chmod(0o755)


@pytest.fixture
def lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLp:
    fake = FakeLp(tmp_path / "printing")
    fake.answer()
    monkeypatch.setenv("PATH", f"{fake.bin}{os.pathsep}{os.environ.get('PATH', '/bin')}")
    monkeypatch.setenv("PRINTER", "Skranke")  # the desk's default printer
    return fake


def jens_visited(db: Database) -> tuple[int, int]:
    """Jens Møller, visited today with an activation at Materielgården: (citizen, visitation)."""
    result = visit(make_ctx(db, "ab"), JENS, "Jens Møller", site=add_site(db, "Materielgården"))
    citizen_id = db.read(lambda s: s.exec(select(Citizen.id).where(Citizen.cpr == JENS)).one())
    assert citizen_id is not None
    return citizen_id, result.visitation_id


def receipt_entries(db: Database) -> list[tuple[str, str, int | None, str, Any]]:
    rows = db.read(
        lambda s: s.exec(
            select(AuditEntry).where(AuditEntry.entity == "receipt").order_by(col(AuditEntry.seq))
        ).all()
    )
    return [(e.action, e.actor, e.citizen_id, e.detail, e.at) for e in rows]


async def press_receipt(pilot: Any, citizen_id: int) -> None:
    await start(pilot)
    pilot.app.post_message(OpenCitizen(citizen_id))
    await settle(pilot)
    assert pilot.app.screen.id == "citizen"
    assert "Kvittering" in screen_text(pilot.app).splitlines()[-1]  # the footer offers it
    await pilot.press("ctrl+r")
    await settle(pilot)


async def test_ctrl_r_prints_the_receipt_on_the_default_printer(
    make_app: Any, tui_database: Database, lp: FakeLp
) -> None:
    citizen_id, visitation_id = jens_visited(tui_database)
    app = make_app()  # Danish, as at the desk
    async with app.run_test(size=(120, 40)) as pilot:
        await press_receipt(pilot, citizen_id)
        shown = app._notifications
    assert tui_database.path is not None
    folder = tui_database.path.parent / "receipts"
    pdf = folder / f"kvittering-2026-11-23-{visitation_id}.pdf"
    text = pdf.with_suffix(".txt")
    # The default printer ($PRINTER) is lp's to use: no -d and no options, just the PDF.
    assert lp.args.read_text().splitlines() == ["--", str(pdf)]
    assert lp.printer.read_text() == "Skranke"
    received = lp.received.read_bytes()
    assert received.startswith(b"%PDF-") and received == pdf.read_bytes()
    printed = "\n".join(page.extract_text() for page in PdfReader(lp.received).pages)
    assert "Kvittering" in printed and "Jens Møller" in printed and "010190-XXXX" in printed
    assert JENS not in printed
    assert notices(app)[-1] == (
        f"Kvittering gemt: {pdf} og {text.name}. {pdf.name} er sendt til printeren. ({REQUEST_ID})"
    )
    assert (list(shown)[-1].title, list(shown)[-1].severity) == ("Kvittering", "information")
    detail = f"receipt visitation {visitation_id}"
    assert receipt_entries(tui_database) == [
        (action, "ab", who, detail, NOW)
        for action in ("read", "export", "print")
        for who in (None, citizen_id)
    ]


async def test_a_refused_job_says_so_in_danish_and_the_receipt_is_kept(
    make_app: Any, tui_database: Database, lp: FakeLp
) -> None:
    citizen_id, visitation_id = jens_visited(tui_database)
    lp.answer(refuse=True)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await press_receipt(pilot, citizen_id)
        assert tui_database.path is not None
        pdf = tui_database.path.parent / "receipts" / f"kvittering-2026-11-23-{visitation_id}.pdf"
        text = pdf.with_suffix(".txt")
        assert notices(app)[-1] == (
            f"Kvittering gemt: {pdf} og {text.name}. "
            f"Ikke udskrevet: Printeren afviste udskriften: {REFUSAL}"
        )
        # A warning, not a passing line: the citizen must not leave without the receipt.
        assert list(app._notifications)[-1].severity == "warning"
        assert app.screen.id == "citizen"  # the desk goes on where it was
        # Nothing is lost: both files are there, and the export is in the log, not a print.
        assert "Jens Møller" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert "Jens Møller" in text.read_text(encoding="utf-8")
        assert [e[0] for e in receipt_entries(tui_database)] == ["read", "read", "export", "export"]
        # The printer back, Ctrl+R again prints the same receipt.
        lp.answer()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert notices(app)[-1].endswith(f"{pdf.name} er sendt til printeren. ({REQUEST_ID})")
    assert lp.received.read_bytes().startswith(b"%PDF-")
    assert [e[0] for e in receipt_entries(tui_database)][-2:] == ["print", "print"]
