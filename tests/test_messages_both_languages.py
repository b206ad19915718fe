"""The refusals a desk meets, read in both languages: each is provoked through the services on a
real SQLite database, once with the program in Danish and once in English, and must say exactly
what the desk should read, with no English left in the Danish.

The rest of the suite runs in English (tests/conftest.py's `_english`), so without these a message
that reached the catalog untranslated, or one put together from English pieces (a role, a status,
a permission), would pass everywhere. The set-up runs in English and only the refused call in the
language under test, as a message must be translated when it is raised, not when a module or a
context was built.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from factories import add_company, add_site, add_staff, at, make_ctx, valid_cvr
from trust_helpers import held_by_another_desk

from jobbutik.domain.errors import (
    CapacityFull,
    ClaimHeld,
    ClaimLost,
    DatabaseBusy,
    FormErrors,
    JobbutikError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from jobbutik.domain.i18n import set_language
from jobbutik.services import (
    arrivals,
    citizens,
    claims,
    companies,
    openings,
    sites,
    staff,
    visitation,
)
from jobbutik.services.arrivals import ArrivalForm, DuplicateSuspected, NewCitizen
from jobbutik.services.companies import CompanyForm
from jobbutik.services.openings import OpeningForm
from jobbutik.services.sites import SiteForm
from jobbutik.services.visitation import ActivationChoice, Facts, VisitationPlan
from jobbutik.store import db as db_module
from jobbutik.store.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parent / "tui"))
from test_danish_everywhere import english_on  # the check the screens use

ADULT = "0101901234"  # 36 on the test day, Monday 23.11.2026
OTHER_ADULT = "0303804321"
YOUNG = "0202024321"  # 24: the youth groups

Refuse = Callable[[], object]


@dataclass(frozen=True)
class Refusal:
    """What the desk reads, in each language, when `provoke`'s call is refused."""

    provoke: Callable[[Database, pytest.MonkeyPatch], Refuse]  # set-up; returns the refused call
    error: type[JobbutikError]
    da: str
    en: str
    field: str | None = None  # the form field a ValidationError marks


def register(db: Database, cpr: str = ADULT, name: str = "Jens Møller") -> int:
    ctx = make_ctx(db, "hm")
    form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=NewCitizen(name))
    return arrivals.register_arrival(ctx, form).request_id


def arrival(cpr: str = ADULT, **changes: object) -> ArrivalForm:
    form = {"cpr": cpr, "benefit": "kontanthjaelp", "new_citizen": NewCitizen("Jens Møller")}
    return ArrivalForm(**{**form, **changes})  # type: ignore[arg-type]


def company(**changes: str) -> CompanyForm:
    form = {"cvr": valid_cvr(7), "name": "Herlev Kantine", "postcode": "2730"}
    return CompanyForm(**{**form, **changes})


def opening(company_id: int | None, **changes: object) -> OpeningForm:
    form: dict[str, object] = {
        "company_id": company_id,
        "title": "Køkkenhjælp",
        "industry": "Kantine",
        "hours_per_week": 25,
        "postcode": "2730",
        "apply_by": date(2026, 12, 18),
    }
    return OpeningForm(**{**form, **changes})  # type: ignore[arg-type]


def site(**changes: object) -> SiteForm:
    form: dict[str, object] = {"name": "Genbrugspladsen", "kind": "nytteindsats"}
    form |= {"seats": 4, "hours_per_week": 15}
    return SiteForm(**{**form, **changes})  # type: ignore[arg-type]


# -- the refusals ------------------------------------------------------------------------------


