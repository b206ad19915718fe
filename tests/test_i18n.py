"""The message catalogs: current with the code, fully translated, compiled, and used at run time.

`make messages` refreshes the catalogs; these tests fail `make test` until it has been run and every
new message has its Danish translation.
"""

from __future__ import annotations

import ast
import io
import os
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from jobbutik.domain import i18n
from jobbutik.domain.rules.calendar import HOLIDAY_NAMES, danish_public_holidays

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "jobbutik" / "locale"
DANISH = LOCALE / "da" / "LC_MESSAGES"
FIX = "run `make messages`, translate what is new in jobbutik/locale/da/LC_MESSAGES/*.po"

# Messages whose Danish text is rightly the English one: Danish terms, names, codes and formats.
SAME_IN_DANISH = {
    "jobbutik": {
        # Danish terms and names
        "Aktivitetsparat",
        "Jobbutik",
        "Ctrl+F: {counts}",  # a key and the follow-up counts
        "Jobparat",
        "Kontanthjælp",
        "Nytteindsats",
        "Partshøringer",
        "Skånehensyn",
        "Uddannelseshjælp",
        "Uddannelsesparat",
        "Åbenlyst uddannelsesparat",
        # words Danish shares with English
        "Database",
        "E-mail",
        "E-mail: {email}",
        "Format",
        "Import",
        "Job",
        "job",
        "Login",
        "LOGIN",
        "{initials}: login {login}.",
        "Note",
        "Reception",
        "Status",
        "{event}, {day} ({category})",
        "Visitation",
        "Weekend",
        "start {day}",
        # codes and units
        "CPR",
        "CVR",
        "CPR {value!r}: {reason}",
        "CVR {value!r}: {reason}",
        "Min.",
        "{n} min",
        "{n} d",
    },
    "click": {"%(prog)s, version %(version)s", "d"},
}


