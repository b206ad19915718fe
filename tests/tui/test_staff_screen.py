"""The staff screen: offered to admins only; add and edit people with the keyboard; the last
admin is protected at the field."""

from __future__ import annotations

from typing import Any

from helpers import field_error, notices, settle, start, type_into
from sqlmodel import select

from jobbutik.store.db import Database
from jobbutik.store.models import Staff


async def test_not_offered_without_the_admin_role(make_app: Any) -> None:
    app = make_app(user="rec", roles="reception,consultant,supervisor")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert "staff" not in {c.action for c in app.available_commands(app.screen)}
        assert app.check_action("staff", ()) is False
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert app.screen.id == "today"
        app.action_staff()  # even when reached another way, it says so and opens nothing
        await settle(pilot)
        assert app.screen.id == "today"
        assert notices(app)[-1] == (
            "rec må ikke gøre dette (Administrér personale): spørg en leder eller administrator."
        )


async def test_admin_adds_and_edits_staff(make_app: Any, tui_database: Database) -> None:
    app = make_app(user="boss", roles="admin", lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        assert "staff" in {c.action for c in app.available_commands(app.screen)}
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert app.screen.id == "staff"
        assert [r.initials for r in app.screen.rows] == ["boss"]
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.id == "staff-form"
        await type_into(pilot, "#initials", "KM")
        await pilot.press("tab", *"Karla Mortensen", "tab", *"karla", "tab", "space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "staff", field_error(pilot, "roles")
        assert [r.initials for r in app.screen.rows] == ["boss", "km"]
        # The only admin cannot drop the role: refused at the field, the form stays.
        app.screen.query_one("#staff-table").move_cursor(row=0)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert app.screen.id == "staff-form"
        app.screen.query_one("#role-admin").value = False
        app.screen.query_one("#role-supervisor").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.id == "staff-form"
        assert "only admin" in field_error(pilot, "roles")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.id == "staff"
    rows = tui_database.read(lambda s: {r.initials: r for r in s.exec(select(Staff)).all()})
    assert rows["km"].roles == "reception" and rows["km"].os_login == "karla"
    assert rows["boss"].roles == "admin"


async def test_a_refusal_for_a_field_the_form_lacks_is_said_on_the_form(make_app: Any) -> None:
    """A service refusal naming fields: each at its field, and one the form has no field for on
    the form itself and as a notice, never dropped."""
    from jobbutik.domain.errors import FormErrors

    app = make_app(user="boss", roles="admin")
    async with app.run_test(size=(120, 40)) as pilot:
        await start(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        form.refused(FormErrors({"name": "Navnet er for kort.", "office": "Kontoret er lukket."}))
        # A field the form lacks means service and screen disagree: the tests' recorder says so.
        shown = await settle(pilot, expect_errors=(FormErrors,))
        assert [type(e) for e in shown] == [FormErrors]
        assert field_error(pilot, "name") == "Navnet er for kort."
        assert str(form.query_one(".form-error").render()) == "Kontoret er lukket."
        assert notices(app)[-1] == "Kontoret er lukket."
