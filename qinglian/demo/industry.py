"""`qinglian demo --industry PACK`: a small synthetic case for one industry pack, with its ground truth.

Four holders per pack: two that market in breach of the pack's rules (a list bought from others,
false promises or an official guise, no consent), and two compliant ones (their own consent register,
a sender's name and an opt-out, factual offers). The holders' evidence uses the pack's vocabulary and
header synonyms. The case is made with the pack, run through every stage, and ground_truth.json
names each holder's intended conducts; compliant holders must get none. ``loans`` runs the full
loan demo (qinglian.demo.run).
"""

from __future__ import annotations

import csv
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from qinglian import pipeline
from qinglian.demo.manifest import Manifest, ManifestEntry
from qinglian.demo.run import (
    AGENCY,
    REPORT_FORMATS,
    DemoResult,
    _demo_key,
    ingest_manifest,
    prepare_out_dir,
    run_demo,
)
from qinglian.errors import QinglianError
from qinglian.packs import load_pack
from qinglian.report.run import ReportOptions

START = datetime(2025, 6, 2, 9, 0)
LIST_SIZE = 40  # consumers per customer list at scale 1
SMS_SENT, CALLS_MADE = 30, 25  # per holder at scale 1


@dataclass(frozen=True)
class Holder:
    name: str
    signature: str
    violating: bool
    guise: bool  # speaks as a public body (impersonation)
    conducts: tuple[str, ...]


@dataclass(frozen=True)
class Script:
    """What a pack's holders say: the violators' promises and guises, the compliant holders' offers."""

    promise_sms: tuple[str, ...]
    promise_calls: tuple[str, ...]
    guise_sms: tuple[str, ...]
    guise_calls: tuple[str, ...]
    lawful_sms: tuple[str, ...]
    lawful_calls: tuple[str, ...]
    customer_headers: tuple[str, ...]  # name, phone, the pack's own column, source
    own_column: tuple[str, ...]  # values of the pack's own column


_VIOLATING = ("pi_unlawful", "unsolicited")

SCRIPTS: dict[str, Script] = {
    "real_estate": Script(
        promise_sms=(
            "{sig}城东学区房急售，保证升值，零首付即可入住，详询{phone}，回T退订",
            "{sig}内部房源特价，年回报8%，买到就是赚到，看房请致电{phone}，拒收请回T",
        ),
        promise_calls=(
            "坐席：您好，我是安家的置业顾问，城东新盘内部认购，保证升值，首付分期也可以。客户：嗯，多少钱？"
            "坐席：单价两万，名额有限，您可以来看房。",
        ),
        guise_sms=("{sig}住建局通知：您名下房产需办理核验，请致电{phone}预约，回T退订",),
        guise_calls=(
            "坐席：您好，我是市住建局不动产登记中心的，您小区的房产需要重新核验，顺便给您推荐几套新房源。客户：是吗？"
            "坐席：对，您留个时间我们的置业顾问上门。",
        ),
        lawful_sms=(
            "{sig}您登记关注的小区有新房源上架，建筑面积89平方米，欢迎预约看房，拒收请回T",
            "{sig}感谢您到店咨询，您预约的看房时间为周六上午，如需改期请回复，拒收请回T",
        ),
        lawful_calls=(
            "坐席：您好，我是诚信房产的经纪人，您上周在门店登记想看两居室，现在有一套符合条件，您方便周末来看吗？"
            "客户：可以。坐席：好的，如果以后不需要推荐可以随时告诉我。",
        ),
        customer_headers=("姓名", "手机号", "意向小区", "来源"),
        own_column=("城东花园", "锦绣家园", "阳光小区", "滨江一号"),
    ),
    "renovation": Script(
        promise_sms=(
            "{sig}0元装修拎包入住，终身质保，免费量房，详询{phone}，回T退订",
            "{sig}全包价一口价，绝无增项，质保终身，免费设计，拒收请回T",
        ),
        promise_calls=(
            "坐席：您好，我们是美居装饰，现在0元装修活动，终身质保，免费上门量房。客户：真的不要钱？"
            "坐席：对，您约个时间设计师上门。",
        ),
        guise_sms=("{sig}街道办通知：本小区统一安排老旧管道改造检测，请致电{phone}预约，回T退订",),
        guise_calls=(
            "坐席：您好，我是街道办的，咱们小区统一做防水和管道检测，检测完可以给您出装修方案。客户：要钱吗？"
            "坐席：检测免费，装修我们有优惠。",
        ),
        lawful_sms=(
            "{sig}您预约的免费量房已安排在周六上午，设计师将电话联系您，拒收请回T",
            "{sig}感谢您到店咨询，全包套餐报价以合同清单为准，欢迎来电了解，拒收请回T",
        ),
        lawful_calls=(
            "坐席：您好，我是安心家装的设计顾问，您在官网登记了量房需求，周六上午方便吗？客户：可以。"
            "坐席：好的，报价以量房后的清单为准，不需要的话随时告诉我。",
        ),
        customer_headers=("姓名", "手机号", "装修地址", "来源"),
        own_column=("城东花园3栋", "锦绣家园5栋", "阳光小区2栋", "滨江一号8栋"),
    ),
    "education": Script(
        promise_sms=(
            "{sig}中考冲刺班签约保过，命题专家亲授，不提分退费，报名热线{phone}，回T退订",
            "{sig}考研集训营包上岸，内部名额仅剩5个，名师押中原题，拒收请回T",
        ),
        promise_calls=(
            "坐席：家长您好，我们是启航教育，暑期班保证提高30分，命题组老师亲自授课。客户：这么厉害？"
            "坐席：对，名额不多，您先来试听。",
        ),
        guise_sms=("{sig}教育局通知：暑期学业测评须在指定机构报名，请致电{phone}，回T退订",),
        guise_calls=(
            "坐席：家长您好，我是区教育局的，孩子的暑期学业测评需要在我们指定的机构报名。客户：哦，怎么报？"
            "坐席：我把课程顾问的电话发给您。",
        ),
        lawful_sms=(
            "{sig}您预约的试听课安排在周六上午九点，课程安排详见官网，拒收请回T",
            "{sig}感谢您到校咨询，秋季班开始报名，课程和收费以合同为准，拒收请回T",
        ),
        lawful_calls=(
            "坐席：家长您好，我是博学教育的课程顾问，您在官网预约了数学试听课，周六上午方便吗？客户：可以。"
            "坐席：好的，如果以后不需要通知可以随时告诉我们。",
        ),
        customer_headers=("学生姓名", "家长电话", "就读学校", "来源"),
        own_column=("第一中学", "实验小学", "第三中学", "外国语学校"),
    ),
}