def extract(tmp_path: Path, *args: str) -> Catalog:
    """Babel's extraction, as `make messages` runs it."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *args, "-o", str(pot)],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def in_the_code(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return extract(tmp_path_factory.mktemp("pot"), "-F", "babel.cfg", "jobbutik")


@pytest.fixture(scope="module")
def in_click(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return extract(tmp_path_factory.mktemp("pot"), os.path.dirname(click.__file__))


def catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def ids(cat: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id for m in cat if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems_of(cat: Catalog, wanted: Catalog, domain: str) -> list[str]:
    """What `make messages` would change, and what is left untranslated, fuzzy or suspicious."""
    found = []
    found += [f"not in the catalog: {m!r}" for m in sorted(map(str, ids(wanted) - ids(cat)))]
    found += [
        f"stale (no longer in the code): {m!r}" for m in sorted(map(str, ids(cat) - ids(wanted)))
    ]
    found += [f"obsolete entry: {m!r}" for m in cat.obsolete]
    for m in cat:
        if not m.id:
            continue
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            found.append(f"fuzzy (check the translation, drop the flag): {m.id!r}")
        elif not all(forms):
            found.append(f"untranslated: {m.id!r}")
        elif m.string == m.id and m.id not in SAME_IN_DANISH[domain]:
            found.append(f"same as the English: {m.id!r}")
        found += [f"{m.id!r}: {error}" for error in check_placeholders(m, domain)]
    return found


def check_placeholders(m: Message, domain: str) -> list[str]:
    english = m.id if isinstance(m.id, tuple) else (m.id,)
    danish = m.string if isinstance(m.string, tuple) else (m.string,)
    wanted = set().union(*(placeholders(e) for e in english))
    errors = [f"unknown placeholder in {d!r}" for d in danish if not placeholders(d) <= wanted]
    if domain == "jobbutik":  # ours must use every value (Click's may leave its English words out)
        last = placeholders(english[-1])
        errors += [f"placeholder missing in {d!r}" for d in danish[1:] if placeholders(d) != last]
        if placeholders(danish[0]) != placeholders(english[0]):
            errors.append(f"placeholders differ in {danish[0]!r}")
    return errors


def test_the_template_lists_every_message_in_the_code(in_the_code: Catalog) -> None:
    template = catalog(LOCALE / "jobbutik.pot")
    assert ids(template) == ids(in_the_code), FIX


def test_the_danish_catalog_translates_every_message_in_the_code(in_the_code: Catalog) -> None:
    problems = problems_of(catalog(DANISH / "jobbutik.po"), in_the_code, "jobbutik")
    assert not problems, FIX + ":\n" + "\n".join(problems)


MESSAGE_FUNCTIONS = {"_", "N_", "ngettext"}


def messages_in(source: str) -> set[str | tuple[str, ...]]:
    """Every literal message a source file marks, read from its syntax tree (not by Babel): the
    message functions, and a key binding's description (positional, as babel.cfg reads it, or
    by keyword, which Babel would miss)."""
    found: set[str | tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name in MESSAGE_FUNCTIONS and texts and all(isinstance(t, str) for t in texts):
            found.add(texts[0] if name != "ngettext" else tuple(texts[:2]))
        elif name == "Binding":
            described = node.args[2:3] + [k.value for k in node.keywords if k.arg == "description"]
            found |= {d.value for d in described if isinstance(d, ast.Constant) and d.value}
    return found


def test_messages_in_reads_every_way_of_marking_a_message() -> None:
    source = (
        "_('one')\nN_('two')\ni18n._('three')\nngettext('{n} row', '{n} rows', n)\n"
        "Binding('f2', 'register', 'Register')\nBinding('q', 'quit', description='Quit')\n"
        "Binding('x', 'pick', show=False)\n_(variable)\n"
    )
    assert messages_in(source) == {
        "one", "two", "three", ("{n} row", "{n} rows"), "Register", "Quit",
    }  # fmt: skip


def test_the_template_has_every_module_s_messages_at_that_module() -> None:
    """Read every module of the package, whatever babel.cfg selects: a module the extraction
    skipped (a narrowed pattern, a new folder) would leave its messages out of the template, or
    listed only at another module that happens to share them."""
    located: dict[str | tuple[str, ...], set[str]] = {}
    for m in catalog(LOCALE / "jobbutik.pot"):
        if m.id:
            located[m.id] = {path for path, _line in m.locations}
    missing, modules = [], set()
    for path in sorted((ROOT / "jobbutik").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for message in messages_in(path.read_text(encoding="utf-8")):
            modules.add(module)
            if module not in located.get(message, set()):
                missing.append(f"{module}: {message!r}")
    assert not missing, FIX + ":\n" + "\n".join(missing)
    assert {"jobbutik/cli/main.py", "jobbutik/tui/app.py", "jobbutik/domain/errors.py"} <= modules
    assert modules == set().union(*located.values())  # and no location the code no longer has


def test_the_message_functions_keep_their_names() -> None:
    """Babel finds `_`, `N_` and `ngettext` by name: imported under another name, a module's
    messages would be shown translated by nobody and missed by the catalog."""
    renamed = []
    for path in sorted((ROOT / "jobbutik").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("i18n"):
                renamed += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: {a.name} as {a.asname}"
                    for a in node.names
                    if a.asname and a.asname != a.name
                ]
    assert not renamed


def test_clicks_own_texts_are_translated(in_click: Catalog) -> None:
    problems = problems_of(catalog(DANISH / "click.po"), in_click, "click")
    assert not problems, FIX + ":\n" + "\n".join(problems)


def test_each_language_has_one_catalog_per_domain() -> None:
    found = sorted(p.name for p in DANISH.iterdir() if p.suffix in {".po", ".mo"})
    assert found == ["click.mo", "click.po", "jobbutik.mo", "jobbutik.po"]


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*/LC_MESSAGES/*.po")), ids=lambda p: p.name)
def test_each_compiled_catalog_is_its_po_compiled(po: Path) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(po))
    assert po.with_suffix(".mo").read_bytes() == compiled.getvalue(), FIX


def test_no_message_hides_in_an_f_string() -> None:
    """Babel does not look inside f-strings: `f"{_('x')}"` would never reach the catalog."""
    hidden = []
    for path in sorted((ROOT / "jobbutik").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FormattedValue):
                for call in ast.walk(node.value):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Name)
                        and call.func.id in {"_", "N_", "ngettext"}
                        and call.args
                        and isinstance(call.args[0], ast.Constant)
                    ):
                        hidden.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not hidden


def test_plurals_use_ngettext(in_the_code: Catalog) -> None:
    assert not [m.id for m in in_the_code if isinstance(m.id, str) and "(s)" in m.id]


def test_every_holiday_name_is_marked_for_the_catalog() -> None:
    names = {n for year in range(2020, 2041) for n in danish_public_holidays(year).values()}
    assert names <= set(HOLIDAY_NAMES)


@pytest.fixture
def danish() -> object:
    before = i18n.language()
    i18n.set_language("da")
    yield
    i18n.set_language(before)


@pytest.mark.usefixtures("danish")
def test_the_program_speaks_danish_from_the_compiled_catalog() -> None:
    assert i18n._("Search") == "Søg"
    assert i18n._("no such message, so it stays") == "no such message, so it stays"
    assert i18n._("") == ""  # not the catalog's header
    assert i18n.load_catalog("da")["Today"] == "I dag"


@pytest.mark.usefixtures("danish")
def test_danish_plural_forms() -> None:
    assert i18n.ngettext("{count} row skipped.", "{count} rows skipped.", 1) == (
        "{count} række sprunget over."
    )
    assert i18n.ngettext("{count} row skipped.", "{count} rows skipped.", 2) == (
        "{count} rækker sprunget over."
    )
    assert i18n.ngettext("{count} row skipped.", "{count} rows skipped.", 0) == (
        "{count} rækker sprunget over."
    )


def test_english_is_the_message_ids() -> None:
    before = i18n.language()
    i18n.set_language("en")
    try:
        assert i18n._("Search") == "Search"
        assert i18n.ngettext("{count} row skipped.", "{count} rows skipped.", 1) == (
            "{count} row skipped."
        )
        assert i18n.ngettext("{count} row skipped.", "{count} rows skipped.", 3) == (
            "{count} rows skipped."
        )
    finally:
        i18n.set_language(before)
