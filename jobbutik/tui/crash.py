"""What goes wrong, in one place: a `JobbutikError` is a one-line notice; anything else is a bug,
whose traceback goes to the crash log instead of the screen while the desk goes on working.

The file lies beside the database (an SQLite file's folder; the user data folder for a server
database), is readable by its owner only (0600) and is only ever appended to. A traceback here has
no local variables (they hold CPR numbers), and anything in it shaped like a CPR number is masked.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual._context import active_message_pump
from textual.app import ScreenStackError
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import WorkerFailed

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import N_, _
from jobbutik.tui.sections import Sections

CRASH_LOG_NAME = "jobbutik-crash.log"
CRASH_LINE = N_("Something went wrong — it is saved in the error log")
# More unexpected errors than this within CRASH_WINDOW seconds: something fails over and over
# (a broken screen redrawn, a timer); the app stops rather than fill the log.
CRASH_LIMIT = 5
CRASH_WINDOW = 10.0

_SQLITE_URL = re.compile(r"^sqlite(?:\+\w+)?:///(?P<path>[^?]*)")
_CPR = re.compile(r"(?<!\d)(\d{6})-?\d{4}(?!\d)")


def crash_log_path(db: str) -> Path:
    """The crash log for the database `db` (a file path or a SQLAlchemy URL)."""
    if "://" not in db:
        return Path(db).expanduser().resolve().parent / CRASH_LOG_NAME
    match = _SQLITE_URL.match(db)
    if match and match["path"] and match["path"] != ":memory:":
        return Path(match["path"]).expanduser().resolve().parent / CRASH_LOG_NAME
    from platformdirs import user_data_path

    return user_data_path("jobbutik", appauthor=False) / CRASH_LOG_NAME


def crash_entry(error: BaseException, where: str, now: datetime | None = None) -> str:
    """One log entry: a header line, then the traceback (with its causes, without locals)."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = "".join(traceback.format_exception(error))
    return _CPR.sub(r"\1-XXXX", f"=== {moment} {where}\n{body}\n")


def append_private(path: Path, text: str) -> None:
    """Append `text` to `path`, creating it 0600 (its folder 0700) if new, never following a
    symbolic link; a file found wider than 0600 is narrowed. One write per entry, so entries from
    several programs at once do not interleave."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        data = text.encode("utf-8", "replace")
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


class CrashHandling(Sections):
    """The app's one handler for what goes wrong in a handler, a worker, a timer or a callback."""

    crash_log: Path
    _crash_times: list[float]

    def _handle_exception(self, error: Exception) -> None:
        # Textual calls this for an error in a worker, a timer, a callback, a widget's handler or
        # its own machinery, and would end the program with a traceback showing local variables.
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, JobbutikError):
            self.notify(str(cause), title=_("Not done"), severity="error", timeout=8)
            return
        if not self.is_running or not self.report_crash(cause):
            self.stop_after_crash(cause)
            return
        try:
            pump = active_message_pump.get()
        except LookupError:
            return
        if isinstance(pump, Widget) and pump is not self:
            # A widget's message loop stops at its first failing handler: close what it is on.
            self.call_later(self._close_if_stopped, pump)

    def handler_failed(self, error: Exception) -> None:
        """A handler of ours raised; its screen or the app goes on answering."""
        if isinstance(error, JobbutikError):
            self.notify(str(error), title=_("Not done"), severity="error", timeout=8)
        elif not self.report_crash(error):
            self.stop_after_crash(error)

    async def _dispatch_message(self, message: Message) -> None:
        # As for screens (ScreenMixin): the app's own handlers must not stop its message loop.
        try:
            await super()._dispatch_message(message)
        except Exception as error:
            self.handler_failed(error)

    def report_crash(self, error: BaseException) -> bool:
        """Write `error` to the crash log and show the one line; False when the app should stop
        (too many in a row)."""
        try:
            where = f"{type(self.screen).__name__} in {self.current_mode}"
        except ScreenStackError:
            where = ""
        try:
            append_private(self.crash_log, crash_entry(error, where))
        except OSError as problem:
            self.notify(
                _("The error log could not be written: {reason}").format(
                    reason=problem.strerror or problem
                ),
                severity="error",
                timeout=10,
            )
        self.notify(_(CRASH_LINE), severity="error", timeout=10)
        now = time.monotonic()
        self._crash_times = [t for t in self._crash_times if now - t < CRASH_WINDOW] + [now]
        return len(self._crash_times) <= CRASH_LIMIT

    def stop_after_crash(self, error: BaseException) -> None:
        """The app cannot go on: stop with exit status 1 and one line, never a traceback."""
        if not self._crash_times:  # not yet in the log (an error before the app ran)
            with contextlib.suppress(OSError):
                append_private(self.crash_log, crash_entry(error, "start-up"))
        # As Textual's own handler does: a test run (Pilot) re-raises the first error.
        if self._exception is None and isinstance(error, Exception):
            self._exception = error
            self._exception_event.set()
        self.exit(return_code=1)
        self.panic(Text(_(CRASH_LINE) + f": {self.crash_log}"))

    def _close_if_stopped(self, widget: Widget) -> None:
        if widget._running or not widget.is_attached:
            return
        screen = widget if isinstance(widget, Screen) else widget.screen
        for mode in list(self._screen_stacks):
            stack = self.get_screen_stack(mode)
            if screen in stack[1:]:
                self._close_screens(mode, stack.index(screen))
                return
