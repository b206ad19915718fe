"""Job openings: entry when a company calls in, status, listing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from factories import TODAY, add_company, at, make_ctx
from sqlmodel import func, select

from jobbutik.domain.errors import FormErrors, ValidationError
from jobbutik.domain.i18n import set_language
from jobbutik.services import openings
from jobbutik.services.openings import OpeningForm
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Company, JobOpening


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def count(db: Database) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(JobOpening)).one())


def company_with_place(db: Database) -> int:
    company_id = add_company(db, "Netto Herlev")

    def work(session):  # type: ignore[no-untyped-def]
        company = session.get(Company, company_id)
        company.postcode, company.industry = "2730", "Detail"
        session.add(company)

    db.write(work)
    return company_id


def test_enter_an_opening_when_a_company_calls(database: Database) -> None:
    ctx = make_ctx(database, "rec", roles="reception")
    company = company_with_place(database)
    opening_id = openings.create_opening(
        ctx,
        OpeningForm(
            company_id=company,
            title=" Butiksassistent ",
            hours_per_week=30,
            apply_by=date(2026, 12, 4),
            requirements="Kan løfte 20 kg",
            driving_licence_required=True,
            danish_level="good",
            skaanehensyn_possible=True,
        ),
    )
    saved = database.read(lambda s: s.get(JobOpening, opening_id))
    # The company's postcode and industry fill in what the caller did not say.
    assert (saved.title, saved.postcode, saved.industry, saved.status) == (
        "Butiksassistent",
        "2730",
        "Detail",
        "open",
    )
    assert (saved.driving_licence_required, saved.danish_level, saved.skaanehensyn_possible) == (
        True,
        "good",
        True,
    )
    [row] = openings.list_openings(ctx)
    assert (row.company, row.referrals, row.apply_by) == ("Netto Herlev", 0, date(2026, 12, 4))
    entry = database.read(lambda s: s.exec(select(AuditEntry)).one())
    assert (entry.action, entry.entity, entry.entity_id) == ("create", "job_opening", opening_id)


def test_bad_opening_is_refused_at_each_field(database: Database) -> None:
    ctx = make_ctx(database)
    with pytest.raises(FormErrors) as err:
        openings.create_opening(
            ctx,
            OpeningForm(
                company_id=None,
                title="",
                hours_per_week=80,
                apply_by=date(2026, 11, 20),
                postcode="DK-2730",
            ),
        )
    assert err.value.errors == {
        "company": "Choose the company.",
        "title": "The job title is required.",
        "hours": "Hours per week must be between 1 and 60.",
        "postcode": "Postcode must be 4 digits.",
        "apply_by": "The apply-by date 20.11.2026 has passed.",
    }
    with pytest.raises(ValidationError) as one:
        openings.create_opening(
            ctx, OpeningForm(company_id=4242, title="Kok", hours_per_week=37, apply_by=TODAY)
        )
    assert one.value.field == "company"
    assert count(database) == 0


def test_status_and_listing(database: Database) -> None:
    ctx = make_ctx(database)
    company = company_with_place(database)
    ids = [
        openings.create_opening(
            ctx,
            OpeningForm(company_id=company, title=t, hours_per_week=37, apply_by=d),
        )
        for t, d in [("Kassemedarbejder", date(2026, 12, 10)), ("Lagerchef", date(2026, 12, 1))]
    ]
    assert [r.title for r in openings.list_openings(ctx)] == ["Lagerchef", "Kassemedarbejder"]
    openings.set_status(ctx, ids[1], "filled")
    assert [r.title for r in openings.list_openings(ctx)] == ["Kassemedarbejder"]
    assert [r.title for r in openings.list_openings(ctx, status=None, term="lager")] == [
        "Lagerchef"
    ]
    assert [r.title for r in openings.list_openings(ctx, status="filled")] == ["Lagerchef"]
    with pytest.raises(ValidationError):
        openings.set_status(ctx, ids[0], "gone")


def test_an_old_opening_can_be_closed_after_its_date(database: Database) -> None:
    ctx = make_ctx(database)
    company = company_with_place(database)
    opening_id = openings.create_opening(
        ctx, OpeningForm(company_id=company, title="Kok", hours_per_week=37, apply_by=TODAY)
    )
    later = make_ctx(database, now=at(date(2026, 12, 15)))
    form = openings.get_opening(later, opening_id)
    openings.update_opening(later, opening_id, OpeningForm(**{**form.__dict__, "status": "closed"}))
    assert openings.get_opening(later, opening_id).status == "closed"
    with pytest.raises(FormErrors) as err:
        openings.update_opening(
            later, opening_id, OpeningForm(**{**form.__dict__, "apply_by": date(2026, 12, 1)})
        )
    assert set(err.value.errors) == {"apply_by"}


@pytest.mark.parametrize(
    ("requirements", "ticked", "required"),
    [
        ("Kørekort kat. B", False, True),
        ("B-kørekortet er et krav", False, True),
        ("KOEREKORT", False, True),
        ("Driving licence (B)", False, True),
        ("Kan løfte 20 kg", False, False),
        ("Kan løfte 20 kg", True, True),
    ],
)
def test_requirements_that_ask_for_a_licence_require_one_as_in_the_csv_import(
    database: Database, requirements: str, ticked: bool, required: bool
) -> None:
    ctx = make_ctx(database)
    form = OpeningForm(
        company_id=company_with_place(database),
        title="Chauffør",
        hours_per_week=37,
        apply_by=date(2026, 12, 4),
        requirements=requirements,
        driving_licence_required=ticked,
    )
    created = openings.create_opening(ctx, form)
    assert openings.get_opening(ctx, created).driving_licence_required is required
    other = openings.create_opening(ctx, OpeningForm(**{**form.__dict__, "requirements": ""}))
    openings.update_opening(ctx, other, form)  # the same on an edit
    assert openings.get_opening(ctx, other).driving_licence_required is required


def test_known_industries_once_each_in_danish_order(database: Database) -> None:
    ctx = make_ctx(database)
    company = company_with_place(database)  # industry "Detail"
    for industry in ("Rengøring", "Lager og  logistik", "rengoering", "", "Økologi", "Bager"):
        openings.create_opening(
            ctx,
            OpeningForm(
                company_id=company,
                title="Medhjælper",
                hours_per_week=20,
                apply_by=date(2026, 12, 4),
                industry=industry,
            ),
        )
    # "" takes the company's industry; "rengoering" is Rengøring spelled out.
    assert openings.known_industries(ctx) == [
        "Bager",
        "Detail",
        "Lager og logistik",
        "Rengøring",
        "Økologi",
    ]
