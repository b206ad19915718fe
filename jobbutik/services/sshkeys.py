"""SSH keys bound to staff initials, the way gitolite binds identity to a key.

On the shared server a service account owns the database (0600 in a 0700 folder), and each member
of staff logs in to that account with their own key. The key's `authorized_keys` line forces the
command, so the key alone says who is working:

    restrict,pty,command="/opt/jobbutik/bin/jobbutik --db /srv/jobbutik/db.sqlite desk --staff km" \
ssh-ed25519 AAAA… jobbutik:km

`restrict` turns off forwarding, agent and X11; `pty` gives the desk its terminal back; sshd runs
the forced command whatever the client asked for. `add_key` / `remove_keys` manage these lines
(audited; the staff rows are not touched), and `require_forced_command` is what `jobbutik desk`
checks before it believes `--staff`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import pwd
import shlex
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from jobbutik.domain.errors import NotFound, PermissionDenied, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.domain.vocabulary import AuditEntity
from jobbutik.services.context import Permission, ServiceContext
from jobbutik.services.staff import normalise_initials
from jobbutik.store.db import Database
from jobbutik.store.models import AuditAction, Staff

# The key types OpenSSH accepts in authorized_keys (DSA is gone from OpenSSH 9.8).
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
COMMENT_PREFIX = "jobbutik:"
DESK = ("desk", "--staff")
# Characters a forced command may not hold: authorized_keys has no escape for a line break, and a
# backslash or double quote would need OpenSSH's own (partial) quoting.
_UNSAFE = frozenset('"\\')


@dataclass(frozen=True)
class PublicKey:
    kind: str  # ssh-ed25519, …
    blob: str  # the base64 text, as in the .pub file

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` shows it: SHA256 of the key's bytes, unpadded base64."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class KeyLine:
    """One line of an authorized_keys file, split the way sshd reads it."""

    text: str  # the line as it stands in the file (without its line break)
    options: tuple[str, ...]
    key: PublicKey | None  # None: a comment, a blank or a line sshd would not read either
    comment: str

    def option(self, name: str) -> str | None:
        """The value of `name="…"` (dequoted), None when the line has no such option."""
        prefix = f"{name}="
        for item in self.options:
            if item.lower().startswith(prefix):
                value = item[len(prefix) :]
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                return value.replace('\\"', '"')
        return None

    def desk_staff(self) -> tuple[str, str | None] | None:
        """(initials, --db or None) when the line forces `jobbutik desk --staff INITIALS` with
        `restrict` on; None for any other line."""
        if "restrict" not in {o.lower() for o in self.options}:
            return None
        command = self.option("command")
        if command is None:
            return None
        try:
            words = shlex.split(command)
        except ValueError:
            return None
        if len(words) < 3 or tuple(words[-3:-1]) != DESK:
            return None
        before = words[:-3]
        db = before[before.index("--db") + 1] if "--db" in before[:-1] else None
        return words[-1], db


def _check_text(text: str, what: str) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationError(
            _("{what} holds a line break or a control character.").format(what=what)
        )


def parse_public_key(text: str) -> PublicKey:
    """The one OpenSSH public key in `text` (a .pub file: type, base64, optional comment).

    Anything else is refused: options (the forced command is ours to write), a second line,
    control characters, a private key, a blob that is not the key its type names."""
    line = text.rstrip("\r\n")
    what = _("The key file")
    _check_text(line, what)
    words = line.split()
    if not words:
        raise ValidationError(_("The key file is empty: give the person's .pub file."))
    if words[0] not in KEY_TYPES:
        raise ValidationError(
            _(
                "The key file must hold one OpenSSH public key line (ssh-ed25519 AAAA… comment), "
                "without options; it starts with {start!r}."
            ).format(start=words[0][:40])
        )
    if len(words) < 2:
        raise ValidationError(_("The key file names a key type but holds no key."))
    try:
        raw = base64.b64decode(words[1], validate=True)
    except binascii.Error:
        raise ValidationError(_("The key in the key file is not valid base64.")) from None
    # The blob starts with its own type as an SSH string: a mismatch is a damaged or forged key.
    size = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else -1
    if size != len(words[0]) or raw[4 : 4 + size] != words[0].encode():
        raise ValidationError(
            _("The key in the key file is damaged: it is not a {kind} key.").format(kind=words[0])
        )
    return PublicKey(words[0], words[1])


def _split_options(line: str) -> tuple[str, str]:
    """(options, rest): options end at the first blank outside double quotes."""
    quoted = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and quoted and line[i + 1 : i + 2] == '"':
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c in " \t" and not quoted:
            return line[:i], line[i:].strip()
        i += 1
    return line, ""


def _split_list(options: str) -> tuple[str, ...]:
    items: list[str] = []
    start, quoted, i = 0, False, 0
    while i < len(options):
        c = options[i]
        if c == "\\" and quoted and options[i + 1 : i + 2] == '"':
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            items.append(options[start:i])
            start = i + 1
        i += 1
    items.append(options[start:])
    return tuple(item for item in items if item)


def parse_line(text: str) -> KeyLine:
    """One authorized_keys line as sshd reads it: [options] type base64 [comment]."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return KeyLine(text, (), None, "")
    options: tuple[str, ...] = ()
    rest = stripped
    if stripped.split()[0] not in KEY_TYPES:
        head, rest = _split_options(stripped)
        options = _split_list(head)
    words = rest.split(None, 2)
    if len(words) < 2 or words[0] not in KEY_TYPES:
        return KeyLine(text, options, None, "")
    return KeyLine(text, options, PublicKey(words[0], words[1]), words[2] if len(words) > 2 else "")


