"""Matching customer lists with another case or agency so that each side learns the overlap only.

A private set intersection by commutative blinding (Diffie–Hellman over edwards25519, libsodium
through PyNaCl). Each number is hashed onto the curve, H(x); a side blinds its points with a
secret scalar made for this one exchange. Three files, carried offline:

1. ``export`` (side A): the points a·H(x) of A's consumers, shuffled, nothing else. A keeps its
   scalar and which of its lists each point came from in the case (``exchange/``, owner-only).
2. ``answer`` (side B): B blinds A's points again, b·a·H(x), in A's order, and adds its own
   points b·H(y), shuffled, each with the opaque ids of B's lists that hold it.
3. ``match`` (side A): A blinds B's points, a·b·H(y); equal values are the shared consumers. The
   overlaps per list pair go to ``cross_case_overlaps`` and the report, as before.

No file holds a number, a hash anyone could recompute (without a secret scalar a point says
nothing, and a fresh scalar per exchange makes points of two exchanges unlinkable), or a file,
holder or case name: lists travel as random ids whose meaning stays in the case. What a side
still learns: the other's number of consumers, and (A) the sizes of B's lists. For B to learn
the overlap too, the roles are swapped (B exports, A answers). A side that pads its set with
guessed numbers learns which of them the other holds; ``MAX_POINTS`` bounds an answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

from qinglian import __version__
from qinglian.errors import QinglianError
from qinglian.i18n import t
from qinglian.link.sql import has_table, reset_table
from qinglian.store.case import Case
from qinglian.store.evidence import sha256_file

FORMAT = "qinglian-psi/1"
MIN_SHARED = 3
MAX_POINTS = 20_000_000  # an offer larger than any seized list set is refused, not answered
POINT_BYTES = 32
_DOMAIN = b"qinglian-psi/1 hash-to-curve\x00"
OFFER_SCHEMA = pa.schema([("point", pa.binary(POINT_BYTES))])
REPLY_SCHEMA = pa.schema([("role", pa.string()), ("idx", pa.int64()), ("lists", pa.list_(pa.string())),
                          ("point", pa.binary(POINT_BYTES))])
_HINT = ("交换文件由 qinglian exchange export / answer 生成", "exchange files are written by qinglian exchange export / answer")


# ---- the curve ---------------------------------------------------------------------------------


def hash_point(e164: str) -> bytes:
    """H(x): the number mapped onto the prime-order group (Elligator 2, libsodium)."""
    return bytes(sodium.crypto_core_ed25519_from_uniform(hashlib.sha512(_DOMAIN + e164.encode()).digest()[:32]))


def new_secret() -> bytes:
    """A uniform non-zero scalar mod the group order, for one exchange."""
    while True:
        s = bytes(sodium.crypto_core_ed25519_scalar_reduce(secrets.token_bytes(64)))
        if any(s):
            return s


def blind(secret: bytes, point: bytes) -> bytes:
    return bytes(sodium.crypto_scalarmult_ed25519_noclamp(secret, point))


def _blind_received(secret: bytes, point: bytes, where: Path) -> bytes:
    """Blind a point that came from the other side; anything off the prime-order group is refused."""
    if len(point) != POINT_BYTES or not sodium.crypto_core_ed25519_is_valid_point(point):
        raise QinglianError("交换文件中有无效的曲线点", "the exchange file holds an invalid curve point",
                            file=str(where), hint_zh=_HINT[0], hint_en=_HINT[1])
    try:
        return blind(secret, point)
    except SodiumError:
        raise QinglianError("交换文件中有无效的曲线点", "the exchange file holds an invalid curve point",
                            file=str(where), hint_zh=_HINT[0], hint_en=_HINT[1]) from None


# ---- this case's lists -------------------------------------------------------------------------


@dataclass
class Lists:
    """This case's consumers in a shuffled order, each with the opaque ids of the lists holding it."""

    consumers: list[str]
    member_of: list[list[str]]
    info: dict[str, dict[str, str | None]]  # opaque id -> holder, evidence, sheet, file (kept in the case)


