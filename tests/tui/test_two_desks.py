"""Two desks at once, each its own program on one database (a SQLite file, and PostgreSQL): what
one desk does shows on the other's board within 5 seconds without a key, and a conversation is
one desk's at a time, so no conversation is ever lost to another desk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from factories import NOW, TODAY, add_staff, make_ctx
from helpers import notices, release_held_claim, settle, start, type_into, wait_until
from sqlmodel import func, select

from jobbutik.domain.clock import Clock
from jobbutik.domain.errors import ClaimLost
from jobbutik.services.config import Settings
from jobbutik.store.db import Database
from jobbutik.store.models import Request, Visitation

YOUNG = "0101024234"  # 24: the youth group, exempt from straksaktivering with a reason


@pytest.fixture
def desks(database: Database) -> Iterator[Any]:
    """`desk(user, roles)` → an app as that user with its own connections to `database`."""
    opened: list[Database] = []
    built: list[Any] = []

    def desk(user: str, roles: str) -> Any:
        from jobbutik.tui.app import create_app

        add_staff(database, user, roles)
        db = Database(database.url)
        opened.append(db)
        settings = Settings(db=db.url, user=user, today=TODAY, lang="en")
        app = create_app(settings, database=db, clock=Clock(fixed_now=NOW))
        built.append(app)
        return app

    yield desk
    for db in opened:
        db.dispose()
    for app in built:
        assert not app._crash_times and not app.crash_log.exists(), "a desk crashed"


async def until(pilots: tuple[Any, ...], seen: Any) -> None:
    """Both desks run while waiting, no key pressed, until `seen()`."""
    await wait_until(pilots, seen, what="the other desk's change")


def board(app: Any) -> Any:
    """The one row of the board (one citizen in this test)."""
    rows = app.today_screen.rows
    return rows[0] if rows else None


async def open_conversation(pilot: Any) -> None:
    await pilot.press("f6")
    await settle(pilot)
    assert pilot.app.screen.id == "conversation"
    assert pilot.app.screen.start is not None


async def test_two_desks_share_the_board_and_one_conversation(database: Database, desks) -> None:
    a = desks("hm", "reception,consultant")
    b = desks("jk", "consultant")
    async with a.run_test(size=(120, 40)) as pa, b.run_test(size=(120, 40)) as pb:
        both = (pa, pb)
        await start(pa)
        await start(pb)
        assert board(b) is None
        # Desk A registers; desk B's board shows the arrival without a key.
        await pa.press("f2")
        await settle(pa)
        await pa.press(*YOUNG)
        await settle(pa)
        await pa.press("tab", *"Sofie Hansen")
        await type_into(pa, "#benefit", "")
        await pa.press("space", "ctrl+s")
        await settle(pa)
        await until(both, lambda: board(b) is not None)
        assert (board(b).name, board(b).status) == ("Sofie Hansen", "waiting")
        request_id = board(b).request_id

        # A claims it; B's board says who has it, and B cannot open it.
        await open_conversation(pa)
        await until(both, lambda: board(b).claimed_by == "hm")
        await pb.press("f6")
        await settle(pb)
        assert b.screen.id == "today"
        assert notices(b)[-1] == "hm has the citizen in conversation since 09:00."

        # A escapes without saving: the citizen waits again, and B can open it.
        await pa.press("escape")
        await until(both, lambda: board(b).status == "waiting")
        await open_conversation(pb)
        await until(both, lambda: board(a).claimed_by == "jk")
        await pb.press("escape")
        await until(both, lambda: board(a).status == "waiting")

        # A opens it again and works on; meanwhile a supervisor releases A's claim and B takes
        # the citizen over. A's save is refused: nothing saved, A's input kept as a draft.
        await open_conversation(pa)
        conversation = a.screen
        await pa.press("right", "space")  # erhvervskompetencegivende uddannelse: no
        await type_into(pa, "#integration_programme", "")
        await pa.press("right", "space", "ctrl+pagedown")  # integration programme: no
        await settle(pa)
        await type_into(pa, "#guidance", "")
        await pa.press("space", "tab", "right", "space")  # guidance: yes; pålæg: no
        await pa.press("ctrl+pagedown")
        await settle(pa)
        await type_into(pa, "#exempt", "")
        await pa.press("space", "tab", *"Starter på HF 4. januar")  # exempt, with a reason
        boss = make_ctx(database, "boss", roles="supervisor")
        release_held_claim(boss, request_id)
        await until(both, lambda: board(b).status == "waiting")
        await open_conversation(pb)
        await pa.press("ctrl+s")
        lost = (
            "The conversation is no longer yours (released or taken over by another desk): "
            "nothing was saved; your input is kept as a draft."
        )
        assert [str(e) for e in await settle(pa, expect_errors=(ClaimLost,))] == [lost]
        assert a.screen is conversation and conversation.result is None
        assert notices(a)[-1] == lost
        assert a.drafts.get(conversation.draft_key) is not None
        row = database.read(lambda s: s.get(Request, request_id))
        assert (row.status, row.claimed_by) == ("in_conversation", "jk")
    saved = database.read(lambda s: s.exec(select(func.count()).select_from(Visitation)).one())
    assert saved == 0
