"""Violation facts per party: conduct, provisions in force, period, scale, evidence, review.

``build_charges(case, con)`` is the stage's entry point (called by the pipeline after link);
``review.py`` lists charges and records reviews.
"""

from qinglian.charges.build import ChargesResult, build_charges

__all__ = ["ChargesResult", "build_charges"]
