"""Data is text: hostile but allowed strings stored through the services, and control characters
written straight into the database (as an import before the input check could have), shown on
every screen that shows them. The program does not crash, the text reads as stored, no markup
link or click action reaches the screen, and no escape sequence or direction override reaches
the terminal. Typing a control character into a form is refused at the field."""

from __future__ import annotations

import asyncio
import io
import itertools
from datetime import date
from typing import Any

from factories import add_site, at, make_ctx, on_day, valid_cvr
from helpers import screen_text, search_done, settle, start, type_into
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from sqlalchemy import text
from textual.widgets import DataTable, Input

from jobbutik.services import arrivals, companies, followups, openings, sites, staff, visitation
from jobbutik.services.arrivals import ArrivalForm, NewCitizen
from jobbutik.services.companies import CompanyForm
from jobbutik.services.context import ServiceContext
from jobbutik.services.openings import OpeningForm
from jobbutik.services.sites import SiteForm
from jobbutik.services.visitation import Facts, ReferralChoice, VisitationPlan
from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp, FollowUpKind
from jobbutik.tui.widgets.fields import FormField

PIECES = [
    "[/]",
    "[link=https://x.dk]x[/link]",
    "[@click=app.quit]x[/]",
    "[b]",
    "[$accent]Ib\\",
    "=1+1",
    "Lang tekst " * 5 + "slut",
    "e\u0301" * 20,
    "Ærø 🙂 qq[/]",
]
# Pieces joined: at most 200 characters, the longest name a form takes.
EVERY_PIECE = " ".join(PIECES)
HOSTILE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=3, unique=True).map(" ".join)
# Refused at input today, but a row written before the check existed may hold them.
LEGACY_NAME = "Gammel\x1b[2J\u202eXY"
LEGACY_CONTACT = "Kontakt\x1b]0;pwned\x07"
RAW = ("\x1b", "\u202e", "\x07")

