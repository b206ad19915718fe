"""Step 3: immediate activation — a site or course with a free seat on the start date, or an
exemption with a written reason."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.vocabulary import SiteKind
from jobbutik.tui.conversation.parts import ActivationPart
from jobbutik.tui.widgets.columns import fit_columns
from jobbutik.tui.widgets.fields import FormField, PlainText, restore_values, snapshot_values
from jobbutik.tui.widgets.inputs import DateInput
from jobbutik.tui.widgets.tables import shown
from jobbutik.tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from datetime import date

    from jobbutik.services.context import ServiceContext
    from jobbutik.services.visitation import Deadlines, SiteAvailability

NO_SEAT = N_("The chosen site has no free seat on this date: choose another.")


@dataclass
class ActivationDraft:
    values: dict[str, object]  # the fields by widget id
    site_id: int | None


class ActivationStep(VerticalScroll):
    """The start date, the sites with a free seat that day (read again when the date changes) and
    the exemption. Enter on a site chooses it; Enter again undoes the choice."""

    def __init__(
        self,
        ctx: ServiceContext,
        deadlines: Deadlines,
        activation_for_all: bool,
        *,
        id: str,
        classes: str,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ctx = ctx
        self.deadlines = deadlines
        self.activation_for_all = activation_for_all
        self.sites: list[SiteAvailability] = []
        self.sites_day: date | None = None
        self.site_id: int | None = None

    def compose(self) -> ComposeResult:
        note = _(
            "Choose a site or course with a free seat on the start date (Enter), or an "
            "exemption with a written reason."
        )
        if self.activation_for_all:  # a local choice (Herlev): straksaktivering for all
            note += "\n" + _(
                "Young people get straksaktivering too, with education guidance alongside."
            )
        yield Static(Content(note), id="activation-note", classes="reasons")
        yield FormField(
            _("Start date"),
            DateInput(self.deadlines.default_activation_start, id="start_date"),
            id="f-start_date",
        )
        yield Static(
            _("Latest start: {day}").format(day=format_day(self.deadlines.latest_activation_start)),
            classes="hint",
        )
        yield FormField(
            _("Free seats"),
            DataTable(id="sites", cursor_type="row", zebra_stripes=True),
            id="f-activation",
        )
        yield Static("", id="site-chosen", classes="hint")
        yield Checkbox(
            _("Exempt from immediate activation (obviously pointless)"), id="exempt", compact=True
        )
        yield FormField(
            _("Reason for exemption"),
            Input(id="exemption_reason", validators=[PlainText()]),
            id="f-exemption_reason",
            classes="-hidden",  # until the exemption is ticked
        )

    def on_mount(self) -> None:
        sites = self.query_one("#sites", DataTable)
        fit_columns(
            sites,
            (_("Site or course"), "name", 36, 16),
            (_("Kind"), "kind", 20, 0),
            (_("Provider"), "provider", 16, 0),
            (_("Hours"), "hours", 6, 5),
            (_("Free"), "free", 5),
        )

    # -- the sites with a free seat --------------------------------------------------------------

    @on(Input.Changed, "#start_date")
    def start_date_changed(self) -> None:
        self.load_sites()

    @work(exclusive=True, group="sites")
    async def load_sites(self) -> None:
        from jobbutik.services import visitation

        day = self.query_one("#start_date", DateInput).day
        if day is None:
            return
        sites = await asyncio.to_thread(visitation.free_sites, self.ctx, day)
        self.sites, self.sites_day = sites, day
        table = self.query_one("#sites", DataTable)
        table.clear()
        for site in sites:
            table.add_row(
                shown(site.name),  # typed names: data, not markup
                SiteKind.label_of(site.kind),
                shown(site.provider),
                str(site.hours_per_week),
                str(site.free),
                key=str(site.site_id),
            )
        ids = [s.site_id for s in sites]
        if self.site_id in ids:
            table.move_cursor(row=ids.index(self.site_id))
        self.show_site_choice()

    @on(DataTable.RowSelected, "#sites")
    def site_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        site_id = int(event.row_key.value)
        self.site_id = None if self.site_id == site_id else site_id
        if self.site_id is not None:
            self.query_one("#exempt", Checkbox).value = False
        self.query_one("#f-activation", FormField).set_error(None)
        self.show_site_choice()

    def chosen_site(self) -> SiteAvailability | None:
        return next((s for s in self.sites if s.site_id == self.site_id), None)

    def show_site_choice(self) -> None:
        site = self.chosen_site()
        if site is not None:
            text = _("Chosen: {site} from {day} (Enter again to undo)").format(
                site=site.name, day=format_day(self.sites_day)
            )
        elif self.site_id is not None:
            text = _(NO_SEAT)
        elif not self.sites:
            text = _("No site or course has a free seat on this date.")
        else:
            text = _("No site chosen.")
        self.query_one("#site-chosen", Static).update(shown(text))  # a site's name: data

    # -- the exemption ---------------------------------------------------------------------------

    @on(Checkbox.Changed, "#exempt")
    def exempt_changed(self) -> None:
        if self.query_one("#exempt", Checkbox).value:
            self.site_id = None
            self.show_site_choice()
        self.show_exempt()

    def show_exempt(self) -> None:
        exempt = self.query_one("#exempt", Checkbox).value
        self.query_one("#f-exemption_reason").set_class(not exempt, "-hidden")

    # -- the part of the plan --------------------------------------------------------------------

    def activation(self) -> ActivationPart:
        exempt = self.query_one("#exempt", Checkbox).value
        return ActivationPart(
            start_date=self.query_one("#start_date", DateInput).day,
            site_id=self.site_id,
            site=self.chosen_site(),
            exempt=exempt,
            exemption_reason=self.query_one("#exemption_reason", Input).value if exempt else "",
        )

    def snapshot(self) -> ActivationDraft:
        return ActivationDraft(snapshot_values(self), self.site_id)

    def restore(self, draft: ActivationDraft) -> None:
        restore_values(self, draft.values)
        self.site_id = draft.site_id

    def errors(self) -> dict[str, str]:
        """A chosen site needs a good start date and a free seat that day (checked on save)."""
        if self.site_id is None or self.query_one("#exempt", Checkbox).value:
            return {}
        start = self.query_one("#f-start_date", FormField)
        if not start.check():
            return {"start_date": start.error}
        if self.chosen_site() is None:
            return {"activation": _(NO_SEAT)}
        return {}
