"""80×24 (a common SSH window) and 120×40: every screen usable, every key in its footer whole.

On the demo database each screen is opened at 120×40, then the terminal shrinks to 80×24 as a user
would resize it. The footer shows the screen's commands whole (the section keys F2 F3 F4 where
there is room; Ctrl+P "Kommandoer" at the right lists the rest, with their keys); the columns that
identify a row and its state are on screen without scrolling sideways; every field of a form is
reached with Tab and is in view when it has focus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from helpers import screen_text, search_done, settle, start
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from jobbutik.domain.vocabulary import RequestStatus
from jobbutik.tui.messages import StartConversation
from jobbutik.tui.widgets.columns import fitted

WIDE = (120, 40)
SMALL = (80, 24)
SECTION_KEYS = {"f2", "f3", "f4"}

Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def keys(pilot: Pilot[Any], *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


def waiting_request(app: Any) -> int:
    return next(
        row.request_id for row in app.today_screen.rows if row.status == RequestStatus.WAITING
    )


async def conversation(pilot: Pilot[Any], step: int = 1) -> None:
    # What F6 on a waiting row posts; which row the board's cursor is on is the board's business.
    pilot.app.post_message(StartConversation(waiting_request(pilot.app)))
    await settle(pilot)
    await keys(pilot, *["ctrl+pagedown"] * (step - 1))


async def search(pilot: Pilot[Any]) -> None:
    await keys(pilot, "f3", *"hansen")
    await search_done(pilot)


async def company_with_openings(pilot: Pilot[Any]) -> None:
    await keys(pilot, "ctrl+b", *"christiansen")
    await search_done(pilot)
    await keys(pilot, "down", "f8")


# Each screen: how to get there from Today, and the keys its footer shows at both sizes.
SCREENS: dict[str, tuple[Steps, set[str]]] = {
    "today": (lambda pilot: keys(pilot), {"f6", "f7", "f8", "f9"}),
    "search": (search, {"f8"}),
    "citizen": (lambda pilot: keys(pilot, "f8"), {"escape", "f5"}),
    "conversation": (conversation, {"ctrl+pagedown", "ctrl+pageup", "ctrl+s", "f9"}),
    "follow_ups": (lambda pilot: keys(pilot, "ctrl+f", "m"), {"space", "f7", "f8", "f9", "m"}),
    "companies": (lambda pilot: keys(pilot, "ctrl+b"), {"ctrl+n", "ctrl+o", "f8"}),
    "company": (company_with_openings, {"escape", "ctrl+o", "ctrl+e"}),
    "sites": (lambda pilot: keys(pilot, "ctrl+t"), {"escape", "f5", "ctrl+n", "ctrl+e", "w"}),
    "staff": (lambda pilot: keys(pilot, "ctrl+g"), {"ctrl+n", "ctrl+e", "ctrl+d", "f5"}),
    "reports": (lambda pilot: keys(pilot, "f12"), {"f5", "f6", "f7", "f8"}),
}
# At 120 columns the section keys fit after the screen's own; on the board, with more commands,
# F2 does (the conversation has no room left).
SECTION_KEYS_AT_120 = {
    "today": {"f2"},
    **dict.fromkeys(
        ["search", "citizen", "follow_ups", "companies", "company", "sites", "staff", "reports"],
        SECTION_KEYS,
    ),
}


def footer_keys(app: Any) -> list[FooterKey]:
    """The keys the footer shows, after checking each is whole and in front of Ctrl+P."""
    footer = app.screen.query_one(Footer)
    palette = [key for key in footer.query(FooterKey) if key.has_class("-command-palette")]
    edge = palette[0].region.x if palette else app.size.width
    assert not palette or palette[0].region.right <= app.size.width
    shown = [
        key
        for key in footer.query(FooterKey)
        if key.display and not key.has_class("-command-palette")
    ]
    for key in shown:
        assert key.region.x >= 0 and key.region.right <= edge, (
            f"{key.key} {key.description!r} is cut at {app.size}: {key.region}, edge {edge}"
        )
    return shown


@pytest.mark.parametrize("name", list(SCREENS))
async def test_the_footer_shows_the_screens_keys_whole(make_demo_app, name: str) -> None:
    steps, expected = SCREENS[name]
    app = make_demo_app()
    async with app.run_test(size=WIDE) as pilot:
        await start(pilot)
        await steps(pilot)
        for size in (WIDE, SMALL):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            shown = {key.key for key in footer_keys(app)}
            assert expected <= shown, f"{name} at {size}: {sorted(expected - shown)} not shown"
            if size == WIDE:
                section_keys = SECTION_KEYS_AT_120.get(name, set())
                assert section_keys <= shown, f"{name}: {sorted(section_keys - shown)} not shown"
        assert "Kommandoer" in screen_text(app).splitlines()[-1]


async def test_the_palette_lists_the_section_commands_with_their_keys(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+p")  # `settle` waits for the palette's gathering worker
        options = app.screen.query_one("CommandList")
        lines = {
            str(prompt).split("\n")[0]: str(prompt).split("\n")[1]
            for prompt in (
                getattr(option.prompt, "renderable", option.prompt)
                for option in (options.get_option_at_index(i) for i in range(options.option_count))
            )
            if "\n" in str(prompt)
        }
        for title, key in (
            ("Rapporter", "f12"),
            ("Opfølgninger", "^f"),
            ("Virksomheder", "^b"),
            ("Aktiveringssteder", "^t"),
            ("Medarbejdere", "^g"),
            ("Ny ankomst", "f2"),
        ):
            assert lines[title].startswith(f"{key} · "), (title, lines.get(title))


# -- tables: the columns that identify a row and its state, in view at 80 columns --------------

TABLES: dict[str, tuple[Steps, dict[str, list[str]]]] = {
    "search": (search, {"#results": ["cpr", "name", "age"]}),
    "citizen": (lambda pilot: keys(pilot, "f8"), {"#history": ["on", "kind", "text", "status"]}),
    "step 3": (
        lambda pilot: conversation(pilot, step=3),
        {"#sites": ["name", "hours", "free"]},
    ),
    "follow_ups": (
        lambda pilot: keys(pilot, "ctrl+f", "m"),
        {"#followups": ["due", "overdue", "kind", "name", "detail"]},
    ),
    "companies": (
        lambda pilot: keys(pilot, "ctrl+b"),
        {"#company-list": ["cvr", "name", "industry", "agreement", "open"]},
    ),
    "company": (
        company_with_openings,
        {
            "#company-openings": ["title", "apply_by", "status", "referred", "hired"],
            "#company-referrals": ["on", "title", "name", "outcome"],
        },
    ),
    "sites": (lambda pilot: keys(pilot, "ctrl+t"), {"#capacity": ["name", "kind", "seats"]}),
    "staff": (
        lambda pilot: keys(pilot, "ctrl+g"),
        {"#staff-table": ["initials", "name", "roles", "active"]},
    ),
}


def columns_in_view(table: DataTable[Any]) -> dict[str, tuple[int, int]]:
    """Each column's key → (its first cell, the cell after it) on the table's visible width."""
    spans = {}
    x = -int(table.scroll_x)
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        spans[str(column.key.value)] = (x, x + width)
        x += width
    return spans


@pytest.mark.parametrize("name", list(TABLES))
async def test_the_columns_that_identify_a_row_are_in_view(make_demo_app, name: str) -> None:
    steps, tables = TABLES[name]
    app = make_demo_app()
    async with app.run_test(size=WIDE) as pilot:
        await start(pilot)
        await steps(pilot)
        await pilot.resize_terminal(*SMALL)
        await settle(pilot)
        for selector, needed in tables.items():
            table = app.screen.query_one(selector, DataTable)
            assert table.region.right <= SMALL[0]
            visible = table.scrollable_content_region.width
            spans = columns_in_view(table)
            for key in needed:
                start_x, end_x = spans[key]
                pad = table.cell_padding
                assert end_x - start_x > 2 * pad + 2, f"{selector} {key}: {end_x - start_x}"
                assert start_x >= 0 and end_x <= visible, f"{selector} {key} at {start_x}–{end_x}"


async def test_columns_get_their_room_back_when_the_terminal_widens(make_demo_app) -> None:
    app = make_demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await keys(pilot, "ctrl+f", "m")
        table = app.screen.query_one("#followups", DataTable)
        narrow = columns_in_view(table)
        assert narrow["cpr"][1] - narrow["cpr"][0] == 2 * table.cell_padding  # left out
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        wide = columns_in_view(table)
        assert wide["cpr"][1] - wide["cpr"][0] == 11 + 2 * table.cell_padding
        assert wide["detail"][1] - wide["detail"][0] > narrow["detail"][1] - narrow["detail"][0]


def test_fitted_widths() -> None:
    widths = [(10, 10), (20, 10), (11, 0), (30, 12), (5, 0)]
    assert fitted(widths, 80) == [10, 20, 11, 30, 5]  # room for all
    # Short of room: the columns with a least give in proportion to what they can give.
    assert fitted(widths, 70) == [10, 17, 11, 27, 5]
    # Not even at their least: the last that may be left out goes first, then the next.
    assert fitted(widths, 44) == [10, 10, 11, 13, 0]
    assert fitted(widths, 40) == [10, 12, 0, 18, 0]
    # Too narrow for the rest at their least: the table scrolls sideways.
    assert fitted(widths, 20) == [10, 10, 0, 12, 0]


# -- forms: every field reached with Tab and in view at 80×24 ------------------------------------


async def withdraw_form(pilot: Pilot[Any]) -> None:
    from jobbutik.tui.messages import Withdraw

    pilot.app.post_message(Withdraw(waiting_request(pilot.app), "Demo"))
    await settle(pilot)


# Ctrl+S on an empty form is refused: an error line under each field makes it taller.
FORMS: dict[str, Steps] = {
    "register": lambda pilot: keys(pilot, "f2", *"0303801234", "ctrl+s"),
    "register_known": lambda pilot: keys(pilot, "f2", *"0505991982"),
    "opening": lambda pilot: keys(pilot, "ctrl+o", "ctrl+s"),
    "company": lambda pilot: keys(pilot, "ctrl+b", "ctrl+n", "ctrl+s"),
    "site": lambda pilot: keys(pilot, "ctrl+t", "ctrl+n", "ctrl+s"),
    "staff": lambda pilot: keys(pilot, "ctrl+g", "ctrl+n", "ctrl+s"),
    "outcome": lambda pilot: keys(pilot, "ctrl+f", "m", "enter", "2", "ctrl+s"),
    "withdraw": withdraw_form,
    "print": lambda pilot: keys(pilot, "f12", "f6"),
}


@pytest.mark.parametrize("name", list(FORMS))
async def test_every_field_of_a_form_is_reached_and_in_view(make_demo_app, name: str) -> None:
    app = make_demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        form = app.screen
        await FORMS[name](pilot)
        assert app.screen is not form, f"{name}: the form did not open"
        form = app.screen
        chain = list(form.focus_chain)
        assert chain
        screen_area = form.region
        reached = set()
        for _ in range(len(chain) + 1):
            focused = form.focused
            assert focused is not None
            reached.add(focused)
            assert screen_area.contains_region(focused.region), (
                f"{name}: {focused!r} at {focused.region} is not in view"
            )
            await keys(pilot, "tab")
            assert app.screen is form
        assert reached == set(form.focus_chain), f"{name}: not reached {set(chain) - reached}"


async def test_the_report_is_not_wrapped_at_80_columns(make_demo_app) -> None:
    from textual.widgets import Static

    app = make_demo_app()
    async with app.run_test(size=SMALL) as pilot:
        await start(pilot)
        await keys(pilot, "f12")
        text = app.screen.query_one("#report-text", Static)
        lines = str(text.render()).split("\n")
        assert len(lines) > 5 and max(len(line) for line in lines) == 80
        assert text.size.height == len(lines)  # one line of the screen for each line of text
