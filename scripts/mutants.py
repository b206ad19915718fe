"""A small mutation check: do the tests fail when the desk would fail?

Each mutant below plants one known defect (an exact text replacement that must match exactly once)
in a copy of the program, then runs the few tests chosen to catch it against that copy. A mutant
the tests do not catch SURVIVED: the suite would let that defect through. The working tree is never
touched.

    .venv/bin/python scripts/mutants.py            # every mutant (`make mutants`)
    .venv/bin/python scripts/mutants.py --list     # the mutants and their tests
    .venv/bin/python scripts/mutants.py NAME ...   # only these

Exit status 0 when the unmutated copy passes the chosen tests and every mutant is caught; 1 when a
mutant survived, a mutant is stale (its text is no longer in the code: update it with the code),
or the unmutated copy fails its tests.

The copy holds the package and the tests (some tests read files by their path, such as the message
catalogs, and must read the mutated ones). The tests run in the copy's folder with PYTHONPATH set
to it, so the copy shadows the editable install; a first run checks that it does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the tests need from the project: the package, the tests, pytest's and Babel's settings.
COPIED = ("jobbutik", "tests", "pyproject.toml", "babel.cfg")
PYTEST = ("-n", "0", "-x", "-q", "-p", "no:cacheprovider", "-m", "not postgres")
# Far above the few seconds a mutant takes: only a hung test run reaches it.
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Mutant:
    name: str
    defect: str  # what the desk would suffer
    path: str  # relative to the project root
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]  # pytest node ids expected to catch it
    compile_catalog: bool = False  # the file is a .po: compile the copy's .mo after the change


MUTANTS = (
    Mutant(
        "user-option-off-demo",
        "a receptionist makes herself admin with --user on the real database",
        "jobbutik/services/config.py",
        "    if chosen and not db.read(is_demo):\n",
        "    if chosen and not db.read(is_demo) and False:\n",
        (
            "tests/test_identity_channel.py::test_a_chosen_user_is_refused_on_a_real_database"
            "[sqlite]",
        ),
    ),
    Mutant(
        "identity-from-environment",
        "LOGNAME=karla makes anyone Karla",
        "jobbutik/services/identity.py",
        "        return pwd.getpwuid(os.getuid()).pw_name\n",
        '        return os.environ.get("LOGNAME") or pwd.getpwuid(os.getuid()).pw_name\n',
        (
            "tests/test_identity_channel.py::"
            "test_the_default_identity_is_the_passwd_name_of_the_real_uid",
        ),
    ),
    Mutant(
        "mistyped-db-creates",
        "a mistyped --db silently starts a new, empty database",
        "jobbutik/store/db.py",
        "                if not create and not self.path.exists():\n",
        "                if not create and not self.path.exists() and False:\n",
        ("tests/test_identity_channel.py::test_a_mistyped_db_is_refused_and_creates_nothing",),
    ),
    Mutant(
        "ssh-desk-other-initials",
        "an SSH key opens the desk as whoever the command line names",
        "jobbutik/services/sshkeys.py",
        "        if not bound or bound[0] != key:\n",
        "        if not bound:\n",
        ("tests/test_sshkeys.py::test_the_desk_refuses_without_its_key_line",),
    ),
    Mutant(
        "cpr-mask-shows-number",
        "lists, reports and printouts show the full CPR number",
        "jobbutik/domain/identity.py",
        'raise CprError(_("A CPR number has 10 digits (DDMMYY-SSSS)."), "length")\n'
        '    return f"{digits[:6]}-XXXX"',
        'raise CprError(_("A CPR number has 10 digits (DDMMYY-SSSS)."), "length")\n'
        '    return f"{digits[:6]}-{digits[6:]}"',
        (
            "tests/test_services_arrivals.py::test_new_citizen_is_created_with_a_same_day_slot"
            "[sqlite]",
            "tests/test_followups.py::test_due_list_is_overdue_first_with_the_kind[sqlite]",
            "tests/test_identity.py::test_mask_cpr",
        ),
    ),
    Mutant(
        "cpr-masked-wrong-digits",
        "a parsed CPR number shows its control digits and hides the birth date",
        "jobbutik/domain/identity.py",
        'return f"{self.digits[:6]}-XXXX"',
        'return f"XXXXXX-{self.digits[6:]}"',
        ("tests/test_identity.py::test_full_number_never_leaks_through_str_or_repr",),
    ),
    Mutant(
        "danish-today-in-english",
        "the Danish Today board is titled in English",
        "jobbutik/locale/da/LC_MESSAGES/jobbutik.po",
        'msgid "Today"\nmsgstr "I dag"\n',
        'msgid "Today"\nmsgstr "Today"\n',
        (
            "tests/tui/test_snapshots.py::test_today_da",
            "tests/test_i18n.py::test_the_danish_catalog_translates_every_message_in_the_code",
        ),
        compile_catalog=True,
    ),
    Mutant(
        "danish-save-in-english",
        'the Danish forms offer "Save" instead of "Gem"',
        "jobbutik/locale/da/LC_MESSAGES/jobbutik.po",
        'msgid "Save"\nmsgstr "Gem"\n',
        'msgid "Save"\nmsgstr "Save"\n',
        (
            "tests/tui/test_snapshots.py::test_register_new_citizen_da",
            "tests/test_i18n.py::test_the_danish_catalog_translates_every_message_in_the_code",
        ),
        compile_catalog=True,
    ),
    Mutant(
        "reception-may-visit",
        "reception may hold the visitation conversation (a consultant's duty)",
        "jobbutik/domain/permissions.py",
        "{Permission.REGISTER, Permission.SEARCH, Permission.READ_CITIZEN, "
        "Permission.MANAGE_OPENINGS}",
        "{Permission.REGISTER, Permission.SEARCH, Permission.READ_CITIZEN, "
        "Permission.MANAGE_OPENINGS, Permission.VISIT}",
        (
            "tests/tui/test_search_citizen.py::test_reception_cannot_start_a_conversation",
            "tests/test_trust_roles.py::test_the_role_table",
        ),
    ),
    Mutant(
        "permission-check-always-passes",
        "every role may do everything",
        "jobbutik/services/context.py",
        "if not staff.can(permission):",
        "if False:",
        (
            "tests/test_trust_roles.py::test_role_boundary[audit-reception]",
            "tests/test_trust_roles.py::test_role_boundary[visit-reception]",
        ),
    ),
    Mutant(
        "seat-limit-off-by-one",
        "a full activation site takes one starter too many",
        "jobbutik/services/visitation.py",
        "< _SITE.c.seats,",
        "<= _SITE.c.seats,",
        (
            "tests/test_services_visitation.py::test_full_site_is_refused_and_nothing_is_saved"
            "[sqlite]",
            "tests/test_sites.py::test_booking_a_new_start_after_a_no_show[sqlite]",
        ),
    ),
    Mutant(
        "report-snapshots-apart",
        "a year's statistics counts a save in one figure and not in the next",
        "jobbutik/store/db.py",
        "                lock.begin()  # BEGIN IMMEDIATE: no commit until the snapshots"
        " are taken\n",
        "                pass\n",
        (
            "tests/test_db.py::test_reads_side_by_side_share_one_snapshot_while_a_desk_commits"
            "[sqlite]",
        ),
    ),
    Mutant(
        "audit-hash-skips-actor",
        "who read a citizen's data can be changed in the audit log unnoticed",
        "jobbutik/services/audit.py",
        "            at.astimezone(UTC).isoformat(),\n"
        "            actor,\n"
        "            os_account,\n",
        "            at.astimezone(UTC).isoformat(),\n            os_account,\n",
        ("tests/test_audit.py::test_an_edited_entry_is_found[sqlite]",),
    ),
    Mutant(
        "audit-verify-skips-hash",
        "audit verify accepts an entry whose content no longer matches its MAC",
        "jobbutik/services/audit.py",
        "                if fits is False:\n",
        "                if fits is False and row.seq < 0:\n",
        (
            "tests/test_audit.py::test_an_edited_entry_is_found[sqlite]",
            "tests/test_trust_audit.py::test_an_edited_row_makes_audit_verify_fail[sqlite]",
        ),
    ),
    Mutant(
        "audit-verify-skips-link",
        "audit verify accepts an entry edited and sealed again (the link to it is not checked)",
        "jobbutik/services/audit.py",
        "if row.seq != expected_seq or row.prev_hash != prev:",
        "if row.seq != expected_seq:",
        (
            "tests/test_trust_audit.py::"
            "test_an_edited_row_resealed_with_the_key_is_found_at_the_next[sqlite]",
        ),
    ),
    Mutant(
        "audit-verify-ignores-anchors",
        "the audit log cut short with its head moved back passes audit verify",
        "jobbutik/services/audit.py",
        "            if item.seq > head_seq:\n",
        "            if item.seq > head_seq + 1_000_000:\n",
        ("tests/test_audit_tamper.py::test_truncating_and_moving_the_head_back_is_found[sqlite]",),
    ),
    Mutant(
        "audit-keyed-part-movable",
        "the audit log computed again with plain SHA-256 (no key needed) passes audit verify",
        "jobbutik/services/audit.py",
        "    return state.from_seq is None or row.seq < state.from_seq\n",
        "    return True\n",
        (
            "tests/test_audit_tamper.py::"
            "test_a_chain_computed_again_with_plain_sha256_is_found[sqlite]",
        ),
    ),
    Mutant(
        "reception-may-follow-up",
        "reception is given the consultants' follow-ups",
        "jobbutik/domain/permissions.py",
        "_RECEPTION = frozenset(\n    {Permission.REGISTER,",
        "_RECEPTION = frozenset(\n    {Permission.FOLLOW_UP, Permission.REGISTER,",
        ("tests/test_trust_roles.py::test_each_role_holds_exactly_its_duties[reception]",),
    ),
    Mutant(
        "first-conversation-a-day-late",
        "the first job conversation's one-week deadline is a day late",
        "jobbutik/domain/rules/ruleset.py",
        "return self._authority(first_contact, first_contact + timedelta(days=days))",
        "return self._authority(first_contact, first_contact + timedelta(days=days + 1))",
        ("tests/test_rules.py::test_first_conversation_around_easter_and_grundlovsdag",),
    ),
    Mutant(
        "draft-never-autosaved",
        "what is typed is lost when the program is killed (no draft kept while typing)",
        "jobbutik/tui/drafts.py",
        'if not getattr(self, "saving", False):',
        'if getattr(self, "saving", False):',
        ("tests/tui/test_drafts_persist.py::test_autosave_waits_for_a_pause_in_typing",),
    ),
    Mutant(
        "csv-formula-runs",
        "a name typed as =HYPERLINK(…) runs in the spreadsheet that opens an export",
        "jobbutik/domain/csvcells.py",
        """    return "'" + value if _looks_like_formula(value) else value""",
        "    return value",
        ("tests/test_csv_formulas.py::test_report_csv_neutralises_text_and_keeps_numbers",),
    ),
    Mutant(
        "report-over-the-database",
        "report -o onto the live database replaces it; the desks save into a deleted file",
        "jobbutik/domain/files.py",
        "    if _is_protected(path, real, protected):\n",
        "    if False:\n",
        (
            "tests/test_output_paths.py::"
            "test_report_onto_the_database_is_refused_and_the_database_intact",
        ),
    ),
    Mutant(
        "calendar-names-the-citizen",
        "the follow-ups' calendar file carries each citizen's whole name into Outlook",
        "jobbutik/reports/ics.py",
        "{row.cpr_masked} {first_name(row.name)}",
        "{row.cpr_masked} {row.name}",
        (
            "tests/test_followups_ics.py::"
            "test_no_full_cpr_number_surname_or_note_leaves_the_program",
        ),
    ),
    Mutant(
        "import-half-done",
        "a file whose CPR number a desk registered meanwhile imports the rest anyway",
        "jobbutik/services/import_batches.py",
        "    if registered and not skip_invalid:\n        return 0, registered\n    if registered:",
        "    if False:\n        return 0, registered\n    if registered:",
        ("tests/test_import_batches.py::test_a_cpr_registered_at_a_desk_during_the_import",),
    ),
)


class CheckFailed(Exception):
    """The check itself cannot go on: a stale mutant, a copy that does not shadow the install."""


@dataclass(frozen=True)
class Outcome:
    mutant: str
    tests: int  # how many tests ran (before -x stopped them)
    result: str  # caught | SURVIVED | ERROR | passed | FAILED
    seconds: float
    output: str


def copy_project(to: Path) -> Path:
    to.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=ignore)
        else:
            shutil.copy2(source, to / name)
    return to


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_shadowing(copy: Path) -> None:
    """The copy, not the editable install of the working tree, must be what `import jobbutik`
    finds, in the tests' process and in the programs they start."""
    found = subprocess.run(
        [sys.executable, "-c", "import jobbutik; print(jobbutik.__file__)"],
        cwd=copy.parent,  # not the copy: found through PYTHONPATH, as a program a test starts
        env=environment(copy),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"jobbutik imported from {found}")
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise CheckFailed(f"the copy does not shadow the installed jobbutik: {found}")


