"""Errors the user may see. Each carries one clear, translated sentence in `str(err)`."""

from __future__ import annotations


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


class FormErrors(ValidationError):
    """Several fields refused at once: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors
