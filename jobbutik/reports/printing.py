"""Send a file to the default printer with `lp` (CUPS), saying clearly when that cannot be done."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _

TIMEOUT_SECONDS = 30


class PrintError(JobbutikError):
    """Nothing was printed: `lp` is missing, there is no default printer, or the printer refused."""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def print_file(path: str | os.PathLike[str], printer: str | None = None) -> str:
    """Print `path` on `printer` (None: the default printer); return the one line to show.

    Raises `PrintError` with a clear sentence when there is no `lp`, no default printer, or `lp`
    fails; the file itself is left in place either way."""
    target = Path(path)
    if not target.is_file():
        raise PrintError(_("{path} does not exist: nothing to print.").format(path=target))
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError(
            _(
                "There is no printing on this machine (the lp command is missing): "
                "save the report to a file instead."
            )
        )
    if printer is None and not _has_default_printer():
        raise PrintError(
            _("No default printer is set up: ask IT to set one, or save the report to a file.")
        )
    command = [lp, *(["-d", printer] if printer else []), "--", str(target)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise PrintError(
            _("The printer did not answer within {seconds} s.").format(seconds=TIMEOUT_SECONDS)
        ) from None
    except OSError as exc:
        raise PrintError(_("Could not run lp: {reason}").format(reason=exc.strerror)) from None
    if done.returncode != 0:
        reason = _first_line(done.stderr) or _first_line(done.stdout) or f"exit {done.returncode}"
        raise PrintError(_("The printer refused the job: {reason}").format(reason=reason))
    answer = _first_line(done.stdout)
    sent = _("Sent {name} to the printer.").format(name=target.name)
    return f"{sent} ({answer})" if answer else sent


def _has_default_printer() -> bool:
    """True when CUPS names a default destination (or $PRINTER/$LPDEST does)."""
    if os.environ.get("PRINTER") or os.environ.get("LPDEST"):
        return True
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return True  # cannot tell: let lp try and report its own error
    try:
        done = subprocess.run(
            [lpstat, "-d"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return True
    text = (done.stdout + done.stderr).lower()
    return done.returncode == 0 and "no system default" not in text and ":" in text
