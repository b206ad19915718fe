"""Drafts that survive: what is typed is kept in the database a moment after the last key, offered
back after a crash or a restart and restored exactly (the summary too); saving or discarding
removes it; the conversation lets go of its claim on Escape and keeps its draft when a save is
refused because another desk has it now."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from helpers import notices, release_held_claim, screen_text, settle, start, type_into, wait_until
from test_conversation import arrive, next_step, open_conversation, seeded  # noqa: F401

from jobbutik.domain.errors import ClaimLost, DatabaseBusy, JobbutikError, ValidationError
from jobbutik.services import claims, drafts
from jobbutik.store.models import Request
from jobbutik.tui.conversation.screen import ConversationScreen
from jobbutik.tui.drafts import DraftKey, KeepsDraft
from jobbutik.tui.screens.drafts import DraftsScreen


def kept(app: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """The user's drafts as the database holds them."""
    return {(d.form, d.subject): d.data for d in drafts.mine(app.context)}


def status(db: Any, request_id: int) -> tuple[str, str | None]:
    request = db.read(lambda s: s.get(Request, request_id))
    return request.status, request.claimed_by


def row_of(offer: DraftsScreen, form: str) -> int:
    return [d.form for d in offer.kept].index(form)


async def autosaved(
    pilot: Any, expect_errors: tuple[type[JobbutikError], ...] = ()
) -> list[JobbutikError]:
    """Wait, as a user who stops typing, until the draft is kept (or its write fails with one of
    `expect_errors`, returned)."""
    await pilot.pause()  # the typing's last change reaches the screen, which starts its timer
    screen: Any = pilot.app.screen
    screen_autosaves = isinstance(screen, KeepsDraft)
    return await wait_until(
        pilot,
        lambda: not screen_autosaves or screen._autosave is None,
        timeout=KeepsDraft.AUTOSAVE_SECONDS + 5,
        what="the autosave",
        expect_errors=expect_errors,
    )


async def a_conversation_to_step_5(pilot: Any, seeded: dict[str, Any]) -> ConversationScreen:  # noqa: F811
    """Facts typed, a site chosen on step 3, one opening on step 4, then the summary."""
    await open_conversation(pilot)
    screen = pilot.app.screen
    await type_into(pilot, "#job_wishes", "Butik eller lager")
    await type_into(pilot, "#industries", "Detail")
    screen.action_step(3)
    await settle(pilot)
    screen.query_one("#sites").focus()
    await pilot.press("down", "enter")
    assert screen.activation_step.site_id == seeded["site"]
    await next_step(pilot)
    screen.query_one("#openings").focus()
    await pilot.press("space")
    await next_step(pilot)
    assert screen.step == 5
    return screen


async def test_a_crash_loses_nothing_typed(make_app, tui_database, seeded) -> None:  # noqa: F811
    request_id = arrive(seeded["ctx"], name="Hannah Møller")
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await a_conversation_to_step_5(pilot, seeded)
        summary = screen_text(app)
        assert "Materielgården" in summary and "Butiksassistent" in summary
        await pilot.press("f3", "f2")  # a registration started in Search meanwhile
        await settle(pilot)
        await type_into(pilot, "#cpr", "0101801234")
        await autosaved(pilot)
        assert set(kept(app)) == {("conversation", str(request_id)), ("register", "")}
        # Torn down here without Escape or quit: what a killed program leaves behind.

    again = make_app(lang="en")
    async with again.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        offer = again.screen
        assert isinstance(offer, DraftsScreen)
        text = screen_text(again)
        assert "Conversation: Hannah Møller" in text and "Register arrival: 0101801234" in text
        await pilot.press(*["down"] * row_of(offer, "conversation"), "enter")
        await settle(pilot)
        screen = again.screen
        assert isinstance(screen, ConversationScreen)
        assert status(tui_database, request_id) == ("in_conversation", "ab")  # claimed again
        assert screen.step == 5
        assert screen.query_one("#job_wishes").value == "Butik eller lager"
        assert screen.query_one("#industries").value == "Detail"
        assert screen.activation_step.site_id == seeded["site"]
        # The restored summary is the summary as it was left, not a blank one.
        text = screen_text(again)
        assert "Butik eller lager" in text
        assert "Materielgården" in text and "Butiksassistent" in text
        for line in summary.splitlines():
            if "Facts" in line or "Immediate activation" in line or "Butiksassistent" in line:
                assert line.strip() in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Drafts", "enter")
        await settle(pilot)
        offer = again.screen
        assert isinstance(offer, DraftsScreen)
        assert sorted(d.form for d in offer.kept) == ["conversation", "register"]
        await pilot.press(*["down"] * row_of(offer, "register"), "enter")
        await settle(pilot)
        assert again.screen.id == "register"
        assert again.screen.query_one("#cpr").value == "0101801234"


