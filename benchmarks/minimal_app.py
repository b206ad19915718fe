"""The baseline for cold start: a minimal Textual app (Header, Input, Footer)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Input


class MinimalApp(App[None]):
    TITLE = "Minimal"
    BINDINGS: ClassVar = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="CPR or name")
        yield Footer()


if __name__ == "__main__":
    MinimalApp().run()