def mutated(copy: Path, mutant: Mutant) -> str:
    """The mutated text of the mutant's file in `copy`; CheckFailed when the mutant is stale."""
    text = (copy / mutant.path).read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise CheckFailed(
            f"mutant {mutant.name} is stale: its text occurs {count} times in {mutant.path} "
            f"(must be once), update it with the code: {mutant.old!r}"
        )
    return text.replace(mutant.old, mutant.new)


def plant(copy: Path, mutant: Mutant) -> None:
    path = copy / mutant.path
    path.write_text(mutated(copy, mutant), encoding="utf-8")
    if mutant.compile_catalog:
        locale = copy / "jobbutik" / "locale"
        babel = [sys.executable, "-m", "babel.messages.frontend", "-q"]
        subprocess.run([*babel, "compile", "-D", path.stem, "-d", str(locale)], check=True)


_COUNTS = re.compile(r"(\d+) (passed|failed|errors?)\b")


def tests_run(output: str) -> int:
    """Passed, failed and errored tests in pytest's summary line."""
    lines = [line for line in output.splitlines() if " in " in line and _COUNTS.search(line)]
    return sum(int(n) for n, _kind in _COUNTS.findall(lines[-1])) if lines else 0


def run_tests(copy: Path, tests: Sequence[str]) -> tuple[int, str, float]:
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST, *tests],
            cwd=copy,
            env=environment(copy),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as late:
        partial = late.stdout or ""
        output = partial.decode() if isinstance(partial, bytes) else partial
        return -1, output + f"\ntimed out after {TIMEOUT_SECONDS} s", time.monotonic() - began
    return done.returncode, done.stdout + done.stderr, time.monotonic() - began


