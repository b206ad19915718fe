"""The company register: CVR checked, duplicates refused, search, referral and hire history.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from factories import add_opening, make_ctx, valid_cvr
from sqlmodel import func, select
from test_followups import ADULT, OTHER, open_follow_up, visit

from jobbutik.domain.errors import FormErrors, PermissionDenied, ValidationError
from jobbutik.domain.i18n import set_language
from jobbutik.services import audit, companies, followups
from jobbutik.services.companies import CompanyForm
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Company, FollowUpKind

NETTO = CompanyForm(
    cvr=valid_cvr(11),
    name="  Netto   Herlev ",
    address="Herlev Hovedgade 1",
    postcode="2730",
    industry="Detail",
    contact_name="Åse Øster",
    phone="44 52 00 00",
    email="butik@netto.dk",
    agreement="hires",
)


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def count(db: Database) -> int:
    return db.read(lambda s: s.exec(select(func.count()).select_from(Company)).one())


def test_register_a_company(database: Database) -> None:
    ctx = make_ctx(database, "rec", roles="reception")  # the desk takes the company's call
    company_id = companies.create_company(ctx, NETTO)
    saved = database.read(lambda s: s.get(Company, company_id))
    assert (saved.cvr, saved.name, saved.name_folded, saved.agreement) == (
        NETTO.cvr,
        "Netto Herlev",
        "netto herlev",
        "hires",
    )
    assert companies.get_company(ctx, company_id).contact_name == "Åse Øster"
    assert audit.verify(database).ok


def test_cvr_with_spaces_and_dk_prefix_is_accepted(database: Database) -> None:
    ctx = make_ctx(database)
    cvr = valid_cvr(12)
    typed = f"DK {cvr[:4]} {cvr[4:]}"
    company_id = companies.create_company(ctx, CompanyForm(cvr=typed, name="Bager Bo"))
    assert database.read(lambda s: s.get(Company, company_id)).cvr == cvr


def test_bad_input_is_refused_at_each_field_and_nothing_is_saved(database: Database) -> None:
    ctx = make_ctx(database)
    bad = CompanyForm(
        cvr="12345678",  # wrong check digit
        name=" ",
        postcode="27",
        phone="12ab",
        email="netto.dk",
        agreement="maybe",
    )
    with pytest.raises(FormErrors) as err:
        companies.create_company(ctx, bad)
    assert err.value.errors == {
        "cvr": "This is not a valid CVR number (the check digit does not match).",
        "name": "Name is required.",
        "postcode": "Postcode must be 4 digits.",
        "phone": "Phone must be 8 digits, optionally with +country code.",
        "email": "E-mail must look like name@example.dk.",
        "agreement": "Choose the cooperation agreement.",
    }
    with pytest.raises(FormErrors) as err:
        companies.create_company(ctx, CompanyForm(cvr="1234", name="X"))
    assert err.value.errors["cvr"] == "A CVR number has 8 digits; this has 4."
    assert count(database) == 0


def test_a_cvr_already_registered_is_refused(database: Database) -> None:
    ctx = make_ctx(database)
    companies.create_company(ctx, NETTO)
    with pytest.raises(ValidationError) as err:
        companies.create_company(ctx, CompanyForm(cvr=NETTO.cvr, name="Netto igen"))
    assert err.value.field == "cvr"
    assert str(err.value) == f"CVR {NETTO.cvr} is already registered (Netto Herlev)."
    assert count(database) == 1


def test_update_keeps_its_own_cvr_but_not_anothers(database: Database) -> None:
    ctx = make_ctx(database)
    netto = companies.create_company(ctx, NETTO)
    other = companies.create_company(ctx, CompanyForm(cvr=valid_cvr(13), name="Bager Bo"))
    companies.update_company(ctx, netto, CompanyForm(**{**NETTO.__dict__, "agreement": "both"}))
    assert companies.get_company(ctx, netto).agreement == "both"
    with pytest.raises(ValidationError) as err:
        companies.update_company(ctx, other, CompanyForm(cvr=NETTO.cvr, name="Bager Bo"))
    assert err.value.field == "cvr"
    assert companies.get_company(ctx, other).cvr == valid_cvr(13)


def test_search_by_folded_name_or_cvr(database: Database) -> None:
    ctx = make_ctx(database)
    moller = companies.create_company(ctx, CompanyForm(cvr=valid_cvr(21), name="Møller VVS ApS"))
    aase = companies.create_company(ctx, CompanyForm(cvr=valid_cvr(31), name="Åse's Blomster"))
    companies.create_company(ctx, CompanyForm(cvr=valid_cvr(41), name="Herlev Maskinstation"))
    add_opening(database, moller, "VVS-lærling")
    assert [h.id for h in companies.search_companies(ctx, "moeller")] == [moller]
    assert [h.id for h in companies.search_companies(ctx, "VVS")] == [moller]  # a later word
    assert [h.id for h in companies.search_companies(ctx, "aase")] == [aase]
    assert [h.id for h in companies.search_companies(ctx, valid_cvr(21)[:6])] == [moller]
    hits = companies.search_companies(ctx, "")
    assert [h.name for h in hits] == ["Herlev Maskinstation", "Møller VVS ApS", "Åse's Blomster"]
    assert {h.name: h.open_openings for h in hits}["Møller VVS ApS"] == 1


def test_history_of_referrals_and_hires(database: Database) -> None:
    ctx = make_ctx(database, "kon", roles="consultant")
    netto = companies.create_company(ctx, NETTO)
    shop = add_opening(database, netto, "Butiksassistent")
    store = add_opening(database, netto, "Lagermedarbejder")
    visit(ctx, ADULT, openings=(shop, store))
    visit(ctx, OTHER, "Mette Hansen", openings=(shop,))
    first = open_follow_up(database, FollowUpKind.REFERRAL)
    followups.record_outcome(ctx, first.id, "hired")
    history = companies.company_history(ctx, netto)
    assert (history.referral_count, history.hire_count) == (3, 1)
    assert {(r.citizen_name, r.title, r.outcome) for r in history.referrals} == {
        ("Jens Møller", "Butiksassistent", "hired"),
        ("Jens Møller", "Lagermedarbejder", None),
        ("Mette Hansen", "Butiksassistent", None),
    }
    assert all(r.cpr_masked.endswith("-XXXX") for r in history.referrals)
    per_opening = {o.title: (o.referrals, o.hires) for o in history.openings}
    assert per_opening == {"Butiksassistent": (2, 1), "Lagermedarbejder": (1, 0)}
    # Reading the history is logged for each citizen it shows.
    logged = database.read(
        lambda s: s.exec(
            select(AuditEntry.citizen_id).where(AuditEntry.entity == "company_history")
        ).all()
    )
    assert len(logged) == 2


def test_admin_without_case_work_cannot_register_companies(database: Database) -> None:
    ctx = make_ctx(database, "it", roles="admin")
    with pytest.raises(PermissionDenied):
        companies.create_company(ctx, NETTO)
