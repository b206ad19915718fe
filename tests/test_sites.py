"""Activation sites: create/edit, the capacity view by day, and booking a start under the same
seat rule the conversation uses. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from factories import add_site, at, make_ctx, on_day
from sqlmodel import func, select
from test_followups import ADULT, OTHER, THIRD, open_follow_up, visit

from jobbutik.domain.errors import CapacityFull, FormErrors, PermissionDenied, ValidationError
from jobbutik.domain.i18n import set_language
from jobbutik.services import followups, sites, visitation
from jobbutik.services.sites import SiteForm
from jobbutik.store.db import Database
from jobbutik.store.models import Activation, ActivationSite, FollowUp, FollowUpKind

TOMORROW = date(2026, 11, 24)

MATERIELGAARDEN = SiteForm(
    name="Materielgården",
    kind="nytteindsats",
    seats=2,
    hours_per_week=15,
    start_weekdays=(0, 2),
    address="Ringvej 3",
    postcode="2730",
    contact_name="Per Hansen",
    contact_phone="44 44 44 44",
    contact_email="per@herlev.dk",
)


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def test_supervisor_creates_and_edits_a_site(database: Database) -> None:
    boss = make_ctx(database, "chef", roles="supervisor")
    site_id = sites.create_site(boss, MATERIELGAARDEN)
    saved = database.read(lambda s: s.get(ActivationSite, site_id))
    assert (saved.name, saved.seats, saved.start_weekdays, saved.contact_name) == (
        "Materielgården",
        2,
        "0,2",
        "Per Hansen",
    )
    sites.update_site(boss, site_id, SiteForm(**{**MATERIELGAARDEN.__dict__, "seats": 4}))
    assert sites.get_site(boss, site_id).seats == 4
    [row] = sites.list_sites(boss)
    assert (row.id, row.form.seats, row.taken_today) == (site_id, 4, 0)


def test_bad_site_is_refused_at_each_field(database: Database) -> None:
    boss = make_ctx(database, "chef", roles="supervisor")
    with pytest.raises(FormErrors) as err:
        sites.create_site(
            boss,
            SiteForm(
                name="",
                kind="holiday",
                seats=0,
                hours_per_week=None,
                start_weekdays=(),
                contact_email="per",
            ),
        )
    assert set(err.value.errors) == {
        "name",
        "kind",
        "seats",
        "hours",
        "weekdays",
        "contact_email",
    }
    assert err.value.errors["seats"] == "Seats must be between 1 and 500."
    total = database.read(lambda s: s.exec(select(func.count()).select_from(ActivationSite)).one())
    assert total == 0


def test_consultant_cannot_manage_sites(database: Database) -> None:
    with pytest.raises(PermissionDenied):
        sites.create_site(make_ctx(database, "kon", roles="consultant"), MATERIELGAARDEN)


def test_seats_cannot_drop_below_those_taken(database: Database) -> None:
    ctx = make_ctx(database)
    site = add_site(database, seats=2)
    visit(ctx, ADULT, site=site)
    visit(ctx, OTHER, "Mette Hansen", site=site)
    form = sites.get_site(ctx, site)
    with pytest.raises(ValidationError) as err:
        sites.update_site(ctx, site, SiteForm(**{**form.__dict__, "seats": 1}))
    assert err.value.field == "seats"
    assert str(err.value) == "2 seats are taken from today on: the site needs at least 2 seats."
    assert sites.get_site(ctx, site).seats == 2


def test_capacity_view_by_working_day(database: Database) -> None:
    ctx = make_ctx(database)
    full = add_site(database, "Materielgården", seats=1)
    mondays = add_site(database, "Kantinen", seats=3, weekdays="0")
    visit(ctx, ADULT, site=full)  # starts tomorrow, open-ended
    view = sites.capacity(ctx, weeks=2)
    # From the next working day, ten working days (weekends left out).
    assert view.days[0] == TOMORROW and len(view.days) == 10
    assert date(2026, 11, 28) not in view.days
    by_name = {s.name: s for s in view.sites}
    assert by_name["Materielgården"].on(TOMORROW).free == 0  # seats left for tomorrow's start
    assert by_name["Kantinen"].on(TOMORROW).free is None  # takes starters on Mondays only
    assert by_name["Kantinen"].on(date(2026, 11, 30)).free == 3
    # The same rule the conversation enforces, day by day.
    for day in view.days:
        bookable = {s.site_id for s in visitation.free_sites(ctx, day)}
        shown = {s.site_id for s in view.sites if (s.on(day).free or 0) > 0}
        assert bookable == shown, day
    assert {full, mondays} == {s.site_id for s in view.sites}


def test_capacity_view_skips_christmas_closing_days(database: Database) -> None:
    ctx = make_ctx(database)
    add_site(database)
    view = sites.capacity(ctx, first=date(2026, 12, 21), weeks=1)
    assert view.days == (
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 28),
        date(2026, 12, 29),
    )


def test_booking_a_new_start_after_a_no_show(database: Database) -> None:
    ctx = make_ctx(database)
    full = add_site(database, "Materielgården", seats=1)
    other = add_site(database, "Genbrugspladsen", seats=2, kind="nytteindsats")
    visit(ctx, ADULT, site=full)
    visit(ctx, OTHER, "Mette Hansen", site=other)
    no_show = open_follow_up(database, FollowUpKind.ACTIVATION_START)
    day = on_day(ctx, at(TOMORROW))
    followups.record_outcome(day, no_show.id, "did_not_show")
    # Someone else takes Materielgården's seat from the 25th.
    visit(on_day(ctx, at(TOMORROW)), THIRD, "Ali Hassan", site=full)
    with pytest.raises(CapacityFull) as err:
        sites.book_start(day, no_show.citizen_id, full, date(2026, 11, 26))
    assert err.value.field == "activation"
    assert "Materielgården has no free seat" in str(err.value)
    booking = sites.book_start(day, no_show.citizen_id, other, date(2026, 11, 26))
    assert (booking.site, booking.start_date) == ("Genbrugspladsen", date(2026, 11, 26))
    activation = database.read(lambda s: s.get(Activation, booking.activation_id))
    assert (activation.status, activation.citizen_id) == ("planned", no_show.citizen_id)
    kinds = database.read(
        lambda s: sorted(
            f.kind
            for f in s.exec(
                select(FollowUp).where(FollowUp.activation_id == booking.activation_id)
            ).all()
        )
    )
    assert kinds == ["activation_start", "nytteindsats_end"]
    with pytest.raises(ValidationError) as err:
        sites.book_start(day, no_show.citizen_id, other, date(2026, 11, 28))  # a Saturday
    assert err.value.field == "start_date"


def test_site_targets_are_stored_as_shares_and_read_back(database: Database) -> None:
    boss = make_ctx(database, "chef", roles="supervisor")
    site_id = sites.create_site(
        boss,
        SiteForm(
            **{
                **MATERIELGAARDEN.__dict__,
                "target_job_share": 0.4,
                "target_job_or_education_share": 0.555,
            }
        ),
    )
    saved = database.read(lambda s: s.get(ActivationSite, site_id))
    assert (saved.target_employment_share, saved.target_job_or_education_share) == (0.4, 0.555)
    form = sites.get_site(boss, site_id)
    assert (form.target_job_share, form.target_job_or_education_share) == (0.4, 0.555)
    # Emptied: no target any more.
    sites.update_site(boss, site_id, SiteForm(**{**form.__dict__, "target_job_share": None}))
    saved = database.read(lambda s: s.get(ActivationSite, site_id))
    assert (saved.target_employment_share, saved.target_job_or_education_share) == (None, 0.555)


@pytest.mark.parametrize(
    ("job", "either", "errors"),
    [
        (1.2, None, {"target_job": "A target is a share from 0 to 100 %."}),
        (None, -0.1, {"target_job_or_education": "A target is a share from 0 to 100 %."}),
        (
            0.5,
            0.4,
            {
                "target_job_or_education": (
                    "The job-or-education target cannot be below the job target."
                )
            },
        ),
    ],
    ids=["job above 100", "negative", "job or education below job"],
)
def test_bad_site_targets_are_refused_at_their_field(
    database: Database, job: float | None, either: float | None, errors: dict[str, str]
) -> None:
    boss = make_ctx(database, "chef", roles="supervisor")
    form = SiteForm(
        **{
            **MATERIELGAARDEN.__dict__,
            "target_job_share": job,
            "target_job_or_education_share": either,
        }
    )
    with pytest.raises(FormErrors) as err:
        sites.create_site(boss, form)
    assert err.value.errors == errors
