"""The citizen's receipt: what was agreed, masked CPR, text and PDF, and printing with lp."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import add_company, add_opening, add_site, at, make_ctx, on_day
from pypdf import PdfReader
from sqlmodel import Session, col, select
from test_followups import visit

from jobbutik.domain.errors import JobbutikError, NotFound, PermissionDenied
from jobbutik.domain.i18n import language, set_language
from jobbutik.reports import pdf, printing
from jobbutik.reports.receipt import (
    ReceiptRef,
    receipt_dir,
    receipt_document,
    receipt_for,
    receipts_of,
    render_pdf,
    render_text,
    save_and_print,
)
from jobbutik.services import arrivals, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.context import ServiceContext
from jobbutik.services.visitation import ActivationChoice, Facts, ReferralChoice, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import ActivationSite, AuditEntry, Request, Setting, Visitation

ADULT = "0101901234"
YOUNG = "0202024321"


@pytest.fixture
def english() -> Iterator[None]:
    before = language()
    set_language("en")
    yield
    set_language(before)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def visit_adult(database: Database) -> tuple[ServiceContext, int]:
    ctx = make_ctx(database)
    site = add_site(database, "Materielgården", hours=20)

    def details(session: Session) -> None:
        row = session.get(ActivationSite, site)
        assert row is not None
        row.address, row.postcode = "Ågade 4", "2730"
        row.contact_name, row.contact_phone = "Søren Ærø", "44 52 00 00"
        session.add(row)
        session.add(Setting(key="municipality", value="Herlev Kommune"))

    database.write(details)
    company = add_company(database, "Netto Herlev")
    shop = add_opening(database, company, "Butiksassistent")
    store = add_opening(database, company, "Lagermedarbejder", industry="Lager")
    form = ArrivalForm(
        cpr=ADULT, benefit="kontanthjaelp", new_citizen=NewCitizen(name="Jens Møller")
    )
    request_id = arrivals.register_arrival(ctx, form).request_id
    start = visitation.start(ctx, request_id)
    result = visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=Facts(),
            category="jobparat",
            activation=ActivationChoice(site, start.deadlines.default_activation_start),
            referrals=(ReferralChoice(shop), ReferralChoice(store, apply_by=date(2026, 11, 25))),
            help_cv=True,
            help_application=True,
        ),
    )
    return ctx, result.visitation_id


def test_receipt_lists_what_was_agreed(database: Database, english: None) -> None:
    ctx, visitation_id = visit_adult(database)
    receipt = receipt_for(ctx, visitation_id)
    assert receipt.municipality == "Herlev Kommune"
    assert (receipt.citizen_name, receipt.cpr_masked) == ("Jens Møller", "010190-XXXX")
    assert (receipt.held_on, receipt.category) == (date(2026, 11, 23), "jobparat")
    assert receipt.activation is not None
    assert receipt.activation.site == "Materielgården"
    assert receipt.activation.address == "Ågade 4, 2730"
    assert receipt.activation.start_date == date(2026, 11, 24)
    assert receipt.activation.hours_per_week == 20
    assert receipt.activation.contact == "Søren Ærø, 44 52 00 00"
    assert [(j.title, j.apply_by) for j in receipt.jobs] == [
        ("Lagermedarbejder", date(2026, 11, 25)),
        ("Butiksassistent", date(2026, 11, 26)),
    ]
    assert receipt.cv_deadline == date(2026, 12, 14)
    assert (receipt.help_cv, receipt.help_email, receipt.help_application) == (True, False, True)
    assert receipt.consultant == "DEMO (DEMO)"

    text = render_text(receipt)
    assert all(len(line) <= 80 for line in text.splitlines())
    for expected in (
        "Herlev Kommune",
        "Jens Møller",
        "010190-XXXX",
        "Materielgården",
        "Ågade 4, 2730",
        "24.11.2026",
        "Lagermedarbejder",
        "25.11.2026",
        "14.12.2026",
        "Help to put your CV on Jobnet",
        "Help to write an application",
    ):
        assert expected in text, expected
    assert "e-mail address" not in text
    assert ADULT not in text and "0101901234"[6:] not in text.replace("XXXX", "")


def test_receipt_pdf_has_danish_letters_and_no_full_cpr(
    database: Database, english: None, tmp_path: Path
) -> None:
    ctx, visitation_id = visit_adult(database)
    set_language("da")
    receipt = receipt_for(ctx, visitation_id)
    path = render_pdf(receipt, tmp_path / "kvittering.pdf")
    text = pdf_text(path)
    for expected in (
        "Herlev Kommune",
        "Kvittering",
        "Jens Møller",
        "Søren Ærø",
        "Ågade 4",
        "010190-XXXX",
        "Butiksassistent",
        "14.12.2026",
        "Side 1 af 1",
    ):
        assert expected in text, expected
    assert "1234" not in text
    danish = render_text(receipt)
    assert "Job du skal søge" in danish


def visit_young(
    database: Database, category: str = "åbenlyst uddannelsesparat", **plan: Any
) -> tuple[ServiceContext, int]:
    """A 24-year-old without an erhvervskompetencegivende uddannelse, visited today."""
    ctx = make_ctx(database)
    form = ArrivalForm(cpr=YOUNG, benefit="kontanthjaelp", new_citizen=NewCitizen(name="Åse"))
    request_id = arrivals.register_arrival(ctx, form).request_id
    visitation.start(ctx, request_id)
    result = visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=Facts(has_qualifying_education=False, integration_programme=False),
            category=category,
            exempt=True,
            exemption_reason="Starter på højskole mandag",
            guidance=True,  # on the youth track both are answered, never assumed
            **plan,
        ),
    )
    return ctx, result.visitation_id


def test_youth_receipt_has_guidance_and_the_injunction_with_goal_and_deadline(
    database: Database, english: None
) -> None:
    ctx, visitation_id = visit_young(
        database,
        injunction=True,
        injunction_goal="Social- og sundhedshjælper",
        injunction_deadline=date(2027, 1, 15),
    )
    receipt = receipt_for(ctx, visitation_id)
    assert (receipt.youth_track, receipt.guidance_referred, receipt.injunction_given) == (
        True, True, True,
    )  # fmt: skip
    assert (receipt.injunction_goal, receipt.injunction_deadline) == (
        "Social- og sundhedshjælper",
        date(2027, 1, 15),
    )
    assert receipt.activation is None and receipt.jobs == ()
    assert receipt.final_visitation is None  # åbenlyst uddannelsesparat: not provisional
    text = render_text(receipt)
    assert "education guidance" in text and "education injunction" in text
    lines = [line.strip() for line in text.splitlines()]
    assert any(
        line.startswith("Education goal") and "Social- og sundhedshjælper" in line for line in lines
    )
    assert any(line.startswith("Deadline") and "15.01.2027" in line for line in lines)
    assert "final visitation" not in text
    assert "Jobs you must apply for" not in text
    assert receipt.municipality == "Jobcentret"


def test_a_provisional_uddannelsesparat_is_told_the_final_visitation_day(
    database: Database, english: None
) -> None:
    ctx, visitation_id = visit_young(
        database,
        "uddannelsesparat",
        override_reason="Usikker på uddannelsesvalget",
        injunction=False,
    )
    receipt = receipt_for(ctx, visitation_id)
    # Three months from the first henvendelse (Monday 23.11.2026): Tuesday 23.02.2027.
    assert receipt.final_visitation == date(2027, 2, 23)
    assert (
        "You are uddannelsesparat for now; your final visitation is no later than 23.02.2027."
        in " ".join(render_text(receipt).split())
    )


def test_the_receipt_prints_the_rights_and_duties_in_the_citizens_language(
    database: Database, english: None, tmp_path: Path
) -> None:
    ctx, visitation_id = visit_adult(database)
    english_text = " ".join(render_text(receipt_for(ctx, visitation_id)).split())
    assert "Your rights and duties" in english_text
    assert "You must be available: apply for the jobs" in english_text
    assert "Before any decision on a sanction we hear you (partshøring)" in english_text
    set_language("da")
    receipt = receipt_for(ctx, visitation_id)
    danish = " ".join(render_text(receipt).split())
    assert "Dine rettigheder og pligter" in danish
    assert "Du har pligt til at stå til rådighed" in danish
    assert "hører vi dig (partshøring)" in danish
    assert "You must be available" not in danish
    pdf_lines = " ".join(pdf_text(render_pdf(receipt, tmp_path / "r.pdf")).split())
    assert "Du har pligt til at stå til rådighed" in pdf_lines


def set_benefit(database: Database, visitation_id: int, benefit: str) -> None:
    def work(session: Session) -> None:
        row = session.get(Visitation, visitation_id)
        assert row is not None
        request = session.get(Request, row.request_id)
        assert request is not None
        request.benefit = benefit
        session.add(request)

    database.write(work)


def test_a_receipt_never_names_a_benefit_not_in_force_on_the_request_day(
    database: Database, english: None
) -> None:
    # Before 1 July 2025 uddannelseshjælp could be applied for: the receipt names it.
    ctx = on_day(make_ctx(database), at(date(2025, 6, 30), 10))
    form = ArrivalForm(cpr=YOUNG, benefit="uddannelseshjaelp", new_citizen=NewCitizen(name="Åse"))
    request_id = arrivals.register_arrival(ctx, form).request_id
    visitation.start(ctx, request_id)
    before = visitation.complete(
        ctx,
        VisitationPlan(
            request_id=request_id,
            facts=Facts(has_qualifying_education=False, integration_programme=False),
            category="åbenlyst uddannelsesparat",
            exempt=True,
            exemption_reason="Starter på højskole mandag",
            guidance=True,
            injunction=False,
        ),
    ).visitation_id
    receipt = receipt_for(ctx, before)
    assert receipt.benefit == "uddannelseshjaelp"
    assert "Uddannelseshjælp" in render_text(receipt)
    # A request recorded with it later (imported, or from an old desk) names no benefit: not
    # the one that had ended, and not one the citizen did not apply for.
    today, adult = visit_adult(database)
    set_benefit(database, adult, "uddannelseshjaelp")
    receipt = receipt_for(today, adult)
    assert receipt.benefit == ""
    text = render_text(receipt)
    assert "Uddannelseshjælp" not in text and "Kontanthjælp" not in text
    assert "Benefit applied for" not in text


def receipt_entries(database: Database) -> list[AuditEntry]:
    return database.read(
        lambda s: list(
            s.exec(
                select(AuditEntry)
                .where(AuditEntry.entity == "receipt")
                .order_by(col(AuditEntry.seq))
            ).all()
        )
    )


def test_saving_and_printing_a_receipt_is_audited(
    database: Database, english: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "lp", 'echo "request id is Skranke-3 (1 file(s))"\n')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + "/bin")
    monkeypatch.setenv("PRINTER", "Skranke")
    ctx, visitation_id = visit_adult(database)
    [citizen_id] = database.read(
        lambda s: list(s.exec(select(Visitation.citizen_id).where(Visitation.id == visitation_id)))
    )
    moment = at(date(2026, 11, 23), 11, 5)

    def guidance_on_record() -> bool:
        return database.read(
            lambda s: s.exec(
                select(Visitation.rights_guidance_given).where(Visitation.id == visitation_id)
            ).one()
        )

    assert not guidance_on_record()  # not ticked in the conversation

    shown = save_and_print(on_day(ctx, moment), visitation_id)

    assert shown.printed
    # The printed receipt carries the written guidance on rights and duties: now on record.
    assert guidance_on_record()
    assert shown.line.endswith(
        f"kvittering-2026-11-23-{visitation_id}.txt. Sent kvittering-2026-11-23-"
        f"{visitation_id}.pdf to the printer. (request id is Skranke-3 (1 file(s)))"
    )
    detail = f"receipt visitation {visitation_id}"
    # Each step once for the report and once in the citizen's own log.
    assert [
        (e.action, e.entity, e.actor, e.citizen_id, e.detail, e.at)
        for e in receipt_entries(database)
    ] == [
        (action, "receipt", "demo", who, detail, moment)
        for action in ("read", "export", "print")
        for who in (None, citizen_id)
    ]


def test_a_receipt_not_printed_is_saved_and_audited_as_saved(
    database: Database, english: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp here
    ctx, visitation_id = visit_adult(database)

    shown = save_and_print(ctx, visitation_id)

    assert not shown.printed
    # Not handed over: the written guidance is not on record by the receipt.
    assert not database.read(
        lambda s: s.exec(
            select(Visitation.rights_guidance_given).where(Visitation.id == visitation_id)
        ).one()
    )
    assert shown.line.endswith(
        ". Not printed: There is no printing on this machine (the lp command is missing): "
        "save the report to a file instead."
    )
    assert [e.action for e in receipt_entries(database)] == ["read", "read", "export", "export"]
    folder = receipt_dir(ctx)
    stem = f"kvittering-2026-11-23-{visitation_id}"
    assert "Jens Møller" in pdf_text(folder / f"{stem}.pdf")
    assert "Jens Møller" in (folder / f"{stem}.txt").read_text(encoding="utf-8")
    assert stat.S_IMODE((folder / f"{stem}.pdf").stat().st_mode) == 0o600


def test_a_citizens_receipts_newest_first(database: Database, english: None) -> None:
    ctx, november = visit_adult(database)
    [citizen_id] = database.read(
        lambda s: list(s.exec(select(Visitation.citizen_id).where(Visitation.id == november)))
    )
    december = visit(on_day(ctx, at(date(2026, 12, 1))), ADULT, "Jens Møller").visitation_id
    assert receipts_of(ctx, citizen_id) == (
        ReceiptRef(december, date(2026, 12, 1)),
        ReceiptRef(november, date(2026, 11, 23)),
    )
    assert receipts_of(ctx, citizen_id + 1) == ()
    reception = make_ctx(database, "rec", roles="reception")
    with pytest.raises(PermissionDenied):
        receipts_of(reception, citizen_id)


def test_unknown_visitation_is_not_found(database: Database, english: None) -> None:
    ctx = make_ctx(database)
    with pytest.raises(NotFound):
        receipt_for(ctx, 999)


def page_fonts(path: Path) -> set[str]:
    """The fonts the first page uses, without the subset tag (ABCDEF+DejaVuSansBook)."""
    resources: Any = PdfReader(path).pages[0]["/Resources"]
    fonts = resources.get_object()["/Font"].get_object()
    return {
        str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1] for font in fonts.values()
    }


def test_non_latin_names_print_with_their_own_letters(
    database: Database, english: None, tmp_path: Path
) -> None:
    if pdf.find_unicode_font() is None:
        pytest.fail(
            "DejaVu Sans (DejaVuSans.ttf) is not in the system font folders nor in "
            "$JOBBUTIK_FONT_DIR, so names beyond Latin-1 would lose their accents: install "
            "fonts-dejavu-core (.ci/run does).",
            pytrace=False,
        )
    ctx, visitation_id = visit_adult(database)
    odd = replace(receipt_for(ctx, visitation_id), citizen_name="Łukasz Wałęsa")
    path = render_pdf(odd, tmp_path / "r.pdf")
    lines = pdf_text(path).splitlines()
    assert "Name Łukasz Wałęsa" in lines
    assert "Address Ågade 4, 2730" in lines  # the Danish letters print in the same font
    assert "Lukasz" not in "\n".join(lines)
    assert page_fonts(path) == {"DejaVuSansBook", "DejaVuSansBold"}
    # A letter the font lacks is left out (fpdf2 warns); the rest of the name and page print.
    cjk = render_pdf(replace(odd, citizen_name="Łukasz Wałęsa 李"), tmp_path / "cjk.pdf")
    assert "Name Łukasz Wałęsa" in [line.rstrip() for line in pdf_text(cjk).splitlines()]
    assert receipt_document(odd).title == "Receipt"


# -- printing ----------------------------------------------------------------------------------


def fake_command(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_print_without_lp_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    target = tmp_path / "r.txt"
    target.write_text("x")
    with pytest.raises(JobbutikError, match="lp command is missing"):
        printing.print_file(target)


def test_print_without_default_printer_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "lp", "exit 0\n")
    fake_command(bin_dir, "lpstat", 'echo "no system default destination"\n')
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("PRINTER", raising=False)
    monkeypatch.delenv("LPDEST", raising=False)
    target = tmp_path / "r.txt"
    target.write_text("x")
    with pytest.raises(JobbutikError, match="No default printer"):
        printing.print_file(target)


def test_print_sends_the_file_to_lp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "lp.log"
    fake_command(bin_dir, "lp", f'echo "$@" > {log}\necho "request id is Office-7 (1 file(s))"\n')
    fake_command(bin_dir, "lpstat", 'echo "system default destination: Office"\n')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + "/bin")
    target = tmp_path / "r.txt"
    target.write_text("x")
    message = printing.print_file(target)
    assert message == "Sent r.txt to the printer. (request id is Office-7 (1 file(s)))"
    assert log.read_text().split() == ["--", str(target)]


def test_printer_refusal_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "lp", 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + "/bin")
    target = tmp_path / "r.txt"
    target.write_text("x")
    with pytest.raises(JobbutikError, match="refused the job: lp: The printer or class"):
        printing.print_file(target, printer="Nowhere")


def test_without_a_unicode_font_letters_lose_their_accents(
    database: Database, english: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "find_unicode_font", lambda: None)
    ctx, visitation_id = visit_adult(database)
    odd = replace(receipt_for(ctx, visitation_id), citizen_name="Łukasz Wałęsa")
    path = render_pdf(odd, tmp_path / "r.pdf")
    lines = pdf_text(path).splitlines()
    assert "Name Lukasz Walesa" in lines  # Ł → L (no decomposition), ł → l, ę → e
    assert "Address Ågade 4, 2730" in lines  # Latin-1 keeps the Danish letters
    assert page_fonts(path) == {"Helvetica", "Helvetica-Bold"}