def read_lines(path: Path) -> list[KeyLine]:
    """The lines of an authorized_keys file ([] when there is none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return []
    return [parse_line(line) for line in text.splitlines()]


def account_keys_file() -> Path:
    """~/.ssh/authorized_keys of the account this process runs as (from passwd, not $HOME)."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".ssh" / "authorized_keys"


def forced_command(program: Sequence[str], initials: str, db_path: Path | None) -> str:
    """The shell command a key forces: `PROGRAM [--db PATH] desk --staff INITIALS`."""
    key = normalise_initials(initials)
    words = [*program]
    if db_path is not None:
        words += ["--db", str(db_path)]
    for word in words:
        _check_text(word, _("The program path"))
        if _UNSAFE & set(word):
            raise ValidationError(
                _('{path}: a path for the forced command may not hold " or \\.').format(path=word)
            )
    if not words or not Path(words[0]).is_absolute():
        raise ValidationError(_("The forced command needs the program's absolute path."))
    if db_path is not None and not db_path.is_absolute():
        raise ValidationError(_("The forced command needs the database's absolute path."))
    return shlex.join([*words, *DESK, key])


def authorized_line(key: PublicKey, initials: str, command: str) -> str:
    """The authorized_keys line binding `key` to `initials` (the command from forced_command;
    it holds no double quote, so it goes between quotes as it is)."""
    return f'restrict,pty,command="{command}" {key.kind} {key.blob} {COMMENT_PREFIX}{initials}'


def _jobbutik_initials(line: KeyLine) -> str | None:
    bound = line.desk_staff()
    if bound is not None:
        return bound[0]
    if line.comment.startswith(COMMENT_PREFIX):
        return line.comment[len(COMMENT_PREFIX) :]
    return None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Two admins adding keys at once must not lose one: a lock on the folder for the
    read-change-replace of the file (the file itself is replaced, so it cannot hold the lock)."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _folder(path: Path) -> Path:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        os.chmod(folder, 0o700)  # whatever the umask said
    return folder


