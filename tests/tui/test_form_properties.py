"""Property tests of the Register arrival and Staff forms, driven through Pilot.

Input comes from all of Unicode (no lone surrogates) mixed with markup, spreadsheet formulas,
escape sequences, control and direction characters, combining marks and other scripts (see
tests/strategies.py). What a keyboard types is sent as keys, the rest as a paste, in order.

Two properties per form:
* all fields valid → the form saves; the stored row holds what was typed (surrounding whitespace
  removed, empty as NULL; staff: initials and login lower-case, the name's runs of whitespace one
  space), and the list shows the name as text: markup such as ``[b]`` literally;
* exactly one field invalid → the form stays open with that field's message at that field and no
  other, what was typed is kept, and nothing is saved.

Each example starts a fresh app on a database emptied of what earlier examples saved. No
shrinking: an example costs seconds, and a failing one is printed as generated.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from factories import TODAY
from helpers import screen_text, settle, start
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlmodel import delete, select
from strategies import (
    BAD_CPRS,
    BAD_EMAILS,
    BAD_PHONES,
    BAD_POSTCODES,
    EMAILS,
    KEYBOARD,
    PHONES,
    POSTCODES,
    SPACES,
    blanks,
    cpr_digits,
    names,
    refusal,
    texts,
    valid_cprs,
    with_refused,
)
from textual import events
from textual.keys import _character_to_key
from textual.widgets import DataTable, Input

from jobbutik.domain.errors import ValidationError
from jobbutik.domain.rules import load_rulebook
from jobbutik.domain.vocabulary import Benefit, Role
from jobbutik.store.models import Citizen, Draft, Request, Staff
from jobbutik.tui.widgets.fields import FormField
from jobbutik.tui.widgets.toggles import Checkbox, RadioButton

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    # New examples every run (CI explores too); a failure prints the blob that replays it with
    # @reproduce_failure.
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
TIMEOUT = 30.0  # seconds for typed input to land: far above what it takes, a hang fails
STEP = 0.01  # seconds between looks
USER = "boss"

# -- typing ----------------------------------------------------------------------------------------


def _runs(text: str) -> list[tuple[bool, str]]:
    """`text` as runs of (typed on a keyboard?, characters)."""
    runs: list[tuple[bool, str]] = []
    for char in text:
        typed = char in KEYBOARD
        if runs and runs[-1][0] == typed:
            runs[-1] = (typed, runs[-1][1] + char)
        else:
            runs.append((typed, char))
    return runs


async def _until(pilot: Any, condition: Any, what: Any) -> None:
    """Pause in small steps until `condition()` holds; fail after TIMEOUT saying `what()`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what()}"
        await asyncio.sleep(STEP)


async def enter_text(pilot: Any, fields: tuple[tuple[str, str], ...]) -> None:
    """Enter each (selector, text) as a desk would: focus the field, then send the characters a
    keyboard has as key presses and the others as a paste, at once, as a terminal delivers a fast
    typist's keys. A piece that a paste would cut at a line break (a paste keeps its first line)
    is put in as it is, as a draft from before the check could hold it. Each field holds its text
    before the next one is focused (the terminal's keys reach the app later than a focus)."""
    app = pilot.app
    send = app._driver.send_message
    for selector, text in fields:
        field = app.screen.query_one(selector, Input)
        field.focus()
        await _until(pilot, lambda f=field: f.has_focus, lambda s=selector: f"focus on {s}")
        sent = field.value  # the form's own value (empty on a new form)
        for typed, run in _runs(text):
            if typed:
                for char in run:
                    send(events.Key(char if char.isalnum() else _character_to_key(char), char))
            elif run.splitlines() == [run]:
                send(events.Paste(run))
            else:
                await _until(pilot, lambda f=field, s=sent: f.value == s, lambda: _values(app))
                field.insert_text_at_cursor(run)
            sent += run
        await _until(pilot, lambda f=field, t=text: f.value == t, lambda: (fields, _values(app)))


def _values(app: Any) -> dict[str | None, str]:
    return {field.id: field.value for field in app.screen.query(Input)}


def field_errors(app: Any) -> dict[str, str]:
    """Field (widget id) → the error its line shows."""
    return {f.widget.id: f.error for f in app.screen.query(FormField) if f.has_error}


def _clean(db: Any, *deletes: Any) -> None:
    def work(session: Any) -> None:
        for statement in deletes:
            session.execute(statement)

    db.write(work)