HOSTILE_SETTINGS = settings(
    max_examples=2,  # and the explicit example that holds every piece
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: an example takes seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_serial = itertools.count(1)
EARLIER = at(date(2026, 11, 9))  # so that the referral follow-ups are due by today


def _cpr(n: int) -> str:
    """A birth date per number: a citizen is never a likely duplicate of another."""
    return f"{n % 28 + 1:02d}{n // 28 + 1:02d}90" + "1234"


def _store(db: Database, ctx: ServiceContext, value: str, n: int) -> dict[str, Any]:
    """`value` in every text a desk types, through the services; the legacy text through SQL."""
    staff.add_staff(ctx, f"h{n}", value, "consultant")
    company_id = companies.create_company(
        ctx, CompanyForm(cvr=valid_cvr(100 + 10 * n), name=value, contact_name=value)
    )
    opening_id = openings.create_opening(
        ctx,
        OpeningForm(company_id, value, 30, date(2026, 12, 18), "Detail", "2730", value),
    )
    sites.create_site(ctx, SiteForm(value, "nytteindsats", 5, 15))
    site_id = add_site(db, f"Plads {n}")

    cpr = _cpr(n)
    earlier = on_day(ctx, EARLIER)
    new = NewCitizen(name=value, email="[/]x@y.dk", interpreter_language=value)
    form = ArrivalForm(cpr=cpr, benefit="kontanthjaelp", new_citizen=new)
    arrival = arrivals.register_arrival(earlier, form)
    facts = Facts(job_wishes=value, industries=(value,), restrictions=value)
    start_day = visitation.start(earlier, arrival.request_id).deadlines.default_activation_start
    plan = VisitationPlan(
        arrival.request_id,
        facts,
        "jobparat",
        override_reason=value,
        activation=visitation.ActivationChoice(site_id, start_day),
        referrals=(ReferralChoice(opening_id),),
    )
    result = visitation.complete(earlier, plan)
    noted = next(
        f
        for f in (db.read(lambda s, i=i: s.get(FollowUp, i)) for i in result.follow_up_ids)
        if f is not None and f.kind != FollowUpKind.REFERRAL
    )
    assert noted.id is not None
    outcome = followups.OUTCOMES[noted.kind][0]
    followups.record_outcome(ctx, noted.id, outcome, note=value)
    arrivals.register_arrival(ctx, ArrivalForm(cpr=cpr, benefit="kontanthjaelp"))  # on the board

    legacy = arrivals.register_arrival(
        ctx, ArrivalForm(_cpr(n + 200), "kontanthjaelp", new_citizen=NewCitizen(name="Gammel"))
    )

    def write_raw(session: Any) -> None:
        session.execute(
            text("UPDATE citizen SET name = :name WHERE id = :id"),
            {"name": LEGACY_NAME, "id": legacy.citizen_id},
        )
        session.execute(
            text("UPDATE company SET contact_name = :contact WHERE id = :id"),
            {"contact": LEGACY_CONTACT, "id": company_id},
        )

    db.write(write_raw)
    return {"cpr": cpr, "cvr": valid_cvr(100 + 10 * n)}


def _segments(app: Any) -> list[Segment]:
    """What the terminal is sent for the screen, segment by segment with its style."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True)
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return list(console.render(update))


def _glimpse(value: str) -> str:
    """A part of `value` that fits the narrowest column it is shown in."""
    return value[:12].strip()


def _check_screen(app: Any, value: str, *, expect: bool = True) -> str:
    assert app.is_running and app.return_code is None  # nothing quit the app
    shown = screen_text(app)
    for raw in RAW:
        assert raw not in shown, f"{raw!r} reached the terminal on {app.screen.id}"
    for segment in _segments(app):
        style = segment.style
        if style is None:
            continue
        assert not style.link, f"a link reached {app.screen.id}: {segment.text!r}"
        click = str((style.meta or {}).get("@click", ""))
        assert "app.quit" not in click, f"a click action reached {app.screen.id}: {segment.text!r}"
    if expect:
        assert _glimpse(value) in shown, f"{value!r} not shown as typed on {app.screen.id}"
    return shown


def _cells(app: Any) -> set[str]:
    """The plain text of every table cell on the screen."""
    found: set[str] = set()
    for table in app.screen.query(DataTable):
        for row in range(table.row_count):
            found |= {str(cell) for cell in table.get_row_at(row)}
    return found


def _row_of(table: DataTable[Any], value: str) -> int:
    return next(i for i in range(table.row_count) if value in map(str, table.get_row_at(i)))


async def _conversation(pilot: Any, value: str) -> None:
    """The conversation with the citizen: the header, the sites, the openings, the summary."""
    app = pilot.app
    board = app.screen.query_one(DataTable)
    board.move_cursor(row=_row_of(board, value))
    await pilot.press("f6")
    await settle(pilot)
    assert app.screen.id == "conversation"
    _check_screen(app, value)  # the citizen's name in the header line
    for field in ("#job_wishes", "#restrictions"):
        app.screen.query_one(field, Input).value = value
    for _step in range(4):
        await pilot.press("ctrl+pagedown")
        await settle(pilot)
        _check_screen(app, value, expect=False)  # the names wrap or are cut where they sit
    summary = str(app.screen.query_one("#summary").render())
    assert summary.count(value) >= 3  # the citizen, the wishes, the skånehensyn
    await pilot.press("escape")
    await settle(pilot)
    assert app.screen.id == "today"


@HOSTILE_SETTINGS
@given(value=HOSTILE)
@example(value=EVERY_PIECE)
def test_hostile_text_renders_literally_on_every_screen(
    make_app: Any, tui_database: Database, value: str
) -> None:
    n = next(_serial)
    # A desk of its own per example: the follow-ups are its own, and the conversation's draft
    # (kept on Escape, offered back at start) stays with it.
    user = f"u{n}"
    ctx = make_ctx(tui_database, user)
    keys = _store(tui_database, ctx, value, n)

    async def scenario() -> None:
        app = make_app(user=user, lang="en")
        async with app.run_test(size=(160, 45)) as pilot:
            await start(pilot)
            shown = _check_screen(app, value)  # the board
            assert "Gammel\u241b[2J\ufffdXY" in shown  # legacy control text, made visible
            assert value in _cells(app)
            board = app.screen.query_one(DataTable)
            board.move_cursor(row=_row_of(board, value))
            await pilot.press("f9")  # turned at the door: the dialog names the citizen
            await settle(pilot)
            assert app.screen.id == "withdraw"
            _check_screen(app, value)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("f2")  # registering again shows the citizen's card
            await settle(pilot)
            await type_into(pilot, "#cpr", keys["cpr"])
            await settle(pilot)
            _check_screen(app, value)
            await pilot.press("escape")
            await settle(pilot)
            await _conversation(pilot, value)

            await pilot.press("f3")
            await settle(pilot)
            await type_into(pilot, "#search-box", keys["cpr"][:6])
            await search_done(pilot)
            _check_screen(app, value)
            assert value in _cells(app)
            await pilot.press("enter", "enter")  # to the results, then the citizen
            await settle(pilot)
            assert app.screen.id == "citizen"
            shown = _check_screen(app, value)
            assert "[/]x@y.dk" in shown
            assert value in " ".join(_cells(app))  # the history: notes, referral, activation

            await pilot.press("ctrl+f")
            await settle(pilot)
            assert app.screen.id == "followups"
            _check_screen(app, value)
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=_row_of(table, value))
            await pilot.press("enter")  # the outcome form names the citizen and the opening
            await settle(pilot)
            assert app.screen.id == "outcome-form"
            _check_screen(app, value)
            await pilot.press("escape")
            await settle(pilot)

            await pilot.press("ctrl+b")
            await settle(pilot)
            assert app.screen.id == "companies"
            await type_into(pilot, "#company-search", keys["cvr"])
            await pilot.press("enter")
            await settle(pilot)
            _check_screen(app, value)
            assert {value, "Kontakt\u241b]0;pwned\u2407"} <= _cells(app)
            await pilot.press("f8")
            await settle(pilot)
            assert app.screen.id == "company"
            _check_screen(app, value)
            assert value in _cells(app)  # the opening and the referral's citizen
            await pilot.press("escape")
            await settle(pilot)

            for key, screen_id in (("ctrl+t", "sites"), ("ctrl+g", "staff"), ("f12", "reports")):
                await pilot.press(key)
                await settle(pilot)
                assert app.screen.id == screen_id
                _check_screen(app, value, expect=screen_id != "reports")
            assert _glimpse(value) in str(app.screen.query_one("#report-text").render())

    asyncio.run(scenario())


async def test_a_typed_control_character_is_refused_at_its_field(make_app: Any) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.id == "company-form"
        await type_into(pilot, "#cvr", valid_cvr(3))
        name = app.screen.query_one("#name", Input)
        name.value = "Bager\x1b[2J Bo"  # a paste: the keyboard cannot type ESC into a field
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "company-form"  # refused, still open
        field = app.screen.query_one("#f-name", FormField)
        assert field.error == "Remove the control character (U+001B) from the text."
        assert name.value == "Bager\x1b[2J Bo"  # what was typed is kept
        assert "\x1b" not in screen_text(app)
