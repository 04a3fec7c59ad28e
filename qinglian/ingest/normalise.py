"""Normalisers as DuckDB macros, run vectorised over each Arrow batch during ingest.

- phone: E.164 (+86…) for Chinese mobiles and landlines with area code; other forms NULL.
- timestamp: Asia/Shanghai wall time from 2025-07-20 09:01:00, 2025/7/20 9:01, 2025年7月20日 9时1分,
  20250720090100, Excel serials (45858.375), Unix seconds/milliseconds and ISO 8601 with offsets.
- duration: seconds from 80, 80秒, 1分20秒, 1小时2分, 00:01:20, 1:20.
- bool, int, amount (¥1,200.50, 1.5万), id_number (shape only; check digits are the PI stage's).
Values that do not parse become NULL; the raw text is kept beside them and counted.
"""

from __future__ import annotations

import duckdb

_TS_FORMATS = (
    "'%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y-%m-%d', "
    "'%Y%m%d%H%M%S', '%Y%m%d', '%m-%d-%Y %H:%M:%S', '%m-%d-%Y %H:%M', '%m-%d-%Y'"
)

# Spellings of a connected / not connected call, lower case and trimmed.
_TRUE = (
    "'1', 'true', 't', 'y', 'yes', '是', '接通', '已接通', '成功', '呼叫成功', "
    "'已应答', '应答', '通话', '已通话', 'answered', 'connected', 'success'"
)
_FALSE = (
    "'0', 'false', 'f', 'n', 'no', '否', '未接通', '未接', '失败', '呼叫失败', "
    "'无人接听', '未应答', '拒接', '关机', '空号', '停机', '占线', '忙', '用户忙', '无法接通', "
    "'busy', 'noanswer', 'no answer', 'failed', 'unanswered'"
)

