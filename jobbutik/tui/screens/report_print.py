"""Printing a report from the Reports screen: the dialog asks where (a file, always; the printer,
where there is one) and writes and prints in its own worker (the FormModal contract).

The file is written readable by its owner only, and the export and the printout are audit-logged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from jobbutik.domain.errors import JobbutikError, ValidationError
from jobbutik.domain.files import FolderMissing, OutputExists, cannot_write
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.vocabulary import AuditAction
from jobbutik.tui.drafts import DraftKey
from jobbutik.tui.screens.confirm import ConfirmModal
from jobbutik.tui.screens.forms import FormModal
from jobbutik.tui.widgets.toggles import Checkbox

if TYPE_CHECKING:
    from jobbutik.reports.document import Document
    from jobbutik.reports.run import ReportRequest
    from jobbutik.services.context import ServiceContext

FORMAT_TITLES = {"pdf": "PDF", "text": N_("Text"), "csv": "CSV"}


@dataclass(frozen=True)
class PrintChoice:
    path: Path
    fmt: str
    to_printer: bool
    overwrite: bool = False  # the user said yes to replacing an existing file


@dataclass(frozen=True)
class Printed:
    """What printing did: the file written, and what the printer said (or why it did not print;
    both empty when the printer was not asked)."""

    choice: PrintChoice
    path: Path
    printed: str = ""
    not_printed: str = ""


def print_report(
    ctx: ServiceContext, doc: Document, request: ReportRequest, choice: PrintChoice
) -> Printed:
    """Write the report where chosen (a missing folder is made, private to its owner), log the
    export, then send it to the default printer if asked and log the printout. The path is
    checked first (`check_output`): `OutputExists` when the file is there and not to be
    replaced."""
    from jobbutik.reports.printing import PrintError, print_file
    from jobbutik.reports.run import log_output, write
    from jobbutik.services.outputs import check_output

    try:
        check_output(ctx.db, choice.path, overwrite=choice.overwrite)
    except FolderMissing as missing:
        try:
            missing.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:  # a path that cannot be: a refusal at the path, not a crash
            raise cannot_write(choice.path, exc) from exc
    path = write(doc, choice.fmt, choice.path, ctx.db, overwrite=choice.overwrite)
    log_output(ctx, request, AuditAction.EXPORT)
    if not choice.to_printer:
        return Printed(choice, path)
    try:
        printed = print_file(path)
    except PrintError as exc:  # the file is written: only the printer said no
        return Printed(choice, path, not_printed=str(exc))
    log_output(ctx, request, AuditAction.PRINT)
    return Printed(choice, path, printed=printed)


class PrintDialog(FormModal[PrintChoice, Printed]):
    """Where to put the report; Ctrl+S (or Enter in the file name) writes and prints it."""

    CSS_PATH = "reports.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Print", priority=True),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(
        self,
        doc: Document,
        request: ReportRequest,
        suggested: Path,
        fmt: str = "pdf",
        to_printer: bool = True,
    ) -> None:
        super().__init__(id="print-dialog")
        self.doc = doc
        self.request = request
        self.suggested = suggested
        self.fmt = fmt
        self.to_printer = to_printer
        self.draft_key = DraftKey("print", request)

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
            yield Static("", id="print-error", markup=False)
            yield Label(_("Ctrl+S prints, Escape goes back."))

    def on_mount(self) -> None:
        self.query_one("#print-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field" and isinstance(self.focused, Input):
            return False  # Enter in the file name prints (one field to type in)
        return super().check_action(action, parameters)

    @on(Select.Changed, "#print-format")
    def _format_changed(self, event: Select.Changed) -> None:
        from jobbutik.reports.run import suffix

        if not isinstance(event.value, str) or event.value == self.fmt:
            return  # not a change (the Select says its first value too)
        self.fmt = event.value
        field = self.query_one("#print-path", Input)
        path = Path(field.value.strip() or str(self.suggested))
        field.value = str(path.with_suffix(suffix(event.value)))

    @on(Input.Submitted, "#print-path")
    async def _submitted(self) -> None:
        await self.action_save()

    def check(self) -> bool:
        if not self.query_one("#print-path", Input).value.strip():
            self.query_one("#print-error", Static).update(_("Give a file name."))
            return False
        return True

    def payload(self) -> PrintChoice:
        return PrintChoice(
            Path(self.query_one("#print-path", Input).value.strip()).expanduser(),
            str(self.query_one("#print-format", Select).value),
            self.query_one("#print-lp", Checkbox).value,
        )

    def submit(self, ctx: ServiceContext, payload: PrintChoice) -> Printed:
        return print_report(ctx, self.doc, self.request, payload)

    def refused(self, error: JobbutikError) -> None:
        if isinstance(error, OutputExists):  # asked once the save has ended
            self.call_after_refresh(self._ask_to_replace, error.path)
            return
        self.query_one("#print-error", Static).update(Content(str(error)))
        if isinstance(error, ValidationError) and error.field == "output":
            self.query_one("#print-path", Input).focus()
        self.notify(str(error), title=_("Not saved"), severity="error", timeout=8, markup=False)

    def _ask_to_replace(self, path: Path) -> None:
        """The file is there: replaced only on yes; on no the dialog stays as it was typed."""

        def answered(yes: bool | None) -> None:
            if not yes:
                self.query_one("#print-path", Input).focus()
                return
            self.saving = True
            self.save(replace(self.payload(), overwrite=True))

        self.app.push_screen(
            ConfirmModal(
                _("Replace {path}?").format(path=path),
                _("A file of that name exists. No keeps it: give another name."),
                yes=_("Replace it"),
                no=_("Keep it"),
            ),
            answered,
        )
