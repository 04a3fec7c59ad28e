"""The `qinglian` command. Thin: each command parses options and calls one library function.

User mistakes raise QinglianError and are printed as a message (Chinese by default,
English with --lang en or QINGLIAN_LANG=en) without a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from qinglian import __version__
from qinglian.errors import QinglianError
from qinglian.i18n import set_language, t

app = typer.Typer(
    name="qinglian",
    help="清链 Qinglian：骚扰式贷款中介营销证据分析与链条追踪 / evidence analysis and chain tracing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
case_app = typer.Typer(help="案件工作区 / case workspace", no_args_is_help=True)
app.add_typer(case_app, name="case")
exchange_app = typer.Typer(help="跨机构名单比对（隐私集合求交，只得知重合部分）/ match lists across agencies "
                                "(private set intersection: only the overlap is learnt)", no_args_is_help=True)
app.add_typer(exchange_app, name="exchange")
key_app = typer.Typer(help="机构密钥 / agency key", no_args_is_help=True)
app.add_typer(key_app, name="key")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

CaseDir = Annotated[Path, typer.Argument(help="案件目录 / case folder")]
UserOpt = Annotated[str | None, typer.Option("--user", help="操作人（默认为系统用户）/ acting user")]


def _say(lines: list[str]) -> None:
    """Print a result's lines as plain text (seized names may hold [brackets])."""
    for line in lines:
        out.print(line, markup=False, highlight=False)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A ``progress(step, done, total)`` for the pipeline, shown on stderr with rich (a bar where the
    total is known, a spinner with the elapsed time where it is not)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        def update(step: str, done: int, total: int | None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update


def _version(value: bool) -> None:
    if value:
        out.print(f"qinglian {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    lang: Annotated[str | None, typer.Option("--lang", help="zh | en")] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本 / show version")
    ] = False,
) -> None:
    set_language(lang)


# ---- case workspace -------------------------------------------------------------------------


@case_app.command("init")
def case_init(
    case_dir: CaseDir,
    name: Annotated[str, typer.Option("--name", help="案件名称 / case name")],
    agency: Annotated[str | None, typer.Option("--agency", help="办案单位 / agency")] = None,
    user: UserOpt = None,
    pack: Annotated[
        list[str] | None,
        typer.Option("--pack", help="行业包，可重复（默认 loans）/ industry pack, repeatable (default loans)"),
    ] = None,
) -> None:
    """新建案件目录 / create a case folder."""
    from qinglian.store.case import init_case

    case = init_case(case_dir, name, agency, user=user, packs=pack or ())
    out.print(t(f"已新建案件：{case.root}（行业包：{'、'.join(case.packs)}）",
                f"case created: {case.root} (packs: {', '.join(case.packs)})"))