def _replace(path: Path, lines: Sequence[str]) -> None:
    """Write the file whole or not at all, 0600, keeping the owner of the file (or folder) it
    replaces: root editing a service account's keys must leave them readable by that account."""
    folder = path.parent
    owner = path.stat() if path.exists() else folder.stat()
    fd, temp = tempfile.mkstemp(prefix=".authorized_keys.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as out:
            out.write("".join(f"{line}\n" for line in lines))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        if os.getuid() == 0 and (owner.st_uid, owner.st_gid) != (0, 0):
            os.chown(temp, owner.st_uid, owner.st_gid)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _staff_id(session: Session, initials: str) -> int:
    row = session.exec(select(Staff).where(Staff.initials == initials)).first()
    if row is None or row.id is None:
        raise NotFound(_("There is no member of staff {initials}.").format(initials=initials))
    return row.id


def _sqlite_only(db: Database) -> Path:
    if db.backend != "sqlite" or db.path is None:
        raise PermissionDenied(
            _(
                "SSH keys are for the SQLite server set-up; on PostgreSQL each member of staff "
                "logs in with their own role."
            )
        )
    return db.path


@dataclass(frozen=True)
class KeyChange:
    initials: str
    fingerprints: tuple[str, ...]
    keys_file: Path
    command: str = ""  # the forced command (add_key)


def add_key(
    ctx: ServiceContext,
    initials: str,
    key_text: str,
    *,
    program: Sequence[str],
    db_path: Path | None = None,
    keys_file: Path | None = None,
) -> KeyChange:
    """Bind the public key in `key_text` to `initials`: append its forced-command line to
    `keys_file` (default: this account's ~/.ssh/authorized_keys). A key already in the file,
    for anyone, is refused; the audit log records the fingerprint."""
    me = ctx.require(Permission.MANAGE_STAFF)
    _sqlite_only(ctx.db)
    key = normalise_initials(initials)
    public = parse_public_key(key_text)
    command = forced_command(program, key, db_path)
    line = authorized_line(public, key, command)
    path = keys_file or account_keys_file()
    ctx.db.read(lambda session: _staff_id(session, key))
    with _locked(_folder(path)):
        existing = read_lines(path)
        for old in existing:
            if old.key is not None and old.key.blob == public.blob:
                holder = _jobbutik_initials(old)
                raise ValidationError(
                    _("This key is already in {path} ({who}): one key, one person.").format(
                        path=path, who=holder or _("not a jobbutik key")
                    )
                )
        previous = [old.text for old in existing]
        _replace(path, [*previous, line])
        _log_or_undo(
            ctx, me.initials, key, AuditAction.CREATE, [public.fingerprint], path, previous
        )
    return KeyChange(key, (public.fingerprint,), path, command)


def remove_keys(
    ctx: ServiceContext,
    initials: str,
    fingerprint: str | None = None,
    *,
    keys_file: Path | None = None,
) -> KeyChange:
    """Remove the jobbutik lines of `initials` (all, or the one with `fingerprint`)."""
    me = ctx.require(Permission.MANAGE_STAFF)
    _sqlite_only(ctx.db)
    key = normalise_initials(initials)
    path = keys_file or account_keys_file()
    ctx.db.read(lambda session: _staff_id(session, key))
    with _locked(_folder(path)):
        existing = read_lines(path)
        gone = [
            old
            for old in existing
            if old.key is not None
            and _jobbutik_initials(old) == key
            and (fingerprint is None or old.key.fingerprint == fingerprint.strip())
        ]
        if not gone:
            if fingerprint is None:
                message = _("{initials} has no key in {path}.")
            else:
                message = _("{initials} has no key {fingerprint} in {path}.")
            raise NotFound(message.format(initials=key, fingerprint=fingerprint, path=path))
        previous = [old.text for old in existing]
        _replace(path, [old.text for old in existing if old not in gone])
        prints = [old.key.fingerprint for old in gone if old.key is not None]
        _log_or_undo(ctx, me.initials, key, AuditAction.DELETE, prints, path, previous)
    return KeyChange(key, tuple(prints), path)


def _log_or_undo(
    ctx: ServiceContext,
    actor: str,
    initials: str,
    action: AuditAction,
    fingerprints: Sequence[str],
    path: Path,
    previous: Sequence[str],
) -> None:
    """Audit the change to the file; if the log cannot be written, put the file back, so no
    key works that the log does not show."""
    from jobbutik.services import audit

    what = "ssh key added" if action is AuditAction.CREATE else "ssh key removed"

    def work(session: Session) -> None:
        staff_id = _staff_id(session, initials)
        for fingerprint in fingerprints:
            audit.record(
                session,
                actor=actor,
                action=action,
                entity=AuditEntity.STAFF,
                entity_id=staff_id,
                detail=f"{initials}: {what} {fingerprint} ({path})",
                at=ctx.clock.now(),
            )

    try:
        ctx.db.write(work)
    except BaseException:
        _replace(path, previous)
        raise


def require_forced_command(
    db: Database,
    initials: str,
    *,
    environ: Mapping[str, str] | None = None,
    keys_file: Path | None = None,
) -> None:
    """Believe `jobbutik desk --staff INITIALS` only when an SSH key's forced command ran it.

    PermissionDenied unless: the database is a SQLite file this OS account owns (the service
    account), this account's authorized_keys forces `desk --staff INITIALS` (with `restrict`, and
    the same --db when the line names one), and sshd started the process (SSH_CONNECTION). Anyone
    who could fake the last one already runs as the account that owns the database file."""
    path = _sqlite_only(db)
    env = os.environ if environ is None else environ
    key = normalise_initials(initials)
    refused = _("`jobbutik desk --staff {initials}` is refused: {reason}")
    try:
        owner = path.stat().st_uid
    except OSError as exc:
        raise PermissionDenied(
            refused.format(initials=key, reason=exc.strerror or str(exc))
        ) from None
    if owner != os.getuid():
        raise PermissionDenied(
            refused.format(
                initials=key,
                reason=_("it runs only as the account that owns the database ({path}).").format(
                    path=path
                ),
            )
        )
    if not env.get("SSH_CONNECTION", "").strip():
        raise PermissionDenied(
            refused.format(
                initials=key,
                reason=_("it is started by an SSH key's forced command, not by hand."),
            )
        )
    where = keys_file or account_keys_file()
    for line in read_lines(where):
        bound = line.key and line.desk_staff()
        if not bound or bound[0] != key:
            continue
        if bound[1] is None or Path(bound[1]).resolve() == path.resolve():
            return
    raise PermissionDenied(
        refused.format(
            initials=key,
            reason=_("{path} holds no key for {initials} (jobbutik staff add-key).").format(
                path=where, initials=key
            ),
        )
    )
