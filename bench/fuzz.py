"""Fuzz ingest with damaged and hostile files of every supported format.

Generates real-shaped evidence (Faker zh_CN): call logs as UTF-8 CSV, customer lists as GBK
CSV, SMS logs as TSV, workbooks as XLSX and legacy XLS, chats as JSON, complaints as JSON
Lines, and ZIP archives holding them (nested too); then mutates them (byte flips, truncation, splices,
header, quote and delimiter damage, lost line breaks, far-away cells, deep nesting, many keys
or columns, clashing archive members) and ingests each into a copy of a scratch case.

Each ingest runs in a forked child so a crash or a runaway allocation is caught and measured
on its own. It prints inputs tried, tracebacks (any exception that is not a QinglianError;
must be 0, each input saved under the output folder), crashed children, the peak RSS of any
one ingest, and the cases changed by a refused file (must be 0: the case folder's files and
hashes and every table's row count are compared before and after).

    python bench/fuzz.py [--seconds 180] [--iterations N] [--seed 1] [--out DIR]

XLS files come from the minimal BIFF8 writer of the tests (tests/ingest/xls_writer.py).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qinglian.errors import QinglianError
from tests.ingest.xls_writer import xls_bytes

XLS_CELLS: list[tuple[int, int, float | str]] = []
CHILD_MEMORY = 8 << 30  # address-space cap of each ingest: a runaway allocation fails, not the machine
CHILD_SECONDS = 60


# -- seeds -----------------------------------------------------------------------------------


def _faker(seed: int) -> Any:
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def seeds(rng: random.Random, rows: int = 60) -> dict[str, bytes]:
    """File name -> bytes of each real-shaped evidence file."""
    import openpyxl

    fake = _faker(rng.randrange(1 << 30))
    phone = fake.phone_number
    out: dict[str, bytes] = {}

    calls = ["主叫号码,被叫号码,开始时间,通话时长,接通状态,意向等级,通话内容"]
    for _ in range(rows):
        text = f'"您好，{fake.name()}，这里是{fake.company()}，低息贷款了解一下"'
        dur = rng.choice(["35", "1分20秒", "00:01:05", "0"])
        calls.append(f"0{rng.randrange(2100000000, 2199999999)},{phone()},{fake.date_time_this_year()},{dur},已接通,A,{text}")
    out["calls.csv"] = ("\n".join(calls) + "\n").encode("utf-8")

    cust = ["客户名单（内部）", "姓名,手机号,身份证号,地址,工作单位,来源"]
    for _ in range(rows):
        cust.append(f"{fake.name()},{phone()},{fake.ssn()},{fake.address()},{fake.company()},渠道{rng.randrange(9)}")
    out["customers_gbk.csv"] = ("\r\n".join(cust) + "\r\n").encode("gb18030")

    sms = ["发送账号\t签名\t手机号码\t发送时间\t短信内容\t发送状态"]
    for _ in range(rows):
        sms.append(f"acc{rng.randrange(50)}\t【速贷】\t{phone()}\t{fake.date_time_this_year()}\t{fake.name()}您好，额度已批，回T退订\t成功")
    out["sms.tsv"] = ("\n".join(sms) + "\n").encode("utf-8")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "通话"
    ws.append(["2025年7月外呼记录"])
    ws.append([])
    ws.append(["主叫", "被叫号码", "开始时间", "通话时长"])
    for _ in range(rows):
        ws.append([f"0{rng.randrange(2100000000, 2199999999)}", int(phone()), fake.date_time_this_year(), rng.randrange(400)])
    ws2 = wb.create_sheet("付款")
    ws2.append(["付款方", "收款方", "金额", "时间", "备注"])
    for _ in range(rows // 3):
        ws2.append([fake.company(), fake.name(), rng.randrange(100, 90000), fake.date_this_year(), "=C2*2"])
    buf = io.BytesIO()
    wb.save(buf)
    out["book.xlsx"] = buf.getvalue()

    chats = [
        {"会话": f"群{rng.randrange(5)}", "发送人": fake.name(), "接收人": fake.name(), "时间": str(fake.date_time_this_year()),
         "内容": fake.sentence(), "附件": {"类型": "图片", "大小": rng.randrange(1 << 20)}}
        for _ in range(rows)
    ]
    XLS_CELLS[:] = [(0, 0, "客户名单"), (2, 0, "姓名"), (2, 1, "手机号"), (2, 2, "地址"), (2, 3, "负债")]
    for r in range(40):
        XLS_CELLS.extend([(3 + r, 0, fake.name()), (3 + r, 1, float(phone())), (3 + r, 2, fake.address()),
                          (3 + r, 3, float(rng.randrange(1000, 500000)))])
    out["list.xls"] = xls_bytes(XLS_CELLS, "名单")

    out["chats.json"] = json.dumps({"total": rows, "data": chats}, ensure_ascii=False).encode("utf-8")

    comp = [
        {"投诉编号": f"TS{rng.randrange(10**8)}", "受理时间": str(fake.date_this_year()), "投诉人电话": phone(),
         "来电号码": phone(), "投诉内容": f"{fake.name()}反映频繁接到贷款推销电话", "被投诉方": fake.company()}
        for _ in range(rows)
    ]
    out["complaints.jsonl"] = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in comp).encode("utf-8")

    out["seized.zip"] = make_zip([("名单/customers.csv", out["customers_gbk.csv"]), ("calls.csv", out["calls.csv"]),
                                  ("名单/list.xls", out["list.xls"]),
                                  ("book.xlsx", out["book.xlsx"]), ("录音/001.mp3", os.urandom(2000))])
    out["nested.zip"] = make_zip([("inner.zip", make_zip([("sms.tsv", out["sms.tsv"])])), ("chats.json", out["chats.json"])])
    return out


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2025, 7, 20, 9, 0, 0)), data)
    return buf.getvalue()


# -- mutations -------------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes, str], bytes]


def flip(rng: random.Random, data: bytes, name: str) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 30)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def truncate(rng: random.Random, data: bytes, name: str) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(rng: random.Random, data: bytes, name: str) -> bytes:
    i, j = sorted(rng.randrange(len(data)) for _ in range(2))
    k = rng.randrange(len(data))
    return data[:k] + data[i:j] * rng.randint(1, 20) + data[k:]


def delete(rng: random.Random, data: bytes, name: str) -> bytes:
    i, j = sorted(rng.randrange(len(data)) for _ in range(2))
    return data[:i] + data[j:]


def insert_junk(rng: random.Random, data: bytes, name: str) -> bytes:
    k = rng.randrange(len(data))
    junk = rng.choice([b"\x00" * 10, b'"', b'""', b"\r", b"\xff\xfe", b"\xef\xbb\xbf", b",,,,,", b"\t", os.urandom(50)])
    return data[:k] + junk + data[k:]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def header_as_data(rng: random.Random, data: bytes, name: str) -> bytes:
    lines = _lines(data)
    return b"\n".join(lines[1:] if len(lines) > 2 else lines)


def lose_newlines(rng: random.Random, data: bytes, name: str) -> bytes:
    return data.replace(b"\r\n", b"").replace(b"\n", b"" if rng.random() < 0.5 else b"\r")


def quote_damage(rng: random.Random, data: bytes, name: str) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = b'"' + lines[i]
    return b"\n".join(lines)


def delimiter_damage(rng: random.Random, data: bytes, name: str) -> bytes:
    a, b = rng.sample([b",", b"\t", b";", b"|", b"\xef\xbc\x8c"], 2)
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(a, b)
    return b"\n".join(lines)


def many_columns(rng: random.Random, data: bytes, name: str) -> bytes:
    lines = _lines(data)
    i = rng.randrange(min(len(lines), 3))
    lines[i] = lines[i] + b"," * rng.choice([600, 5000, 20000])
    return b"\n".join(lines)


def long_line(rng: random.Random, data: bytes, name: str) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + b"9" * rng.choice([200_000, 5 << 20, 12 << 20])
    return b"\n".join(lines)


def reencode(rng: random.Random, data: bytes, name: str) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return text.encode(rng.choice(["utf-16", "utf-16-le", "gb18030", "big5"]), errors="replace")


def deep_json(rng: random.Random, data: bytes, name: str) -> bytes:
    depth = rng.choice([70, 1500, 200_000])
    nest = b"[" * depth + b"]" * depth
    if name.endswith(".jsonl"):
        return data + b'{"x": ' + nest + b"}\n"
    return rng.choice([nest, data.replace(b'"\xe5\x9b\xbe\xe7\x89\x87"', nest, 1)])


def many_keys(rng: random.Random, data: bytes, name: str) -> bytes:
    n = rng.choice([600, 3001])
    recs = [json.dumps({"手机号": f"138{i:08d}", f"k{i}": i}, ensure_ascii=False) for i in range(n)]
    if name.endswith(".jsonl"):
        return "\n".join(recs).encode()
    return ("[" + ",".join(recs) + "]").encode()


def xls_far(rng: random.Random, data: bytes, name: str) -> bytes:
    """A cell record far outside the table (BIFF8 allows 65,535 rows and columns)."""
    cell = (rng.choice([5, 40, 65535]), rng.choice([300, 700, 65535]), 1.0)
    return xls_bytes([*XLS_CELLS, cell], "名单")


def _rezip(data: bytes, edit: Callable[[list[tuple[str, bytes]]], list[tuple[str, bytes]]]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n, d in edit(members):
            out.writestr(zipfile.ZipInfo(n, (2025, 7, 20, 9, 0, 0)), d)
    return buf.getvalue()


def member_mutation(rng: random.Random, data: bytes, name: str) -> bytes:
    """Mutate one member inside the container (XLSX or ZIP) and rewrite it whole."""

    def edit(members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        i = rng.randrange(len(members))
        n, d = members[i]
        inner = rng.choice([flip, truncate, splice, insert_junk, delete, quote_damage, many_columns])
        members[i] = (n, inner(rng, d, n) if d else d)
        return members

    return _rezip(data, edit)


def far_cell(rng: random.Random, data: bytes, name: str) -> bytes:
    """Move one cell of a worksheet far away (XFD1048576 and the like), or drop references."""
    import re

    def edit(members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        out = []
        for n, d in members:
            if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                kind = rng.randrange(4)
                if kind == 0:
                    ref = rng.choice([b"XFD1048576", b"CV100000", b"ZZZ9", b"A99999999", b"xfd7"])
                    d = re.sub(rb'r="[A-Z]+\d+"', b'r="' + ref + b'"', d, count=1)
                    d = re.sub(rb'<row r="\d+"', b'<row r="' + re.sub(rb"[A-Za-z]", b"", ref) + b'"', d, count=1)
                elif kind == 1:
                    d = re.sub(rb'<dimension ref="[^"]*"/>', b"", d)
                elif kind == 2:
                    d = re.sub(rb' r="[A-Z]+\d+"', b"", d)
                else:
                    d = d.replace(b"</sheetData>", b"<row>" + b"<c><v>1</v></c>" * rng.choice([600, 20000]) + b"</row></sheetData>")
            out.append((n, d))
        return out

    return _rezip(data, edit)


def zip_names(rng: random.Random, data: bytes, name: str) -> bytes:
    def edit(members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        n, d = members[0]
        choice = rng.randrange(5)
        if choice == 0:
            return [*members, (n, d)]
        if choice == 1:
            return [*members, (n + "/x.csv", d)]
        if choice == 2:
            return [*members, ("../../evil.csv", d)]
        if choice == 3:
            return [("deep.zip", make_zip([("a.zip", make_zip([("b.zip", make_zip([("c.zip", data)]))]))]))]
        return [*members, ("", d)]

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _rezip(data, edit)


TEXT: list[Mutation] = [flip, truncate, splice, delete, insert_junk, header_as_data, lose_newlines, quote_damage, delimiter_damage,
        many_columns, long_line, reencode]
JSONISH: list[Mutation] = [flip, truncate, splice, delete, insert_junk, lose_newlines, quote_damage, deep_json, many_keys, reencode]
CONTAINER: list[Mutation] = [flip, truncate, splice, delete, member_mutation, member_mutation, zip_names]


def mutations_for(name: str) -> list[Mutation]:
    if name.endswith(".xls"):
        return [flip, flip, truncate, splice, delete, insert_junk, xls_far]
    if name.endswith(".xlsx"):
        return [*CONTAINER, far_cell, far_cell]
    if name.endswith(".zip"):
        return CONTAINER
    if name.endswith((".json", ".jsonl")):
        return JSONISH
    return TEXT


# -- one ingest in a child -------------------------------------------------------------------


def snapshot(case_dir: Path) -> dict[str, Any]:
    """The case's files (name -> hash; the database by its tables instead) and every table's row count."""
    import duckdb

    files = {}
    for p in sorted(case_dir.rglob("*")):
        rel = str(p.relative_to(case_dir))
        if p.is_file() and not rel.startswith("case.duckdb"):
            files[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in tables}
    finally:
        con.close()
    return {"files": files, "counts": counts}


def child(case_dir: Path, path: Path, conn_fd: int) -> None:
    """Ingest one file; write (outcome, detail) to the pipe and exit."""
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import open_case

    result: tuple[str, str]
    try:
        before = snapshot(case_dir)
        try:
            ingest_files(open_case(case_dir), [path], IngestOptions(holder="模糊测试", user="fuzz"))
            result = ("ingested", "")
        except QinglianError as exc:
            after = snapshot(case_dir)
            message = exc.render("zh") + exc.render("en")
            result = ("refused", "" if after == before else "changed: " + _diff(before, after))
            if "Traceback" in message:
                result = ("traceback", "QinglianError carrying a traceback")
    except BaseException as exc:  # noqa: BLE001 - the point is to catch anything
        result = ("traceback", f"{type(exc).__name__}\n{traceback.format_exc()}")
    with os.fdopen(conn_fd, "wb") as fh:
        pickle.dump(result, fh)
    os._exit(0)


def _diff(a: dict[str, Any], b: dict[str, Any]) -> str:
    files = sorted(set(a["files"]) ^ set(b["files"])) + [k for k in a["files"] if b["files"].get(k, a["files"][k]) != a["files"][k]]
    counts = [k for k in set(a["counts"]) | set(b["counts"]) if a["counts"].get(k) != b["counts"].get(k)]
    return f"files {files[:5]} tables {counts[:5]}"


def run_one(case_dir: Path, path: Path) -> tuple[str, str, int]:
    """(outcome, detail, peak RSS in KB) of ingesting `path` into `case_dir` in a child."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.alarm(CHILD_SECONDS)
        child(case_dir, path, w)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        raw = fh.read()
    _, status, usage = os.wait4(pid, 0)
    if raw:
        outcome, detail = pickle.loads(raw)
    elif os.WIFSIGNALED(status):
        outcome, detail = "crash", f"killed by signal {os.WTERMSIG(status)}"
    else:
        outcome, detail = "crash", f"exit status {os.WEXITSTATUS(status)} without a result"
    return outcome, detail, usage.ru_maxrss


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=180.0, help="stop after this long (default 180)")
    ap.add_argument("--iterations", type=int, default=None, help="stop after this many inputs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="folder for inputs that failed (default: a temp folder)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="qinglian-fuzz-"))
    out = args.out or work / "failures"
    out.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; failing inputs go to {out}", flush=True)

    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import init_case, open_case

    seed_files = seeds(rng)
    seed_dir = work / "seeds"
    seed_dir.mkdir()
    for name, data in seed_files.items():
        (seed_dir / name).write_bytes(data)
    template = work / "template"
    init_case(template, "模糊测试", "测试局", user="fuzz")
    # one genuine ingest first, so the template holds what a working case holds
    pid = os.fork()
    if pid == 0:
        try:
            ingest_files(open_case(template), [seed_dir / "calls.csv"], IngestOptions(holder="样本", user="fuzz"))
            os._exit(0)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if status:
        print("the unmutated seed did not ingest; stopping")
        return 2
    for name in seed_files:  # every seed must ingest as it is
        case = work / "case"
        shutil.rmtree(case, ignore_errors=True)
        shutil.copytree(template, case)
        outcome, detail, _ = run_one(case, seed_dir / name)
        if outcome != "ingested" and name != "calls.csv":
            print(f"seed {name}: {outcome} {detail.splitlines()[0] if detail else ''}")

    tried: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    tracebacks: Counter[str] = Counter()
    by_mutation: Counter[str] = Counter()
    changed = 0
    peak_kb = 0
    peak_input = ""
    names = sorted(seed_files)
    start = time.monotonic()
    case = work / "case"
    fresh = False
    i = 0
    while True:
        if args.iterations is not None and i >= args.iterations:
            break
        if args.iterations is None and time.monotonic() - start > args.seconds:
            break
        i += 1
        name = rng.choice(names)
        data = seed_files[name]
        mutation = rng.choice(mutations_for(name))
        try:
            mutated = mutation(rng, data, name)
            if rng.random() < 0.2:  # a second mutation now and then
                mutated = rng.choice(mutations_for(name))(rng, mutated, name) or mutated
        except Exception:  # noqa: BLE001 - a structured mutation of an already damaged container
            mutated = flip(rng, data, name)
        if not mutated:
            mutated = data[:1]
        path = work / f"input{Path(name).suffix}"
        path.write_bytes(mutated)
        if not fresh:
            shutil.rmtree(case, ignore_errors=True)
            shutil.copytree(template, case)
        outcome, detail, rss = run_one(case, path)
        fresh = outcome == "refused" and not detail
        tried[Path(name).suffix + (" gbk" if "gbk" in name else "")] += 1
        outcomes[outcome] += 1
        if rss > peak_kb:
            peak_kb, peak_input = rss, f"{name} after {mutation.__name__}, {outcome}"
        if outcome == "refused" and detail:
            changed += 1
            fresh = False
            saved = out / f"changed-{i}-{mutation.__name__}{Path(name).suffix}"
            saved.write_bytes(mutated)
            print(f"case changed by a refused file: {saved} ({detail})", flush=True)
        if outcome in ("traceback", "crash"):
            kind = detail.splitlines()[0] if detail else outcome
            tracebacks[f"{outcome}: {kind}"] += 1
            by_mutation[mutation.__name__] += 1
            saved = out / f"{outcome}-{i}-{mutation.__name__}{Path(name).suffix}"
            saved.write_bytes(mutated)
            (out / f"{saved.name}.txt").write_text(detail)
            print(f"{outcome} ({kind}) on {name} after {mutation.__name__}: saved {saved}", flush=True)
    elapsed = time.monotonic() - start
    bad = sum(tracebacks.values())
    print()
    print(f"inputs tried:     {sum(tried.values()):,} in {elapsed:.0f} s ({', '.join(f'{k} {v}' for k, v in sorted(tried.items()))})")
    print(f"outcomes:         {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}")
    print(f"tracebacks:       {bad}" + (f" ({dict(tracebacks)}; inputs in {out})" if bad else ""))
    print(f"peak RSS:         {peak_kb / 1024:,.0f} MB (largest single ingest; each child capped at {CHILD_MEMORY >> 30} GB): {peak_input}")
    print(f"cases changed by a refused file: {changed}")
    if not bad and not changed:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad or changed else 0


if __name__ == "__main__":
    sys.exit(main())