@app.command("verify")
def verify(
    case_dir: CaseDir,
    anchor_log: Annotated[
        Path | None, typer.Option("--anchor-log", help="锚定日志（默认 ~/.local/share/qinglian/anchors.jsonl）/ anchor log")
    ] = None,
) -> None:
    """核验证据、内容摘要、保管日志链与外部锚定 / recompute evidence hashes, content digests, the custody
    chain and its anchors."""
    from qinglian.store.verify import verify_case

    report = verify_case(case_dir, anchor_log=anchor_log)
    for line in report.lines():
        (out if report.ok else err).print(line, markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


# ---- anchor (custody heads signed outside the case) ----


@app.command("anchor")
def anchor_cmd(
    case_dir: Annotated[Path | None, typer.Argument(help="案件目录 / case folder")] = None,
    init_key: Annotated[
        bool, typer.Option("--init-key", help="生成机构锚定签名密钥（仅一次）/ make the agency signing key (once)")
    ] = False,
    anchor_log: Annotated[
        Path | None, typer.Option("--anchor-log", help="锚定日志（默认 ~/.local/share/qinglian/anchors.jsonl）/ anchor log")
    ] = None,
    user: UserOpt = None,
) -> None:
    """用机构密钥签署保管日志头并记入案件外的锚定日志 / sign the custody head with the agency key and
    append it to an anchor log outside the case."""
    from qinglian.store import anchor

    if init_key:
        path = anchor.init_key()
        out.print(t(f"已生成锚定签名密钥：{path}（仅本人可读，请与案件分开备份）",
                    f"anchor signing key made: {path} (owner-only; back it up apart from cases)"),
                  markup=False, highlight=False)
        if case_dir is None:
            return
    if case_dir is None:
        raise QinglianError("需要指定案件目录", "give the case folder", hint_zh="qinglian anchor 案件目录",
                            hint_en="qinglian anchor CASE")
    from qinglian.store.case import open_case

    rec = anchor.anchor_case(open_case(case_dir), anchor_log=anchor_log, user=user)
    out.print(t(f"已锚定保管日志第 {rec['seq']} 条（{rec['hash'][:16]}…），密钥 {rec['key'][:16]}…，"
                f"记入 {anchor.log_path(anchor_log)}",
                f"anchored custody entry {rec['seq']} ({rec['hash'][:16]}…) with key {rec['key'][:16]}… "
                f"in {anchor.log_path(anchor_log)}"), markup=False, highlight=False)


# ---- intake ----------------------------------------------------------------------------------


@app.command("ingest")
def ingest(
    case_dir: CaseDir,
    files: Annotated[list[Path], typer.Argument(help="证据文件 / evidence files")],
    holder: Annotated[str, typer.Option("--holder", help="被检查单位 / company or site seized from")],
    site: Annotated[str | None, typer.Option("--site", help="检查地点 / site")] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="auto|calls|sms|customers|chats|complaints|accounts|payments")
    ] = "auto",
    encoding: Annotated[str | None, typer.Option("--encoding", help="如 gbk、utf-8 / e.g. gbk")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="只读该工作表 / only this sheet")] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="源列=字段，如 客户号码=callee / SOURCE=field")
    ] = None,
    user: UserOpt = None,
) -> None:
    """导入查获的证据文件 / ingest seized evidence files."""
    from qinglian.ingest.api import IngestOptions, ingest_files
    from qinglian.store.case import open_case

    case = open_case(case_dir)
    opts = IngestOptions(
        holder=holder, site=site, kind=kind, encoding=encoding, sheet=sheet, mapping=mapping or [], user=user
    )
    result = ingest_files(case, files, opts)
    _say(result.lines())


# ---- pi inventory (qinglian/detect/pi) ------------------------------------------------------


@app.command("pi")
def pi(
    case_dir: CaseDir,
    holder: Annotated[str | None, typer.Option("--holder", help="只看该单位 / only this holder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / machine-readable output")] = False,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="显示原始值（须 --reason，记入保管日志）/ show raw values (needs --reason, logged)")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="显示原始值的理由（写入保管日志）/ why values are revealed (logged)")
    ] = None,
    user: UserOpt = None,
) -> None:
    """个人信息清点与入罪数量标准 / PI inventory and the 2017 thresholds."""
    from qinglian.detect.pi import print_inventory, run_pi
    from qinglian.detect.pi.render import inventory_json
    from qinglian.privacy import reveal_reason
    from qinglian.store.case import open_case

    why = reveal_reason(reveal, reason)
    inv = run_pi(open_case(case_dir), holder, reveal=reveal, user=user, reason=why)
    if as_json:
        typer.echo(inventory_json(inv, reveal=reveal))
    else:
        print_inventory(inv, out, reveal=reveal)


# ---- chain tracing: link --------------------------------------------------------------------


