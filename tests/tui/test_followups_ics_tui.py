"""K on the Follow-ups screen writes the consultant's open follow-ups as a calendar file in the
reports folder, says where, and replaces it the next time (same UIDs: the calendar updates)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from helpers import notices, settle, start
from sqlmodel import col, select
from test_followups_screen import build_everything_due

from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp


def read_uids(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    by_icalendar = {str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    by_vobject = {e.uid.value for e in vobject.readOne(text).vevent_list}
    assert by_icalendar == by_vobject
    return by_icalendar


async def test_k_writes_the_calendar_file_and_names_it(
    make_app: Any, tui_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    build_everything_due(tui_database)
    open_ids = tui_database.read(
        lambda s: set(s.exec(select(FollowUp.id).where(col(FollowUp.done_at).is_(None))).all())
    )
    target = home / "jobbutik-reports" / "opfoelgninger-ab.ics"
    app = make_app(lang="en")
    async with app.run_test(size=(130, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen.id == "followups"
        await pilot.press("k")
        await settle(pilot)
        assert target.exists()
        said = notices(app)[-1]
        assert f"{len(open_ids)} follow-ups (AB) written to {target}" in said
        first = read_uids(target)
        assert {uid.split("@")[0] for uid in first} == {f"followup-{i}" for i in open_ids}
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert "Jens Møller" not in target.read_text(encoding="utf-8")  # first name only
        await pilot.press("k")  # again: the same file, replaced, the same events
        await settle(pilot)
        assert read_uids(target) == first
        assert sorted(p.name for p in target.parent.iterdir()) == [target.name]
