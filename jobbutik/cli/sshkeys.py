"""`jobbutik staff add-key` / `staff remove-key`: the SSH keys that open the desk as one member of
staff (services.sshkeys). Registered in the `staff` group by cli/admin.py."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from jobbutik.cli.translated import argument, command, option
from jobbutik.domain.errors import ValidationError
from jobbutik.domain.i18n import N_, _, ngettext
from jobbutik.services.config import Settings

KEY_FILE_LIMIT = 16 * 1024  # an RSA-16384 .pub line is about 2.8 kB

_KEYS_HELP = N_(
    "The authorized_keys file to change [default: ~/.ssh/authorized_keys of the account running "
    "this command, which should be the service account that owns the database]."
)
_keys_file_option = option(
    "--authorized-keys",
    "keys_file",
    metavar=N_("PATH"),
    type=click.Path(dir_okay=False, path_type=Path),
    help=_KEYS_HELP,
)


def _settings() -> Settings:
    settings = click.get_current_context().find_object(Settings)
    if settings is None:  # pragma: no cover - the main group always sets it
        raise click.UsageError("run this through `jobbutik`")
    return settings


def _this_program() -> list[str]:
    """The program the forced command runs: the `jobbutik` script running now, else the one on
    PATH, else this Python with `-m jobbutik`."""
    script = Path(sys.argv[0])
    if script.name == "jobbutik" and script.is_file():
        return [str(script.absolute())]
    found = shutil.which("jobbutik")
    if found:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "jobbutik"]


def _read_key_file(path: Path) -> str:
    data = path.read_bytes()[: KEY_FILE_LIMIT + 1]
    if len(data) > KEY_FILE_LIMIT:
        raise ValidationError(
            _("{path} is too large for a public key: give the person's .pub file.").format(
                path=path
            )
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("{path} is not a text file: give the person's .pub file.").format(path=path)
        ) from None


@command(
    name="add-key",
    help=N_(
        "Let the SSH public key in KEYFILE open the desk as INITIALS.\n\n"
        "Appends to the service account's authorized_keys a line that forces "
        '`jobbutik desk --staff INITIALS` (restrict,pty,command="…"): whoever logs in with the key '
        "works as INITIALS, cannot choose another identity or command, and gets no shell or "
        "forwarding. KEYFILE holds one OpenSSH public key line (the .pub file). A key already in "
        "the file is refused. With --db the forced command opens that database. Needs the admin "
        "role; the audit log records the key's fingerprint."
    ),
)
@argument("initials", metavar=N_("INITIALS"))
@argument(
    "keyfile", metavar=N_("KEYFILE"), type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_keys_file_option
@option(
    "--program",
    metavar=N_("PATH"),
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("The jobbutik program the key runs [default: the one running now]."),
)
def add_key_command(
    initials: str, keyfile: Path, keys_file: Path | None, program: Path | None
) -> None:
    from jobbutik.services import sshkeys
    from jobbutik.services.config import build_context

    settings = _settings()
    ctx = build_context(settings)
    explicit_db = settings.db_source in ("flag", "env") and ctx.db.path is not None
    change = sshkeys.add_key(
        ctx,
        initials,
        _read_key_file(keyfile),
        program=[str(program.absolute())] if program is not None else _this_program(),
        db_path=ctx.db.path.absolute() if explicit_db and ctx.db.path is not None else None,
        keys_file=keys_file.absolute() if keys_file is not None else None,
    )
    click.echo(
        _("{initials}: key {fingerprint} added to {path}; it runs: {command}").format(
            initials=change.initials,
            fingerprint=change.fingerprints[0],
            path=change.keys_file,
            command=change.command,
        )
    )


@command(
    name="remove-key",
    help=N_(
        "Remove the SSH keys of INITIALS from the service account's authorized_keys (all of "
        "them, or only the one with FINGERPRINT, SHA256:… as `ssh-keygen -l` shows it).\n\n"
        "The member of staff is not changed (see `staff deactivate`). Needs the admin role; the "
        "audit log records each removed key's fingerprint."
    ),
)
@argument("initials", metavar=N_("INITIALS"))
@argument("fingerprint", metavar=N_("FINGERPRINT"), required=False)
@_keys_file_option
def remove_key_command(initials: str, fingerprint: str | None, keys_file: Path | None) -> None:
    from jobbutik.services import sshkeys
    from jobbutik.services.config import build_context

    ctx = build_context(_settings())
    change = sshkeys.remove_keys(
        ctx,
        initials,
        fingerprint,
        keys_file=keys_file.absolute() if keys_file is not None else None,
    )
    for removed in change.fingerprints:
        click.echo(removed)
    click.echo(
        ngettext(
            "{initials}: {count} key removed from {path}.",
            "{initials}: {count} keys removed from {path}.",
            len(change.fingerprints),
        ).format(initials=change.initials, count=len(change.fingerprints), path=change.keys_file)
    )
