"""Activation sites: the capacity view by working day ("seats left for tomorrow's start"), the
site form, and booking a new start for a citizen from the Follow-ups screen.

The seats shown are computed by the very rule the conversation enforces when it assigns a seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import (
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    RadioButton,
    RadioSet,
    Static,
)

from jobbutik.domain.contact import check_email, check_phone, check_postcode
from jobbutik.domain.i18n import _
from jobbutik.tui.messages import N_
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.fields import (
    Check,
    FormField,
    format_date,
    restore_values,
    snapshot_values,
)

if TYPE_CHECKING:
    from jobbutik.services.sites import Booking, CapacityView, SiteForm
    from jobbutik.tui.app import JobbutikApp

KINDS = ("nytteindsats", "course", "internship")
KIND_LABELS = {
    "nytteindsats": N_("nytteindsats"),
    "course": N_("course"),
    "internship": N_("internship"),
}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"))


def check_count(what: str, low: int, high: int) -> Any:
    def check(value: str) -> str | None:
        v = value.strip()
        if not v:
            return _("Give the {what}.").format(what=_(what))
        if not (v.isascii() and v.isdigit()) or not low <= int(v) <= high:
            return _("Must be a whole number from {low} to {high}.").format(low=low, high=high)
        return None

    return check


# -- the site form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSaved:
    site_id: int
    name: str


class SiteFormScreen(FormModal[SiteSaved]):
    """Create or edit a site (supervisor). Saves in a worker; errors land at their fields."""

    DEFAULT_CSS = """
    SiteFormScreen #kind { layout: horizontal; }
    SiteFormScreen #weekdays { height: auto; width: 1fr; }
    SiteFormScreen #weekdays Checkbox { margin: 0 1 0 0; }
    """

    def __init__(
        self, site_id: int | None = None, form: SiteForm | None = None, draft: Any = None
    ) -> None:
        super().__init__(id="site-form")
        self.site_id = site_id
        self.form = form
        self.draft: dict[str, object] | None = draft

    def compose(self) -> ComposeResult:
        title = _("New activation site") if self.site_id is None else _("Edit activation site")
        with Vertical(id="dialog", classes="dialog"), VerticalScroll():
            yield Static(title, classes="dialog-title")
            yield FormField(_("Name"), Input(id="name", max_length=200), id="f-name")
            yield FormField(
                _("Kind"),
                RadioSet(*(RadioButton(_(KIND_LABELS[k])) for k in KINDS), id="kind"),
                id="f-kind",
            )
            yield FormField(_("Provider"), Input(id="provider", max_length=200), id="f-provider")
            yield FormField(_("Address"), Input(id="address", max_length=200), id="f-address")
            yield FormField(
                _("Postcode"),
                Input(id="postcode", max_length=4, validators=[Check(check_postcode)]),
                id="f-postcode",
            )
            yield FormField(
                _("Seats"),
                Input(
                    id="seats", max_length=3, validators=[Check(check_count(N_("seats"), 1, 500))]
                ),
                id="f-seats",
            )
            yield FormField(
                _("Hours per week"),
                Input(
                    id="hours", max_length=2, validators=[Check(check_count(N_("hours"), 1, 60))]
                ),
                id="f-hours",
            )
            days = [Checkbox(_(day), id=f"wd{n}", compact=True) for n, day in enumerate(WEEKDAYS)]
            yield FormField(_("Start weekdays"), Horizontal(*days, id="weekdays"), id="f-weekdays")
            yield FormField(
                _("Contact person"), Input(id="contact_name", max_length=200), id="f-contact_name"
            )
            yield FormField(
                _("Contact phone"),
                Input(id="contact_phone", max_length=20, validators=[Check(check_phone)]),
                id="f-contact_phone",
            )
            yield FormField(
                _("Contact e-mail"),
                Input(id="contact_email", max_length=200, validators=[Check(check_email)]),
                id="f-contact_email",
            )
            yield Checkbox(_("In use"), id="active", value=True, compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.form is not None:
            f = self.form
            for key, value in (
                ("name", f.name),
                ("provider", f.provider),
                ("address", f.address),
                ("postcode", f.postcode),
                ("seats", str(f.seats or "")),
                ("hours", str(f.hours_per_week or "")),
                ("contact_name", f.contact_name),
                ("contact_phone", f.contact_phone),
                ("contact_email", f.contact_email),
            ):
                self.query_one(f"#{key}", Input).value = value
            if f.kind in KINDS:
                list(self.query_one("#kind").query(RadioButton))[KINDS.index(f.kind)].value = True
            for n in range(len(WEEKDAYS)):
                self.query_one(f"#wd{n}", Checkbox).value = n in f.start_weekdays
            self.query_one("#active", Checkbox).value = f.active
        else:
            self.query_one("#kind").query(RadioButton).first().value = True
            for n in range(len(WEEKDAYS)):
                self.query_one(f"#wd{n}", Checkbox).value = True
        if self.draft:
            restore_values(self, self.draft)
        self.query_one("#name", Input).focus()

    def _draft_key(self) -> tuple[str, int | None]:
        return ("site", self.site_id)

    def keep_draft(self) -> None:
        self.japp.drafts[self._draft_key()] = snapshot_values(self)

    def current(self) -> SiteForm:
        from jobbutik.services.sites import SiteForm

        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        def number(key: str) -> int | None:
            v = text(key).strip()
            return int(v) if v.isascii() and v.isdigit() else None

        kind_index = self.query_one("#kind", RadioSet).pressed_index
        return SiteForm(
            name=text("name"),
            kind=KINDS[kind_index] if kind_index >= 0 else "",
            seats=number("seats"),
            hours_per_week=number("hours"),
            start_weekdays=tuple(
                n for n in range(len(WEEKDAYS)) if self.query_one(f"#wd{n}", Checkbox).value
            ),
            provider=text("provider"),
            address=text("address"),
            postcode=text("postcode"),
            contact_name=text("contact_name"),
            contact_phone=text("contact_phone"),
            contact_email=text("contact_email"),
            active=self.query_one("#active", Checkbox).value,
        )

    def action_save(self) -> None:
        if self.check_fields():
            return
        self.save(self.current())

    @work(thread=True, exclusive=True, exit_on_error=False, group="save_site")
    def save(self, form: SiteForm) -> None:
        from jobbutik.domain.errors import FormErrors
        from jobbutik.services import sites

        errors = sites.validate_site(form)
        if errors:
            raise FormErrors(errors)
        if self.site_id is None:
            site_id = sites.create_site(self.ctx, form)
        else:
            sites.update_site(self.ctx, self.site_id, form)
            site_id = self.site_id
        self.app.call_from_thread(self._saved, SiteSaved(site_id, form.name))

    def _saved(self, saved: SiteSaved) -> None:
        self.japp.drafts.pop(self._draft_key(), None)
        self.dismiss(saved)

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        return self.show_error(error)


# -- the capacity view ----------------------------------------------------------------------------


class CapacityLoaded(Message):
    def __init__(self, view: CapacityView) -> None:
        super().__init__()
        self.view = view


class SiteLoaded(Message):
    def __init__(self, site_id: int, form: SiteForm) -> None:
        super().__init__()
        self.site_id = site_id
        self.form = form


class Booked(Message):
    def __init__(self, booking: Booking) -> None:
        super().__init__()
        self.booking = booking


class SitesScreen(BaseScreen):
    """Sites down, working days across; each cell the seats left for a start that day.

    Opened with `book_for=(citizen_id, name)` (from a follow-up), Enter or Ctrl+S books the
    citizen's new start at the site and day under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+n", "new_site", "New site"),
        Binding("ctrl+e", "edit_site", "Edit site"),
        Binding("ctrl+s", "book", "Book start here", priority=True),
        Binding("w", "more_weeks", "More weeks"),
    ]

    DEFAULT_CSS = """
    SitesScreen #sites-status { height: auto; padding: 0 1; }
    SitesScreen #sites-status.-refused { color: $text-error; text-style: bold; }
    SitesScreen #capacity { height: 1fr; }
    SitesScreen #sites-help { height: auto; padding: 0 1; color: $text-muted; }
    """

    FIXED_COLUMNS = 3  # name, kind, seats

    def __init__(self, book_for: tuple[int, str] | None = None) -> None:
        super().__init__(id="sites")
        self.book_for = book_for
        self.view: CapacityView | None = None
        self.weeks = 3

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Reading activation sites…"), id="sites-status")
        yield DataTable(id="capacity", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="sites-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Activation sites"))
        if self.book_for is not None:
            self.query_one("#sites-help", Static).update(
                _(
                    "Booking a new start for {name}: move to a site and a day, then Enter "
                    "or Ctrl+S."
                ).format(name=escape(self.book_for[1]))
            )
        else:
            self.query_one("#sites-help", Static).update(
                _("Seats left for a start on each working day. – : no starters that weekday.")
            )
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="capacity")
    def load(self) -> None:
        from jobbutik.services import sites

        self.post_message(CapacityLoaded(sites.capacity(self.ctx, weeks=self.weeks)))

    def on_capacity_loaded(self, message: CapacityLoaded) -> None:
        self.view = view = message.view
        table = self.query_one("#capacity", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(_("Site"), key="name", width=24)
        table.add_column(_("Kind"), key="kind", width=12)
        table.add_column(_("Seats"), key="seats", width=5)
        for day in view.days:
            label = _(WEEKDAYS[day.weekday()]) + day.strftime(" %d.%m")
            table.add_column(label, key=day.isoformat(), width=9)
        for site in view.sites:
            cells: list[Content | str] = [
                site.name,
                _(KIND_LABELS.get(site.kind, site.kind)),
                str(site.seats),
            ]
            for cell in site.days:
                if cell.free is None:
                    cells.append(Content.styled("–", "dim"))
                elif cell.free == 0:
                    cells.append(Content.styled(_("full"), "bold red"))
                else:
                    cells.append(str(cell.free))
            table.add_row(*cells, key=str(site.site_id))
        if view.sites:
            table.cursor_coordinate = cursor
            if table.cursor_column < self.FIXED_COLUMNS and view.days:
                table.move_cursor(column=self.FIXED_COLUMNS)
        self.show_tomorrow()
        table.focus()
        self.refresh_bindings()

    def show_tomorrow(self) -> None:
        view = self.view
        status = self.query_one("#sites-status", Static)
        status.remove_class("-refused")
        if view is None or not view.sites:
            status.update(_("No activation sites yet. Ctrl+N creates one."))
            return
        first = view.days[0]
        parts = []
        for site in view.sites:
            cell = site.on(first)
            if cell is not None and cell.free is not None:
                parts.append(f"{site.name} {cell.free}")
        status.update(
            _("Seats left for a start {day}: {sites}").format(
                day=format_date(first), sites=", ".join(parts) or "–"
            )
        )

    # -- the cell under the cursor ------------------------------------------------------------

    @property
    def current_site(self) -> int | None:
        table = self.query_one("#capacity", DataTable)
        if self.view is None or not self.view.sites:
            return None
        row = table.cursor_row
        return self.view.sites[row].site_id if 0 <= row < len(self.view.sites) else None

    @property
    def current_day(self) -> date | None:
        table = self.query_one("#capacity", DataTable)
        column = table.cursor_column - self.FIXED_COLUMNS
        if self.view is None or not 0 <= column < len(self.view.days):
            return None
        return self.view.days[column]

    @on(DataTable.CellHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.CellSelected)
    def _chosen(self) -> None:
        if self.book_for is not None:
            self.action_book()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"new_site", "edit_site"} and "manage_sites" not in self.japp.permissions:
            return False
        if action == "edit_site" and self.current_site is None:
            return None
        if action == "book":
            if self.book_for is None or "visit" not in self.japp.permissions:
                return False
            if self.current_site is None or self.current_day is None:
                return None
        return True

    # -- commands ------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def action_more_weeks(self) -> None:
        self.weeks = 3 if self.weeks >= 8 else self.weeks + 2
        self.load()

    def action_new_site(self) -> None:
        self.app.push_screen(
            SiteFormScreen(None, None, self.japp.drafts.get(("site", None))), self._site_saved
        )

    def action_edit_site(self) -> None:
        site_id = self.current_site
        if site_id is not None:
            self.fetch_site(site_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="site")
    def fetch_site(self, site_id: int) -> None:
        from jobbutik.services import sites

        self.post_message(SiteLoaded(site_id, sites.get_site(self.ctx, site_id)))

    def on_site_loaded(self, message: SiteLoaded) -> None:
        draft = self.japp.drafts.get(("site", message.site_id))
        self.app.push_screen(SiteFormScreen(message.site_id, message.form, draft), self._site_saved)

    def _site_saved(self, saved: SiteSaved | None) -> None:
        if saved is not None:
            self.notify(_("{name} is saved.").format(name=saved.name), title=_("Saved"))
            self.load()

    def action_book(self) -> None:
        site_id, day = self.current_site, self.current_day
        if self.book_for is None or site_id is None or day is None:
            return
        self.book(self.book_for[0], site_id, day)

    @work(thread=True, exclusive=True, exit_on_error=False, group="book")
    def book(self, citizen_id: int, site_id: int, day: date) -> None:
        from jobbutik.services import sites

        self.post_message(Booked(sites.book_start(self.ctx, citizen_id, site_id, day)))

    def on_booked(self, message: Booked) -> None:
        booking = message.booking
        name = self.book_for[1] if self.book_for else ""
        self.notify(
            _("{name} starts at {site} on {day}.").format(
                name=name, site=booking.site, day=format_date(booking.start_date)
            ),
            title=_("Saved"),
        )
        self.dismiss()

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        status = self.query_one("#sites-status", Static)
        status.update(str(error))
        status.set_class(worker.group == "book", "-refused")
        return True


def open_sites(app: JobbutikApp) -> None:
    """Show the activation sites and their capacity (from a key or the palette)."""
    from textual.screen import ModalScreen

    if app.context is None or isinstance(app.screen, ModalScreen | SitesScreen):
        return
    app.push_screen(SitesScreen())
