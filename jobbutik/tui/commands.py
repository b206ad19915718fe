"""The command palette: our commands (the ones the user's role allows on the screen at hand) and
Textual's palette with its own words in the user's language."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, Protocol, cast

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.widgets.option_list import Option

from jobbutik.domain.i18n import _
from jobbutik.tui.messages import Command


class CommandHost(Protocol):
    """What the palette needs of the app (jobbutik.tui.app.JobbutikApp)."""

    def available_commands(self, screen: DOMNode) -> Iterator[Command]: ...

    async def run_command(self, command: Command, screen: DOMNode) -> None: ...


class JobbutikCommands(Provider):
    """The palette lists the commands the user's role allows on the screen at hand."""

    @property
    def host(self) -> CommandHost:
        return cast(CommandHost, self.app)

    async def discover(self) -> Hits:
        keys = self.keys()
        for command in self.host.available_commands(self.screen):
            yield DiscoveryHit(
                _(command.title),
                partial(self.host.run_command, command, self.screen),
                help=with_key(command, keys),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        keys = self.keys()
        for command in self.host.available_commands(self.screen):
            title = _(command.title)
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.host.run_command, command, self.screen),
                    help=with_key(command, keys),
                )

    def keys(self) -> dict[str, str]:
        """The key of each action on the screen at hand, as the footer shows it: the palette
        lists the commands the footer leaves out, with their keys."""
        keys: dict[str, str] = {}
        for active in self.screen.active_bindings.values():
            keys.setdefault(active.binding.action, self.app.get_key_display(active.binding))
        return keys


def with_key(command: Command, keys: dict[str, str]) -> str:
    """The command's help, after its key if it has one ("f12 · Daily list, …")."""
    key = keys.get(command.action)
    return f"{key} · {_(command.help)}" if key else _(command.help)


class Palette(CommandPalette):
    """Textual's palette with its placeholder and "no matches" in the user's language."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder=_("Search for commands…"), **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own, but for the words: it adds "No matches found" after a short wait.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
