"""CPR and date inputs with their validators; completion of industries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.suggester import Suggester
from textual.widgets import Input

from jobbutik.domain.dates import format_day, parse_day
from jobbutik.domain.errors import JobbutikError, ValidationError
from jobbutik.domain.i18n import _
from jobbutik.tui.widgets.fields import Check, check_date

if TYPE_CHECKING:
    from textual.app import App

    from jobbutik.domain.identity import Cpr

# `jobbutik.domain.identity` (python-stdnum) is imported on first use, not at start-up.


class CprInput(Input):
    """A CPR number, `DDMMYY-SSSS` or ten digits. Validated by `identity.parse_cpr` as of `today`:
    bad date, future birth date, wrong length, non-ASCII digits each give their own sentence.

    A number failing modulus 11 is accepted (issued since 2007); `cpr` tells the caller so it can
    show a notice."""

    DEFAULT_CSS = "CprInput { width: 20; }"

    def __init__(
        self, today: Callable[[], date], value: str = "", *, id: str | None = None
    ) -> None:
        self._today = today
        super().__init__(
            value=value,
            placeholder=_("DDMMYY-SSSS"),
            max_length=11,
            validators=[Check(self._problem)],
            validate_on=["changed", "blur", "submitted"],
            id=id,
        )

    def _problem(self, value: str) -> str | None:
        from jobbutik.domain.identity import CprError, parse_cpr

        try:
            parse_cpr(value, self._today())
        except CprError as exc:
            return exc.reason
        return None

    @property
    def cpr(self) -> Cpr | None:
        """The checked number, or None while it is not valid."""
        from jobbutik.domain.identity import CprError, parse_cpr

        try:
            return parse_cpr(self.value, self._today())
        except CprError:
            return None

    def show_error_while_typing(self, value: str) -> bool:
        """Say what is wrong as soon as the number is complete, or has a character no CPR
        number has: not at the first keystroke."""
        text = value.strip()
        digits = text.replace("-", "")
        return (
            len(digits) >= 10
            or not all(c.isdigit() or c == "-" for c in text)
            or (any(c.isdigit() and not c.isascii() for c in text))
        )


class DateInput(Input):
    """A date typed as DD.MM.YYYY (also 24-11-2026, 24112026, 2026-11-24), or as DD.MM (7.12,
    7/12) for a day in this year: the year of the program's today, whose clock may be fixed."""

    DEFAULT_CSS = "DateInput { width: 16; }"

    def __init__(self, value: date | None = None, *, id: str | None = None) -> None:
        super().__init__(
            value=format_day(value),
            placeholder=_("DD.MM[.YYYY]"),
            max_length=10,
            validators=[Check(lambda text: check_date(text, today=self.today()))],
            validate_on=["changed", "blur", "submitted"],
            id=id,
        )

    def today(self) -> date | None:
        """The program's today once the database is open (None: the Copenhagen calendar's)."""
        context = getattr(self.app, "context", None)
        return context.clock.today() if context is not None else None

    @property
    def day(self) -> date | None:
        try:
            return parse_day(self.value, today=self.today())
        except ValidationError:
            return None

    def set_date(self, day: date | None) -> None:
        self.value = format_day(day)

    def show_error_while_typing(self, value: str) -> bool:
        return len(value.strip()) >= 10


class IndustrySuggester(Suggester):
    """Completes the last comma-separated item of a field ("Detail, la" → "Detail, Lager og
    logistik"; Right arrow accepts) from the industries of the registered companies and
    openings. They are read once, in a thread, when the field first asks for a suggestion."""

    def __init__(self, app: App[Any]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._app = app
        self._industries: asyncio.Task[list[str]] | None = None

    async def _load(self) -> list[str]:
        from jobbutik.services.openings import known_industries

        context = getattr(self._app, "context", None)
        if context is None:
            return []
        try:
            return await asyncio.to_thread(known_industries, context)
        except JobbutikError:
            return []  # no completion; what is typed is still saved as typed

    async def get_suggestion(self, value: str) -> str | None:
        from jobbutik.domain.identity import fold_name

        if self._industries is None:
            self._industries = asyncio.create_task(self._load())
        typed = value[value.rfind(",") + 1 :].lstrip()
        if not typed:
            return None
        folded = fold_name(typed)
        # Shielded: a field's suggestion worker that is cancelled must not cancel the load.
        for industry in await asyncio.shield(self._industries):
            if len(industry) > len(typed) and fold_name(industry).startswith(folded):
                return value[: len(value) - len(typed)] + industry
        return None
