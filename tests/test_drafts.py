"""Drafts in the database: kept per member of staff, private to them, replaced on the next keep,
dropped on save or discard, and deleted by the retention run once old — on both backends."""

from __future__ import annotations

from datetime import timedelta

from factories import NOW, make_ctx, on_day

from jobbutik.services import drafts, retention
from jobbutik.store.db import Database
from jobbutik.store.models import Setting

FACTS = {"job_wishes": "Lager", "has_qualifying_education": True, "hours_wanted": "37"}


def test_a_draft_is_kept_replaced_and_dropped(database: Database) -> None:
    ctx = make_ctx(database, "hm")
    drafts.save(ctx, "conversation", "7", "Samtale: Hannah Møller", {"step": 2, "facts": FACTS})
    drafts.save(ctx, "company", "", "Ny virksomhed: Bager", {"name": "Bager"})
    later = on_day(ctx, NOW + timedelta(minutes=5))
    drafts.save(later, "conversation", "7", "Samtale: Hannah Møller", {"step": 3, "facts": FACTS})

    kept = drafts.mine(ctx)
    assert [(d.form, d.subject) for d in kept] == [("conversation", "7"), ("company", "")]
    assert kept[0].data == {"step": 3, "facts": FACTS}  # replaced, not a second row
    assert kept[0].title == "Samtale: Hannah Møller"
    assert kept[0].saved_at == NOW + timedelta(minutes=5)

    drafts.drop(ctx, "conversation", "7")
    drafts.drop(ctx, "conversation", "7")  # dropped already: nothing happens
    assert [(d.form, d.subject) for d in drafts.mine(ctx)] == [("company", "")]


def test_two_members_of_staff_never_see_each_others_drafts(database: Database) -> None:
    hannah, jens = make_ctx(database, "hm"), make_ctx(database, "jm")
    drafts.save(hannah, "conversation", "7", "Samtale: A", {"facts": {"job_wishes": "Hers"}})
    drafts.save(jens, "conversation", "7", "Samtale: A", {"facts": {"job_wishes": "His"}})

    assert [d.data for d in drafts.mine(hannah)] == [{"facts": {"job_wishes": "Hers"}}]
    assert [d.data for d in drafts.mine(jens)] == [{"facts": {"job_wishes": "His"}}]
    drafts.drop(jens, "conversation", "7")  # his discard leaves hers alone
    assert len(drafts.mine(hannah)) == 1
    assert drafts.mine(jens) == []


def test_retention_deletes_drafts_older_than_the_setting(database: Database) -> None:
    ctx = make_ctx(database, "hm")
    drafts.save(on_day(ctx, NOW - timedelta(days=31)), "company", "", "Old", {"name": "Old"})
    drafts.save(on_day(ctx, NOW - timedelta(days=29)), "site", "", "Recent", {"name": "Recent"})

    result = retention.retention(ctx, apply=True)
    assert result.drafts == 1
    assert [d.title for d in drafts.mine(ctx)] == ["Recent"]

    database.write(lambda s: s.add(Setting(key=drafts.RETENTION_KEY, value="7")))
    assert retention.retention(ctx, apply=True).drafts == 1
    assert drafts.mine(ctx) == []


def test_a_dry_run_keeps_old_drafts(database: Database) -> None:
    ctx = make_ctx(database, "hm")
    drafts.save(on_day(ctx, NOW - timedelta(days=90)), "company", "", "Old", {"name": "Old"})
    assert retention.retention(ctx).drafts == 0
    assert len(drafts.mine(ctx)) == 1