@app.command("link")
def link(
    case_dir: CaseDir,
    exact_limit: Annotated[
        int, typer.Option("--exact-limit", help="名单成员数不超过此值时精确计算重叠，否则用 MinHash / exact below")
    ] = 2_000_000,
    threshold: Annotated[
        float, typer.Option("--threshold", help="同源名单的包含度阈值 / containment that joins a leak cluster")
    ] = 0.05,
    user: UserOpt = None,
) -> None:
    """链条追踪：实体、关联、上游排名、名单同源 / trace the chain: entities, upstreams, leak sources."""
    from qinglian import pipeline
    from qinglian.store.case import open_case

    with _progress() as progress:
        result = pipeline.link(open_case(case_dir), exact_limit=exact_limit, threshold=threshold, user=user,
                               progress=progress)
    _say(result.lines())


# ---- chain tracing: cross-case list exchange ------------------------------------------------


@exchange_app.command("export")
def exchange_export(
    case_dir: CaseDir,
    out_file: Annotated[Path, typer.Argument(help="第一轮 .parquet 文件 / the first-round .parquet file")],
    user: UserOpt = None,
) -> None:
    """第一步：导出本案消费者的盲化点（不含号码与名称）/ step 1: export blinded points (no numbers, no names)."""
    from qinglian.link.exchange import export_lists
    from qinglian.store.case import open_case

    _say(export_lists(open_case(case_dir), out_file, user=user).lines())


@exchange_app.command("answer")
def exchange_answer(
    case_dir: CaseDir,
    offer: Annotated[Path, typer.Argument(help="对方的第一轮文件 / the other side's first-round file")],
    out_file: Annotated[Path, typer.Option("--out", help="答复 .parquet 文件 / the reply .parquet file")],
    user: UserOpt = None,
) -> None:
    """第二步：盲化对方的点并附上本方的点 / step 2: blind the other side's points and add ours."""
    from qinglian.link.exchange import answer_offer
    from qinglian.store.case import open_case

    _say(answer_offer(open_case(case_dir), offer, out_file, user=user).lines())


@exchange_app.command("match")
def exchange_match(
    case_dir: CaseDir,
    files: Annotated[list[Path], typer.Argument(help="对方交回的答复文件 / replies from the other side")],
    partner: Annotated[
        str | None, typer.Option("--partner", help="对方名称（只写入本案）/ the other side's name (kept in this case)")
    ] = None,
    user: UserOpt = None,
) -> None:
    """第三步：得出共有消费者与名单重合 / step 3: the shared consumers and list overlaps."""
    from qinglian.link.exchange import match_lists
    from qinglian.store.case import open_case

    _say(match_lists(open_case(case_dir), files, partner=partner, user=user).lines())


# ---- agency key (qinglian/link/keys.py) ------------------------------------------------------


@key_app.command("init")
def key_init(
    key_path: Annotated[
        Path | None, typer.Option("--file", help="密钥文件（默认 QINGLIAN_KEY_FILE 或 ~/.config/qinglian/agency.key）")
    ] = None,
) -> None:
    """生成 256 位机构密钥（仅本人可读）/ make the 256-bit agency key (owner-only file)."""
    from qinglian.link.keys import init_key

    path = init_key(key_path)
    out.print(t(f"已生成机构密钥：{path}（权限 600；请离线备份，勿随案件或交换文件传递）",
                f"agency key written: {path} (mode 600; back it up offline, never send it with a case or an exchange)"),
              markup=False, highlight=False)


# ---- cross-case registry (qinglian/link/registry.py) ----------------------------------------

