"""Model training, corpora readers and data generators for benchmarks and evaluations.

Tooling, not runtime: nothing under ``qinglian`` outside this package imports it (import-linter
checks that in ``make test``). Run ``make model`` to retrain the shipped text model.
"""
