"""Leaving unsaved input asks first: the section key that closes a form or the conversation (back
to the section's first screen) and Ctrl+Q. Staying keeps everything on screen; leaving keeps it
as a draft in the database (before the program ends) and lets the conversation's citizen wait
again."""

from __future__ import annotations

from typing import Any

from helpers import notices, screen_text, settle, start, type_into
from test_conversation import arrive, open_conversation, seeded  # noqa: F401
from test_drafts_persist import kept, status

from jobbutik.tui.screens.confirm import ConfirmModal

UNWRITABLE = (
    "Your input could not be kept as drafts: The database is busy. Ctrl+Q again quits without them."
)


async def test_f4_from_a_conversation_with_input_asks_first(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"], name="Hannah Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await type_into(pilot, "#job_wishes", "Kontor")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        text = screen_text(app)
        assert "Leave the conversation with Hannah Møller?" in text
        assert "Your input is kept as a draft." in text
        await pilot.press("f3")  # another section waits for the answer
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and app.current_mode == "today"
        await pilot.press("n")  # stay
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#job_wishes").value == "Kontor"
        assert status(tui_database, request_id) == ("in_conversation", "ab")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("f4")  # the same key again: leave
        await settle(pilot)
        assert app.screen.id == "today"
        assert kept(app)["conversation", str(request_id)]["facts"]["job_wishes"] == "Kontor"
        assert status(tui_database, request_id) == ("waiting", None)


async def test_f4_from_an_untouched_conversation_does_not_ask(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        app.screen.action_step(3)  # looking is not typing
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.id == "today"
        assert kept(app) == {}
        assert status(tui_database, request_id) == ("waiting", None)


async def test_f2_then_f4_with_a_cpr_typed_asks_first(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", *"0101801234", "f4")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "Leave “Register arrival: 0101801234”?" in screen_text(app)
        await pilot.press("escape")  # no
        await settle(pilot)
        assert app.screen.id == "register"
        assert app.screen.query_one("#cpr").value == "0101801234"
        await pilot.press("f4", "y")
        await settle(pilot)
        assert app.screen.id == "today"
        assert kept(app)["register", ""]["cpr"] == "0101801234"


async def test_ctrl_q_with_unsaved_input_asks_and_keeps_it(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"], name="Hannah Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await type_into(pilot, "#job_wishes", "Kontor")
        await pilot.press("f3", "f2", *"0101801234")  # and a registration in Search
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        text = screen_text(app)
        assert "Quit with unsaved input?" in text
        assert "Conversation: Hannah Møller" in text and "Register arrival: 0101801234" in text
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and app.screen.id == "register"
        await pilot.press("ctrl+q", "y")
        await settle(pilot)
        assert not app.is_running  # quit, straight after the draft writes (no autosave wait)
    ctx = app.context
    from jobbutik.services import drafts

    saved = {(d.form, d.subject): d.data for d in drafts.mine(ctx)}
    assert saved["conversation", str(request_id)]["facts"]["job_wishes"] == "Kontor"
    assert saved["register", ""]["cpr"] == "0101801234"
    assert status(tui_database, request_id) == ("waiting", None)


async def test_ctrl_q_with_nothing_unsaved_quits_at_once(make_app: Any) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", "ctrl+q")
        await settle(pilot)
        assert not app.is_running


async def test_quitting_with_the_database_away_says_so_first(make_app, monkeypatch) -> None:
    from jobbutik.domain.errors import DatabaseBusy
    from jobbutik.services import drafts

    def busy(*args: Any) -> None:
        raise DatabaseBusy("The database is busy.")

    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        monkeypatch.setattr(drafts, "save", busy)
        await pilot.press("f2", *"0101801234", "ctrl+q", "y")
        # The draft's write in the background fails too: the app's one notice says so as well.
        shown = await settle(pilot, expect_errors=(DatabaseBusy,))
        assert shown and {str(e) for e in shown} == {"The database is busy."}
        assert app.is_running  # not gone with the input unsaved, unasked
        # Said once, in either order with the background write's notice.
        assert notices(app).count(UNWRITABLE) == 1
        await pilot.press("ctrl+q")
        await settle(pilot, expect_errors=(DatabaseBusy,))  # the draft's write, tried once more
        assert not app.is_running


async def test_quitting_abandoned_for_unwritable_drafts_keeps_the_claim(
    make_app,
    tui_database,
    seeded,  # noqa: F811
    monkeypatch,
) -> None:
    from jobbutik.domain.errors import DatabaseBusy
    from jobbutik.services import drafts

    def busy(*args: Any) -> None:
        raise DatabaseBusy("The database is busy.")

    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await type_into(pilot, "#job_wishes", "Kontor")
        monkeypatch.setattr(drafts, "save", busy)
        await pilot.press("ctrl+q", "y")
        shown = await settle(pilot, expect_errors=(DatabaseBusy,))
        assert shown and {str(e) for e in shown} == {"The database is busy."}
        assert app.is_running and notices(app).count(UNWRITABLE) == 1
        # Still this desk's conversation: the citizen is not handed to another desk meanwhile.
        assert status(tui_database, request_id) == ("in_conversation", "ab")
        assert app.screen.claimed
        await pilot.press("ctrl+q")  # quit without the drafts: now it lets go
        await settle(pilot, expect_errors=(DatabaseBusy,))  # the draft's write, tried once more
        assert not app.is_running
    assert status(tui_database, request_id) == ("waiting", None)


async def test_ctrl_q_says_which_input_is_kept_and_which_is_lost(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    arrive(seeded["ctx"], name="Hannah Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await type_into(pilot, "#job_wishes", "Kontor")
        await pilot.press("ctrl+g", "ctrl+n")  # a new member of staff, in the Staff section
        await settle(pilot)
        await type_into(pilot, "#initials", "KM")
        await pilot.press("ctrl+q")
        await settle(pilot)
        text = screen_text(app)
        kept_part, _, lost_part = text.partition("Not kept (lost when you quit):")
        assert "Kept as drafts, offered back" in kept_part
        assert "Conversation: Hannah Møller" in kept_part
        assert "KM" in lost_part and "Hannah" not in lost_part