registry_app = typer.Typer(help="跨案登记库：号码、账号、签名、收款方等在本机构各案件中的出现 / the agency's "
                                "cross-case registry of numbers, accounts, signatures, payees", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
RegistryOpt = Annotated[
    Path | None, typer.Option("--registry", help="登记库文件（默认 QINGLIAN_REGISTRY，否则 案件所在文件夹/.registry/registry.sqlite）/ registry file")
]


@registry_app.command("add")
def registry_add(case_dir: CaseDir, registry: RegistryOpt = None, user: UserOpt = None) -> None:
    """登记（或重新登记）一个案件 / register a case (again: its entries are replaced)."""
    from qinglian.link.registry import register_case
    from qinglian.store.case import open_case

    _say(register_case(open_case(case_dir), registry=registry, user=user).lines())


@registry_app.command("search")
def registry_search(
    query: Annotated[str, typer.Argument(help="号码（任意格式）、账号或名称 / a number in any format, an account or a name")],
    cases: Annotated[Path, typer.Option("--cases", help="存放案件的文件夹 / folder holding the cases")] = Path("."),
    registry: RegistryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    user: UserOpt = None,
) -> None:
    """在各案件中查找号码、账号或名称（消费者只给出案件数）/ look a number, an account or a name up across
    cases (a consumer: only how many cases)."""
    import json

    from qinglian.link.registry import default_path, search

    result = search(query, registry=registry or default_path(cases), user=user)
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        for note in result.notes:
            err.print(note, markup=False, highlight=False)
    else:
        _say(result.lines())


@registry_app.command("list")
def registry_list(
    cases: Annotated[Path, typer.Option("--cases", help="存放案件的文件夹 / folder holding the cases")] = Path("."),
    registry: RegistryOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """登记库中的案件：编号、名称、条目数、登记时间与人、目录 / the registered cases."""
    import json

    from qinglian.link.registry import default_path, registered_cases

    found = registered_cases(registry or default_path(cases))
    if as_json:
        typer.echo(json.dumps([c.as_json() for c in found], ensure_ascii=False, indent=2))
    else:
        _say([c.line() for c in found] or [t("登记库中没有案件", "no case is registered")])


@registry_app.command("remove")
def registry_remove(
    case: Annotated[str, typer.Argument(help="案件编号或案件目录 / case id or case folder")],
    cases: Annotated[Path, typer.Option("--cases", help="存放案件的文件夹 / folder holding the cases")] = Path("."),
    registry: RegistryOpt = None,
    user: UserOpt = None,
) -> None:
    """把一个案件移出登记库（结案或误登记）；记入登记库及案件保管日志 / take a case out of the registry
    (closed, or added by mistake); kept on record in the registry and the case's custody log."""
    from qinglian.link.registry import case_id_of, default_path, path_for, remove_case
    from qinglian.store.case import open_case

    folder = Path(case)
    if (folder / "case.toml").is_file():  # a case folder: its id, and the registry beside it
        opened = open_case(folder)
        case, path = case_id_of(opened), path_for(opened, registry)
    else:
        path = registry or default_path(cases)
    removed, logged = remove_case(case, registry=path, user=user)
    _say([t(f"案件 {removed.name}（{removed.case_id}）已移出登记库，删除 {removed.entries} 条",
            f"case {removed.name} ({removed.case_id}) taken out of the registry: {removed.entries} entries removed"),
          t("已记入案件保管日志" if logged else "案件目录已不在：仅记入登记库",
            "logged in the case's custody log" if logged else "the case folder is gone: recorded in the registry only")])


# ---- chain tracing: targets -----------------------------------------------------------------


@app.command("targets")
def targets_cmd(
    case_dir: CaseDir,
    top: Annotated[int, typer.Option("--top", help="显示前 N 名 / show the top N")] = 35,
    phase: Annotated[str, typer.Option("--phase", help="before | after（检查前/检查后）")] = "after",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    user: UserOpt = None,
) -> None:
    """检查对象排名及证据 / rank holders to inspect, with evidence for each reason."""
    from qinglian import pipeline
    from qinglian.link.run import print_targets
    from qinglian.store.case import open_case

    with _progress() as progress:
        result = pipeline.targets(open_case(case_dir), user=user, progress=progress)
    for line in print_targets(result, phase=phase, top=top, as_json=as_json):
        if as_json:
            typer.echo(line)
        else:
            out.print(line, markup=False, highlight=False, soft_wrap=True)


# ---- text classification (detect/classify) --------------------------------------------------


@app.command("classify")
def classify(
    file: Annotated[str, typer.Argument(help="输入文件，- 为标准输入 / input file, - for stdin")] = "-",
    column: Annotated[
        str | None, typer.Option("--column", help="CSV/JSONL 中的文本列（默认 text）/ text column")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="输入格式 lines|csv|jsonl（默认按扩展名）/ input format (default: by extension)"),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb | spark（spark 读取 CSV/Parquet/每行一条的文件或目录）")
    ] = "duckdb",
    spark_master: Annotated[
        str | None, typer.Option("--spark-master", help="Spark 地址，默认 local[*] / Spark master URL")
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="仅 spark：输出目录，分片按文件名顺序拼接即为完整输出 / spark only: "
                                   "output folder of part files (joined in name order: the whole output)"),
    ] = None,
    pack: Annotated[
        list[str] | None,
        typer.Option("--pack", help="行业包，可重复：其规则与内置规则一并运行（默认仅内置规则，即 loans）/ industry "
                                    "pack, repeatable: its rules run beside the built-in ones (default: built-in only, loans)"),
    ] = None,
) -> None:
    """文本分类，输出 JSON 行 / classify texts, write JSON lines."""
    from qinglian.detect.spark_text import check_engine

    check_engine(engine, spark_master)
    if out_dir is not None and engine != "spark":
        raise QinglianError("--out 只用于 --engine spark（默认引擎写到标准输出）",
                            "--out applies only with --engine spark (the default engine writes to stdout)")
    if engine == "spark":
        from qinglian.detect.spark_text import classify_spark, spark_skipped_lines

        with _progress() as progress:
            stats = classify_spark(file, None if out_dir else sys.stdout, fmt=fmt, column=column,
                                   spark_master=spark_master, out_dir=out_dir, progress=progress, packs=pack or ())
        lines = spark_skipped_lines(stats)
    else:
        from qinglian.detect.classify import classify_path

        lines = classify_path(file, sys.stdout, fmt=fmt, column=column, packs=pack or ()).lines()
    for line in lines:
        err.print(line, markup=False, highlight=False)


