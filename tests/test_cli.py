"""The command line: help, global options and environment variables, one-line errors."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from factories import add_staff, make_demo_db
from sqlmodel import select

from jobbutik.cli import main as cli
from jobbutik.cli.main import Frontend, main
from jobbutik.cli.translated import speak
from jobbutik.services.config import Settings, SettingsError, resolve_settings
from jobbutik.store.db import Database
from jobbutik.store.models import AuditEntry, Citizen, Role, Staff

TODAY = "2026-11-23"
CSV = "cpr;name\n0101901234;Søren Ærø\n0202851236;Mette Møller\n"
ENV_NAMES = ("JOBBUTIK_DB", "JOBBUTIK_USER", "JOBBUTIK_TODAY", "JOBBUTIK_LANG", "JOBBUTIK_RULES")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield
    speak(
        "en"
    )  # the CLI switches the process language (and Click's): leave English, as others expect


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jobbutik: ")
    return lines[0]


def base(tmp_path: Path, user: str = "ab") -> list[str]:
    return ["--db", str(tmp_path / "j.sqlite"), "--user", user, "--today", TODAY, "--lang", "en"]


def demo_desk(tmp_path: Path, name: str = "j.sqlite", admin: str = "ab") -> Path:
    """A demo-marked database with one admin: only there may --user and --today pick who and
    when (tests/test_identity_channel.py shows a real database refusing them)."""
    path = tmp_path / name
    db = make_demo_db(path)
    add_staff(db, admin, Role.ADMIN.value)
    db.dispose()
    return path


def csv_file(tmp_path: Path, text: str = CSV) -> str:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["import"],
        ["import", "citizens"],
        ["export"],
        ["export", "citizens"],
        ["db"],
        ["db", "upgrade"],
        ["db", "check"],
        ["rules"],
        ["rules", "show"],
        ["rules", "deadlines"],
    ],
)
def test_help(command: list[str]) -> None:
    result = run("--lang", "en", *command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.stdout
    if not command:
        for name in ENV_NAMES:
            assert name in result.stdout
        for sub in ("demo", "import", "export", "db", "rules"):
            assert sub in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and "jobbutik" in result.stdout


def test_bad_today_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "j.sqlite"), "--today", "2026-13-01", "db", "check")
    assert result.exit_code == 2
    assert "--today" in one_line_error(result)
    assert not (tmp_path / "j.sqlite").exists()


def test_bad_env_today_and_lang_are_usage_errors(tmp_path: Path) -> None:
    result = run("db", "check", env={"JOBBUTIK_TODAY": "31.11.2026"})
    assert result.exit_code == 2 and "JOBBUTIK_TODAY" in one_line_error(result)
    result = run("db", "check", env={"JOBBUTIK_LANG": "sv"})
    assert result.exit_code == 2 and "JOBBUTIK_LANG" in one_line_error(result)
    result = run("--lang", "sv", "db", "check")
    assert result.exit_code == 2
    one_line_error(result)


def test_unknown_command_and_option_are_usage_errors() -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    one_line_error(result)
    result = run("db", "check", "--no-such-option")
    assert result.exit_code == 2
    one_line_error(result)


def test_no_first_user_becomes_admin_and_unknown_users_are_refused(tmp_path: Path) -> None:
    # A database without staff makes nobody its admin by being opened (only `db init` does).
    db = make_demo_db(tmp_path / "j.sqlite")
    result = run(*base(tmp_path, "ab"), "import", "citizens", csv_file(tmp_path))
    assert result.exit_code == 1
    assert "ab" in one_line_error(result)
    assert db.read(lambda s: s.exec(select(Staff)).all()) == []

    add_staff(db, "ab", Role.ADMIN.value)
    db.dispose()
    result = run(*base(tmp_path, "ab"), "import", "citizens", csv_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "2 records imported" in result.stdout

    result = run(*base(tmp_path, "zz"), "export", "citizens", str(tmp_path / "out.csv"))
    assert result.exit_code == 1
    assert "zz" in one_line_error(result)
    assert not (tmp_path / "out.csv").exists()


def test_env_vars_are_honoured(tmp_path: Path) -> None:
    demo_desk(tmp_path, "env.sqlite", admin="envy")
    env = {
        "JOBBUTIK_DB": str(tmp_path / "env.sqlite"),
        "JOBBUTIK_USER": "envy",
        "JOBBUTIK_TODAY": "2026-11-20",
        "JOBBUTIK_LANG": "en",
    }
    result = run("import", "citizens", csv_file(tmp_path), env=env)
    assert result.exit_code == 0, result.output
    db = Database(env["JOBBUTIK_DB"])
    citizens = db.read(lambda s: s.exec(select(Citizen)).all())
    assert len(citizens) == 2
    assert {c.created_at.astimezone().date() for c in citizens} <= {
        date(2026, 11, 20),
        date(2026, 11, 21),
        date(2026, 11, 19),
    }
    assert db.read(lambda s: s.exec(select(Staff.initials)).all()) == ["envy"]
    # A flag wins over its environment variable.
    result = run("--user", "other", "export", "citizens", str(tmp_path / "o.csv"), env=env)
    assert result.exit_code == 1 and "other" in one_line_error(result)


def test_settings_resolution_order(tmp_path: Path) -> None:
    env = {"JOBBUTIK_DB": "/env.sqlite", "JOBBUTIK_USER": "env", "JOBBUTIK_TODAY": "2026-01-02"}
    settings = resolve_settings(environ=env)
    assert (settings.db, settings.user, settings.today) == ("/env.sqlite", "env", date(2026, 1, 2))
    assert settings.db_source == settings.user_source == "env"
    flagged = resolve_settings(db="/flag.sqlite", user="fl", today="2026-03-04", environ=env)
    assert (flagged.db, flagged.user, flagged.today) == ("/flag.sqlite", "fl", date(2026, 3, 4))
    default = resolve_settings(environ={})
    assert default.db.endswith("jobbutik.sqlite") and default.db_source == "default"
    assert default.lang == "da" and default.today is None and default.rules is None
    assert default.with_defaults(db="/demo.sqlite", user="demo").db == "/demo.sqlite"
    assert flagged.with_defaults(db="/demo.sqlite", user="demo").user == "fl"
    with pytest.raises(SettingsError):
        resolve_settings(today="tomorrow", environ={})


def test_bad_db_paths_are_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = run("--db", str(folder), "--lang", "en", "db", "check")
    assert result.exit_code == 1
    one_line_error(result)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just some text " * 100)
    result = run("--db", str(junk), "--lang", "en", "db", "check")
    assert result.exit_code == 1
    one_line_error(result)
    result = run("--db", "mysql://nobody@nowhere/x", "--lang", "en", "db", "check")
    assert result.exit_code == 1
    one_line_error(result)


def test_import_refused_lists_rows_and_exits_1(tmp_path: Path) -> None:
    demo_desk(tmp_path)
    bad = csv_file(tmp_path, "cpr;name\n0101901234;Anna\n3102901234;Bo\n0303901234;\n")
    result = run(*base(tmp_path), "import", "citizens", bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("row 3: ") and lines[1].startswith("row 4: ")
    assert lines[-1].startswith("jobbutik: ") and "nothing imported" in lines[-1]
    result = run(*base(tmp_path), "import", "citizens", bad, "--skip-invalid")
    assert result.exit_code == 0
    assert "1 record imported" in result.stdout and "2 rows skipped" in result.stdout


def test_missing_import_file_is_one_line(tmp_path: Path) -> None:
    result = run(*base(tmp_path), "import", "citizens", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "nope.csv" in one_line_error(result)
    assert not (tmp_path / "j.sqlite").exists()


def test_export_and_db_check(tmp_path: Path) -> None:
    demo_desk(tmp_path)
    assert run(*base(tmp_path), "import", "citizens", csv_file(tmp_path)).exit_code == 0
    out = tmp_path / "out.csv"
    result = run(*base(tmp_path), "export", "citizens", str(out))
    assert result.exit_code == 0, result.output
    assert "Søren Ærø" in out.read_text(encoding="utf-8-sig")
    result = run(*base(tmp_path), "db", "check")
    assert result.exit_code == 0, result.output
    result = run(*base(tmp_path), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout


def test_db_check_fails_on_a_tampered_audit_log(tmp_path: Path) -> None:
    demo_desk(tmp_path)
    assert run(*base(tmp_path), "import", "citizens", csv_file(tmp_path)).exit_code == 0
    db = Database(str(tmp_path / "j.sqlite"))

    def tamper(session: Any) -> None:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.seq)).first()
        entry.detail = "nothing to see here"
        session.add(entry)

    db.write(tamper)
    db.dispose()
    result = run(*base(tmp_path), "db", "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "audit" in result.stderr.lower()
    assert result.stderr.strip().splitlines()[-1].startswith("jobbutik: ")


def test_unexpected_errors_are_one_line_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobbutik.services import csvio

    def explode(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(csvio, "import_csv", explode)
    demo_desk(tmp_path)
    result = run(*base(tmp_path), "import", "citizens", csv_file(tmp_path))
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "kaboom" in line and "report" in line and "JOBBUTIK_DEBUG" in line


def test_danish_is_the_default_language(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "j.sqlite"), "--today", "i morgen", "db", "check")
    assert result.exit_code == 2
    assert "er ikke en dato" in one_line_error(result)
    result = run("--db", str(tmp_path / "j.sqlite"), "--create", "db", "upgrade")
    assert result.exit_code == 0
    assert "opgraderet fra tom til" in result.stdout
    result = run("--db", str(tmp_path / "j.sqlite"), "db", "upgrade")
    assert result.exit_code == 0
    assert "er opdateret" in result.stdout


ENGLISH_HELP = (
    "Usage:",
    "Options:",
    "OPTIONS",
    "Commands:",
    "COMMAND",
    "Show this message",
    "Build a",
)


def test_help_is_in_danish_by_default() -> None:
    result = run("--help")
    assert result.exit_code == 0, result.output
    for danish in ("Brug:", "Indstillinger:", "Kommandoer:", "Vis denne hjælp og afslut."):
        assert danish in result.stdout
    assert "Skranken i et dansk jobcenters Jobbutik" in result.stdout
    assert "Byg en realistisk demodatabase" in result.stdout  # a command's short help
    assert not [text for text in ENGLISH_HELP if text in result.stdout]


def test_a_commands_help_is_in_danish_and_then_english_in_one_process() -> None:
    danish = run("demo", "--help").stdout
    assert "Brug: main demo [INDSTILLINGER]" in danish  # CliRunner names the program main
    assert "Hvor mange borgere der skal oprettes." in danish
    assert "[standard: 300; x>=0]" in " ".join(danish.split())
    english = run("--lang", "en", "demo", "--help").stdout
    assert "How many citizens to create." in english
    assert "[default: 300; x>=0]" in " ".join(english.split())
    assert "Show this message and exit." in english


@pytest.mark.parametrize(
    ("args", "danish"),
    [
        (["--no-such-option"], "Indstillingen '--no-such-option' findes ikke."),
        (["frobnicate"], "Kommandoen 'frobnicate' findes ikke."),
        (["import", "citizens"], "Manglende argument 'FIL'."),
        (["demo", "--citizens", "many"], "'many' er ikke et gyldigt tal."),
        (["import", "citizens", "nowhere.csv"], "'nowhere.csv' findes ikke."),
    ],
)
def test_usage_errors_are_in_danish(args: list[str], danish: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert danish in line and "(se main" in line  # CliRunner names the program main


def test_counts_are_in_danish_plural_forms(tmp_path: Path) -> None:
    demo_desk(tmp_path)
    danish = [*base(tmp_path)[:-2], "--lang", "da"]
    result = run(*danish, "import", "citizens", csv_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "2 poster importeret fra" in result.stdout
    one = csv_file(tmp_path, "cpr;name\n0303801235;Ole Olsen\n")
    assert "1 post importeret fra" in run(*danish, "import", "citizens", one).stdout


def opening(opened: list[Settings], status: int = 0) -> Frontend:
    """A front end that records what it was asked to open, as `jobbutik.__main__` hands in the
    real one."""

    def open_program(settings: Settings) -> int:
        opened.append(settings)
        return status

    return Frontend(open_program)


def test_no_command_opens_the_program(tmp_path: Path) -> None:
    opened: list[Settings] = []
    demo_desk(tmp_path)
    args = ["--db", str(tmp_path / "j.sqlite"), "--user", "ab", "--today", TODAY]
    result = CliRunner().invoke(main, args, obj=opening(opened))
    assert result.exit_code == 0, result.output
    assert opened and opened[0].user == "ab" and opened[0].today == date(2026, 11, 23)
    # The program's exit status is the command's: a desk that had to stop says so.
    assert CliRunner().invoke(main, args, obj=opening([], status=1)).exit_code == 1
    # Without the program's entry (a script importing the command line alone) nothing opens.
    assert run(*args).exit_code == 2


def test_the_entry_opens_the_textual_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import jobbutik.tui.app
    from jobbutik.__main__ import open_program

    class FakeApp:
        return_code = 1

        def __init__(self, settings: Settings) -> None:
            self.settings = settings
            self.ran = False

        def run(self) -> None:
            self.ran = True

    built: list[FakeApp] = []
    monkeypatch.setattr(
        jobbutik.tui.app,
        "create_app",
        lambda settings, **_kw: built.append(FakeApp(settings)) or built[-1],
    )
    settings = resolve_settings(db="x.sqlite", user="ab", environ={})
    assert open_program(settings) == 1
    assert built[0].ran and built[0].settings is settings


def test_demo_defaults_to_its_own_file_and_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[Settings] = []
    result = CliRunner().invoke(
        main, ["--today", TODAY, "--lang", "en", "demo", "--citizens", "40"], obj=opening(opened)
    )
    assert result.exit_code == 0, result.output
    demo_path = cli.demo_db_path()
    assert demo_path.exists() and str(tmp_path) in str(demo_path)
    assert opened[0].db == str(demo_path) and opened[0].user == "demo"
    # Rebuilt fresh each time: the same counts, not twice as many.
    assert run("--today", TODAY, "demo", "--citizens", "40", "--no-tui").exit_code == 0
    db = Database(str(demo_path))
    assert len(db.read(lambda s: s.exec(select(Citizen.id)).all())) == 40
    # An explicit database that holds data is never overwritten.
    result = run("--db", str(demo_path), "--lang", "en", "demo", "--no-tui")
    assert result.exit_code == 1 and "empty" in one_line_error(result)


def test_restore_asks_in_danish_and_takes_a_danish_yes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jobbutik.cli import admin

    danish = [*base(tmp_path)[:-2], "--lang", "da"]
    demo_desk(tmp_path)
    assert run(*danish, "import", "citizens", csv_file(tmp_path)).exit_code == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run(*danish, "backup", str(folder)).exit_code == 0
    (copy,) = folder.glob("*.sqlite")
    monkeypatch.setattr(admin, "_interactive", lambda: True)  # as at a terminal

    kept = CliRunner().invoke(main, [*danish, "restore", str(copy)], input="n\n")
    assert kept.exit_code == 130
    assert "Erstat " in kept.output and "[j/N]" in kept.output and "afbrudt." in kept.stderr
    assert not list(tmp_path.glob("*.before-restore-*"))

    done = CliRunner().invoke(main, [*danish, "restore", str(copy)], input="j\n")
    assert done.exit_code == 0, done.output
    assert list(tmp_path.glob("*.before-restore-*"))


def command_paths() -> list[list[str]]:
    """Every command and group of the program, as the words that name it."""
    import click

    paths: list[list[str]] = []

    def walk(command: click.Command, path: list[str]) -> None:
        paths.append(path)
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name])

    walk(main, [])
    return paths


def english_phrases() -> set[str]:
    """Runs of four or more words from every message whose Danish text differs from it."""
    from jobbutik.domain.i18n import load_catalog

    messages = {m for m, t in load_catalog("da").items() if t != m}
    messages |= {m for m, t in load_catalog("da", "click").items() if t != m}
    phrases = set()
    for message in messages:
        for part in re.split(r"\{[^}]*\}|%\([^)]*\)s|\n", message):
            words = part.split()
            if len(words) >= 4:
                phrases.add(" ".join(words))
    return phrases


def test_every_help_page_is_in_danish() -> None:
    phrases = english_phrases()
    assert len(phrases) > 100
    for path in command_paths():
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        shown = " ".join(result.stdout.split())
        assert "Brug:" in shown
        assert not [p for p in phrases if p in shown], path


def test_rules_need_no_database_and_no_user(tmp_path: Path) -> None:
    missing = tmp_path / "not-there" / "j.sqlite"
    env = {"JOBBUTIK_DB": str(missing), "JOBBUTIK_USER": "nobody"}
    shown = run("--lang", "en", "rules", "show", "--date", "2026-07-01", env=env)
    assert shown.exit_code == 0, shown.output
    assert "beskaeftigelsesreform_2026" in shown.stdout
    found = run("--lang", "en", "rules", "deadlines", "--arrived", "2026-07-01", env=env)
    assert found.exit_code == 0, found.output
    assert not missing.parent.exists()


def test_rules_speak_danish() -> None:
    result = run("rules", "deadlines", "--arrived", "24.12.2025", "--age", "35")
    assert result.exit_code == 0, result.output
    assert "Første jobsamtale senest:" in result.stdout
    shown = run("rules", "show", "--date", "04.01.2027")
    assert "lov    afventer  youth_track = nej" in shown.stdout.splitlines()
    assert "lokal            retention_years = 5" in shown.stdout.splitlines()


def test_a_group_lists_only_its_own_commands() -> None:
    assert sorted(p[-1] for p in command_paths() if p[:1] == ["db"] and len(p) == 2) == [
        "check",
        "init",
        "upgrade",
    ]
