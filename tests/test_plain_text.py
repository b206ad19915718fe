"""Typed text is plain text: control characters, escape sequences and direction overrides are
refused with the field named, by every service that takes typed text and by the CSV import;
markup-like, long and combining-mark text is data and kept as typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from factories import add_company, add_site, make_ctx, valid_cvr
from sqlmodel import func, select

from jobbutik.domain.errors import FormErrors
from jobbutik.domain.text import require_plain_text, text_errors, text_problem, visible
from jobbutik.services import (
    arrivals,
    companies,
    csv_companies,  # noqa: F401  (registers companies, openings)
    csvio,
    followups,
    openings,
    sites,
    staff,
    visitation,
)
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.companies import CompanyForm
from jobbutik.services.context import ServiceContext
from jobbutik.services.csvio import ImportRefused
from jobbutik.services.openings import OpeningForm
from jobbutik.services.sites import SiteForm
from jobbutik.services.visitation import Facts, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Company, FollowUp

ALLOWED = [
    "[/]",
    "[link=https://x.dk]x[/link]",
    "[@click=app.quit]x[/]",
    "[b]",
    "[$accent]x",
    "=1+1",
    "e\u0301" * 50,
    "Ærø 🙂 " * 300,
    "ab\\",
]
REFUSED = {
    "\x1b[2J": "U+001B",
    "Anna\x00": "U+0000",
    "a\tb": "U+0009",
    "a\nb": "U+000A",
    "a\rb": "U+000D",
    "a\x7fb": "U+007F",
    "a\x9bb": "U+009B",  # C1: the one-byte CSI
    "a\u2028b": "U+2028",
    "abc\u202egpj.exe": "U+202E",
    "\u2066x\u2069": "U+2066",
    "a\u200fb": "U+200F",
}


# -- the checks themselves -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ALLOWED)
def test_markup_long_and_combining_text_is_allowed(value: str) -> None:
    assert text_problem(value) is None
    assert visible(value) == value


@pytest.mark.parametrize(("value", "code"), REFUSED.items())
def test_control_and_direction_characters_are_refused_naming_the_character(
    value: str, code: str
) -> None:
    problem = text_problem(value)
    assert problem is not None and code in problem
    assert problem.startswith("Remove the ")


def test_visible_marks_what_input_refuses_but_keeps_lines() -> None:
    assert visible("a\x1b[2Jb") == "a\u241b[2Jb"
    assert visible("x\u202ey\x7f\x85") == "x\ufffdy\u2421\ufffd"
    assert visible("one\ntwo") == "one\ntwo"
    assert all(text_problem(visible(bad).replace("\n", "")) is None for bad in REFUSED)


def test_text_errors_names_nested_fields_tuples_and_mappings() -> None:
    form = ArrivalForm(
        cpr="0101901234\x1b",
        benefit="kontanthjaelp",
        new_citizen=NewCitizen(name="Anna", email="a\u202e@x.dk"),
    )
    assert set(text_errors(form)) == {"cpr", "email"}
    facts = Facts(job_wishes="ok", industries=("Detail", "Lager\x07"))
    assert set(text_errors(facts)) == {"industries"}
    assert text_errors({"note": "fine [b]", "login": None}) == {}
    with pytest.raises(FormErrors) as caught:
        require_plain_text({"note": "x\x1b"})
    assert caught.value.field == "note"


# -- every service entry point refuses before any work ---------------------------------------------


def _audit_entries(db: Database) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(AuditEntry)).one())


def _refused(db: Database, call: Callable[[], object], field: str) -> None:
    before = _audit_entries(db)
    with pytest.raises(FormErrors) as caught:
        call()
    assert field in caught.value.errors, caught.value.errors
    assert "U+001B" in caught.value.errors[field]
    assert _audit_entries(db) == before  # nothing written


BAD = "Jens\x1b[2J"


@pytest.fixture
def ctx(sqlite_database: Database) -> ServiceContext:
    return make_ctx(sqlite_database, "ab")


def _arrival(**new: str) -> ArrivalForm:
    citizen = NewCitizen(**{"name": "Jens Møller", **new})  # type: ignore[arg-type]
    return ArrivalForm(cpr="0101901234", benefit="kontanthjaelp", new_citizen=citizen)


@pytest.mark.parametrize("field", ["name", "email", "interpreter_language"])
def test_registering_an_arrival(sqlite_database: Database, ctx: ServiceContext, field: str) -> None:
    value = "a\x1b@b.dk" if field == "email" else BAD
    _refused(
        sqlite_database, lambda: arrivals.register_arrival(ctx, _arrival(**{field: value})), field
    )
    assert sqlite_database.read(lambda s: s.exec(select(Citizen)).first()) is None


def test_companies(sqlite_database: Database, ctx: ServiceContext) -> None:
    good = CompanyForm(cvr=valid_cvr(5), name="Bager [b]Bo[/b]", contact_name="Åse")
    company_id = companies.create_company(ctx, good)
    _refused(
        sqlite_database,
        lambda: companies.create_company(ctx, CompanyForm(cvr=valid_cvr(6), name=BAD)),
        "name",
    )
    bad = CompanyForm(cvr=good.cvr, name=good.name, contact_name=BAD)
    _refused(
        sqlite_database, lambda: companies.update_company(ctx, company_id, bad), "contact_name"
    )
    stored = sqlite_database.read(lambda s: s.get(Company, company_id))
    assert stored is not None and (stored.name, stored.contact_name) == ("Bager [b]Bo[/b]", "Åse")


def test_openings(sqlite_database: Database, ctx: ServiceContext) -> None:
    company_id = add_company(sqlite_database)
    form = OpeningForm(company_id, "Lager [/]", 30, date(2026, 12, 18), requirements="=1+1")
    opening_id = openings.create_opening(ctx, form)
    bad_title = OpeningForm(company_id, BAD, 30, date(2026, 12, 18))
    _refused(sqlite_database, lambda: openings.create_opening(ctx, bad_title), "title")
    bad_req = OpeningForm(company_id, "Lager", 30, date(2026, 12, 18), requirements=BAD)
    _refused(
        sqlite_database, lambda: openings.update_opening(ctx, opening_id, bad_req), "requirements"
    )


def test_sites(sqlite_database: Database, ctx: ServiceContext) -> None:
    site_id = add_site(sqlite_database)
    _refused(
        sqlite_database,
        lambda: sites.create_site(ctx, SiteForm(BAD, "nytteindsats", 5, 15)),
        "name",
    )
    bad = SiteForm("Materielgården", "nytteindsats", 5, 15, provider=BAD)
    _refused(sqlite_database, lambda: sites.update_site(ctx, site_id, bad), "provider")


def test_staff(sqlite_database: Database, ctx: ServiceContext) -> None:
    _refused(sqlite_database, lambda: staff.add_staff(ctx, "xy", BAD, "consultant"), "name")
    staff.add_staff(ctx, "xy", "Xenia [i]Y[/i]", "consultant")
    _refused(sqlite_database, lambda: staff.update_staff(ctx, "xy", name=BAD), "name")
    _refused(
        sqlite_database,
        lambda: staff.edit_staff(ctx, "xy", name="Xenia", os_login=BAD, roles="consultant"),
        "os_login",
    )


def _started(ctx: ServiceContext) -> int:
    return arrivals.register_arrival(ctx, _arrival()).request_id


def test_the_conversation_and_withdrawal(sqlite_database: Database, ctx: ServiceContext) -> None:
    request_id = _started(ctx)
    visitation.start(ctx, request_id)
    for facts, field in (
        (Facts(job_wishes=BAD), "job_wishes"),
        (Facts(industries=("Detail", BAD)), "industries"),
        (Facts(restrictions=BAD), "restrictions"),
    ):
        plan = VisitationPlan(request_id, facts, "jobparat", exempt=True, exemption_reason="x" * 12)
        _refused(sqlite_database, lambda plan=plan: visitation.complete(ctx, plan), field)
    plan = VisitationPlan(request_id, Facts(), "jobparat", exempt=True, exemption_reason=BAD * 2)
    _refused(sqlite_database, lambda: visitation.complete(ctx, plan), "exemption_reason")
    _refused(sqlite_database, lambda: visitation.withdraw(ctx, request_id, "other", BAD), "note")


def test_a_follow_up_note(sqlite_database: Database, ctx: ServiceContext) -> None:
    request_id = _started(ctx)
    visitation.start(ctx, request_id)
    plan = VisitationPlan(request_id, Facts(), "jobparat", exempt=True, exemption_reason="x" * 12)
    result = visitation.complete(ctx, plan)
    follow_up_id = result.follow_up_ids[0]
    kind = sqlite_database.read(lambda s: s.get(FollowUp, follow_up_id)).kind  # type: ignore[union-attr]
    outcome = followups.OUTCOMES[kind][0]
    _refused(
        sqlite_database,
        lambda: followups.record_outcome(ctx, follow_up_id, outcome, note=BAD),
        "note",
    )


# -- CSV import: the row and the column named, like any other row problem --------------------------


def _import(ctx: ServiceContext, tmp_path: Path, kind: str, text: str) -> list[str]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        csvio.import_csv(ctx, kind, path)
    return [str(p) for p in caught.value.problems]


def test_csv_rows_with_control_characters_are_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    citizens_csv = "cpr;name\n0101901234;Anna [b]\n0202851236;Mette\x1b[2J\n"
    assert _import(ctx, tmp_path, "citizens", citizens_csv) == [
        "row 3: column name: Remove the control character (U+001B) from the text."
    ]
    companies_csv = f"cvr;name;contact\n{valid_cvr(7)};Bager;Åse\n{valid_cvr(8)};Ok;a\u202eb\n"
    assert _import(ctx, tmp_path, "companies", companies_csv) == [
        "row 3: column contact: Remove the text direction character (U+202E) from the text."
    ]


def test_csv_markup_formulas_and_cell_tabs_are_imported_as_data(
    sqlite_database: Database, ctx: ServiceContext, tmp_path: Path
) -> None:
    path = tmp_path / "companies.csv"
    path.write_text(
        f'cvr;name;address\n{valid_cvr(9)};[@click=app.quit]x[/];"=1+1 By\tvej"\n',
        encoding="utf-8",
    )
    csvio.import_csv(ctx, "companies", path)
    found = sqlite_database.read(lambda s: s.exec(select(Company.name, Company.address)).one())
    assert tuple(found) == ("[@click=app.quit]x[/]", "=1+1 By vej")  # a tab: a space