HOLDERS: dict[str, tuple[Holder, ...]] = {
    "real_estate": (
        Holder("安家房产经纪有限公司", "【安家置业】", True, False, (*_VIOLATING, "false_promise")),
        Holder("鑫源房地产经纪有限公司", "【鑫源房产】", True, True, (*_VIOLATING, "impersonation")),
        Holder("诚信房产经纪有限公司", "【诚信房产】", False, False, ()),
        Holder("宜居房地产经纪有限公司", "【宜居房产】", False, False, ()),
    ),
    "renovation": (
        Holder("美居装饰工程有限公司", "【美居装饰】", True, False, (*_VIOLATING, "false_promise")),
        Holder("恒达装饰工程有限公司", "【恒达装饰】", True, True, (*_VIOLATING, "impersonation")),
        Holder("安心家装有限公司", "【安心家装】", False, False, ()),
        Holder("匠心装饰设计有限公司", "【匠心装饰】", False, False, ()),
    ),
    "education": (
        Holder("启航教育培训学校有限公司", "【启航教育】", True, False, (*_VIOLATING, "false_promise")),
        Holder("英才教育科技有限公司", "【英才教育】", True, True, (*_VIOLATING, "impersonation")),
        Holder("博学教育培训中心有限公司", "【博学教育】", False, False, ()),
        Holder("明德文化培训学校有限公司", "【明德文化】", False, False, ()),
    ),
}

INDUSTRIES: tuple[str, ...] = ("loans", *HOLDERS)


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        p = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        if p not in used:
            used.add(p)
            return p


def _write(path: Path, headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)


def _scaled(n: int, scale: float, least: int) -> int:
    return max(least, round(n * scale))


