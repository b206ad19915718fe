"""Reports (supervisors): the daily list, starts, follow-ups due and statistics on screen, with
plots of arrivals per day, the category mix and the referral funnel, and a print key.

The report is the same text the printer gets (`reports.text`), read in a worker. F5 shows the
report for the chosen period; F7/F8 move the period back and forth; F6 prints: to a file (PDF,
text or CSV) and, where there is one, to the default printer with `lp`.
The print dialog is in report_print.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Input, Label, Select, Static
from textual_plotext import PlotextPlot

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.text import visible
from jobbutik.services.retention_files import report_folder
from jobbutik.tui.screens.base import BaseScreen
from jobbutik.tui.screens.report_print import PrintChoice, PrintDialog, Printed
from jobbutik.tui.widgets.footer import DeskFooter
from jobbutik.tui.widgets.inputs import DateInput

if TYPE_CHECKING:
    from jobbutik.reports.document import Bar, Document
    from jobbutik.reports.run import ReportRequest
    from jobbutik.services.context import ServiceContext

REPORT_TITLES = {
    "daily": N_("Daily list"),
    "starts": N_("Starts per site"),
    "followups": N_("Follow-ups due"),
    "stats": N_("Statistics"),
}


def read_report(ctx: ServiceContext, request: ReportRequest) -> tuple[Document, str]:
    """The report and the text the screen shows (the printer's text)."""
    from jobbutik.reports.run import render, run_report

    doc = run_report(ctx, request)
    return doc, render(doc, "text")


class ReportsScreen(BaseScreen):
    """The supervisor's reports for a chosen period, with plots and printing."""

    CSS_PATH = "reports.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),  # here Esc does what F4 (shown) does
        Binding("f5", "show", "Show"),
        Binding("f6", "print_report", "Print"),
        Binding("f7", "earlier", "Earlier"),
        Binding("f8", "later", "Later"),
    ]

    def __init__(self, kind: str = "daily") -> None:
        super().__init__(id="reports")
        self.kind = kind
        self.doc: Document | None = None
        self.request: ReportRequest | None = None
        self.last_print: PrintChoice | None = None
        self._reading: asyncio.Future[tuple[Document, str]] | None = None  # the read in its thread

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        today = self.ctx.clock.today() if self.ready else date.today()
        yield Header()
        with Horizontal(id="report-controls"):
            yield Select(
                [(_(title), key) for key, title in REPORT_TITLES.items()],
                value=self.kind,
                allow_blank=False,
                id="report-kind",
            )
            yield Label(_("From"), id="label-from")
            yield DateInput(today, id="report-from")
            yield Label(_("To"), id="label-to")
            yield DateInput(today, id="report-to")
            yield Label(_("Consultant"), id="label-consultant")
            yield Input(placeholder=_("all"), id="report-consultant", max_length=16)
        yield Static(_("Reading the report…"), id="report-status", markup=False)
        with Horizontal(id="report-plots"):
            yield PlotextPlot(id="plot-arrivals")
            yield PlotextPlot(id="plot-categories")
            yield PlotextPlot(id="plot-funnel")
        with VerticalScroll(id="report-body"):
            yield Static("", id="report-text", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Reports"))
        if self.kind == "stats":
            self._set_period(*self._month_of(self._from()))
        self._arrange()
        self.action_show()

    def _arrange(self) -> None:
        """Show the fields the chosen report uses (reports.tcss: a period, a consultant)."""
        stats = self.kind == "stats"
        self.set_class(stats, "-period")
        self.set_class(self.kind == "followups", "-by-consultant")
        self.query_one("#label-from", Label).update(_("From") if stats else _("Day"))

    # -- the period ------------------------------------------------------------------------------

    def _from(self) -> date:
        return self.query_one("#report-from", DateInput).day or self.ctx.clock.today()

    def _to(self) -> date:
        return self.query_one("#report-to", DateInput).day or self._from()

    def _set_period(self, start: date, end: date) -> None:
        self.query_one("#report-from", DateInput).set_date(start)
        self.query_one("#report-to", DateInput).set_date(end)

    @staticmethod
    def _month_of(day: date) -> tuple[date, date]:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)

    def request_from_fields(self) -> ReportRequest:
        from jobbutik.domain.errors import ValidationError
        from jobbutik.reports.run import ReportRequest

        start_field = self.query_one("#report-from", DateInput)
        if start_field.day is None:
            raise ValidationError(_("Write the day as DD.MM.YYYY."), field="from")
        if self.kind == "stats":
            end_field = self.query_one("#report-to", DateInput)
            if end_field.day is None:
                raise ValidationError(_("Write the day as DD.MM.YYYY."), field="to")
            return ReportRequest("stats", start_field.day, end_field.day)
        consultant = self.query_one("#report-consultant", Input).value.strip() or None
        if self.kind != "followups":
            consultant = None
        return ReportRequest(self.kind, start_field.day, None, consultant)

    def _shift(self, direction: int) -> None:
        start, end = self._from(), self._to()
        if self.kind != "stats":
            calendar = self.ctx.rulebook.calendar
            day = calendar.add_working_days(start, direction)
            self._set_period(day, day)
        elif start.day == 1 and self._month_of(start)[1] == end:  # a whole month: by months
            anchor = start - timedelta(days=1) if direction < 0 else end + timedelta(days=1)
            self._set_period(*self._month_of(anchor))
        else:
            length = (end - start).days + 1
            step = timedelta(days=length * direction)
            self._set_period(start + step, end + step)
        self.action_show()

    def action_earlier(self) -> None:
        self._shift(-1)

    def action_later(self) -> None:
        self._shift(1)

    @on(Select.Changed, "#report-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.kind:
            return
        self.kind = event.value
        if self.kind == "stats" and self._from() == self._to():
            self._set_period(*self._month_of(self._from()))
        self._arrange()
        self.action_show()

    @on(Input.Submitted)
    def _field_submitted(self) -> None:
        self.action_show()

    # -- reading ---------------------------------------------------------------------------------

    def action_show(self) -> None:
        if not self.ready:
            return
        try:
            request = self.request_from_fields()
        except JobbutikError as exc:  # a bad date: say so where the report would be
            self.query_one("#report-status", Static).update(Content(str(exc)))
            return
        self.query_one("#report-status", Static).update(_("Reading the report…"))
        self.load(request)

    @work(exclusive=True, group="report")
    async def load(self, request: ReportRequest) -> None:
        # One read at a time: a thread cannot be stopped, so paging on through the periods (F7,
        # F8) lets the read under way finish before the newest starts, and those passed over in
        # between never run (a year's statistics takes every CPU the database can use).
        if self._reading is not None:
            await asyncio.wait({self._reading})
        self._reading = reading = asyncio.ensure_future(
            asyncio.to_thread(read_report, self.ctx, request)
        )
        # A read whose worker was replaced meanwhile ends unheard: its error is of no use then.
        reading.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            doc, text = await asyncio.shield(reading)
        except JobbutikError as error:
            self.query_one("#report-status", Static).update(Content(str(error)))
            raise  # and the app says it in its one line
        self.show(request, doc, text)

    def show(self, request: ReportRequest, doc: Document, text: str) -> None:
        self.doc, self.request = doc, request
        self.query_one("#report-text", Static).update(Content(visible(text)))  # names: data
        status = f"{doc.title} · {doc.period}"
        if doc.empty:
            status += " · " + _("no data")
        self.query_one("#report-status", Static).update(Content(status))
        plots = self.query_one("#report-plots")
        shown = doc.name == "stats" and not doc.empty
        plots.set_class(shown, "shown")
        if shown:
            data = doc.chart_data
            self._plot("#plot-arrivals", _("Arrivals per day"), data.get("arrivals", ()))
            self._plot("#plot-categories", _("Category mix"), data.get("categories", ()))
            self._plot("#plot-funnel", _("Referral funnel"), data.get("funnel", ()))

    def _plot(self, selector: str, title: str, bars: tuple[Bar, ...]) -> None:
        widget = self.query_one(selector, PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if bars:
            labels = [b.label for b in bars]
            if len(labels) > 10:  # many days: a label on every few bars only
                step = (len(labels) + 9) // 10
                labels = [lbl if i % step == 0 else "" for i, lbl in enumerate(labels)]
            plt.bar(labels, [b.value for b in bars], marker="hd")
        widget.refresh()

    # -- printing --------------------------------------------------------------------------------

    def suggested_path(self) -> Path:
        from jobbutik.reports.run import suffix

        fmt = self.last_print.fmt if self.last_print else "pdf"
        folder = self.last_print.path.parent if self.last_print else report_folder()
        assert self.request is not None
        period = self.request.start.isoformat()
        if self.request.end and self.request.end != self.request.start:
            period += f"_{self.request.end.isoformat()}"
        return folder / f"{self.request.name}-{period}{suffix(fmt)}"

    def action_print_report(self) -> None:
        if self.doc is None or self.request is None:
            self.notify(_("Show a report first (F5)."), severity="warning")
            return
        choice = self.last_print
        self.app.push_screen(
            PrintDialog(
                self.doc,
                self.request,
                self.suggested_path(),
                choice.fmt if choice else "pdf",
                choice.to_printer if choice else True,
            ),
            self._printed,
        )

    def _printed(self, done: Printed | None) -> None:
        if done is None:
            return
        self.last_print = done.choice
        saved = _("Saved to {path}.").format(path=done.path)
        if done.not_printed:
            self.notify(
                _("{saved} Not printed: {error}").format(saved=saved, error=done.not_printed),
                title=_("Saved"),
                severity="warning",
                timeout=10,
                markup=False,
            )
        elif done.printed:
            self.notify(f"{saved} {done.printed}", title=_("Printed"), markup=False)
        else:
            self.notify(saved, title=_("Saved"), markup=False)

    def action_back(self) -> None:
        self.app.pop_screen()
