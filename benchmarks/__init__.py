"""Performance benchmarks for jobbutik: `python -m benchmarks` (or `make bench`).

Time is measured here only, never in the test suite. See benchmarks/RESULTS.md for a recorded run.
"""