@app.command("campaigns")
def campaigns_cmd(
    file: Annotated[str, typer.Argument(help="短信平台日志：文件，或（spark）目录 / SMS log file or (spark) folder")],
    column: Annotated[
        str | None, typer.Option("--column", help="CSV/JSONL/Parquet 中的文本列（默认 text）/ text column")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="输入格式 lines|csv|jsonl|parquet（默认按扩展名）/ input format"),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="群发活动 CSV（默认标准输出）/ campaigns CSV (default stdout)")
    ] = None,
    members: Annotated[
        Path | None, typer.Option("--members", help="成员 CSV：row,campaign_id / members CSV")
    ] = None,
    min_messages: Annotated[int, typer.Option("--min-messages", help="活动的最少条数 / smallest campaign")] = 2,
    engine: Annotated[str, typer.Option("--engine", help="duckdb | spark")] = "duckdb",
    spark_master: Annotated[
        str | None, typer.Option("--spark-master", help="Spark 地址，默认 local[*] / Spark master URL")
    ] = None,
) -> None:
    """文件中的群发活动（近似重复聚类与模板）/ campaigns (near-duplicate clusters, templates) of a file's texts."""
    from contextlib import ExitStack

    from qinglian.detect.campaigns.files import campaigns_file

    with ExitStack() as stack:
        dst = stack.enter_context(out_file.open("w", encoding="utf-8", newline="")) if out_file else sys.stdout
        mem = stack.enter_context(members.open("w", encoding="utf-8", newline="")) if members else None
        progress = stack.enter_context(_progress())
        result = campaigns_file(file, dst, mem, fmt=fmt, column=column, min_messages=min_messages,
                                engine=engine, spark_master=spark_master, progress=progress)
    for line in result.lines():
        err.print(line, markup=False, highlight=False)


