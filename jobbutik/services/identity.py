"""Who is at the keyboard, as the channel says: the OS account, an SSH key's forced command, or a
PostgreSQL login — never an option or an environment variable the desk user can set.

`getpass.getuser()` reads LOGNAME/USER first, so anyone can claim any name with it; the passwd
entry of the real user id cannot be chosen by the caller.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from typing import Literal

How = Literal["os", "ssh", "postgres", "demo"]


def os_account() -> str:
    """The passwd name of the real user id ('' when the system has none for it)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""


def ssh_client_address(environ: dict[str, str] | None = None) -> str | None:
    """The SSH client's address, from sshd's SSH_CONNECTION ("client port server port").

    Recorded beside an audit entry, never used to decide who someone is."""
    value = (os.environ if environ is None else environ).get("SSH_CONNECTION", "").split()
    return value[0][:64] if value else None


@dataclass(frozen=True)
class Channel:
    """How this program run was reached; the audit log records it beside the staff initials."""

    os_account: str
    client_address: str | None = None
    how: How = "os"


def current_channel(how: How = "os") -> Channel:
    return Channel(os_account(), ssh_client_address(), how)
