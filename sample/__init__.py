"""Synthetic firm returns for demos, tests and benchmarks (not part of the pipeline's core)."""
