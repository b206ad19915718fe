"""What every jobbutik screen shares: translated bindings, the service context, and the app's one
handler for what goes wrong in a handler or a worker."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast

from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from jobbutik.services.context import ServiceContext
    from jobbutik.tui.drafts import DraftStore

ResultT = TypeVar("ResultT")


class Desk(Protocol):
    """What a screen may ask of the app (jobbutik.tui.app.JobbutikApp, which imports the screens:
    they know it by this description only)."""

    context: ServiceContext | None
    permissions: frozenset[str]
    drafts: DraftStore

    def allowed(self, action: str) -> bool: ...

    def header_text(self, section: str) -> str: ...

    def context_or_raise(self) -> ServiceContext: ...

    def handler_failed(self, error: Exception) -> None: ...

    def busy_saving(self) -> bool: ...

    def action_hearings(self) -> None: ...

    def dismiss_screen(self, screen: Screen[Any], result: Any = None) -> None: ...

    def release_claim(
        self, request_id: int, release: Callable[[], None], after: Awaitable[object] | None = None
    ) -> None: ...

    async def claim_released(self, request_id: int) -> None: ...


def translate_bindings(node: DOMNode) -> None:
    """Replace `node`'s binding descriptions (English msgids) by the current language's text.

    Bindings are class attributes, evaluated at import, before the language is chosen; each node
    copies them when it is built, so translating that copy is enough."""
    translated = BindingsMap()
    for bindings in node._bindings.key_to_bindings.values():
        for binding in bindings:
            if binding.description:
                binding = dataclasses.replace(binding, description=_(binding.description))
            translated._add_binding(binding)
    node._bindings = translated


# Tab moves focus at once, as the key is read: a non-priority Tab bubbles up from the focused
# input through several message queues, and letters typed right after it (a fast typist, or an
# SSH link delivering keys in bursts) would still land in the field being left.
FOCUS_BINDINGS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]
# In a form, Enter moves on from every kind of field, as Tab does (see `enter_moves_on`).
ENTER_BINDING = Binding("enter", "next_field", "Next field", show=False, priority=True)


def enter_moves_on(screen: Any) -> bool:
    """Whether the priority Enter applies: while a one-line field has focus — a text field, a
    checkbox, a set of options or a closed list. Enter never toggles or opens anything there
    (Space does); in a table, a list of several choices, a text area or on a button it keeps
    its own meaning, and an open list's Enter picks the option."""
    from textual.widgets import Checkbox, Input, RadioButton, RadioSet, Select

    return isinstance(screen.focused, (Input, Checkbox, RadioButton, RadioSet, Select))


def forget_closed_watchers(screen: Screen[Any]) -> None:
    """Drop the watchers that closed widgets left on the app and on `screen`'s widgets.

    A widget that watches another node (`watch`, `data_bind`) is kept in that node's list until
    the watched value next changes (Textual 8.2.8, textualize/textual#6666): the Footer, rebuilt
    on every change of keys, kept all its old keys, and the app kept every closed screen's Header
    (megabytes a round of the desk's screens)."""
    for node in [screen.app, *screen.walk_children(with_self=True)]:
        watchers: dict[str, list[tuple[DOMNode, Any]]] = getattr(node, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [entry for entry in entries if not entry[0]._closing]


class ScreenMixin:
    """Mixed into every screen (full and modal)."""

    app: Any

    def on_mount(self) -> None:
        # The Footer rebuilds its keys after this signal: the old ones are closed by the next.
        screen = cast("Screen[Any]", self)
        screen.bindings_updated_signal.subscribe(screen, forget_closed_watchers)

    def on_screen_resume(self) -> None:
        forget_closed_watchers(cast("Screen[Any]", self))

    @property
    def japp(self) -> Desk:
        return self.app

    @property
    def ctx(self) -> ServiceContext:
        """The service context; only call once `ready` (screens open after start-up)."""
        ctx = self.japp.context
        if ctx is None:
            raise JobbutikError(_("The database is still opening: try again in a moment."))
        return ctx

    @property
    def ready(self) -> bool:
        return self.japp.context is not None

    async def _dispatch_message(self, message: Message) -> None:
        # Textual stops a screen's message loop at the first error in a handler; the app reports
        # it instead (a notice, or the crash log) and the screen goes on answering.
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as error:
            self.japp.handler_failed(error)


class BaseScreen(ScreenMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        translate_bindings(self)

    def action_back(self) -> None:
        """Back to the screen underneath (the screens that bind Escape to "back")."""
        self.dismiss()


class BaseModal(ScreenMixin, ModalScreen[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        translate_bindings(self)
