"""The Danish program shows no English: every section, its forms (empty, and refused with their
field errors), the conversation's five steps, a report, the palette and the notices are read off
the screen and compared with the English side of the catalog."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from helpers import notices, screen_text, settle, start

from jobbutik.domain.vocabulary import RequestStatus

CATALOG = Path(__file__).resolve().parents[2] / "jobbutik" / "locale" / "da" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"\{[^}]*\}")


@cache
def english_fragments() -> frozenset[str]:
    """The literal pieces of every English message whose Danish differs, long enough to be
    unmistakable on a screen (at least two words and ten letters)."""
    with (CATALOG / "jobbutik.po").open("rb") as po:
        catalog = read_po(po)
    fragments: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings:
                continue
            for piece in PLACEHOLDER.split(english):
                for line in piece.splitlines():
                    line = line.strip(" .,:;()")
                    if " " in line and len(line) >= 10:
                        fragments.add(line)
    return frozenset(fragments)


def english_on(text: str) -> list[str]:
    danish = english_fragments()
    return sorted(fragment for fragment in danish if fragment in text)


class Tour:
    """Collects what the screen shows at each stop of the walk."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.seen: dict[str, str] = {}

    async def keys(self, *keys: str) -> None:
        for key in keys:
            await self.pilot.press(key)
            await settle(self.pilot)

    async def look(self, where: str, screen: str) -> None:
        """Read the screen at a stop of the walk, which must be on `screen` (the class name)."""
        await self.pilot.pause(0.3)  # searches and palettes run once typing pauses
        await settle(self.pilot)
        assert type(self.pilot.app.screen).__name__ == screen, (where, notices(self.pilot.app))
        self.seen[where] = screen_text(self.pilot.app)

    def english(self) -> dict[str, list[str]]:
        found = {where: english_on(text) for where, text in self.seen.items()}
        found["notices"] = english_on("\n".join(notices(self.pilot.app)))
        return {where: words for where, words in found.items() if words}


async def test_every_screen_of_the_danish_program_is_danish(make_demo_app) -> None:
    app = make_demo_app(lang="da")
    async with app.run_test(size=(140, 45)) as pilot:
        await start(pilot)
        tour = Tour(pilot)
        await tour.look("today", "TodayScreen")
        name = str(app.today_screen.rows[0].name).split()[0]

        await tour.keys("f2")
        await tour.look("register, empty", "RegisterForm")
        await tour.keys(*"0101901239")
        await tour.look("register, a new citizen", "RegisterForm")
        await tour.keys("ctrl+s")
        await tour.look("register, refused", "RegisterForm")
        await tour.keys("escape")

        waiting = [r.status for r in app.today_screen.rows].index(RequestStatus.WAITING)
        await tour.keys(*["down"] * waiting, "f6")
        for step in range(1, 6):
            await tour.look(f"conversation, step {step}", "ConversationScreen")
            await tour.keys("ctrl+pagedown")
        await tour.keys("ctrl+s")
        await tour.look("conversation, refused", "ConversationScreen")
        await tour.keys("escape")

        await tour.keys("f3", *name)
        await tour.look("search", "SearchScreen")
        await tour.keys("enter", "enter")
        await tour.look("citizen", "CitizenScreen")

        await tour.keys("ctrl+f")
        await tour.look("follow-ups", "FollowUpsScreen")
        await tour.keys("m", "enter")  # everyone's: the demo user is a supervisor
        await tour.look("follow-up outcome", "OutcomeForm")
        await tour.keys("ctrl+s")
        await tour.look("follow-up outcome, refused", "OutcomeForm")
        await tour.keys("escape")

        await tour.keys("ctrl+b")
        await tour.look("companies", "CompaniesScreen")
        await tour.keys("ctrl+n", "ctrl+s")
        await tour.look("company form, refused", "CompanyFormScreen")
        await tour.keys("escape", "ctrl+o", "ctrl+s")
        await tour.look("job opening form, refused", "OpeningFormScreen")
        await tour.keys("escape")

        await tour.keys("ctrl+t")
        await tour.look("sites", "SitesScreen")
        await tour.keys("ctrl+n", "ctrl+s")
        await tour.look("site form, refused", "SiteFormScreen")
        await tour.keys("escape")

        await tour.keys("f12", "f5")
        await tour.look("reports", "ReportsScreen")
        await tour.keys("f6")
        await tour.look("print dialog", "PrintDialog")
        await tour.keys("escape")

        await tour.keys("ctrl+g")
        await tour.look("staff", "StaffScreen")
        await tour.keys("ctrl+n", "ctrl+s")
        await tour.look("staff form, refused", "StaffFormScreen")
        await tour.keys("escape")

        await tour.keys("ctrl+p")
        await tour.look("palette", "Palette")
        await tour.keys("escape", "ctrl+c")
        await tour.look("after Ctrl+C", "StaffScreen")

        assert len(tour.seen) >= 25
        assert tour.english() == {}


def test_the_check_finds_english() -> None:
    """The comparison above would see an untranslated message (it is not vacuous)."""
    assert english_on("Tryk Ctrl+S: The database is still opening: try again in a moment.")
    assert english_on("Databasen åbner stadig: prøv igen om lidt.") == []
