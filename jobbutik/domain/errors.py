"""Errors the user may see. Each carries one clear, translated sentence in `str(err)`."""

from __future__ import annotations

from datetime import datetime

from jobbutik.domain.clock import local
from jobbutik.domain.i18n import _


class JobbutikError(Exception):
    """Base: a problem to report in one line, never with a traceback."""


class ValidationError(JobbutikError):
    """Input refused; `field` names the form field it belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(JobbutikError):
    pass


class NotFound(JobbutikError):
    pass


class CapacityFull(ValidationError):
    pass


class DatabaseBusy(JobbutikError):
    """Another desk held the database longer than the timeout; the work was not saved."""


class DatabaseUnavailable(JobbutikError):
    """The database cannot be opened or reached."""


class DatabaseMissing(DatabaseUnavailable):
    """No database where one was asked for: it is created only on purpose (`db init`)."""

    def __init__(self, where: object) -> None:
        self.where = where
        super().__init__(
            _(
                "There is no jobbutik database at {where}. Check the path; to start a new one "
                "there, run `jobbutik db init` (or give --create)."
            ).format(where=where)
        )


class FormErrors(ValidationError):
    """Several fields refused at once: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        # each message is a sentence of its own: one line reads "A. B.", not "A.; B."
        super().__init__(" ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors


class ClaimHeld(JobbutikError):
    """Another desk has the citizen in conversation: it cannot be opened here."""

    def __init__(self, holder: str, since: datetime) -> None:
        super().__init__(
            _("{holder} has the citizen in conversation since {since}.").format(
                holder=holder, since=local(since).strftime("%H:%M")
            )
        )
        self.holder = holder
        self.since = since


class ClaimLost(JobbutikError):
    """The conversation was released or taken over by another desk before it was saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "The conversation is no longer yours (released or taken over by another desk): "
                "nothing was saved; your input is kept as a draft."
            )
        )
