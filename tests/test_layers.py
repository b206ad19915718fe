"""The import contracts (pyproject.toml [tool.importlinter], run by `make test`) catch what they
promise: each planted defect in a copy of the package breaks its contract, and `lint-imports`
exits non-zero, so `make test` fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and its contracts, to plant defects in."""
    shutil.copytree(
        ROOT / "jobbutik", tmp_path / "jobbutik", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint(project: Path, contract: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", "--contract", contract],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def plant(project: Path, module: str, code: str) -> None:
    path = project / module
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("contract", "module", "code", "reported"),
    [
        (
            "layers",
            "jobbutik/store/db.py",
            "def _upward() -> None:\n    from jobbutik.services import staff  # noqa: F401",
            "jobbutik.store is not allowed to import jobbutik.services",
        ),
        (
            "layers",
            "jobbutik/tui/widgets/fields.py",
            "from jobbutik.cli import report  # noqa: E402, F401",
            "jobbutik.tui is not allowed to import jobbutik.cli",
        ),
        (
            "layers",
            "jobbutik/cli/report.py",
            "from jobbutik.tui.widgets import fields  # noqa: E402, F401",
            "jobbutik.cli is not allowed to import jobbutik.tui",
        ),
        (
            "domain-pure",
            "jobbutik/domain/dates.py",
            "def _query() -> None:\n    import sqlmodel  # noqa: F401",
            "jobbutik.domain is not allowed to import sqlmodel",
        ),
        (
            "no-textual-below-tui",
            "jobbutik/services/staff.py",
            "from textual.widgets import Static  # noqa: E402, F401",
            "jobbutik.services is not allowed to import textual",
        ),
        (
            "acyclic",
            "jobbutik/services/context.py",
            "def _back() -> None:\n    from jobbutik.services import staff  # noqa: F401",
            "No cycles are allowed in jobbutik.services.",
        ),
    ],
)
def test_a_planted_defect_breaks_its_contract(
    copy: Path, contract: str, module: str, code: str, reported: str
) -> None:
    assert reported not in lint(copy, contract).stdout
    plant(copy, module, code)
    result = lint(copy, contract)
    assert result.returncode != 0
    assert reported in result.stdout
