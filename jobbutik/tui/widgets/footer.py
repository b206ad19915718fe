"""The footer every screen shows: Textual's (compact), with no key cut in half.

The keys come in the order of the binding chain: the focused widget's, the screen's commands,
then the app's section keys that are shown (F2, F3, F4; the palette lists the others with their
keys). Ctrl+P "Commands" stays at the right edge. A key that does not fit whole in front of it is
left out, and so is every key after it: at 80 columns the screen's own commands are shown and the
section keys as far as there is room; nothing ends under the palette key or off the screen.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer

PALETTE_KEY = "-command-palette"  # the class Textual gives the footer's Ctrl+P key
MEASURE = Size(1000, 1)  # room enough to measure a key at its natural width


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)

    async def recompose(self) -> None:
        # Textual recomposes the footer whenever the bindings change (focus, a command enabled);
        # one screen update for both (`batch` would take the widget's lock a second time).
        with self.app.batch_update():
            await super().recompose()
            self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the keys, in order, that fit whole; leave out the first that does not and the
        rest."""
        if not self.size.width:
            return  # not laid out yet: a Resize follows
        keys = [child for child in self.children if not child.has_class(PALETTE_KEY)]
        room = self.size.width - sum(
            _width(child) for child in self.children if child.has_class(PALETTE_KEY)
        )
        used = 0
        fits = True
        for key in keys:
            # The space after a key (its right margin) may reach the palette key's border.
            fits = fits and used + _width(key) - key.styles.margin.right <= room
            key.display = fits
            used += _width(key)


def _width(widget: Widget) -> int:
    """The columns `widget` takes in the footer's row: its text, padding, border and margins."""
    styles = widget.styles
    return widget.get_content_width(MEASURE, MEASURE) + styles.gutter.width + styles.margin.width
