"""Coverage-guided fuzzing targets (atheris), each runnable alone:
`python -m reliability.fuzz_targets.<name> -max_total_time=60`."""