def _stored(value: str) -> str | None:
    """How a new citizen's text is stored: without surrounding whitespace, empty as NULL."""
    return value.strip() or None


# -- Register arrival ------------------------------------------------------------------------------

# The benefits the form offers: those in force on the test's day (uddannelseshjælp ended for
# new applications on 1 July 2025).
BENEFITS = tuple(Benefit(b) for b in load_rulebook().benefits_on(TODAY))


@dataclass(frozen=True)
class Arrival:
    cpr: str
    name: str
    phone: str
    email: str
    postcode: str
    language: str
    benefit: int | None  # index; None: not chosen
    digital_help: bool
    told_digitally: bool

    def text_fields(self) -> tuple[tuple[str, str], ...]:
        return (
            ("name", self.name),
            ("phone", self.phone),
            ("email", self.email),
            ("postcode", self.postcode),
            ("interpreter_language", self.language),
        )


def _surrounded(values: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.builds(lambda a, v, b: (a + v + b)[:max_size], SPACES, values, SPACES)


VALID_ARRIVALS = st.builds(
    Arrival,
    cpr=valid_cprs(TODAY),
    name=names(),
    phone=PHONES,
    email=_surrounded(EMAILS, 200),
    postcode=POSTCODES,
    language=texts(max_size=64),
    benefit=st.integers(0, len(BENEFITS) - 1),
    digital_help=st.booleans(),
    told_digitally=st.booleans(),
)

# field → (bad value, the message the field shows). The BAD_* texts are plain (no refused
# character), so the message is the format's; a refused character's message names the first one.
_NAME_BAD = st.one_of(
    blanks(200).map(lambda v: (v, "Name is required.")),
    with_refused(names(190), 200).map(lambda v: (v, refusal(v))),
)
_REGISTER_BAD: dict[str, st.SearchStrategy[tuple[str, str | None]]] = {
    "cpr": BAD_CPRS,
    "name": _NAME_BAD,
    "phone": st.one_of(
        BAD_PHONES.map(lambda v: (v, "Phone must be 8 digits, optionally with +country code.")),
        with_refused(PHONES, 20).map(lambda v: (v, refusal(v))),
    ),
    "email": st.one_of(
        BAD_EMAILS.map(lambda v: (v, "E-mail must look like name@example.dk.")),
        with_refused(EMAILS, 200).map(lambda v: (v, refusal(v))),
    ),
    "postcode": st.one_of(
        BAD_POSTCODES.map(lambda v: (v, "Postcode must be 4 digits.")),
        with_refused(POSTCODES, 4).map(lambda v: (v, refusal(v))),
    ),
    "interpreter_language": with_refused(texts(max_size=60), 64).map(lambda v: (v, refusal(v))),
    "benefit": st.just(("", "Choose the benefit sought.")),
}
_ARRIVAL_FIELD = {"interpreter_language": "language"}


@st.composite
def invalid_arrivals(draw: st.DrawFn) -> tuple[Arrival, str, str]:
    """A valid arrival with exactly one field made invalid: (arrival, field, its message)."""
    arrival = draw(VALID_ARRIVALS)
    field = draw(st.sampled_from(sorted(_REGISTER_BAD)))
    value, message = draw(_REGISTER_BAD[field])
    assert message is not None
    if field == "benefit":
        arrival = _replace(arrival, benefit=None)
    else:
        arrival = _replace(arrival, **{_ARRIVAL_FIELD.get(field, field): value})
    return arrival, field, message


def _replace(arrival: Arrival, **changes: Any) -> Arrival:
    from dataclasses import replace

    return replace(arrival, **changes)


async def _fill_register(pilot: Any, arrival: Arrival) -> None:
    app = pilot.app
    await pilot.press("f2")
    await settle(pilot)
    assert app.screen.id == "register"
    await enter_text(pilot, (("#cpr", arrival.cpr),))
    await settle(pilot)  # the look-up: a new citizen's fields appear
    if app.screen.query_one("#new-citizen").display:
        await enter_text(pilot, tuple((f"#{s}", text) for s, text in arrival.text_fields()))
        app.screen.query_one("#needs_digital_help", Checkbox).value = arrival.digital_help
    if arrival.benefit is not None:
        buttons = list(app.screen.query_one("#benefit").query(RadioButton))
        buttons[arrival.benefit].value = True
    app.screen.query_one("#told_apply_digitally", Checkbox).value = arrival.told_digitally


def _run_register(db: Any, make_app: Any, check: Any, arrival: Arrival) -> None:
    # Each example from a clean state: no draft offered back at start, no citizen from an
    # earlier example (the CPR would be known, or the name a likely duplicate).
    _clean(db, delete(Draft), delete(Request), delete(Citizen))

    async def scenario() -> None:
        app = make_app(user=USER, lang="en")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(pilot)
            await _fill_register(pilot, arrival)
            await check(pilot)

    asyncio.run(scenario())


def _board_name_cells(app: Any) -> list[str]:
    table = app.screen.query_one(DataTable)
    column = next(i for i, c in enumerate(table.ordered_columns) if str(c.label) == "Name")
    return [str(table.get_row_at(row)[column]) for row in range(table.row_count)]


@PROPERTY_SETTINGS
@given(arrival=VALID_ARRIVALS)
def test_a_valid_arrival_is_saved_as_typed(
    make_app: Any, tui_database: Any, arrival: Arrival
) -> None:
    async def check(pilot: Any) -> None:
        app = pilot.app
        assert app.screen.query_one("#new-citizen").display, "a new CPR asks for the citizen"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert field_errors(app) == {} and app.screen.id == "today", field_errors(app)

        citizen = tui_database.read(lambda s: s.exec(select(Citizen)).one())
        request = tui_database.read(lambda s: s.exec(select(Request)).one())
        assert citizen.cpr == cpr_digits(arrival.cpr)
        stored = (
            citizen.name,
            citizen.phone,
            citizen.email,
            citizen.postcode,
            citizen.interpreter_language,
            citizen.needs_digital_help,
        )
        typed = tuple(_stored(text) for _field, text in arrival.text_fields())
        assert stored == (*typed, arrival.digital_help)
        assert arrival.benefit is not None
        assert (request.benefit, request.told_apply_digitally) == (
            BENEFITS[arrival.benefit].value,
            arrival.told_digitally,
        )
        # The board shows the name as text: the cell holds it, and the terminal gets its
        # beginning as typed (markup such as [b] literally, not as a style).
        name = arrival.name.strip()
        assert _board_name_cells(app) == [name]
        glimpse = name[:8].strip()
        note(f"glimpse {glimpse!r}")
        assert glimpse in screen_text(app)

    _run_register(tui_database, make_app, check, arrival)


@PROPERTY_SETTINGS
@given(case=invalid_arrivals())
def test_an_invalid_arrival_is_refused_at_its_field(
    make_app: Any, tui_database: Any, case: tuple[Arrival, str, str]
) -> None:
    arrival, field, message = case

    async def check(pilot: Any) -> None:
        app = pilot.app
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "register"
        assert field_errors(app) == {field: message}
        if field != "benefit":  # what was typed is kept
            assert app.screen.query_one(f"#{field}", Input).value == getattr(
                arrival, _ARRIVAL_FIELD.get(field, field)
            )
        assert tui_database.read(lambda s: s.exec(select(Citizen)).all()) == []
        assert tui_database.read(lambda s: s.exec(select(Request)).all()) == []

    _run_register(tui_database, make_app, check, arrival)


# -- Staff -----------------------------------------------------------------------------------------

ROLES = tuple(Role)
INITIALS_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."


@dataclass(frozen=True)
class Member:
    initials: str
    name: str
    login: str
    roles: frozenset[int]


def _login_ok(value: str) -> bool:
    v = value.strip().lower()
    return len(v) <= 64 and not any(c.isspace() or c in ",;:/\\" for c in v)


VALID_INITIALS = st.builds(
    lambda a, v, b: (a + v + b)[:16],
    st.text(st.just(" "), max_size=2),
    st.text(st.sampled_from(INITIALS_CHARS), min_size=1, max_size=12),
    st.text(st.just(" "), max_size=2),
).filter(lambda v: v.strip().lower() != USER)
VALID_LOGINS = st.one_of(st.just(""), texts(max_size=64)).filter(
    lambda v: _login_ok(v) and v.strip().lower() != USER
)
VALID_MEMBERS = st.builds(
    Member,
    initials=VALID_INITIALS,
    name=names(),
    login=VALID_LOGINS,
    roles=st.frozensets(st.integers(0, len(ROLES) - 1), min_size=1),
)
INITIALS_RULE = "Initials are 1-16 letters or digits (a-z, 0-9)."
_STAFF_BAD: dict[str, st.SearchStrategy[tuple[str, str | None]]] = {
    "initials": st.one_of(
        blanks(16).map(lambda v: (v, "Initials are required.")),
        texts(max_size=16, plain=False)
        .filter(lambda v: v.strip() != "" and not all(c in INITIALS_CHARS for c in v.strip()))
        .map(lambda v: (v, INITIALS_RULE)),
        st.just((USER.upper(), f"{USER} is already a member of staff (or another one's login).")),
    ),
    "name": _NAME_BAD,
    "os_login": st.one_of(
        texts(max_size=64)
        .filter(lambda v: not _login_ok(v) and len(v.strip().lower()) <= 64)
        .map(lambda v: (v, "An operating-system login is at most 64 characters without spaces.")),
        with_refused(VALID_LOGINS, 64).map(lambda v: (v, refusal(v))),
        st.just((USER, f"The login {USER} already belongs to another member of staff.")),
    ),
    "roles": st.just(("", "Give the person at least one role.")),
}
_MEMBER_FIELD = {"os_login": "login"}


@st.composite
def invalid_members(draw: st.DrawFn) -> tuple[Member, str, str]:
    from dataclasses import replace

    member = draw(VALID_MEMBERS)
    field = draw(st.sampled_from(sorted(_STAFF_BAD)))
    value, message = draw(_STAFF_BAD[field])
    assert message is not None
    if field == "roles":
        return replace(member, roles=frozenset()), field, message
    changes: dict[str, Any] = {_MEMBER_FIELD.get(field, field): value}
    return replace(member, **changes), field, message


def _run_staff(db: Any, make_app: Any, check: Any, member: Member) -> None:
    _clean(db, delete(Draft), delete(Staff).where(Staff.initials != USER))  # type: ignore[arg-type]

    async def scenario() -> None:
        app = make_app(user=USER, lang="en")
        async with app.run_test(size=(120, 40)) as pilot:
            await start(pilot)
            await pilot.press("ctrl+g")
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert app.screen.id == "staff-form"
            await enter_text(
                pilot,
                (
                    ("#initials", member.initials),
                    ("#name", member.name),
                    ("#os_login", member.login),
                ),
            )
            for index, role in enumerate(ROLES):
                app.screen.query_one(f"#role-{role.value}", Checkbox).value = index in member.roles
            await pilot.press("ctrl+s")
            await check(pilot)

    asyncio.run(scenario())


def _others(db: Any) -> list[Staff]:
    return list(db.read(lambda s: s.exec(select(Staff).where(Staff.initials != USER)).all()))


@PROPERTY_SETTINGS
@given(member=VALID_MEMBERS)
def test_a_valid_member_of_staff_is_saved_as_typed(
    make_app: Any, tui_database: Any, member: Member
) -> None:
    async def check(pilot: Any) -> None:
        app = pilot.app
        await settle(pilot)
        assert field_errors(app) == {} and app.screen.id == "staff", field_errors(app)
        [row] = _others(tui_database)
        name = " ".join(member.name.split())  # runs of whitespace are one space
        assert (row.initials, row.name, row.os_login) == (
            member.initials.strip().lower(),
            name,
            member.login.strip().lower() or None,
        )
        assert row.roles == ",".join(r.value for i, r in enumerate(ROLES) if i in member.roles)
        table = app.screen.query_one("#staff-table", DataTable)
        shown = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(2)}
        assert shown[row.initials.upper()] == name
        assert name[:8].strip() in screen_text(app)

    _run_staff(tui_database, make_app, check, member)


@PROPERTY_SETTINGS
@given(case=invalid_members())
def test_an_invalid_member_of_staff_is_refused_at_its_field(
    make_app: Any, tui_database: Any, case: tuple[Member, str, str]
) -> None:
    member, field, message = case

    async def check(pilot: Any) -> None:
        app = pilot.app
        # A rule only the service knows (a taken initials or login, no role) comes back as our
        # error, shown at its field.
        await settle(pilot, expect_errors=(ValidationError,))
        assert app.screen.id == "staff-form"
        assert field_errors(app) == {field: message}
        if field != "roles":
            assert app.screen.query_one(f"#{field}", Input).value == getattr(
                member, _MEMBER_FIELD.get(field, field)
            )
        assert _others(tui_database) == []

    _run_staff(tui_database, make_app, check, member)
