"""Every message the TUI shows has a Danish translation in tui.po (or another area's catalog)."""

from __future__ import annotations

import ast
from pathlib import Path

from jobbutik.domain.i18n import load_catalog

ROOT = Path(__file__).resolve().parents[2] / "jobbutik"
# The reception/consultant TUI (other screens keep their own catalogs and checks).
SCREENS = ("base", "forms", "today", "register", "withdraw", "conversation", "citizen", "search")
TUI_FILES = [
    ROOT / "tui" / "app.py",
    ROOT / "tui" / "messages.py",
    ROOT / "domain" / "contact.py",  # the form fields' name and contact checks
    *(ROOT / "tui" / "screens" / f"{name}.py" for name in SCREENS),
    ROOT / "tui" / "screens" / "receipt.py",
    *sorted((ROOT / "tui" / "widgets").glob("*.py")),
]


def tui_msgids() -> dict[str, str]:
    """msgid → where: `_("…")` and `N_("…")` calls, Binding descriptions, Command texts."""
    found: dict[str, str] = {}
    for path in TUI_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            strings: list[ast.expr] = []
            if name in {"_", "N_"}:
                strings = node.args[:1]
            elif name == "Binding":
                strings = node.args[2:3]
            elif name == "Command":
                strings = node.args[2:4]
            for arg in strings:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.name}:{node.lineno}")
    return found


def test_every_tui_message_has_a_danish_translation() -> None:
    catalog = load_catalog("da")
    missing = {m: where for m, where in tui_msgids().items() if m not in catalog}
    assert not missing, "\n".join(f"{where}: {m!r}" for m, where in sorted(missing.items()))


def test_translations_keep_their_placeholders() -> None:
    import string

    catalog = load_catalog("da")
    fmt = string.Formatter()
    for msgid in tui_msgids():
        if msgid in catalog:
            want = {f for _, f, _, _ in fmt.parse(msgid) if f}
            got = {f for _, f, _, _ in fmt.parse(catalog[msgid]) if f}
            assert want == got, (msgid, catalog[msgid])