# ---- case analysis (detect/analyze) ----------------------------------------------------------


@app.command("analyze")
def analyze(case_dir: CaseDir, user: UserOpt = None) -> None:
    """对案件运行全部检测分析（个人信息、文本、群发活动、行为）/ run the detect stages over a case."""
    from qinglian import pipeline
    from qinglian.store.case import open_case

    with _progress() as progress:
        result = pipeline.analyze(open_case(case_dir), user=user, progress=progress)
    _say(result.lines())


# ---- demo case (qinglian/demo) --------------------------------------------------------------


@app.command("demo")
def demo_cmd(
    out_dir: Annotated[Path, typer.Argument(help="演示目录 / demo folder")] = Path("demo-case"),
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / random seed")] = 7,
    scale: Annotated[float, typer.Option("--scale", help="数据量倍数 / volume multiplier")] = 1.0,
    force: Annotated[
        bool, typer.Option("--force", help="覆盖已有的演示目录 / replace an existing demo folder")
    ] = False,
    user: UserOpt = None,
    industry: Annotated[
        str | None,
        typer.Option("--industry", help="行业包的演示：loans | real_estate | renovation | education / an industry pack's demo"),
    ] = None,
) -> None:
    """生成合成演示案件并运行全部分析 / build the synthetic demo case and analyse it."""
    from qinglian.demo import run_demo
    from qinglian.demo.industry import run_industry_demo

    if not scale > 0:
        raise QinglianError(f"数据量倍数须为正数（收到 {scale}）", f"--scale must be positive (got {scale})",
                            hint_zh="例如 --scale 0.1 或 --scale 2", hint_en="for example --scale 0.1 or --scale 2")
    with _progress() as progress:
        if industry:
            result = run_industry_demo(out_dir, industry, seed=seed, scale=scale, force=force, user=user,
                                       progress=progress)
        else:
            result = run_demo(out_dir, seed=seed, scale=scale, force=force, user=user, progress=progress)
    _say(result.lines())


# ---- behaviour analytics (qinglian/detect/behaviour) ----------------------------------------


@app.command("score-callers")
def score_callers_cmd(
    features: Annotated[Path, typer.Argument(help="特征 CSV（number 列及可选特征列，- 为标准输入）/ features CSV")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="输出 CSV（默认标准输出）/ output CSV (default stdout)")
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option("--train", help="标注 CSV（同样的列加 label：1 有害、0 正常），训练后评分 / labelled CSV to train on"),
    ] = None,
    save: Annotated[
        Path | None, typer.Option("--save", help="保存训练的模型（JSON）/ save the trained model (JSON)")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="用已保存的模型评分 / score with a saved model")
    ] = None,
) -> None:
    """按号码特征评分：number,score,flag,reasons（默认按公开依据的规则；--train/--model 用训练的模型）/ score callers."""
    if train is not None and model is not None:
        raise QinglianError("--train 与 --model 只能选一个", "use either --train or --model, not both")
    if save is not None and train is None:
        raise QinglianError("--save 需要与 --train 一起用", "--save needs --train")
    if train is None and model is None:
        from qinglian.detect.behaviour.files import score_csv

        flagged = score_csv(features, out_file)
    else:
        from qinglian.detect.behaviour.trained import score_csv_trained

        flagged, lines = score_csv_trained(features, out_file, train=train, save=save, model_path=model)
        for line in lines:
            err.print(line, markup=False, highlight=False)
    if out_file is not None:
        err.print(t(f"{flagged} 个号码判定为有害", f"{flagged} numbers flagged"), markup=False, highlight=False)


