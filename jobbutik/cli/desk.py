"""`jobbutik desk --staff INITIALS`: the program, opened by an SSH key's forced command.

On the shared server each member of staff's key forces this command (see services.sshkeys and
`jobbutik staff add-key`), so the key, not anything the person types, says who is working. It is
plain `jobbutik` with that identity; `require_forced_command` (through build_context) refuses it
anywhere else.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from jobbutik.cli.main import FRONTEND, Frontend, _settings
from jobbutik.cli.translated import command, option
from jobbutik.domain.i18n import N_, _


@command(
    name="desk",
    help=N_(
        "Open the program as INITIALS, for an SSH key's forced command (`jobbutik staff "
        "add-key` writes it).\n\n"
        "Works only when sshd started it, as the account that owns the SQLite database, for a "
        "key bound to INITIALS in that account's authorized_keys; needs a terminal (ssh -t)."
    ),
)
@option(
    "--staff",
    "initials",
    metavar=N_("INITIALS"),
    required=True,
    help=N_("Whose key this is."),
)
def desk_command(initials: str) -> None:
    from jobbutik.services.config import build_context
    from jobbutik.services.staff import normalise_initials

    ctx = click.get_current_context()
    settings = _settings()
    if settings.user_source in ("flag", "env"):
        raise click.UsageError(
            _("desk takes who you are from --staff only: leave out --user and JOBBUTIK_USER.")
        )
    settings = replace(settings, user=normalise_initials(initials), user_source="ssh", create=False)
    frontend = ctx.meta.get(FRONTEND)
    if not isinstance(frontend, Frontend):
        raise click.UsageError(_("Only the commands are available here; see --help."))
    # Who it is first: a refused or deactivated key gets its reason, with or without a terminal.
    build_context(settings).db.dispose()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException(
            _("jobbutik desk needs a terminal: connect with `ssh -t`, not with a command.")
        )
    status = frontend.open_program(settings)
    if status:
        ctx.exit(status)
