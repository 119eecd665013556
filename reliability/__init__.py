"""Hookline's reliability harness: faults injected into real processes, with what was lost
(nothing) and duplicated counted. `python -m reliability` writes RELIABILITY.md; `--quick` is
the small version `make test` runs."""