@app.command("behaviour")
def behaviour_cmd(
    calls: Annotated[Path, typer.Option("--calls", help="话单：CSV/Parquet 文件或目录 / CDR file or folder")],
    out_file: Annotated[Path, typer.Option("--out", help="每个主叫号码一行的指标 CSV / measures CSV")],
    engine: Annotated[str, typer.Option("--engine", help="duckdb | spark")] = "duckdb",
    spark_master: Annotated[
        str | None, typer.Option("--spark-master", help="Spark 地址，默认 local[*] / Spark master URL")
    ] = None,
) -> None:
    """对话单计算通话行为指标与群呼评分 / behaviour measures and scores over call-detail records."""
    from qinglian.detect.behaviour.files import measures_csv

    result = measures_csv(calls, engine, out_file, spark_master)
    for line in result.lines():
        err.print(line, markup=False, highlight=False)
    for note in result.notes.itertuples():
        err.print(f"  {note.problem}: {note.count}  {note.detail}", markup=False, highlight=False)


# ---- report: the case file (qinglian/report) -------------------------------------------------


@app.command("report")
def report_cmd(
    case_dir: CaseDir,
    holder: Annotated[str | None, typer.Option("--holder", help="只出该单位的材料 / one holder only")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="html,pdf,xlsx,ftm 中的一种或几种（逗号分隔）/ formats")
    ] = "html,pdf,xlsx,ftm",
    reveal: Annotated[
        bool, typer.Option("--reveal", help="显示完整个人信息（须 --reason，写入保管日志）/ unmask PI (needs --reason, logged)")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="显示完整个人信息的理由（写入保管日志）/ why PI is unmasked (logged)")
    ] = None,
    user: UserOpt = None,
) -> None:
    """生成案件材料（HTML、PDF、XLSX、FtM）/ write the case file into CASE/reports/."""
    from qinglian.report.run import ReportOptions, build_report, parse_formats

    opts = ReportOptions(holder=holder, formats=parse_formats(fmt), reveal=reveal, user=user, reason=reason)
    label = t("生成报告", "report")
    with _progress() as progress:
        paths = build_report(case_dir, opts, progress=lambda _step, done, total: progress(label, done, total))
    for path in paths:
        out.print(str(path), markup=False, highlight=False, soft_wrap=True)


# ---- charges: violation facts per party and their review (qinglian/charges) ---------------


@app.command("charges")
def charges_cmd(
    case_dir: CaseDir,
    holder: Annotated[str | None, typer.Option("--holder", help="只看该单位 / one holder only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="每项一行 JSON / one JSON object per charge")] = False,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="列出该指控（或线索）的全部证据行 / list a charge's evidence")
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="由检测结果重新生成 / rebuild from detections")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="--evidence 最多列出的行数 / max rows")] = None,
    user: UserOpt = None,
) -> None:
    """违法事实（指控）与线索 / charges and leads per party."""
    from qinglian.charges.review import charges_command

    _say(charges_command(case_dir, holder, as_json, evidence, rebuild, user, limit))


@app.command("review")
def review_cmd(
    case_dir: CaseDir,
    charge: Annotated[str, typer.Argument(help="指控编号 / charge id")],
    confirm: Annotated[bool, typer.Option("--confirm", help="确认 / confirm")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="驳回 / reject")] = False,
    more: Annotated[bool, typer.Option("--more", help="需补充证据 / needs more evidence")] = False,
    reason: Annotated[str, typer.Option("--reason", help="理由（写入保管日志）/ why (logged)")] = "",
    user: UserOpt = None,
) -> None:
    """复核一项指控 / review a charge (confirm, reject or ask for more evidence)."""
    from qinglian.charges.review import review_charge
    from qinglian.errors import QinglianError
    from qinglian.store.case import open_case

    chosen = [s for s, on in (("confirmed", confirm), ("rejected", reject), ("needs_more", more)) if on]
    if len(chosen) != 1:
        raise QinglianError("请选择 --confirm、--reject 或 --more 之一", "choose one of --confirm, --reject, --more")
    done = review_charge(open_case(case_dir), charge, chosen[0], reason, user)
    _say([t(f"{done['charge_id']}：{done['status']}（复核人 {done['reviewer']}）",
            f"{done['charge_id']}: {done['status']} (reviewer {done['reviewer']})")])


