"""List-order dialling: did an account call a seized customer list in the list's row order?

A customer list is the rows of `customers` from one evidence file and sheet. For each
(list, calling account) the first call to each listed phone is found (ibis, any engine);
then, over the listed phones the account called:

- spearman: rank correlation between list row order and first-call order (1 = called
  exactly in list order, 0 = no relation);
- longest_run and longest_run_share: the longest stretch of consecutive dialled list
  rows whose first calls are in time order, and its share of the whole list;
- coverage: dialled phones / phones on the list.

The calling account is `account` where the dialer exported one, else the calling number.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

LIST_ORDER_COLUMNS: tuple[str, ...] = (
    "evidence_sha256",
    "sheet",
    "account",
    "list_rows",
    "dialled",
    "coverage",
    "spearman",
    "longest_run",
    "longest_run_share",
    "run_first_row",
    "run_last_row",
)


def first_calls(calls: ibis.Table, customers: ibis.Table) -> ibis.Table:
    """(evidence_sha256, sheet, account, row_no, t, list_rows) for every listed phone an account called."""
    lists = customers.filter(customers.phone.notnull())
    # CSV lists have no sheet (NULL): join on '' so they are not lost in the equality join
    lists = lists.mutate(sheet=lists.sheet.fill_null(""))
    rows = lists.group_by(["evidence_sha256", "sheet", "phone"]).aggregate(row_no=lists.row_no.min())
    sizes = rows.group_by(["evidence_sha256", "sheet"]).aggregate(list_rows=rows.count())
    c = calls.filter(calls.callee.notnull())
    c = c.select(account=c.account.coalesce(c.caller), callee=c.callee, t=c.t)
    firsts = c.group_by(["account", "callee"]).aggregate(t=c.t.min())
    joined = rows.inner_join(firsts, rows.phone == firsts.callee)
    joined = joined.select("evidence_sha256", "sheet", "account", "row_no", "t")
    return joined.inner_join(sizes, ["evidence_sha256", "sheet"]).select(
        "evidence_sha256", "sheet", "account", "row_no", "t", "list_rows"
    )


def _ranks(a: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average (pandas' ``rank(method="average")``)."""
    if a.dtype.kind == "f" and np.isnan(a).any():
        ranked: np.ndarray = pd.Series(a).rank(method="average").to_numpy()
        return ranked
    order = np.argsort(a, kind="stable")
    ordered = a[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(a))
    ranks = np.empty(len(a), dtype=np.float64)
    # the tied positions start+1 .. end average to a half-integer, exact in a float
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = _ranks(a)
    rb = _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _longest_run(t_by_row: np.ndarray) -> tuple[int, int]:
    """(length, start index) of the longest stretch with non-decreasing first-call times."""
    best, best_start, start = 1, 0, 0
    for i in range(1, len(t_by_row)):
        if t_by_row[i] < t_by_row[i - 1]:
            start = i
        if i - start + 1 > best:
            best, best_start = i - start + 1, start
    return best, best_start


def list_order(pairs: pd.DataFrame, min_rows: int) -> pd.DataFrame:
    """Score each (list, account) from the first-call rows of `first_calls`."""
    out: list[dict[str, object]] = []
    if pairs.empty:
        return pd.DataFrame(columns=list(LIST_ORDER_COLUMNS))
    keys = ["evidence_sha256", "sheet", "account"]
    # One sort of all rows (by group in groupby's order, then row_no, then t) and slices of it,
    # rather than a frame and a sort per group.
    group = pairs.groupby(keys, dropna=False, sort=True).ngroup().to_numpy()
    all_rows = pairs["row_no"].to_numpy()
    all_times = pairs["t"].to_numpy()
    order = np.lexsort((all_times, all_rows, group))
    group, all_rows, all_times = group[order], all_rows[order], all_times[order]
    list_sizes = pairs["list_rows"].to_numpy()[order]
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    ends = np.append(starts[1:], len(group))
    key_values = [pairs[k].take(order[starts]).to_numpy() for k in keys]  # one per group
    for j, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        if hi - lo < min_rows:
            continue
        rows = all_rows[lo:hi]
        times = all_times[lo:hi]
        run, start = _longest_run(times)
        list_rows = int(list_sizes[lo])
        sha, sheet, account = (values[j] for values in key_values)
        out.append(
            {
                "evidence_sha256": sha,
                "sheet": sheet or None,
                "account": account,
                "list_rows": list_rows,
                "dialled": hi - lo,
                "coverage": (hi - lo) / list_rows,
                "spearman": _spearman(rows, times),
                "longest_run": run,
                "longest_run_share": run / list_rows,
                "run_first_row": int(rows[start]),
                "run_last_row": int(rows[start + run - 1]),
            }
        )
    frame = pd.DataFrame(out, columns=list(LIST_ORDER_COLUMNS))
    return frame.sort_values(["spearman", "dialled"], ascending=False, ignore_index=True)