def receptionist_starts_a_conversation(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    request_id = register(db)
    reception = make_ctx(db, "rec", roles="reception")
    return lambda: visitation.start(reception, request_id)


def consultant_adds_an_activation_site(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    consultant = make_ctx(db, "kon", roles="consultant")
    return lambda: sites.create_site(consultant, site())


def admin_only_searches_citizens(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    return lambda: citizens.search(admin, "Jens")


def unknown_user_opens_the_program(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    add_staff(db, "boss", "admin")
    return lambda: staff.resolve_staff(db, "nobody")


def deactivated_user_opens_the_program(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    staff.add_staff(admin, "ib", "Ib Holm", "reception")
    staff.set_active(admin, "ib", False)
    return lambda: staff.resolve_staff(db, "ib")


def bad_initials(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    return lambda: staff.add_staff(admin, "ib holm", "Ib Holm", "reception")


def staff_without_a_role(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    return lambda: staff.add_staff(admin, "ib", "Ib Holm", "")


def staff_with_an_unknown_role(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    return lambda: staff.add_staff(admin, "ib", "Ib Holm", "reception,chef")


def login_of_another_member(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    staff.add_staff(admin, "ib", "Ib Holm", "reception", os_login="iholm")
    return lambda: staff.add_staff(admin, "eva", "Eva Lund", "reception", os_login="iholm")


def the_only_admin_drops_the_role(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    return lambda: staff.set_roles(admin, "boss", "supervisor")


def admin_deactivates_themself(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    admin = make_ctx(db, "boss", roles="admin")
    staff.add_staff(admin, "eva", "Eva Lund", "admin")
    return lambda: staff.set_active(admin, "boss", False)


def cpr_with_nine_digits(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival("010190123"))


def cpr_that_is_no_date(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival("3213901234"))


def no_benefit_chosen(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival(benefit=""))


def new_citizen_without_a_name(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival(new_citizen=None))


def new_citizen_with_bad_contact(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    bad = NewCitizen("Jens Møller", phone="12 34", postcode="27300")
    return lambda: arrivals.register_arrival(ctx, arrival(new_citizen=bad))


def visitation_on_a_holiday(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival(slot_date=date(2026, 11, 28)))


def same_name_and_birth_under_another_cpr(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    register(db, "0101901234", "Jens Møller")
    ctx = make_ctx(db, "hm")
    return lambda: arrivals.register_arrival(ctx, arrival("0101902345"))


def another_desk_has_the_citizen(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    request_id = register(db)
    visitation.start(make_ctx(db, "hm"), request_id)
    other = make_ctx(db, "jk")
    return lambda: visitation.start(other, request_id)


def saving_after_the_claim_was_released(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    request_id = register(db, YOUNG, "Sofie Hansen")
    hm = make_ctx(db, "hm")
    visitation.start(hm, request_id)
    claims.release(hm, request_id)
    return lambda: visitation.complete(hm, young_plan(request_id, "åbenlyst uddannelsesparat"))


def young_plan(request_id: int, category: str, **changes: object) -> VisitationPlan:
    """A 24-year-old without an erhvervskompetencegivende uddannelse, outside the integration
    programme, every question answered, exempt from activation."""
    plan: dict[str, object] = {
        "request_id": request_id,
        "facts": Facts(has_qualifying_education=False, integration_programme=False),
        "category": category,
        "guidance": True,
        "injunction": False,
        "exempt": True,
        "exemption_reason": "Starter på VUC mandag",
    }
    return VisitationPlan(**{**plan, **changes})  # type: ignore[arg-type]


def young_person_saved_as_jobparat(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    request_id = register(db, YOUNG, "Sofie Hansen")
    visitation.start(ctx, request_id)
    plan = young_plan(request_id, "jobparat", override_reason="Vil gerne arbejde")
    return lambda: visitation.complete(ctx, plan)


def adult_saved_as_uddannelsesparat(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    site_id = add_site(db)
    request_id = register(db)
    visitation.start(ctx, request_id)
    plan = VisitationPlan(
        request_id,
        Facts(),
        "uddannelsesparat",
        override_reason="Vil gerne tage en uddannelse",
        activation=ActivationChoice(site_id, date(2026, 11, 24)),
    )
    return lambda: visitation.complete(ctx, plan)


def injunction_without_goal_and_deadline(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    request_id = register(db, YOUNG, "Sofie Hansen")
    visitation.start(ctx, request_id)
    plan = young_plan(request_id, "åbenlyst uddannelsesparat", injunction=True)
    return lambda: visitation.complete(ctx, plan)


def injunction_under_the_2027_rules(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm", now=at(date(2027, 1, 4)))
    request_id = arrivals.register_arrival(
        ctx, ArrivalForm(cpr=YOUNG, benefit="kontanthjaelp", new_citizen=NewCitizen("Sofie"))
    ).request_id
    visitation.start(ctx, request_id)
    plan = young_plan(
        request_id,
        "jobparat",
        injunction=True,
        injunction_goal="Tømrer",
        injunction_deadline=date(2027, 6, 1),
    )
    return lambda: visitation.complete(ctx, plan)


def the_last_seat_is_taken(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    full = add_site(db, "Materielgården", seats=1)
    start = date(2026, 11, 24)
    first, second = register(db), register(db, OTHER_ADULT, "Ali Hassan")
    for request_id in (first, second):
        visitation.start(ctx, request_id)
    plan = VisitationPlan(first, Facts(), "jobparat", activation=ActivationChoice(full, start))
    visitation.complete(ctx, plan)
    again = VisitationPlan(second, Facts(), "jobparat", activation=ActivationChoice(full, start))
    return lambda: visitation.complete(ctx, again)


def no_activation_and_no_exemption(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    request_id = register(db)
    visitation.start(ctx, request_id)
    plan = VisitationPlan(request_id=request_id, facts=Facts(), category="jobparat")
    return lambda: visitation.complete(ctx, plan)


def conversation_already_closed(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    request_id = register(db)
    visitation.withdraw(ctx, request_id, "job")
    return lambda: visitation.start(ctx, request_id)


def no_such_request(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: visitation.start(ctx, 4711)


def company_with_a_bad_cvr(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: companies.create_company(ctx, company(cvr="12345678"))


def company_cvr_already_registered(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    companies.create_company(ctx, company(name="Åse's Blomster"))
    return lambda: companies.create_company(ctx, company())


def no_such_company(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: companies.get_company(ctx, 4711)


def opening_with_a_passed_apply_by(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    company_id = add_company(db)
    form = opening(company_id, apply_by=date(2026, 11, 1), hours_per_week=70)
    return lambda: openings.create_opening(ctx, form)


def site_with_too_many_seats(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    return lambda: sites.create_site(ctx, site(seats=501, start_weekdays=()))


def fewer_seats_than_are_taken(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    site_id = add_site(db, "Materielgården", seats=5)
    start = date(2026, 11, 24)
    for cpr, name in ((ADULT, "Jens Møller"), (OTHER_ADULT, "Ali Hassan")):
        request_id = register(db, cpr, name)
        visitation.start(ctx, request_id)
        activation = ActivationChoice(site_id, start)
        plan = VisitationPlan(request_id, Facts(), "jobparat", activation=activation)
        visitation.complete(ctx, plan)
    return lambda: sites.update_site(ctx, site_id, site(name="Materielgården", seats=1))


def booking_a_start_on_a_sunday(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    site_id = add_site(db)
    return lambda: sites.book_start(ctx, 1, site_id, date(2026, 11, 29))


def the_database_is_busy(db: Database, mp: pytest.MonkeyPatch) -> Refuse:
    ctx = make_ctx(db, "hm")
    mp.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    mp.setattr(db_module, "WRITE_ATTEMPTS", 1)
    db.dispose()  # new connections take the short timeout
    assert db.path is not None
    path = db.path

    def refused() -> object:
        with held_by_another_desk(path):
            return arrivals.register_arrival(ctx, arrival())

    return refused


ASK = ": ask a supervisor or admin."
SPØRG = ": spørg en leder eller administrator."

REFUSALS: dict[str, Refusal] = {
    # who may do what
    "permission": Refusal(
        receptionist_starts_a_conversation,
        PermissionDenied,
        da="rec må ikke gøre dette (Hold visitationssamtaler)" + SPØRG,
        en="rec may not do this (Hold visitation conversations)" + ASK,
    ),
    "permission, sites": Refusal(
        consultant_adds_an_activation_site,
        PermissionDenied,
        da="kon må ikke gøre dette (Administrér aktiveringssteder)" + SPØRG,
        en="kon may not do this (Manage activation sites)" + ASK,
    ),
    "permission, admin only": Refusal(
        admin_only_searches_citizens,
        PermissionDenied,
        da="boss må ikke gøre dette (Søg borgere)" + SPØRG,
        en="boss may not do this (Search citizens)" + ASK,
    ),
    "unknown user": Refusal(
        unknown_user_opens_the_program,
        PermissionDenied,
        da="nobody er ikke medarbejder i denne database: en administrator opretter dig med "
        "`jobbutik staff add` (dit styresystem-login angives med --os-login).",
        en="nobody is not a member of staff in this database: an admin adds you with "
        "`jobbutik staff add` (your OS login is set with --os-login).",
    ),
    "deactivated user": Refusal(
        deactivated_user_opens_the_program,
        PermissionDenied,
        da="ib er ikke længere aktiv.",
        en="ib is no longer active.",
    ),
    # staff
    "staff, initials": Refusal(
        bad_initials,
        FormErrors,
        da="Initialer skal være 1-16 bogstaver eller cifre, ikke 'ib holm'.",
        en="Initials must be 1-16 letters or digits, got 'ib holm'.",
        field="initials",
    ),
    "staff, no role": Refusal(
        staff_without_a_role,
        FormErrors,
        da="Giv personen mindst én rolle.",
        en="Give the person at least one role.",
        field="roles",
    ),
    "staff, unknown role": Refusal(
        staff_with_an_unknown_role,
        FormErrors,
        # the roles are named as --roles takes them
        da="Ukendt rolle 'chef': vælg mellem reception, consultant, supervisor, admin.",
        en="Unknown role 'chef': choose from reception, consultant, supervisor, admin.",
        field="roles",
    ),
    "staff, login taken": Refusal(
        login_of_another_member,
        ValidationError,
        da="Login iholm tilhører allerede en anden medarbejder.",
        en="The login iholm already belongs to another member of staff.",
        field="os_login",
    ),
    "staff, the only admin": Refusal(
        the_only_admin_drops_the_role,
        ValidationError,
        da="boss er den eneste administrator: gør først en anden til administrator.",
        en="boss is the only admin: make someone else admin first.",
        field="roles",
    ),
    "staff, deactivate yourself": Refusal(
        admin_deactivates_themself,
        ValidationError,
        da="Du kan ikke deaktivere dig selv: spørg en anden administrator.",
        en="You cannot deactivate yourself: ask another admin.",
        field="active",
    ),
    # registering an arrival
    "register, CPR length": Refusal(
        cpr_with_nine_digits,
        ValidationError,
        da="Et CPR-nummer har 10 cifre; dette har 9.",
        en="A CPR number has 10 digits; this has 9.",
        field="cpr",
    ),
    "register, CPR date": Refusal(
        cpr_that_is_no_date,
        ValidationError,
        da="De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ).",
        en="The first six digits of the CPR number are not a valid date (DDMMYY).",
        field="cpr",
    ),
    "register, benefit": Refusal(
        no_benefit_chosen,
        ValidationError,
        da="Vælg den ydelse, der søges.",
        en="Choose the benefit sought.",
        field="benefit",
    ),
    "register, no name": Refusal(
        new_citizen_without_a_name,
        ValidationError,
        da="En ny borger skal have et navn.",
        en="Name is required for a new citizen.",
        field="name",
    ),
    "register, contact": Refusal(
        new_citizen_with_bad_contact,
        FormErrors,
        da="Telefonnummeret skal have 8 cifre, evt. med +landekode. "
        "Postnummeret skal have 4 cifre.",
        en="Phone must be 8 digits, optionally with +country code. Postcode must be 4 digits.",
        field="phone",
    ),
    "register, closed day": Refusal(
        visitation_on_a_holiday,
        ValidationError,
        da="Jobbutikken er lukket 28.11.2026.",
        en="The Jobbutik is closed on 28.11.2026.",
        field="slot_date",
    ),
    "register, duplicate": Refusal(
        same_name_and_birth_under_another_cpr,
        DuplicateSuspected,
        da="Der findes en borger med samme navn og fødselsdato under et andet CPR-nummer.",
        en="A citizen with the same name and birth date exists under another CPR number.",
        field="cpr",
    ),
    # the conversation
    "claim held": Refusal(
        another_desk_has_the_citizen,
        ClaimHeld,
        da="hm har borgeren i samtale siden 09:00.",
        en="hm has the citizen in conversation since 09:00.",
    ),
    "claim lost": Refusal(
        saving_after_the_claim_was_released,
        ClaimLost,
        da="Samtalen er ikke længere din (frigivet eller overtaget ved en anden skranke): intet er "
        "gemt; det, du har skrevet, er gemt som kladde.",
        en="The conversation is no longer yours (released or taken over by another desk): "
        "nothing was saved; your input is kept as a draft.",
    ),
    "capacity full": Refusal(
        the_last_seat_is_taken,
        CapacityFull,
        da="Materielgården har ingen ledig plads fra 24.11.2026: vælg et andet sted eller en "
        "anden dato.",
        en="Materielgården has no free seat from 24.11.2026: choose another site or date.",
        field="activation",
    ),
    "visitation, activation": Refusal(
        no_activation_and_no_exemption,
        FormErrors,
        da="Vælg et sted eller forløb til straksaktivering, eller en fritagelse med begrundelse.",
        en="Choose a site or course for immediate activation, or an exemption with a reason.",
        field="activation",
    ),
    "visitation, a young person's category": Refusal(
        young_person_saved_as_jobparat,
        FormErrors,
        da="Jobparat er ikke for en ung under 30 år uden en erhvervskompetencegivende uddannelse "
        "(bek. § 1): vælg Åbenlyst uddannelsesparat, Uddannelsesparat, Aktivitetsparat.",
        en="Jobparat is not for a young person under 30 without an erhvervskompetencegivende "
        "uddannelse (bek. § 1): choose Åbenlyst uddannelsesparat, Uddannelsesparat, "
        "Aktivitetsparat.",
        field="category",
    ),
    "visitation, an adult's category": Refusal(
        adult_saved_as_uddannelsesparat,
        FormErrors,
        da="Uddannelsesparat er kun for unge under 30 år uden en erhvervskompetencegivende "
        "uddannelse, som ikke er i integrationsprogrammet (bek. § 1): vælg Jobparat, "
        "Aktivitetsparat.",
        en="Uddannelsesparat is only for young people under 30 without an "
        "erhvervskompetencegivende uddannelse, outside the integration programme (bek. § 1): "
        "choose Jobparat, Aktivitetsparat.",
        field="category",
    ),
    "visitation, uddannelsespålæg": Refusal(
        injunction_without_goal_and_deadline,
        FormErrors,
        da="Skriv uddannelsespålæggets uddannelsesmål. Angiv uddannelsespålæggets frist.",
        en="Write the education goal of the uddannelsespålæg. "
        "Give the deadline of the uddannelsespålæg.",
        field="injunction_goal",
    ),
    "visitation, no uddannelsespålæg in 2027": Refusal(
        injunction_under_the_2027_rules,
        FormErrors,
        da="De gældende regler har intet uddannelsespålæg: det kan ikke gives.",
        en="The rules in force have no uddannelsespålæg: it cannot be given.",
        field="injunction",
    ),
    "already closed": Refusal(
        conversation_already_closed,
        ValidationError,
        da="Denne henvendelse er allerede afsluttet (Vendt i døren).",
        en="This request is already closed (Turned at the door).",
    ),
    "no such request": Refusal(
        no_such_request, NotFound, da="Henvendelsen findes ikke.", en="No such request."
    ),
    # companies, openings, sites
    "company, CVR": Refusal(
        company_with_a_bad_cvr,
        FormErrors,
        da="Det er ikke et gyldigt CVR-nummer (kontrolcifferet passer ikke).",
        en="This is not a valid CVR number (the check digit does not match).",
        field="cvr",
    ),
    "company, CVR taken": Refusal(
        company_cvr_already_registered,
        ValidationError,
        da=f"CVR {valid_cvr(7)} er allerede registreret (Åse's Blomster).",
        en=f"CVR {valid_cvr(7)} is already registered (Åse's Blomster).",
        field="cvr",
    ),
    "no such company": Refusal(
        no_such_company, NotFound, da="Virksomheden findes ikke.", en="No such company."
    ),
    "opening": Refusal(
        opening_with_a_passed_apply_by,
        FormErrors,
        da="Timer om ugen skal være mellem 1 og 60. Ansøgningsfristen 01.11.2026 er overskredet.",
        en="Hours per week must be between 1 and 60. The apply-by date 01.11.2026 has passed.",
        field="hours",
    ),
    "site": Refusal(
        site_with_too_many_seats,
        FormErrors,
        da="Pladser skal være mellem 1 og 500. Vælg mindst én startdag.",
        en="Seats must be between 1 and 500. Choose at least one start weekday.",
        field="seats",
    ),
    "site, seats taken": Refusal(
        fewer_seats_than_are_taken,
        ValidationError,
        da="2 pladser er optaget fra i dag: stedet skal have mindst 2 pladser.",
        en="2 seats are taken from today on: the site needs at least 2 seats.",
        field="seats",
    ),
    "booking, Sunday": Refusal(
        booking_a_start_on_a_sunday,
        ValidationError,
        da="29.11.2026 er ikke en arbejdsdag.",
        en="29.11.2026 is not a working day.",
        field="start_date",
    ),
    # the database
    "busy": Refusal(
        the_database_is_busy,
        DatabaseBusy,
        da="Databasen er optaget ved en anden skranke. Intet er gået tabt: prøv igen.",
        en="The database is busy at another desk. Nothing was lost: try again.",
    ),
}


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_the_desk_reads_the_refusal_in_its_language(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch, case: str, lang: str
) -> None:
    refusal = REFUSALS[case]
    refused_call = refusal.provoke(sqlite_database, monkeypatch)  # set up in English
    set_language(lang)  # _english puts English back afterwards
    with pytest.raises(refusal.error) as refused:
        refused_call()
    assert type(refused.value) is refusal.error
    shown = str(refused.value)
    assert shown == (refusal.da if lang == "da" else refusal.en)
    assert getattr(refused.value, "field", None) == refusal.field  # the form marks that field
    if lang == "da":
        assert english_on(shown) == []


def test_each_refusal_differs_between_the_languages() -> None:
    """The expected texts themselves: a Danish one copied from the English would prove nothing."""
    same = [case for case, r in REFUSALS.items() if r.da == r.en]
    assert same == []
    assert len(REFUSALS) >= 20
