"""`qinglian classify`: texts in (one per line, or a CSV/JSONL column), JSON lines out.

Output, one line per text:
``{"text": …, "labels": {8 labels}, "hits": [{"label", "rule", "span": [start, end], "law": […]}]}``
with spans in the original text; a hit of a rule that is a sign of one kind of fraud also has
``"kind"`` (a key of rules.FRAUD_KINDS). With industry ``packs`` (qinglian/packs, as ``case init
--pack`` names them) their rules run beside the built-in ones and their hits are written the same way
(rule ``<pack>.<rule>``, no ``"kind"``); without packs the output is the built-in rules' alone. Input is streamed in batches, so memory stays bounded whatever
the file size; past the first few batches they are classified on every core (a bounded number of
batches in flight, output in input order). Lines that cannot be used (invalid UTF-8, empty, bad
JSON) are skipped and counted; the counts go to stderr at the end. Texts are never written to logs or error messages.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import sys
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np

from qinglian.detect.text.engine import BatchResult, classify_batch, rule_citations
from qinglian.detect.text.packs import pack_rules
from qinglian.detect.text.packs import rule_citations as pack_citations
from qinglian.detect.text.rules import LABELS, RULES
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.packs import check_names
from qinglian.workers import spawn_pool, worker_count

BATCH_SIZE = 10_000
BATCH_CHARS = 8_000_000  # a batch also ends when its texts reach this many characters
MAX_TEXT_CHARS = 100_000  # longer texts are analysed on their first MAX_TEXT_CHARS characters
SERIAL_BATCHES = 3  # inputs up to this many batches are classified in this process (no start-up cost)
FORMATS = ("lines", "csv", "jsonl")
READ_CHUNK = 4 << 20  # bytes read at a time from a one-text-per-line input
CSV_FIELD_LIMIT = 16 * MAX_TEXT_CHARS  # a longer CSV field is reported as malformed

_REASONS = {
    "invalid_utf8": ("不是有效的 UTF-8", "invalid UTF-8"),
    "empty": ("空文本", "empty text"),
    "bad_json": ("不是有效的 JSON 对象", "not a valid JSON object"),
    "no_field": ("缺少该字段", "the field is missing"),
    "bad_text": ("文本含无法编码的字符", "text holds characters that cannot be encoded"),
}


@dataclass
class ClassifyStats:
    texts: int = 0
    truncated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    first_skipped: dict[str, int] = field(default_factory=dict)  # reason -> first line number
    fatal: QinglianError | None = None  # input that stops reading; raised once the rows before are written

    def skip(self, reason: str, line_no: int) -> None:
        self.skipped[reason] += 1
        self.first_skipped.setdefault(reason, line_no)

    def lines(self) -> list[str]:
        out = [t(f"已分类 {self.texts} 条文本", f"classified {self.texts} texts")]
        if self.truncated:
            out.append(
                t(
                    f"{self.truncated} 条超长文本只分析了前 {MAX_TEXT_CHARS} 个字符",
                    f"{self.truncated} over-long texts were analysed on their first {MAX_TEXT_CHARS} characters",
                )
            )
        for reason, n in sorted(self.skipped.items()):
            zh, en = _REASONS[reason]
            first = self.first_skipped[reason]
            out.append(
                t(
                    f"跳过 {n} 行（{zh}），首次出现在第 {first} 行",
                    f"skipped {n} lines ({en}), first at line {first}",
                )
            )
        return out


def _decoded_lines(src: BinaryIO, stats: ClassifyStats) -> Iterator[tuple[int, str]]:
    for no, raw in enumerate(src, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            stats.skip("invalid_utf8", no)
            continue
        if no == 1:
            line = line.removeprefix("\ufeff")
        yield no, line


def _line_blocks(src: BinaryIO, stats: ClassifyStats) -> Iterator[list[str]]:
    """Texts of a one-text-per-line input, read and decoded a few MB at a time."""
    no = 0  # lines consumed so far
    rest = b""
    first = True
    while True:
        chunk = src.read(READ_CHUNK)
        if not chunk:
            break
        data = rest + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        block = data[:cut]
        yield _decode_block(block, no, first, stats)
        no += block.count(b"\n") + 1
        first = False
    if rest:
        yield _decode_block(rest, no, first, stats)


def _decode_block(block: bytes, no: int, first: bool, stats: ClassifyStats) -> list[str]:
    """Decode the lines of a block (line numbers start after ``no``); invalid and empty lines are counted."""
    invalid: set[int] = set()
    try:
        lines = block.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = []
        for i, raw in enumerate(block.split(b"\n")):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                stats.skip("invalid_utf8", no + i + 1)
                invalid.add(i)
                lines.append("")
    if first and lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    if b"\r" in block:
        lines = [x.rstrip("\r") for x in lines]
    texts = [x for x in lines if x and not x.isspace()]
    if len(texts) + len(invalid) != len(lines):
        for i, x in enumerate(lines):
            if (not x or x.isspace()) and i not in invalid:
                stats.skip("empty", no + i + 1)
    return texts


def _from_jsonl(src: BinaryIO, column: str, stats: ClassifyStats) -> Iterator[tuple[int, str]]:
    for no, line in _decoded_lines(src, stats):
        if not line.strip():
            stats.skip("empty", no)
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            stats.skip("bad_json", no)
            continue
        if not isinstance(obj, dict):
            stats.skip("bad_json", no)
            continue
        value = obj.get(column)
        if value is None:
            stats.skip("no_field", no)
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            stats.skip("bad_text", no)
            continue
        yield no, text


def _from_csv(src: BinaryIO, column: str, name: str, stats: ClassifyStats) -> Iterator[tuple[int, str]]:
    lines = _decoded_lines(src, stats)
    numbered = ((no, line) for no, line in lines)
    current = [0]

    def feed() -> Iterator[str]:
        for no, line in numbered:
            current[0] = no
            yield line

    reader = csv.reader(feed())
    header = next(reader, None)
    if header is None:
        raise QinglianError("CSV 文件为空", "the CSV file is empty", file=name)
    header = [h.strip() for h in header]
    if column not in header:
        raise QinglianError(
            f"CSV 中没有名为「{column}」的列",
            f"the CSV has no column named '{column}'",
            file=name,
            hint_zh="可用的列：" + "、".join(header[:30]) + "；用 --column 指定",
            hint_en="columns found: " + ", ".join(header[:30]) + "; pick one with --column",
        )
    idx = header.index(column)
    while True:
        old_limit = csv.field_size_limit(CSV_FIELD_LIMIT)  # process-wide: restored at once
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            stats.fatal = QinglianError(
                f"CSV 格式错误：{exc}",
                f"malformed CSV: {exc}",
                file=name,
                row=current[0],
                hint_zh="检查引号是否成对；之前的行已输出",
                hint_en="check the quoting; the rows before it were written",
            )
            return
        finally:
            csv.field_size_limit(old_limit)
        if idx < len(row):
            yield current[0], row[idx]
        else:
            stats.skip("no_field", current[0])


def read_blocks(
    src: BinaryIO, fmt: str, column: str | None, name: str, stats: ClassifyStats
) -> Iterator[list[str]]:
    """The texts of an input stream in blocks, skipping (and counting) the lines that cannot be used."""
    if fmt not in FORMATS:
        raise QinglianError(
            f"未知的输入格式：{fmt}",
            f"unknown input format: {fmt}",
            hint_zh="可选 lines、csv、jsonl",
            hint_en="use lines, csv or jsonl",
        )
    if fmt == "lines":
        yield from _line_blocks(src, stats)
        return
    items = (
        _from_jsonl(src, column or "text", stats)
        if fmt == "jsonl"
        else _from_csv(src, column or "text", name, stats)
    )
    block: list[str] = []
    for no, text in items:
        if not text.strip():
            stats.skip("empty", no)
            continue
        block.append(text)
        if len(block) >= 1000:
            yield block
            block = []
    if block:
        yield block


def guess_format(path: str, column: str | None) -> str:
    low = path.lower()
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv" if column else "lines"


def _batches(blocks: Iterator[list[str]]) -> Iterator[list[str]]:
    batch: list[str] = []
    chars = 0
    for block in blocks:
        while block:
            room = BATCH_SIZE - len(batch)
            take, block = block[:room], block[room:]
            batch.extend(take)
            chars += sum(map(len, take))
            if len(batch) >= BATCH_SIZE or chars >= BATCH_CHARS:
                yield batch
                batch, chars = [], 0
    if batch:
        yield batch


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f\ud800-\udfff]')


def pack_names(packs: Sequence[str]) -> tuple[str, ...]:
    """The industry packs to classify with: () when none is named (the built-in rules only), else the
    names checked (an unknown one is a QinglianError naming the
    packs there are) and each kept once."""
    return check_names(packs) if any(n.strip() for n in packs) else ()


class _Writer:
    """Formats results as JSON lines from pre-built fragments (the hot loop of classify).

    Scores are printed with 4 decimals; each label's ``"label": 0.1234`` fragment is looked up
    from a table of the 10,001 possible values and joined per batch with numpy object arrays.
    The rules of ``packs`` follow the built-in ones (a pack rule has no fraud kind).
    """

    def __init__(self, on: date | None, packs: tuple[str, ...] = ()) -> None:
        rules = list(zip(RULES, rule_citations(on), strict=True))
        extra = pack_rules(packs) if packs else None
        if extra is not None:
            rules += zip(extra.rules, pack_citations(packs, on), strict=True)
        self.hit_head = [
            '{"label": ' + json.dumps(r.label) + ', "rule": ' + json.dumps(r.id) + ', "span": ['
            for r, _ in rules
        ]
        self.hit_tail = [
            '], "law": ' + json.dumps(list(c), ensure_ascii=False)
            + ("" if r.kind is None else ', "kind": ' + json.dumps(r.kind))
            + "}"
            for r, c in rules
        ]
        self.rule_index = {r.id: i for i, (r, _) in enumerate(rules)}
        self.fragments = [
            np.array([f'"{lb}": {q / 10000:.4f}' for q in range(10001)], dtype=object) for lb in LABELS
        ]

    def labels_json(self, scores: np.ndarray) -> list[str]:
        q = np.rint(np.clip(scores, 0.0, 1.0) * 10000).astype(np.int64)
        joined = self.fragments[0][q[:, 0]]
        for j in range(1, len(LABELS)):
            joined = joined + ", " + self.fragments[j][q[:, j]]
        return list(joined)

    def write(self, res: BatchResult, dst: TextIO) -> None:
        dumps = json.dumps
        needs_escape = _NEEDS_ESCAPE.search
        head, tail, index = self.hit_head, self.hit_tail, self.rule_index
        parts: list[str] = []
        for text, labels, hits in zip(res.texts, self.labels_json(res.scores), res.hits, strict=True):
            quoted = dumps(text, ensure_ascii=False) if needs_escape(text) else '"' + text + '"'
            if hits:
                body = ", ".join(
                    [f"{head[i]}{h.start}, {h.end}{tail[i]}" for h in hits for i in (index[h.rule],)]
                )
                parts.append(f'{{"text": {quoted}, "labels": {{{labels}}}, "hits": [{body}]}}\n')
            else:
                parts.append(f'{{"text": {quoted}, "labels": {{{labels}}}, "hits": []}}\n')
        dst.write("".join(parts))


def classify_stream(
    src: BinaryIO,
    dst: TextIO,
    *,
    fmt: str = "lines",
    column: str | None = None,
    name: str = "-",
    on: date | None = None,
    packs: Sequence[str] = (),
) -> ClassifyStats:
    """Classify every text of ``src`` and write one JSON line per text to ``dst``; the rules of the
    industry ``packs`` run beside the built-in ones (see pack_names)."""
    chosen = pack_names(packs)
    stats = ClassifyStats()
    writer = _Writer(on, chosen)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived, acyclic objects: the cyclic collector only costs time
    try:
        _classify_batches(src, dst, fmt, column, name, on, chosen, stats, writer)
    finally:
        if gc_was_enabled:
            gc.enable()
    dst.flush()
    if stats.fatal is not None:
        raise stats.fatal
    return stats


def _classify_batches(
    src: BinaryIO,
    dst: TextIO,
    fmt: str,
    column: str | None,
    name: str,
    on: date | None,
    packs: tuple[str, ...],
    stats: ClassifyStats,
    writer: _Writer,
) -> None:
    workers = worker_count()
    pool: ProcessPoolExecutor | None = None
    # batches in input order: rendered here (str) or by a helper process (Future)
    pending: deque[Future[str] | str] = deque()

    def flush(keep: int) -> None:
        while len(pending) > keep:
            done = pending.popleft()
            dst.write(done if isinstance(done, str) else done.result())

    try:
        for k, batch in enumerate(_batches(read_blocks(src, fmt, column, name, stats))):
            stats.truncated += sum(len(x) > MAX_TEXT_CHARS for x in batch)
            if workers < 2 or k < SERIAL_BATCHES:
                writer.write(_classified(batch, on, packs), dst)
            elif k % workers == 0:  # this process takes its share too
                pending.append(_render(batch, on, packs, writer))
            else:
                if pool is None:  # spawned: the helpers inherit this process's QINGLIAN_PACK_DIRS
                    pool = spawn_pool(workers - 1)
                pending.append(pool.submit(_render, batch, on, packs))
            flush(2 * workers)  # bounded: at most two batches per process in flight
            stats.texts += len(batch)
        flush(0)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _classified(batch: list[str], on: date | None, packs: tuple[str, ...] = ()) -> BatchResult:
    """classify_batch on the texts cut to MAX_TEXT_CHARS, reported with the texts as they were."""
    if not any(len(x) > MAX_TEXT_CHARS for x in batch):
        return classify_batch(batch, on, packs=packs)
    res = classify_batch([x[:MAX_TEXT_CHARS] for x in batch], on, packs=packs)
    return BatchResult(batch, res.scores, res.hits)


@lru_cache(maxsize=4)
def _helper_writer(on: date | None, packs: tuple[str, ...] = ()) -> _Writer:
    """A helper process's writer, made on its first batch."""
    gc.disable()  # as in classify_stream: the helper's objects are short-lived and acyclic
    return _Writer(on, packs)


