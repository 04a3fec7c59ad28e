"""Company and person name normalisation for resolution: 公司 suffixes, regions, brackets, spacing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ORG_FORMS: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "总公司", "集团", "公司",
    "工作室", "商行", "事务所", "合伙企业", "有限合伙", "经营部", "门市部",
)
INDUSTRY_WORDS: tuple[str, ...] = (
    "信息技术", "网络科技", "电子商务", "企业管理", "融资担保", "小额贷款", "金融服务", "金融信息",
    "文化传媒", "商务咨询", "投资管理", "资产管理", "数据科技", "科技", "信息", "网络", "金融",
    "咨询", "服务", "管理", "商务", "投资", "贸易", "传媒", "技术", "数据", "担保", "电子", "实业",
    "发展", "控股", "通信", "软件", "智能", "互联网",
)
PROVINCES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
    "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
CITIES: tuple[str, ...] = (
    "深圳", "广州", "东莞", "佛山", "珠海", "惠州", "中山", "杭州", "宁波", "温州", "南京", "苏州",
    "无锡", "常州", "合肥", "厦门", "福州", "泉州", "南昌", "济南", "青岛", "郑州", "武汉", "长沙",
    "成都", "贵阳", "昆明", "西安", "兰州", "南宁", "海口", "三亚", "沈阳", "大连", "长春", "哈尔滨",
    "石家庄", "太原", "呼和浩特", "银川", "西宁", "乌鲁木齐", "拉萨",
)
_HAN = "[\u4e00-\u9fff]"
_REGION_RE = re.compile(
    "^(?:(?:" + "|".join(PROVINCES) + ")(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)?"
    f"|{_HAN}{{2,3}}省)?"
    "(?:(?:" + "|".join(CITIES) + f")市?|{_HAN}{{2,3}}市)?"
    f"(?:{_HAN}{{1,3}}[区县])?"
)
_DIVISION_RE = re.compile(f"({_HAN}{{1,3}}[区县]|{_HAN}{{2,3}}市|{_HAN}{{2,3}}省)$")
_BRACKETS_RE = re.compile(r"[（(\[【]([^）)\]】]*)[）)\]】]")
_SPACE_RE = re.compile(r"[\s·・.,，、\-_]+")
_HAN_NAME_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_ORG_HINT_RE = re.compile("|".join(ORG_FORMS + INDUSTRY_WORDS[:20]))


@dataclass(frozen=True)
class NameParts:
    raw: str
    clean: str  # width-folded, spaces removed
    core: str  # clean without region, brackets and legal form
    brand: str  # core without trailing industry words
    region: str | None
    kind: str  # 'company' or 'person'


def _strip_suffixes(text: str, suffixes: tuple[str, ...]) -> str:
    changed = True
    while changed and text:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def _region_of(text: str) -> str | None:
    """The most specific place a name gives: a district or county, else a city, else a province."""
    for pattern in (f"{_HAN}{{1,3}}[区县]$", f"{_HAN}{{2,3}}市"):
        found = re.search(pattern, text)
        if found:
            return re.split("[市省]", found.group(0).removesuffix("市"))[-1] or None
    for name in (*CITIES, *PROVINCES):
        if name in text:
            return name
    found = re.search(f"{_HAN}{{2,3}}省", text)
    return found.group(0).removesuffix("省") if found else None


def normalise(raw: str) -> NameParts:
    """Split a company or person name into the parts resolution compares."""
    clean = unicodedata.normalize("NFKC", raw)
    clean = _SPACE_RE.sub("", clean)
    if clean.startswith("【") and clean.endswith("】"):  # an SMS signature used as a name
        clean = clean[1:-1]
    region: str | None = None
    for inner in _BRACKETS_RE.findall(clean):
        if _DIVISION_RE.search(inner) or any(n in inner for n in (*CITIES, *PROVINCES)):
            region = region or _region_of(inner)
    core = _BRACKETS_RE.sub("", clean) or clean
    match = _REGION_RE.match(core)
    if match and match.end() > 0 and match.end() < len(core) - 1:
        region = region or _region_of(match.group(0)) or None
        core = core[match.end():]
    core = _strip_suffixes(core, ORG_FORMS)
    # A region may also sit between the brand and the legal form: XX（深圳）科技 / XX深圳分公司.
    brand = _strip_suffixes(core, INDUSTRY_WORDS)
    kind = "person" if _HAN_NAME_RE.match(clean) and not _ORG_HINT_RE.search(clean) else "company"
    return NameParts(raw=raw, clean=clean, core=core or clean, brand=brand or core or clean,
                     region=region, kind=kind)