async def test_autosave_waits_for_a_pause_in_typing(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", *"01018")
        await settle(pilot)
        assert kept(app) == {}  # not on every key
        await autosaved(pilot)
        assert kept(app)["register", ""]["cpr"] == "01018"
        await pilot.press(*"01234")
        await autosaved(pilot)
        assert kept(app)["register", ""]["cpr"] == "0101801234"


async def test_an_untouched_form_leaves_no_draft(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2")
        await autosaved(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "today"
        assert kept(app) == {}


async def test_a_discarded_draft_is_gone_after_asking(make_app, tui_database) -> None:
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", *"0101801234")
        await pilot.press("escape")
        await settle(pilot)
        assert set(kept(app)) == {("register", "")}
        await pilot.press("ctrl+p", *"Drafts", "enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert "Discard the draft" in screen_text(app)
        await pilot.press("n")  # not yet
        await settle(pilot)
        assert isinstance(app.screen, DraftsScreen) and set(kept(app)) == {("register", "")}
        await pilot.press("d", "y")
        await settle(pilot)
        assert app.screen.id == "today"  # the list closes with its last draft
        assert kept(app) == {}
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen.query_one("#cpr").value == ""


async def test_escape_lets_the_citizen_wait_again_and_keeps_the_draft(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        assert status(tui_database, request_id) == ("in_conversation", "ab")
        await type_into(pilot, "#job_wishes", "Kontor")
        await pilot.press("escape")
        await settle(pilot)
        assert status(tui_database, request_id) == ("waiting", None)
        assert kept(app)["conversation", str(request_id)]["facts"]["job_wishes"] == "Kontor"


async def test_a_save_refused_for_a_lost_claim_keeps_the_draft(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await type_into(pilot, "#job_wishes", "Kontor")
        screen.query_one("#exempt").value = True
        await type_into(pilot, "#exemption_reason", "Langvarig sygemelding")
        # A supervisor lets the citizen go to another desk meanwhile.
        release_held_claim(seeded["ctx"], request_id)
        screen.heartbeat()
        await settle(pilot)
        assert "Another desk has this conversation now" in notices(app)[-1]
        await pilot.press("ctrl+s")
        shown = await settle(pilot, expect_errors=(ClaimLost,))
        assert screen.result is None and screen.step == 5
        lost = (
            "The conversation is no longer yours (released or taken over by another desk): "
            "nothing was saved; your input is kept as a draft."
        )
        assert [str(e) for e in shown] == [lost]
        assert notices(app)[-1] == lost
        assert "Not saved: The conversation is no longer yours" in screen_text(app)
        assert kept(app)["conversation", str(request_id)]["facts"]["job_wishes"] == "Kontor"
        await pilot.press("escape")
        await settle(pilot)
        assert status(tui_database, request_id) == ("waiting", None)  # not the lost desk's
        assert ("conversation", str(request_id)) in kept(app)


async def test_a_saved_conversation_leaves_no_draft(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        screen = app.screen
        await type_into(pilot, "#job_wishes", "Kontor")
        await autosaved(pilot)
        assert ("conversation", str(request_id)) in kept(app)
        screen.query_one("#exempt").value = True
        await type_into(pilot, "#exemption_reason", "Langvarig sygemelding")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.result is not None, screen_text(app) + str(notices(app))
        await autosaved(pilot)
        assert kept(app) == {}
        assert status(tui_database, request_id)[0] == "done"


async def test_writes_for_one_draft_coalesce_to_the_newest(make_app, monkeypatch) -> None:
    gate, calls = threading.Event(), []
    real = drafts.save

    def slow_save(*args: Any) -> None:
        calls.append(args[-1])
        gate.wait(timeout=10)
        real(*args)

    monkeypatch.setattr(drafts, "save", slow_save)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        key = DraftKey[dict[str, str]]("register")
        for cpr in ("0", "01", "010", "0101"):
            app.drafts.put(key, {"cpr": cpr})
            await pilot.pause()
        gate.set()
        await settle(pilot)
        assert calls == [{"cpr": "0"}, {"cpr": "0101"}]  # the ones between were never written
        assert kept(app) == {("register", ""): {"cpr": "0101"}}


async def test_a_failed_write_is_told_and_the_draft_kept(make_app, monkeypatch) -> None:
    real = drafts.save

    def busy(*args: Any) -> None:
        raise DatabaseBusy("The database is busy: try again in a moment.")

    monkeypatch.setattr(drafts, "save", busy)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f2", *"0101801234")
        shown = await autosaved(pilot, expect_errors=(DatabaseBusy,))
        assert [str(e) for e in shown] == ["The database is busy: try again in a moment."]
        assert "The database is busy: try again in a moment." in notices(app)
        assert kept(app) == {}
        monkeypatch.setattr(drafts, "save", real)
        await pilot.press("escape")  # the next keep writes it
        await settle(pilot)
        assert kept(app)["register", ""]["cpr"] == "0101801234"


async def test_a_draft_from_an_older_version_does_not_block_the_conversation(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    drafts.save(seeded["ctx"], "conversation", str(request_id), "Old", {"step": 2, "facts": {}})
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert isinstance(app.screen, DraftsScreen)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.step == 1
        assert "could not be read: it starts afresh" in notices(app)[-1]


async def test_escape_while_the_conversation_opens_lets_the_citizen_wait(
    make_app,
    tui_database,
    seeded,  # noqa: F811
    monkeypatch,
) -> None:
    from jobbutik.services import visitation

    gate, real = threading.Event(), visitation.start

    def slow_start(*args: Any) -> Any:
        gate.wait(timeout=10)
        return real(*args)

    monkeypatch.setattr(visitation, "start", slow_start)
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen) and app.screen.start is None
        await pilot.press("escape")  # still opening
        await pilot.pause()
        assert app.screen.id == "today"
        gate.set()  # the opening claims the citizen after all
        await settle(pilot)
        assert status(tui_database, request_id) == ("waiting", None)


async def test_escape_then_reopening_at_once_keeps_the_new_claim(
    make_app,
    tui_database,
    seeded,  # noqa: F811
    monkeypatch,
) -> None:
    real = claims.release

    def slow_release(*args: Any) -> None:
        threading.Event().wait(0.3)  # the database is slow to answer
        real(*args)

    monkeypatch.setattr(claims, "release", slow_release)
    request_id = arrive(seeded["ctx"])
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(pilot)
        await pilot.press("escape", "f6")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen) and app.screen.start is not None
        assert status(tui_database, request_id) == ("in_conversation", "ab")


async def test_flush_waits_for_a_change_made_as_the_writer_ends(make_app, monkeypatch) -> None:
    gate, real = threading.Event(), drafts.save

    def slow_save(*args: Any) -> None:
        gate.wait(timeout=10)
        real(*args)

    monkeypatch.setattr(drafts, "save", slow_save)
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        key = DraftKey[dict[str, str]]("register")
        store = app.drafts
        store.put(key, {"cpr": "0101"})
        # The last change lands just as the writer ends (before the quit's flush looks again).
        store._writer._task.add_done_callback(lambda _: store.put(key, {"cpr": "0101801234"}))
        flushing = asyncio.ensure_future(store.flush())
        await pilot.pause()
        gate.set()
        await flushing
        assert kept(app) == {("register", ""): {"cpr": "0101801234"}}


async def test_drafts_of_closed_requests_are_not_offered_back(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    from jobbutik.services import visitation

    ctx = seeded["ctx"]
    closed, still_open = arrive(ctx), arrive(ctx, cpr="0101024234", name="Ida Holm")
    drafts.save(ctx, "conversation", str(closed), "Conversation: Jens Møller", {"step": 1})
    drafts.save(ctx, "withdraw", str(closed), "Withdraw: Jens Møller", {})
    drafts.save(ctx, "conversation", str(still_open), "Conversation: Ida Holm", {"step": 1})
    visitation.withdraw(ctx, closed, "job")  # at another desk, after the drafts were kept
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        offer = app.screen
        assert isinstance(offer, DraftsScreen)
        assert [d.title for d in offer.kept] == ["Conversation: Ida Holm"]
        assert set(kept(app)) == {("conversation", str(still_open))}


async def test_a_draft_whose_request_closed_meanwhile_goes_when_opened(
    make_app,
    tui_database,
    seeded,  # noqa: F811
) -> None:
    from jobbutik.services import visitation

    ctx = seeded["ctx"]
    request_id = arrive(ctx)
    drafts.save(ctx, "conversation", str(request_id), "Conversation: Jens Møller", {"step": 1})
    app = make_app(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert isinstance(app.screen, DraftsScreen)
        visitation.withdraw(ctx, request_id, "job")  # at another desk, while the list shows
        await pilot.press("enter")
        shown = await settle(pilot, expect_errors=(ValidationError,))
        closed = "This request is already closed (Turned at the door)."
        assert [str(e) for e in shown] == [closed]
        assert notices(app)[-1] == closed
        assert kept(app) == {}
        assert app.drafts.kept() == []