def try_mutant(work: Path, pristine: Path, mutant: Mutant) -> Outcome:
    copy = work / mutant.name
    shutil.copytree(pristine, copy)
    plant(copy, mutant)
    status, output, seconds = run_tests(copy, mutant.tests)
    # pytest: 0 all passed, 1 some failed; anything else (collection error, unknown node id,
    # timeout) means the tests did not judge the mutant.
    result = {0: "SURVIVED", 1: "caught"}.get(status, "ERROR")
    shutil.rmtree(copy, ignore_errors=True)
    return Outcome(mutant.name, tests_run(output), result, seconds, output)


def baseline(work: Path, pristine: Path, mutants: Sequence[Mutant]) -> Outcome:
    """The chosen tests must pass on the unmutated copy, or a 'caught' means nothing."""
    tests = list(dict.fromkeys(t for m in mutants for t in m.tests))
    # Its own copy: the mutants are copied from `pristine` while it runs.
    copy = work / "unmutated"
    shutil.copytree(pristine, copy)
    status, output, seconds = run_tests(copy, tests)
    result = "passed" if status == 0 else "FAILED"
    return Outcome("(unmutated)", tests_run(output), result, seconds, output)


def first_failure(output: str) -> str:
    """The test that failed, from pytest's short summary (`-ra`): `FAILED path::name - …`."""
    found = re.search(r"^(?:FAILED|ERROR) \S+::(\S+)", output, re.MULTILINE)
    return found.group(1) if found else "?"


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [("mutant", "tests run", "result", "seconds")]
    for o in outcomes:
        result = f"caught by {first_failure(o.output)}" if o.result == "caught" else o.result
        rows.append((o.mutant, str(o.tests), result, f"{o.seconds:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d:>7}" for a, b, c, d in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="only these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and their tests")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    args = parser.parse_args(argv)
    by_name = {m.name: m for m in MUTANTS}
    if args.list:
        for m in MUTANTS:
            print(f"{m.name}: {m.defect}\n  {m.path}\n  " + "\n  ".join(m.tests))
        return 0
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        parser.error(f"no such mutant: {', '.join(unknown)} (see --list)")
    chosen = [by_name[n] for n in args.names] or list(MUTANTS)

    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jobbutik-mutants-") as tmp:
        work = Path(tmp)
        pristine = copy_project(work / "pristine")
        try:
            check_shadowing(pristine)
            for mutant in chosen:  # every mutant must still apply before anything runs
                mutated(pristine, mutant)
        except CheckFailed as problem:
            print(f"mutants: {problem}")
            return 1
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            first = pool.submit(baseline, work, pristine, chosen)
            outcomes = []
            for outcome in pool.map(lambda m: try_mutant(work, pristine, m), chosen):
                print(
                    f"{outcome.result:>8}  {outcome.mutant} ({outcome.seconds:.0f} s)", flush=True
                )
                outcomes.append(outcome)
            unmutated = first.result()

    everything = [unmutated, *outcomes]
    for outcome in everything:
        if outcome.result in {"SURVIVED", "ERROR", "FAILED"}:
            print(f"\n== {outcome.mutant}: {outcome.result}\n{outcome.output.strip()}")
    survived = [o.mutant for o in outcomes if o.result != "caught"]
    print()
    print(table(everything))
    print(f"\n{len(outcomes) - len(survived)} of {len(outcomes)} mutants caught", end="")
    print(f" in {time.monotonic() - began:.0f} s.")
    if unmutated.result != "passed":
        print("mutants: the unmutated copy fails its tests (above): fix that first.")
        return 1
    if survived:
        print(f"mutants: not caught (see above): {', '.join(survived)}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
