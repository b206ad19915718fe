"""What every jobbutik screen shares: translated bindings, the service context, and forwarding of
worker failures to the app's one handler."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _

if TYPE_CHECKING:
    from jobbutik.services.context import ServiceContext
    from jobbutik.tui.app import JobbutikApp

ResultT = TypeVar("ResultT")


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
# In a form, Enter in a text field moves on the same way (only there: see `enter_moves_on`).
ENTER_BINDING = Binding("enter", "next_field", "Next field", show=False, priority=True)


def enter_moves_on(screen: Any) -> bool:
    """Whether the priority Enter applies: only while a text field has focus."""
    from textual.widgets import Input

    return isinstance(screen.focused, Input)


class ScreenMixin:
    """Mixed into every screen (full and modal)."""

    app: Any

    @property
    def japp(self) -> JobbutikApp:
        return self.app  # type: ignore[no-any-return,unused-ignore]

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.japp.worker_failed(self, event.worker)  # type: ignore[arg-type]

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        """A worker of this screen failed: show it at the right field if the screen can.

        Return True when the screen has shown it in place (the app still notifies)."""
        return False


class BaseScreen(ScreenMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        translate_bindings(self)


class BaseModal(ScreenMixin, ModalScreen[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = FOCUS_BINDINGS

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        translate_bindings(self)
