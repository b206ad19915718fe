"""`python -m benchmarks`: build what is needed, measure every figure, print the table.

    python -m benchmarks                 # the full run: 1,000,000 citizens (about 10-20 min,
                                         # and about an hour for the 1,000 memory cycles)
    python -m benchmarks --scale 100000  # smaller and quicker; verdicts only at full scale
    python -m benchmarks --only start,queries
    python -m benchmarks --only cycle --cycles 200  # memory over the desk's screens, shorter

The demo databases are kept in benchmarks/.cache/ and reused while the code that shapes them is
unchanged; `--rebuild` builds them again (and so measures the build time again).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
from datetime import datetime

from benchmarks import database, imports, memory, memory_cycle, pg, queries, startup, throughput
from benchmarks.common import FULL_SCALE, Result, load_average, measured, say

PARTS = ("start", "scale", "queries", "memory", "cycle", "throughput", "imports", "pg")
SMALL = 300


def _mark(passed: bool | None) -> str:
    return {True: "pass", False: "FAIL", None: "n/a"}[passed]


def table(results: list[Result]) -> str:
    rows = [("Figure", "Measured", "Target", "Result", "Notes")]
    rows += [(r.figure, r.measured, r.target, _mark(r.passed), r.note) for r in results]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=FULL_SCALE,
        metavar="N",
        help="citizens in the large database (default %(default)s)",
    )
    parser.add_argument("--runs", type=int, default=9, help="cold-start runs of each program")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts to run: {', '.join(PARTS)}"
    )
    parser.add_argument(
        "--cycles",
        type=int,
        default=memory_cycle.ROUNDS,
        help="round trips through the desk's screens in the cycle part (default %(default)s)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if unknown := parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    full = args.scale == FULL_SCALE
    started = datetime.now()
    loads = [load_average()]
    results: list[Result] = []

    small = database.demo_database(SMALL, rebuild=args.rebuild, show_progress=False)
    if "start" in parts:
        results += startup.run(small.path, args.runs)[0]
        loads.append(load_average())
    if parts & {"scale", "queries", "memory"}:
        big = database.demo_database(args.scale, rebuild=args.rebuild)
        if "scale" in parts:
            target = 300 * args.scale / FULL_SCALE
            c = big.counts
            results.append(
                Result(
                    f"Demo build, {args.scale:,} citizens",
                    f"{big.seconds:.0f} s",
                    f"< {target:.0f} s" + ("" if full else " (5 min scaled)"),
                    big.seconds < target if full else None,
                    f"{c['citizen']:,} citizens, {c['request']:,} requests, "
                    f"{c['referral']:,} referrals; load at build {big.load}"
                    + ("; reused from the cache" if big.reused else ""),
                )
            )
        if "queries" in parts:
            results += measured("queries", lambda: queries.run(big.path, full_scale=full))
            loads.append(load_average())
        if "memory" in parts:
            results += measured("memory", lambda: memory.run(big.path, full_scale=full))
    if "cycle" in parts:
        results += measured("cycle", lambda: memory_cycle.run(small.path, args.cycles))
    if "throughput" in parts:
        results += measured("throughput", lambda: throughput.run(small.path))
        loads.append(load_average())
    if "imports" in parts:
        results += measured("imports", lambda: imports.run(small.path))
        loads.append(load_average())
    if "pg" in parts:
        results += pg.run()
        loads.append(load_average())

    say("done")
    print(f"jobbutik benchmarks, {started:%Y-%m-%d %H:%M}, scale {args.scale:,} citizens")
    print(machine())
    print(f"load average (1/5/15 min) during the run: {'; '.join(loads)}")
    print()
    print(table(results))
    return 0 if all(r.passed is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
