"""Domain code never imports Textual: proven in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

DOMAIN = [
    "jobbutik.domain.contact",
    "jobbutik.store.db",
    "jobbutik.store.models",
    "jobbutik.domain.rules",
    "jobbutik.domain.identity",
    "jobbutik.store.schema",
    "jobbutik.services.context",
    "jobbutik.services.audit",
    "jobbutik.services.staff",
    "jobbutik.services.citizens",
    "jobbutik.services.arrivals",
    "jobbutik.services.visitation",
    "jobbutik.services.matching",
    "jobbutik.services.followups",
]


def test_domain_modules_import_without_textual() -> None:
    import pkgutil

    import jobbutik.reports
    import jobbutik.services

    modules = list(DOMAIN)
    for package in (jobbutik.services, jobbutik.reports):
        modules += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {sorted(set(modules))!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
