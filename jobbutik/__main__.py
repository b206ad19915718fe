"""The program: the command line, with the Textual app as what `jobbutik` without a command opens.

This module stands above both front ends, so that neither imports the other (import-linter checks
the layers); `python -m jobbutik` and the `jobbutik` script both start here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobbutik.cli.main import Frontend
from jobbutik.cli.main import main as command_line

if TYPE_CHECKING:
    from jobbutik.services.config import Settings


def open_program(settings: Settings) -> int:
    """Run the desk until it quits; its exit status (1 after a crash it could not go on from)."""
    from jobbutik.tui.app import create_app

    app = create_app(settings)
    app.run()
    return app.return_code or 0


def main() -> None:
    command_line(obj=Frontend(open_program))


if __name__ == "__main__":
    main()
