"""How the report shows the analysis tables: which columns, under which Chinese headers.

The HTML and PDF show the columns an investigator reads (the XLSX keeps every column). A table
or column not listed here is still shown, under its own name, so a new analysis never
disappears from the report.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    title: str
    columns: tuple[tuple[str, str], ...]  # (column, header)


_RATE = (
    ("calls", "通话数"),
    ("active_days", "活跃天数"),
    ("calls_per_day", "日均通话"),
    ("distinct_callees", "不同被叫"),
    ("calls_per_callee", "每被叫通话"),
    ("answer_rate", "接通率"),
    ("mean_duration_s", "平均时长（秒）"),
    ("max_concurrent", "最大并发"),
    ("outside_hours_share", "非工作时间占比"),
    ("calls_after_objection", "拒绝后仍呼叫"),
)

SPECS: dict[str, TableSpec] = {
    "behaviour_accounts": TableSpec("外呼账号行为", (("account", "账号"), *_RATE, ("score", "得分"),
                                                  ("flag", "疑似机器人外呼"), ("reasons", "理由"))),
    "behaviour_numbers": TableSpec("主叫号码行为", (("number", "主叫号码"), *_RATE, ("score", "得分"),
                                                 ("flag", "疑似机器人外呼"), ("reasons", "理由"))),
    "behaviour_holders": TableSpec("各单位呼叫行为", (("holder", "被检查单位"), *_RATE, ("numbers", "号码数"))),
    "behaviour_sms": TableSpec("短信发送行为", (
        ("level", "层级"), ("key", "账号/签名"), ("sends", "发送量"), ("distinct_recipients", "不同接收人"),
        ("active_days", "活跃天数"), ("sends_per_day", "日均发送"), ("peak_day", "峰值日"),
        ("peak_day_sends", "峰值日发送量"), ("sends_after_optout", "退订后仍发送"),
        ("no_optout_share", "无退订方式占比"))),
    "behaviour_notes": TableSpec("行为分析说明", (("scope", "范围"), ("problem", "问题"), ("count", "条数"),
                                              ("detail", "说明"))),
    "list_order": TableSpec("按名单顺序拨打", (
        ("evidence_sha256", "名单文件"), ("sheet", "工作表"), ("account", "外呼账号"), ("list_rows", "名单行数"),
        ("dialled", "已拨打"), ("coverage", "覆盖率"), ("spearman", "顺序相关（Spearman）"),
        ("longest_run", "最长连续顺序段"), ("run_first_row", "段首行"), ("run_last_row", "段末行"))),
    "intent_grades": TableSpec("意向分级（按账号）", (
        ("holder", "被检查单位"), ("account", "账号"), ("grade", "意向等级"), ("consumers", "消费者数"),
        ("calls", "通话数"), ("mean_duration_s", "平均时长（秒）"), ("mean_turns", "平均话轮"))),
    "campaigns": TableSpec("短信群发活动（模板聚类）", (
        ("campaign_id", "活动"), ("kind", "类型"), ("template", "模板"), ("messages", "条数"),
        ("accounts", "账号"), ("signatures", "签名"), ("holders", "单位"), ("peak_day", "峰值日"),
        ("peak_count", "峰值日条数"))),
    "targets": TableSpec("检查目标排序", (
        ("phase", "阶段"), ("rank", "名次"), ("holder", "被检查单位"), ("score", "得分"),
        ("reasons", "理由与证据"))),
    "upstream": TableSpec("上游排名（供应商、平台、账号）", (
        ("rank", "名次"), ("type", "类型"), ("name", "名称"), ("holders_served", "服务单位数"),
        ("downstream_weight", "下游发现权重"), ("reasons", "理由与证据"))),
    "list_overlaps": TableSpec("名单重合（包含度、Jaccard）", (
        ("list_a", "名单 A"), ("list_b", "名单 B"), ("size_a", "A 人数"), ("size_b", "B 人数"),
        ("shared", "共有"), ("containment_a_in_b", "A 含于 B"), ("containment_b_in_a", "B 含于 A"),
        ("jaccard", "Jaccard"), ("method", "方法"))),
    "leak_clusters": TableSpec("共同泄露源的名单聚类", (
        ("cluster_id", "聚类"), ("holder", "被检查单位"), ("file_name", "名单文件"),
        ("fingerprint", "名单类型（字段指纹）"), ("fingerprint_detail", "判断依据"))),
    "cross_case_overlaps": TableSpec("与其他案件名单的重合（假名比对）", (
        ("their_case", "其他案件"), ("their_holder", "对方单位"), ("their_file", "对方名单"),
        ("holder", "本案单位"), ("our_file", "本案名单"), ("their_size", "对方人数"), ("our_size", "本案人数"),
        ("shared", "共有"), ("containment_theirs_in_ours", "对方含于本案"),
        ("containment_ours_in_theirs", "本案含于对方"), ("jaccard", "Jaccard"))),
}

# Values of a few coded columns, in words.
CODES: dict[str, dict[str, str]] = {
    "phase": {"before": "检查前（投诉与账户表）", "after": "检查后（证据强度）"},
    "type": {"vendor": "外呼系统供应商", "platform": "短信平台", "account": "账号"},
    "fingerprint": {"enterprise_registry": "企业信息网站爬取名单", "loan_applicants": "贷款申请人名单",
                    "identity_records": "身份信息名单", "contact_list": "普通联系人名单"},
}


def shown_columns(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """(columns to read, their headers) for a table with ``columns``."""
    spec = SPECS.get(table)
    if spec is None:
        return list(columns), list(columns)
    have = set(columns)
    picked = [(c, h) for c, h in spec.columns if c in have]
    if not picked:
        return list(columns), list(columns)
    return [c for c, _ in picked], [h for _, h in picked]


def title(table: str, default: str) -> str:
    spec = SPECS.get(table)
    return spec.title if spec is not None else default