def _render(batch: list[str], on: date | None, packs: tuple[str, ...] = (), writer: _Writer | None = None) -> str:
    """One batch's JSON lines (in a helper process, or in this one with its writer)."""
    writer = writer or _helper_writer(on, packs)
    out = io.StringIO()
    writer.write(_classified(batch, on, packs), out)
    return out.getvalue()


@lru_cache(maxsize=4)
def _plain_writer(on: date | None, packs: tuple[str, ...] = ()) -> _Writer:
    return _Writer(on, packs)


def render_batch(batch: list[str], on: date | None = None, packs: tuple[str, ...] = ()) -> str:
    """One batch's JSON lines exactly as ``classify_stream`` writes them: the step the Spark engine
    runs per Arrow batch, so that both engines classify and format through the same code. ``packs``
    as pack_names returns them (checked by the caller)."""
    return _render(batch, on, packs, _plain_writer(on, packs))


def classify_path(
    path: str, dst: TextIO, *, fmt: str | None = None, column: str | None = None, packs: Sequence[str] = ()
) -> ClassifyStats:
    """Classify a file (``-`` for stdin); the format is guessed from the name unless given."""
    fmt = fmt or guess_format(path, column)
    chosen = pack_names(packs)  # an unknown pack is refused before the input is looked at
    if path == "-":
        return classify_stream(sys.stdin.buffer, dst, fmt=fmt, column=column, name="-", packs=chosen)
    p = Path(path)
    if not p.is_file():
        raise QinglianError(
            "找不到输入文件", "input file not found", file=path, hint_zh="检查路径", hint_en="check the path"
        )
    with p.open("rb") as fh:
        return classify_stream(fh, dst, fmt=fmt, column=column, name=path, packs=chosen)