def _lists(case: Case) -> Lists:
    with case.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT c.phone, c.holder, c.evidence_sha256, coalesce(c.sheet, ''), e.file_name "
            "FROM customers c LEFT JOIN evidence e ON e.sha256 = c.evidence_sha256 "
            "WHERE c.phone IS NOT NULL").fetchall()
    ids: dict[tuple[str, str], str] = {}
    info: dict[str, dict[str, str | None]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for phone, holder, sha, sheet, fname in rows:
        key = (str(sha), str(sheet))
        if key not in ids:
            lid = _fresh_id(info)
            ids[key] = lid
            info[lid] = {"holder": holder, "evidence_sha256": str(sha), "sheet": str(sheet), "file_name": fname}
        members[str(phone)].append(ids[key])
    consumers = list(members)
    secrets.SystemRandom().shuffle(consumers)
    return Lists(consumers, [sorted(set(members[c])) for c in consumers], info)


def _fresh_id(taken: dict[str, Any]) -> str:
    while (lid := "L" + secrets.token_hex(4)) in taken:
        pass
    return lid


def _state_dir(case: Case) -> Path:
    d = case.root / "exchange"
    d.mkdir(mode=0o700, exist_ok=True)
    os.chmod(d, 0o700)
    return d


def _write_private_json(path: Path, obj: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _out_path(case: Case, out: Path) -> Path:
    out = out.expanduser().resolve()
    if out.suffix.lower() != ".parquet":
        raise QinglianError("交换文件须以 .parquet 结尾", "the exchange file must end in .parquet", file=str(out))
    if out.is_relative_to(case.root.resolve()) and not out.is_relative_to(case.reports_dir.resolve()):
        raise QinglianError("不能把交换文件写进案件目录（报告目录除外）",
                            "the exchange file may not be written inside the case folder (except reports/)",
                            file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _write_parquet(table: pa.Table, out: Path, meta: dict[str, str]) -> None:
    table = table.replace_schema_metadata({**meta, "format": FORMAT, "qinglian": __version__})
    tmp = out.with_name(f".{out.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, out)


def _read(path: Path, step: str, schema: pa.Schema) -> tuple[pa.Table, dict[str, str]]:
    if not path.is_file():
        raise QinglianError("找不到交换文件", "exchange file not found", file=str(path),
                            hint_zh=_HINT[0], hint_en=_HINT[1])
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError):
        raise QinglianError("不是可读的 Parquet 交换文件", "not a readable Parquet exchange file", file=str(path),
                            hint_zh=_HINT[0], hint_en=_HINT[1]) from None
    meta = {k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
            for k, v in (table.schema.metadata or {}).items()}
    if meta.get("format") != FORMAT or meta.get("step") != step or not table.schema.equals(schema):
        want = t("第一轮文件（export 生成）", "a first-round file (from export)") if step == "offer" else \
            t("答复文件（answer 生成）", "a reply (from answer)")
        raise QinglianError(f"不是 Qinglian 名单交换文件（格式或列不符），此处需要{want}",
                            f"not a Qinglian list exchange file (format or columns differ); this step needs {want}",
                            file=str(path), hint_zh=_HINT[0], hint_en=_HINT[1])
    if table.num_rows > 2 * MAX_POINTS:
        raise QinglianError("交换文件过大，拒绝处理", "the exchange file is too large; refused", file=str(path))
    return table, meta


# ---- step 1: export ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    exchange: str
    lists: int
    consumers: int

    def lines(self) -> list[str]:
        return [t(f"已导出 {self.consumers} 名消费者的盲化点（{self.lists} 份名单；交换编号 {self.exchange}）：{self.path}",
                  f"exported the blinded points of {self.consumers} consumers ({self.lists} lists; "
                  f"exchange {self.exchange}): {self.path}"),
                t("文件中没有号码、名单名称或案件名称；对方运行 qinglian exchange answer 后把答复文件交回，"
                  "本方运行 qinglian exchange match",
                  "the file holds no numbers and no list or case names; the other side runs qinglian exchange "
                  "answer and returns the reply, then run qinglian exchange match")]


def export_lists(case: Case, out: Path, *, user: str | None = None) -> ExportResult:
    out = _out_path(case, out)
    lists = _lists(case)
    if not lists.consumers:
        raise QinglianError("本案没有带号码的客户名单，无可交换", "the case holds no customer list with numbers",
                            file=str(case.root))
    exchange = secrets.token_hex(16)
    secret = new_secret()
    points = [blind(secret, hash_point(c)) for c in lists.consumers]
    state = _state_dir(case)
    _write_private_json(state / f"{exchange}.json", {
        "exchange": exchange, "role": "export", "secret": secret.hex(), "lists": lists.info,
        "member_of": lists.member_of, "created": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    _write_parquet(pa.table({"point": pa.array(points, pa.binary(POINT_BYTES))}, schema=OFFER_SCHEMA), out,
                   {"step": "offer", "exchange": exchange})
    case.log("exchange.export", {"out": str(out)}, user=user,
             details={"sha256": sha256_file(out), "exchange": exchange, "lists": len(lists.info),
                      "consumers": len(points)})
    return ExportResult(out, exchange, len(lists.info), len(points))


# ---- step 2: answer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    path: Path
    exchange: str
    answered: int
    consumers: int
    lists: int

    def lines(self) -> list[str]:
        return [t(f"已答复交换 {self.exchange}：盲化对方 {self.answered} 个点，附本方 {self.consumers} 名消费者"
                  f"（{self.lists} 份名单）：{self.path}",
                  f"answered exchange {self.exchange}: blinded {self.answered} points of the other side and added "
                  f"{self.consumers} consumers of ours ({self.lists} lists): {self.path}"),
                t("把答复文件交回对方；对方只能得知双方共有的消费者",
                  "return the reply to the other side; it learns only the consumers both sides hold")]


def answer_offer(case: Case, offer: Path, out: Path, *, user: str | None = None) -> AnswerResult:
    table, meta = _read(offer, "offer", OFFER_SCHEMA)
    if table.num_rows > MAX_POINTS:
        raise QinglianError(f"对方文件超过 {MAX_POINTS} 个点，拒绝答复（可能在枚举号码）",
                            f"the offer holds more than {MAX_POINTS} points; refused (it may enumerate numbers)",
                            file=str(offer))
    out = _out_path(case, out)
    secret = new_secret()  # used for this answer only and never stored
    answers = [_blind_received(secret, bytes(p), offer) for p in table.column("point").to_pylist()]
    lists = _lists(case)
    ours = [blind(secret, hash_point(c)) for c in lists.consumers]
    reply_id = secrets.token_hex(16)
    n, m = len(answers), len(ours)
    reply = pa.table({
        "role": pa.array(["answer"] * n + ["offer"] * m, pa.string()),
        "idx": pa.array(list(range(n)) + [None] * m, pa.int64()),
        "lists": pa.array([None] * n + lists.member_of, pa.list_(pa.string())),
        "point": pa.array(answers + ours, pa.binary(POINT_BYTES)),
    }, schema=REPLY_SCHEMA)
    _write_private_json(_state_dir(case) / f"{reply_id}.json", {
        "exchange": meta.get("exchange", ""), "reply": reply_id, "role": "answer", "lists": lists.info,
        "created": datetime.now(UTC).isoformat(timespec="seconds")})
    _write_parquet(reply, out, {"step": "reply", "exchange": meta.get("exchange", ""), "reply": reply_id})
    case.log("exchange.answer", {"offer": str(offer), "out": str(out)}, user=user,
             details={"offer_sha256": sha256_file(offer), "sha256": sha256_file(out),
                      "exchange": meta.get("exchange", ""), "reply": reply_id, "answered": n, "consumers": m})
    return AnswerResult(out, meta.get("exchange", ""), n, m, len(lists.info))


# ---- step 3: match -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchResult:
    files: int
    their_lists: int
    pairs: int
    shared: int = 0

    def lines(self) -> list[str]:
        return [t(f"读入 {self.files} 个答复文件、{self.their_lists} 份对方名单；共有消费者 {self.shared} 名；"
                  f"与本案名单重合 {self.pairs} 对（见表 cross_case_overlaps 与报告）",
                  f"read {self.files} replies with {self.their_lists} outside lists; {self.shared} shared "
                  f"consumers; {self.pairs} pairs overlap with this case's lists (table cross_case_overlaps and "
                  "the report)")]


def _load_state(case: Case, exchange: str, reply: Path) -> dict[str, Any]:
    path = case.root / "exchange" / f"{exchange}.json"
    if len(exchange) != 32 or not all(c in "0123456789abcdef" for c in exchange) or not path.is_file():
        raise QinglianError("这份答复不属于本案发起的交换", "this reply answers an exchange this case did not start",
                            file=str(reply),
                            hint_zh="在发起 exchange export 的案件上运行 match",
                            hint_en="run match on the case that ran exchange export")
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if state.get("role") != "export":
        raise QinglianError("这份答复不属于本案发起的交换", "this reply answers an exchange this case did not start",
                            file=str(reply))
    return state


def _overlaps(state: dict[str, Any], table: pa.Table, reply: Path) -> tuple[Counter[tuple[str, str]],
                                                                            Counter[str], Counter[str], int]:
    secret = bytes.fromhex(str(state["secret"]))
    member_of: list[list[str]] = state["member_of"]
    roles = table.column("role").to_pylist()
    idxs = table.column("idx").to_pylist()
    lists = table.column("lists").to_pylist()
    points = table.column("point").to_pylist()
    theirs: dict[bytes, list[str]] = {}
    their_sizes: Counter[str] = Counter()
    answered: dict[int, bytes] = {}
    for role, idx, lst, point in zip(roles, idxs, lists, points, strict=True):
        if role == "offer":
            ids = [str(x) for x in (lst or [])]
            theirs[_blind_received(secret, bytes(point), reply)] = ids
            their_sizes.update(ids)
        elif role == "answer" and isinstance(idx, int):
            answered[idx] = bytes(point)
    if sorted(answered) != list(range(len(member_of))):
        raise QinglianError("答复与本方导出的点数不符", "the reply does not answer every point this case exported",
                            file=str(reply), hint_zh="请对方用本次导出的文件重新 answer",
                            hint_en="ask the other side to answer the file of this export again")
    our_sizes: Counter[str] = Counter(lid for ids in member_of for lid in ids)
    pairs: Counter[tuple[str, str]] = Counter()
    shared = 0
    for idx, point in answered.items():
        hit = theirs.get(point)
        if hit is None:
            continue
        shared += 1
        for ours in member_of[idx]:
            for their in hit:
                pairs[(ours, their)] += 1
    return pairs, our_sizes, their_sizes, shared


def match_lists(case: Case, files: Iterable[Path], *, partner: str | None = None,
                user: str | None = None) -> MatchResult:
    replies: list[tuple[Path, str, dict[str, Any], pa.Table, dict[str, str]]] = []
    for p in files:
        table, meta = _read(p, "reply", REPLY_SCHEMA)
        replies.append((p, sha256_file(p), _load_state(case, meta.get("exchange", ""), p), table, meta))
    out_rows: list[tuple[Any, ...]] = []
    their_lists = shared_total = 0
    done: list[tuple[Path, str, dict[str, Any], int]] = []
    for p, sha, state, table, meta in replies:
        pairs, our_sizes, their_sizes, shared = _overlaps(state, table, p)
        their_lists += len(their_sizes)
        shared_total += shared
        label = partner or t(f"交换 {meta.get('exchange', '')[:8]}", f"exchange {meta.get('exchange', '')[:8]}")
        n = 0
        for (ours, their), k in sorted(pairs.items()):
            if k < MIN_SHARED:
                continue
            info = state["lists"][ours]
            tn, on = their_sizes[their], our_sizes[ours]
            out_rows.append((sha, label, None, None, their, info["holder"], info["file_name"],
                             f"{info['evidence_sha256']}:{info['sheet']}", tn, on, k, k / tn, k / on,
                             k / (tn + on - k)))
            n += 1
        done.append((p, sha, meta, n))
    with case.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            if not has_table(con, "cross_case_overlaps"):
                reset_table(con, "cross_case_overlaps")
            for _, sha, _, _ in done:
                con.execute("DELETE FROM cross_case_overlaps WHERE source_sha256 = ?", [sha])
            if out_rows:
                con.executemany("INSERT INTO cross_case_overlaps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                out_rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        case.log("exchange.match", {"files": [str(p) for p, _, _, _ in done], "partner": partner}, user=user,
                 details={"sources": [{"file": p.name, "sha256": s, "exchange": m.get("exchange", ""), "pairs": n}
                                      for p, s, m, n in done],
                          "pairs": len(out_rows), "shared": shared_total, "version": __version__}, con=con)
    return MatchResult(len(done), their_lists, len(out_rows), shared_total)
