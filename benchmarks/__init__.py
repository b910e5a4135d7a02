"""Timing scripts of imblearn_deep (not tests): run each from the repository root as
``python -m benchmarks.NAME``; ``benchmarks/README.md`` lists them."""