MACROS: tuple[str, ...] = (
    # --- phones ---
    r"""CREATE OR REPLACE TEMP MACRO ql_phone_digits(s) AS
        regexp_replace(regexp_replace(trim(s), '\.0+$', ''), '[^0-9]', '', 'g')""",
    r"""CREATE OR REPLACE TEMP MACRO ql_phone_core(d) AS CASE
        WHEN regexp_full_match(d, '1[3-9][0-9]{9}') THEN '+86' || d
        WHEN regexp_full_match(d, '861[3-9][0-9]{9}') THEN '+' || d
        WHEN regexp_full_match(d, '00861[3-9][0-9]{9}') THEN '+' || substr(d, 3)
        WHEN regexp_full_match(d, '0[1-9][0-9]{8,10}') THEN '+86' || substr(d, 2)
        WHEN regexp_full_match(d, '0086[1-9][0-9]{8,10}') THEN '+' || substr(d, 3)
        ELSE NULL END""",
    # A bare mobile or a landline with its area code (what dialer exports hold) in one regex
    # test; anything else is cleaned up first. A masked number (138****5678) is never guessed.
    r"""CREATE OR REPLACE TEMP MACRO ql_phone(s) AS CASE
        WHEN regexp_full_match(s, '1[3-9][0-9]{9}|0[1-9][0-9]{8,10}') THEN
            '+86' || (CASE WHEN starts_with(s, '0') THEN substr(s, 2) ELSE s END)
        WHEN s IS NULL OR contains(s, '*') THEN NULL
        ELSE ql_phone_core(ql_phone_digits(s)) END""",
    # --- timestamps ---
    r"""CREATE OR REPLACE TEMP MACRO ql_ts_text(s) AS
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            replace(translate(regexp_replace(trim(s), '(:[0-9]{2})\.([0-9]+)', '\1,\2'), '年月/.T', '---- '), ',', '.'),
            '日\s*', ' ', 'g'), '[时点]', ':', 'g'), '分', ':', 'g'), '(秒|:$|:\s*$)', '', 'g')""",
    f"""CREATE OR REPLACE TEMP MACRO ql_ts_local(s) AS
        try_strptime(trim(ql_ts_text(s)), [{_TS_FORMATS}])""",
    # The two common export forms first: for any text either format reads, ql_ts_any reads the
    # same time (it trims, turns '/' into '-' and applies the first), after a dozen regex passes.
    r"""CREATE OR REPLACE TEMP MACRO ql_ts(s) AS coalesce(
        try_strptime(s, '%Y-%m-%d %H:%M:%S'), try_strptime(s, '%Y/%m/%d %H:%M:%S'), ql_ts_any(s))""",
    r"""CREATE OR REPLACE TEMP MACRO ql_ts_any(s) AS CASE
        WHEN s IS NULL OR trim(s) = '' THEN NULL
        WHEN regexp_full_match(trim(s), '[2-7][0-9]{4}(\.[0-9]+)?') THEN
            TIMESTAMP '1899-12-30 00:00:00'
            + to_microseconds(CAST(round(CAST(trim(s) AS DOUBLE) * 86400) AS BIGINT) * 1000000)
        WHEN regexp_full_match(trim(s), '1[0-9]{9}') THEN
            make_timestamp(CAST(trim(s) AS BIGINT) * 1000000) + INTERVAL 8 HOUR
        WHEN regexp_full_match(trim(s), '1[0-9]{12}') THEN
            make_timestamp(CAST(trim(s) AS BIGINT) * 1000) + INTERVAL 8 HOUR
        WHEN regexp_matches(trim(s), '[0-9](Z|[+-][0-9]{2}:?[0-9]{2})$') THEN
            timezone('UTC', try_strptime(
                regexp_replace(replace(trim(s), 'T', ' '), 'Z$', '+00:00'),
                ['%Y-%m-%d %H:%M:%S%z', '%Y-%m-%d %H:%M:%S.%f%z', '%Y-%m-%d %H:%M%z']
            )) + INTERVAL 8 HOUR
        ELSE ql_ts_local(s) END""",
    # --- durations ---
    r"""CREATE OR REPLACE TEMP MACRO ql_dur_text(s) AS lower(regexp_replace(trim(s), '\s+', '', 'g'))""",
    r"""CREATE OR REPLACE TEMP MACRO ql_dur_t(t) AS CASE
        WHEN t IS NULL OR t = '' THEN NULL
        WHEN regexp_full_match(t, '-?[0-9]+(\.[0-9]+)?(s|秒|sec|secs)?') THEN
            CAST(regexp_extract(t, '-?[0-9]+(\.[0-9]+)?') AS DOUBLE)
        WHEN regexp_full_match(t, '[0-9]+:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?') THEN
            CAST(split_part(t, ':', 1) AS DOUBLE) * 3600 + CAST(split_part(t, ':', 2) AS DOUBLE) * 60
            + CAST(split_part(t, ':', 3) AS DOUBLE)
        WHEN regexp_full_match(t, '[0-9]+:[0-9]{1,2}(\.[0-9]+)?') THEN
            CAST(split_part(t, ':', 1) AS DOUBLE) * 60 + CAST(split_part(t, ':', 2) AS DOUBLE)
        WHEN regexp_full_match(t, '(([0-9]+)(小时|时|h))?(([0-9]+)(分钟|分|m|min))?(([0-9]+(\.[0-9]+)?)(秒|s))?') THEN
            coalesce(CAST(nullif(regexp_extract(t, '([0-9]+)(小时|时|h)', 1), '') AS DOUBLE), 0) * 3600
            + coalesce(CAST(nullif(regexp_extract(t, '([0-9]+)(分钟|分|m)', 1), '') AS DOUBLE), 0) * 60
            + coalesce(CAST(nullif(regexp_extract(t, '([0-9]+(\.[0-9]+)?)(秒|s)', 1), '') AS DOUBLE), 0)
        ELSE NULL END""",
    # Fast paths first (plain seconds, H:MM:SS, M分S秒): each gives exactly what ql_dur_t gives
    # for that form, without the text clean-up that the general path repeats per branch, and
    # cut by position (strpos/substr) rather than split_part, which builds a list per value.
    r"""CREATE OR REPLACE TEMP MACRO ql_hms(s, i, j) AS
        CAST(substr(s, 1, i - 1) AS BIGINT) * 3600 + CAST(substr(s, i + 1, j - 1) AS BIGINT) * 60
        + CAST(substr(s, i + j + 1) AS BIGINT)""",
    # Within the fast paths, DuckDB's own TIME cast and strptime read the common case (minutes
    # and seconds under 60, hours under 25) faster than cutting the text (docs/decisions.md);
    # COALESCE evaluates the cut only for the rows they reject (e.g. 00:75:00 or 75分3秒).
    r"""CREATE OR REPLACE TEMP MACRO ql_duration(s) AS CASE
        WHEN regexp_full_match(s, '[0-9]{1,6}') THEN CAST(s AS DOUBLE)
        WHEN regexp_full_match(s, '[0-9]{1,6}:[0-9]{1,2}:[0-9]{1,2}') THEN coalesce(
            epoch(try_cast(s AS TIME)),
            CAST(ql_hms(s, strpos(s, ':'), strpos(substr(s, strpos(s, ':') + 1), ':')) AS DOUBLE))
        WHEN regexp_full_match(s, '[0-9]{1,6}分[0-9]{1,2}秒') THEN coalesce(
            epoch(try_strptime(s, '%M分%S秒')) - epoch(TIMESTAMP '1900-01-01'),
            CAST(CAST(substr(s, 1, strpos(s, '分') - 1) AS BIGINT) * 60
                 + CAST(substr(s, strpos(s, '分') + 1, length(s) - strpos(s, '分') - 1) AS BIGINT) AS DOUBLE))
        ELSE ql_dur_t(ql_dur_text(s)) END""",
    # --- booleans (answered / connected) ---
    f"""CREATE OR REPLACE TEMP MACRO ql_bool_any(s) AS CASE
        WHEN lower(trim(s)) IN ({_TRUE}) THEN TRUE
        WHEN lower(trim(s)) IN ({_FALSE}) THEN FALSE
        ELSE NULL END""",
    # Exact spellings first (no lower/trim per row); anything else through ql_bool_any.
    f"""CREATE OR REPLACE TEMP MACRO ql_bool(s) AS CASE
        WHEN s IN ({_TRUE}) THEN TRUE
        WHEN s IN ({_FALSE}) THEN FALSE
        ELSE ql_bool_any(s) END""",
    # --- integers and amounts ---
    r"""CREATE OR REPLACE TEMP MACRO ql_int_any(s) AS CASE
        WHEN regexp_full_match(trim(s), '-?[0-9]+(\.0+)?\s*(次|轮|个|人|席)?') THEN
            TRY_CAST(regexp_extract(trim(s), '-?[0-9]+') AS BIGINT)
        ELSE NULL END""",
    r"""CREATE OR REPLACE TEMP MACRO ql_int(s) AS CASE
        WHEN regexp_full_match(s, '[0-9]{1,18}') THEN CAST(s AS BIGINT)
        ELSE ql_int_any(s) END""",
    r"""CREATE OR REPLACE TEMP MACRO ql_amount_t(t) AS CASE
        WHEN regexp_full_match(t, '-?[0-9]+(\.[0-9]+)?') THEN CAST(t AS DOUBLE)
        WHEN regexp_full_match(t, '-?[0-9]+(\.[0-9]+)?万') THEN CAST(rtrim(t, '万') AS DOUBLE) * 10000
        ELSE NULL END""",
    r"""CREATE OR REPLACE TEMP MACRO ql_amount(s) AS
        ql_amount_t(regexp_replace(trim(s), '(,|，|\s|¥|￥|元|人民币|rmb|cny|RMB|CNY)', '', 'g'))""",
    r"""CREATE OR REPLACE TEMP MACRO ql_idnum(s) AS CASE
        WHEN regexp_full_match(upper(trim(s)), '[0-9]{17}[0-9X]|[0-9]{15}') THEN upper(trim(s))
        ELSE NULL END""",
)

# Field type -> macro applied to the raw text.
TYPE_MACRO: dict[str, str] = {
    "phone": "ql_phone",
    "timestamp": "ql_ts",
    "duration": "ql_duration",
    "int": "ql_int",
    "bool": "ql_bool",
    "amount": "ql_amount",
    "id_number": "ql_idnum",
}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the normalising macros on a connection (temporary: nothing is stored in the case)."""
    for ddl in MACROS:
        con.execute(ddl)