def _when(i: int, per_day: int, step_min: int) -> timedelta:
    """The i-th message's or call's time after START: ten days in turn, ``per_day`` a day at most,
    ``step_min`` apart, so a larger demo stays in office hours instead of running into the night."""
    return timedelta(days=i % 10 + 10 * (i // (10 * per_day)), minutes=step_min * ((i // 10) % per_day))


def generate_industry(out_dir: Path, industry: str, seed: int = 7, scale: float = 1.0) -> Manifest:
    """Write the demo of one industry pack into out_dir (files/, ground_truth.json, manifest.json);
    ``scale`` multiplies the list sizes, messages and calls (each holder keeps a few of each)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    script, holders = SCRIPTS[industry], HOLDERS[industry]
    list_size = _scaled(LIST_SIZE, scale, 20)
    n_sms, n_calls = _scaled(SMS_SENT, scale, 10), _scaled(CALLS_MADE, scale, 10)
    first_call = n_sms // 3  # calls reach some who had a message and some who had none
    rng = random.Random(f"{industry}:{seed}")
    files = out_dir / "files"
    files.mkdir(parents=True)
    manifest = Manifest(out_dir)
    used: set[str] = set()
    fake_names = "张王李赵刘陈杨黄周吴"
    given = "伟芳娜敏静磊洋艳勇军杰娟涛明"
    for k, h in enumerate(holders):
        stem = f"{industry}_{k + 1}"
        people = [("".join((rng.choice(fake_names), rng.choice(given), rng.choice(given))), _phone(rng, used),
                   rng.choice(script.own_column)) for _ in range(list_size)]
        sources = ("资源包购买", "渠道购买", "外部名单") if h.violating else ("到店登记", "官网预约", "本人来电")
        name = f"{stem}_customers.csv"
        _write(files / name, script.customer_headers, [(*p, rng.choice(sources)) for p in people])
        manifest.entries.append(ManifestEntry(name, h.name, None, "customers", len(people), "csv"))
        # messages and calls go to the listed consumers, in an order unlike the list's
        reached = people[:]
        rng.shuffle(reached)
        sms_texts = script.guise_sms if h.guise else (
            script.promise_sms if h.violating else script.lawful_sms)
        call_texts = script.guise_calls if h.guise else (script.promise_calls if h.violating else script.lawful_calls)
        hotline = "4008" + "".join(rng.choice("0123456789") for _ in range(6))
        sms_rows = []
        for i, p in enumerate(reached[:n_sms]):
            text = rng.choice(sms_texts).format(sig=h.signature, phone=hotline)
            sent = START + _when(i, 40, 7)
            sms_rows.append((f"acct_{stem}", h.signature, p[1], sent.strftime("%Y-%m-%d %H:%M:%S"), text, "成功"))
        name = f"{stem}_sms.csv"
        _write(files / name, ("发送账号", "签名", "手机号码", "发送时间", "短信内容", "发送状态"), sms_rows)
        manifest.entries.append(ManifestEntry(name, h.name, None, "sms", len(sms_rows), "csv"))
        caller = _phone(rng, used)
        call_rows = []
        for i, p in enumerate(reached[first_call:first_call + n_calls]):
            started = START + timedelta(hours=1) + _when(i, 30, 11)
            call_rows.append((f"seat_{stem}", caller, p[1], started.strftime("%Y-%m-%d %H:%M:%S"),
                              60 + 7 * (i % 40), "已接通", rng.choice(call_texts)))
        name = f"{stem}_calls.csv"
        _write(files / name, ("坐席账号", "主叫号码", "被叫号码", "开始时间", "通话时长", "接通状态", "通话内容"), call_rows)
        manifest.entries.append(ManifestEntry(name, h.name, None, "calls", len(call_rows), "csv"))
    truth = {
        "industry": industry,
        "note": "演示数据：全部为程序生成的合成数据；conduct types (qinglian.charges.conduct) each holder's "
                "evidence is built to show; compliant holders must get no charge",
        "charges": {"holders": {h.name: {"violating": h.violating, "conducts": sorted(h.conducts)} for h in holders}},
    }
    manifest.ground_truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    manifest.write()
    return manifest


def run_industry_demo(
    out_dir: Path, industry: str, seed: int = 7, scale: float = 1.0, force: bool = False,
    user: str | None = None, *, report: bool = True, formats: tuple[str, ...] = REPORT_FORMATS,
    progress: pipeline.Progress = pipeline.no_progress,
) -> DemoResult:
    """Generate the demo of ``industry`` (a pack name), ingest it into out_dir/case made with that
    pack, and run every stage (the report too unless ``report`` is False)."""
    if industry not in INDUSTRIES:
        names = "、".join(INDUSTRIES)
        raise QinglianError(f"没有 {industry} 行业的演示", f"there is no demo for the industry {industry}",
                            hint_zh=f"可选：{names}", hint_en=f"choose one of: {', '.join(INDUSTRIES)}")
    if industry == "loans":
        return run_demo(out_dir, seed=seed, scale=scale, force=force, user=user, report=report, formats=formats,
                        progress=progress)
    from qinglian.store.case import init_case

    pack = load_pack(industry)
    out_dir = Path(out_dir)
    prepare_out_dir(out_dir, force)
    started = time.perf_counter()
    manifest = generate_industry(out_dir, industry, seed, scale)
    result = DemoResult(out_dir, out_dir / "case", manifest, time.perf_counter() - started)
    case = init_case(result.case_dir, f"演示案件：{pack.party_zh}骚扰营销（合成数据）", AGENCY, user=user,
                     packs=(industry,))
    started = time.perf_counter()
    result.ingested_files, result.ingested_rows = ingest_manifest(case, manifest, user=user, progress=progress)
    result.ingest_seconds = time.perf_counter() - started
    options = ReportOptions(formats=formats, user=user) if report else None
    result.stages = pipeline.run_case(case, user=user, key=_demo_key(case), report_options=options, progress=progress)
    result.seconds = result.stages.seconds
    return result
