"""Revision d13a7b2c9e01 (issue 13): the first henvendelse, the education fact under the law's
meaning, and possible-sanction flags of an earlier version kept as hearings where the category
carried the duty."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from jobbutik.store import schema
from jobbutik.store.db import Database
from jobbutik.store.models import FollowUp, Hearing, Request, Visitation

BEFORE = "c11e4f5a6b7d"
FLAGGED_AT = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)


def fill_as_before(db: Database) -> None:
    """One citizen visited twice (vocational education answered yes, then no) and a flagged
    follow-up; a second citizen, uddannelsesparat, flagged too (the earlier version flagged every
    category). Written with the columns the earlier version had."""
    statements = [
        "INSERT INTO staff (id, initials, name, roles, active) "
        "VALUES (1, 'km', 'Karla M', 'consultant', :t)",
        "INSERT INTO citizen (id, cpr, name, name_folded, birth_date, needs_digital_help, "
        "created_at) VALUES (1, '0101991234', 'Ida Holm', 'ida holm', :birth, :f, :now)",
        "INSERT INTO citizen (id, cpr, name, name_folded, birth_date, needs_digital_help, "
        "created_at) VALUES (2, '0202041234', 'Bo Lund', 'bo lund', :birth, :f, :now)",
    ]
    requests = [(1, 1, date(2026, 3, 2)), (2, 1, date(2026, 9, 1)), (3, 2, date(2026, 9, 1))]
    visits = [
        (1, 1, date(2026, 3, 2), True, "jobparat"),
        (2, 1, date(2026, 9, 1), False, "jobparat"),
        (3, 2, date(2026, 9, 1), False, "uddannelsesparat"),
    ]

    def work(session: Session) -> None:
        params = {"t": True, "f": False, "birth": date(1999, 1, 1), "now": FLAGGED_AT}
        for statement in statements:
            session.execute(text(statement), params)
        for rid, cid, day in requests:
            session.execute(
                text(
                    "INSERT INTO request (id, citizen_id, arrived_on, arrived_at, benefit, "
                    "told_apply_digitally, slot_date, status, registered_by) VALUES (:id, :cid, "
                    ":day, :at, 'kontanthjaelp', :t, :day, 'done', 'km')"
                ),
                {"id": rid, "cid": cid, "day": day, "at": FLAGGED_AT, "t": True},
            )
        for vid, cid, day, education, category in visits:
            session.execute(
                text(
                    "INSERT INTO visitation (id, request_id, citizen_id, consultant_id, held_on, "
                    "completed_at, age, has_vocational_education, job_wishes, industries, "
                    "restrictions, digital_skills, proposed_category, category, override_reason, "
                    "provisional, youth_track, guidance_referred, injunction_given, "
                    "activation_exempt, exemption_reason, help_cv, help_email, help_application) "
                    "VALUES (:id, :id, :cid, 1, :day, :at, 27, :edu, '', '', '', '', :cat, :cat, "
                    "'', :f, :f, :f, :f, :f, '', :f, :f, :f)"
                ),
                {
                    "id": vid,
                    "cid": cid,
                    "day": day,
                    "at": FLAGGED_AT,
                    "edu": education,
                    "cat": category,
                    "f": False,
                },
            )
        for fid, cid in ((1, 1), (2, 2)):
            session.execute(
                text(
                    "INSERT INTO followup (id, citizen_id, kind, due, assignee_id, created_at, "
                    "done_at, done_on_time, outcome, sanction_flag, note) VALUES (:id, :cid, "
                    "'referral', :due, 1, :at, :at, :t, 'not_applied_no_reason', :t, '')"
                ),
                {"id": fid, "cid": cid, "due": date(2026, 9, 15), "at": FLAGGED_AT, "t": True},
            )

    db.write(work)


def test_upgrade_keeps_what_the_law_allows_and_turns_flags_into_hearings(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        with db.engine.begin() as connection:
            command.upgrade(schema.alembic_config(connection), BEFORE)
        fill_as_before(db)

        schema.upgrade(db, backup=False)

        first_contacts = db.read(
            lambda s: s.exec(
                select(Request.id, Request.first_contact_on).order_by(Request.id)
            ).all()
        )
        assert first_contacts == [
            (1, date(2026, 3, 2)),
            (2, date(2026, 9, 1)),
            (3, date(2026, 9, 1)),
        ]
        # "Has a vocational education: yes" is a yes under the law's wider meaning; "no" says
        # nothing about a higher education, so it is "not asked" now.
        education = db.read(
            lambda s: s.exec(
                select(Visitation.id, Visitation.has_qualifying_education).order_by(Visitation.id)
            ).all()
        )
        assert education == [(1, True), (2, None), (3, None)]
        hearing = db.read(lambda s: s.exec(select(Hearing)).one())
        assert (hearing.event, hearing.status, hearing.category) == (
            "not_applied",
            "awaiting",
            "jobparat",
        )
        assert hearing.follow_up_id == 1 and hearing.assignee_id == 1
        assert hearing.event_on == date(2026, 9, 15)
        # The end of the third whole calendar month after September is 31 December, a closing
        # day: a deadline the jobcentre must meet moves back, to 30 December.
        assert hearing.due == date(2026, 12, 30)
        # The uddannelsesparat citizen carried no duty to apply for jobs: no hearing, no flag.
        flags = db.read(
            lambda s: s.exec(
                select(FollowUp.id, FollowUp.sanction_flag).order_by(FollowUp.id)
            ).all()
        )
        assert flags == [(1, True), (2, False)]
    finally:
        db.dispose()
