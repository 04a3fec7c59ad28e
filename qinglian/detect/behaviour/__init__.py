"""Call and SMS behaviour analytics: measures per number, account and holder; list-order
dialling; intent grading; and the explainable mass-calling score.

Measures are ibis expressions (calls.py, sms.py, list_order.py, intent.py) over the clean
call table of cdr.py, so they run unchanged on DuckDB and Spark (qinglian.store.engine).
"""

from qinglian.detect.behaviour.pipeline import analyze_behaviour, compute_case, measure_files, run_behaviour
from qinglian.detect.behaviour.score import score_callers

__all__ = ["analyze_behaviour", "compute_case", "measure_files", "run_behaviour", "score_callers"]