# ---- cross-region referral (qinglian/link/referrals.py, qinglian/report/referral.py) ---------


@app.command("referrals")
def referrals_cmd(
    case_dir: CaseDir,
    region: Annotated[str | None, typer.Option("--region", help="只出该省份的材料，如 浙江省 / one province only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 列表，每个地区一项 / print a JSON list, one object per region")] = False,
    fmt: Annotated[str, typer.Option("--format", help="html,pdf,xlsx 中的一种或几种（逗号分隔）/ packet formats")] = "html,pdf,xlsx",
    user: UserOpt = None,
) -> None:
    """按地区移送/协查：上游账号所在省份、该地被联系的消费者，每省一份函稿 / cross-region referral: upstream accounts
    by province, consumers reached there, one referral packet per province in CASE/reports/referrals/."""
    import json

    from qinglian.referrals import referrals
    from qinglian.report.referral import parse_formats
    from qinglian.store.case import open_case

    with _progress() as progress:
        result = referrals(open_case(case_dir), region=region, formats=parse_formats(fmt), user=user,
                           progress=lambda _step, done, total: progress(t("移送材料", "referrals"), done, total))
    if as_json:
        typer.echo(json.dumps(result.json_rows(), ensure_ascii=False, indent=1))
    else:
        _say(result.lines())


# ---- web workspace (qinglian/web) ----------------------------------------------------------

users_app = typer.Typer(help="工作台账号 / workspace accounts", no_args_is_help=True)
app.add_typer(users_app, name="users")
CasesOpt = Annotated[Path, typer.Option("--cases", help="存放案件的文件夹 / folder holding the cases")]
DbOpt = Annotated[str | None, typer.Option("--db", help="应用数据库 URL（默认 CASES/.qinglian-web/app.sqlite）/ app database URL")]


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口 / port")] = 8000,
    cases: CasesOpt = Path("."),
    db: DbOpt = None,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="仅经 HTTPS 发送 cookie / cookies over HTTPS only")] = False,
    registry: RegistryOpt = None,
) -> None:
    """网页工作台 / the investigators' workspace in the browser."""
    import os

    from qinglian.link.registry import REGISTRY_ENV
    from qinglian.web.serve import serve

    if registry is not None:  # the party pages and the analyses the server runs all use it
        os.environ[REGISTRY_ENV] = str(registry.resolve())
    serve(cases, host, port, db, secure_cookies)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option("--role", help="admin | case_lead | investigator | reviewer | viewer")],
    case: Annotated[list[str] | None, typer.Option("--case", help="加入的案件（编号或文件夹名，可多次）/ case to join")] = None,
    cases: CasesOpt = Path("."),
    db: DbOpt = None,
) -> None:
    """新建或更新账号（密码取自 QINGLIAN_PASSWORD 或提示输入）/ add or update an account."""
    import os

    from qinglian.web.users import add_user, check_user

    check_user(name, None, role)
    password = os.environ.get("QINGLIAN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise QinglianError("没有密码：请在终端中运行，或设置 QINGLIAN_PASSWORD",
                                "no password: run it in a terminal, or set QINGLIAN_PASSWORD")
        password = typer.prompt(t("密码", "Password"), hide_input=True, confirmation_prompt=True)
    _say(add_user(cases, name, password, role, case or [], db))


# ---- entry point -----------------------------------------------------------------------------


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this in-process)."""
    import click

    try:
        result = app(args=argv, standalone_mode=False)
    except QinglianError as exc:
        err.print(exc.render(), markup=False, highlight=False)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.exceptions.Abort, typer.Abort, KeyboardInterrupt):  # Ctrl+C, at a prompt too
        err.print(t("已中断，案件未被改动", "interrupted; the case was not changed"))
        return 130
    finally:
        set_language(None)
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
