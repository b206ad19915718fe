"""Reports (supervisors): the daily list, starts, follow-ups due and statistics on screen, with
plots of arrivals per day, the category mix and the referral funnel, and a print key.

The report is the same text the printer gets (`reports.text`), read in a worker. F5 shows the
report for the chosen period; F7/F8 move the period back and forth; F6 prints: to a file (PDF,
text or CSV) and, where there is one, to the default printer with `lp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from jobbutik.domain.i18n import _
from jobbutik.tui.screens.base import BaseModal, BaseScreen
from jobbutik.tui.widgets.inputs import DateInput

if TYPE_CHECKING:
    from jobbutik.reports.document import Bar, Document
    from jobbutik.reports.run import ReportRequest

REPORT_TITLES = {
    "daily": "Daily list",
    "starts": "Starts per site",
    "followups": "Follow-ups due",
    "stats": "Statistics",
}
FORMAT_TITLES = {"pdf": "PDF", "text": "Text", "csv": "CSV"}


def _catalog() -> tuple[str, ...]:  # pragma: no cover - never called
    """The titles above, written out so the catalog check finds them."""
    return (_("Daily list"), _("Starts per site"), _("Follow-ups due"), _("Statistics"), _("Text"))


class ReportLoaded(Message):
    def __init__(self, request: ReportRequest, doc: Document, text: str) -> None:
        super().__init__()
        self.request = request
        self.doc = doc
        self.text = text


@dataclass(frozen=True)
class PrintChoice:
    path: Path
    fmt: str
    to_printer: bool


def default_folder() -> Path:
    """Where printed reports are kept: `jobbutik-reports` in the home folder."""
    return Path.home() / "jobbutik-reports"


class PrintDialog(BaseModal[PrintChoice | None]):
    """Where to put the report: a file (always) and the printer (where there is one)."""

    DEFAULT_CSS = """
    PrintDialog { align: center middle; }
    PrintDialog > Vertical {
        width: 80; height: auto; border: round $accent; padding: 1 2; background: $surface;
    }
    PrintDialog Input#print-path { width: 1fr; }
    PrintDialog Select { width: 20; }
    PrintDialog #print-error { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Print", priority=True),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self, suggested: Path, fmt: str = "pdf", to_printer: bool = True) -> None:
        super().__init__(id="print-dialog")
        self.suggested = suggested
        self.fmt = fmt
        self.to_printer = to_printer

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Print the report"), classes="title")
            yield Label(_("File"))
            yield Input(str(self.suggested), id="print-path")
            yield Label(_("Format"))
            yield Select(
                [(_(title), key) for key, title in FORMAT_TITLES.items()],
                value=self.fmt,
                allow_blank=False,
                id="print-format",
            )
            yield Checkbox(_("Also send to the printer (lp)"), self.to_printer, id="print-lp")
            yield Static("", id="print-error")
            yield Label(_("Ctrl+S prints, Escape goes back."))

    def on_mount(self) -> None:
        self.query_one("#print-path", Input).focus()

    @on(Select.Changed, "#print-format")
    def _format_changed(self, event: Select.Changed) -> None:
        from jobbutik.reports.run import suffix

        if not isinstance(event.value, str):
            return
        field = self.query_one("#print-path", Input)
        path = Path(field.value.strip() or str(self.suggested))
        field.value = str(path.with_suffix(suffix(event.value)))

    @on(Input.Submitted, "#print-path")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#print-path", Input).value.strip()
        if not text:
            self.query_one("#print-error", Static).update(_("Give a file name."))
            return
        fmt = self.query_one("#print-format", Select).value
        to_printer = self.query_one("#print-lp", Checkbox).value
        self.dismiss(PrintChoice(Path(text).expanduser(), str(fmt), bool(to_printer)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportsScreen(BaseScreen):
    """The supervisor's reports for a chosen period, with plots and printing."""

    DEFAULT_CSS = """
    ReportsScreen #report-controls { height: 3; padding: 0 1; }
    ReportsScreen #report-controls Label { padding: 1 1 0 1; }
    ReportsScreen #report-kind { width: 24; }
    ReportsScreen #report-consultant { width: 12; }
    ReportsScreen #report-status { height: 1; padding: 0 1; color: $text-muted; }
    ReportsScreen #report-plots { height: 16; display: none; }
    ReportsScreen #report-plots.shown { display: block; }
    ReportsScreen #report-plots PlotextPlot { width: 1fr; }
    ReportsScreen #report-body { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
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
        yield Static(_("Reading the report…"), id="report-status")
        with Horizontal(id="report-plots"):
            yield PlotextPlot(id="plot-arrivals")
            yield PlotextPlot(id="plot-categories")
            yield PlotextPlot(id="plot-funnel")
        with VerticalScroll(id="report-body"):
            yield Static("", id="report-text", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = _("Jobbutik")
        self.sub_title = self.japp.header_text(_("Reports"))
        if self.kind == "stats":
            self._set_period(*self._month_of(self._from()))
        self._arrange()
        self.action_show()

    def _arrange(self) -> None:
        """Show the fields the chosen report uses."""
        stats = self.kind == "stats"
        for name in ("label-to", "report-to"):
            self.query_one(f"#{name}").display = stats
        for name in ("label-consultant", "report-consultant"):
            self.query_one(f"#{name}").display = self.kind == "followups"
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
        except Exception as exc:  # a bad date: say so where the report would be
            self.query_one("#report-status", Static).update(str(exc))
            return
        self.query_one("#report-status", Static).update(_("Reading the report…"))
        self.load(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def load(self, request: ReportRequest) -> None:
        from jobbutik.reports.run import render, run_report

        doc = run_report(self.ctx, request)
        text = render(doc, "text")
        if not get_current_worker().is_cancelled:
            self.post_message(ReportLoaded(request, doc, text))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        self.doc, self.request = message.doc, message.request
        self.query_one("#report-text", Static).update(message.text)
        status = f"{message.doc.title} · {message.doc.period}"
        if message.doc.empty:
            status += " · " + _("no data")
        self.query_one("#report-status", Static).update(status)
        plots = self.query_one("#report-plots")
        shown = message.doc.name == "stats" and not message.doc.empty
        plots.set_class(shown, "shown")
        if shown:
            data = message.doc.chart_data
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

    def worker_failed(self, worker: Any, error: BaseException) -> bool:
        if worker.group == "report":
            self.query_one("#report-status", Static).update(str(error))
        return False

    # -- printing --------------------------------------------------------------------------------

    def suggested_path(self) -> Path:
        from jobbutik.reports.run import suffix

        fmt = self.last_print.fmt if self.last_print else "pdf"
        folder = self.last_print.path.parent if self.last_print else default_folder()
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
                self.suggested_path(),
                choice.fmt if choice else "pdf",
                choice.to_printer if choice else True,
            ),
            self._print_chosen,
        )

    def _print_chosen(self, choice: PrintChoice | None) -> None:
        if choice is None or self.doc is None or self.request is None:
            return
        self.last_print = choice
        self.print_report(self.doc, self.request, choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="print")
    def print_report(self, doc: Document, request: ReportRequest, choice: PrintChoice) -> None:
        from jobbutik.reports.printing import PrintError, print_file
        from jobbutik.reports.run import log_output, write
        from jobbutik.store.models import AuditAction

        choice.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = write(doc, choice.fmt, choice.path)
        log_output(self.ctx, request, AuditAction.EXPORT)
        saved = _("Saved to {path}.").format(path=path)
        if not choice.to_printer:
            self.app.call_from_thread(self.notify, saved, title=_("Saved"))
            return
        try:
            printed = print_file(path)
        except PrintError as exc:
            self.app.call_from_thread(
                self.notify,
                f"{saved} {_('Not printed')}: {exc}",
                title=_("Saved"),
                severity="warning",
                timeout=10,
            )
            return
        log_output(self.ctx, request, AuditAction.PRINT)
        self.app.call_from_thread(self.notify, f"{saved} {printed}", title=_("Printed"))

    def action_back(self) -> None:
        self.app.pop_screen()
